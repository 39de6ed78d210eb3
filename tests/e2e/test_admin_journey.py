"""Django admin as an item admin and a health officer use it: every changelist, change form and add
form of the services, credentials and healthcode models is audited by axe-core (no serious or
critical violation); and a new item admin builds an item's form without typing JSON — fields added
through the structured editor, fee in 元 — publishes the version, and a citizen applies on a phone."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
APPS = ("services", "credentials", "healthcode")


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    return {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}, PASSWORD


def admin_pages(page, url: str) -> list[str]:
    """Each model's changelist of the apps an item admin and a health officer work in, its first
    object's change form and its add form (where adding is allowed)."""
    page.goto(url + "/admin/")
    changelists = sorted({href for app in APPS for href in page.eval_on_selector_all(
        f".app-{app} th[scope=row] a", "links => links.map(a => a.getAttribute('href'))")})
    paths = []
    for changelist in changelists:
        paths.append(changelist)
        page.goto(url + changelist)
        first = page.locator("#result_list tbody tr th a, #result_list tbody tr td.field-__str__ a").first
        if first.count():
            paths.append(first.get_attribute("href"))
        add = page.locator(".object-tools a.addlink[href$='/add/']")
        if add.count():
            paths.append(add.first.get_attribute("href"))
    return paths


def test_admin_pages_have_no_serious_or_critical_accessibility_violation(live_server, demo, page, page_check, request):
    """Every admin page opened here goes through the page check (axe with the WCAG 2.2 AA tags, width,
    identifier shapes, 5xx: tests/e2e/conftest.py), which fails this test at teardown on any finding."""
    people, password = demo
    url = live_server.url
    visited = []
    page.set_viewport_size(DESKTOP)
    for who in ("item_admin", "health_officer", "superuser"):
        page.context.clear_cookies()
        sign_in(page, url, people[who], password)
        for path in admin_pages(page, url):
            page.goto(url + path)
            visited.append((who, path))
    checked = [v for v in page_check.views if v["test"] == request.node.nodeid and "/admin/" in v["url"]]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-admin-report.json").write_text(json.dumps(
        [{"page": v["url"].removeprefix(url), "axe": v.get("axe")} for v in checked], ensure_ascii=False, indent=1))
    assert len(visited) >= 60 and len(checked) >= len(visited)
    assert all(v.get("axe") is not None for v in checked)  # axe ran on every admin page view
    assert any(re.search(r"/admin/services/itemversion/\d+/change/", path) for _who, path in visited)
    assert any(re.search(r"/admin/healthcode/riskarea/", path) for _who, path in visited)


def run_action(page, url: str, changelist: str, pk: int, action: str) -> None:
    page.goto(url + changelist)
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    with page.expect_navigation():
        page.click("button[name=index]")


def test_a_new_item_admin_builds_a_form_without_json_and_a_citizen_applies_on_a_phone(live_server, demo, page, shot):
    from services.models import Application, ItemVersion, ServiceItem

    people, password = demo
    url = live_server.url
    item = ServiceItem.objects.get(code="GA-007")
    published = item.current_version

    # The item admin, on a desktop: a new draft of the item's guide, from the changelist's action.
    page.set_viewport_size(DESKTOP)
    sign_in(page, url, people["item_admin"], password)
    run_action(page, url, "/admin/services/itemversion/", published.pk, "new_version")
    draft = ItemVersion.objects.get(item=item, published_at__isnull=True)
    page.goto(url + f"/admin/services/itemversion/{draft.pk}/change/")
    assert page.locator("textarea[name=form_schema], textarea[name=approval_rules]").count() == 0  # no JSON box to type into
    assert page.locator("[name=fee_fen]").count() == 0 and page.inner_text("label[for=id_fee_yuan]").startswith("收费（元）")

    # Two new questions through the editor's blank entries: the labels, an English label, a type.
    editor = page.get_by_test_id("entries-form_schema")
    blank = editor.locator("fieldset.entry-blank").first
    blank.get_by_label("名称（中文）").fill("工作单位")
    blank.get_by_label("名称（英文）").fill("Employer")
    blank.get_by_label("填写说明（中文）").fill("填写现工作单位全称")
    page.fill("input[name=fee_yuan]", "0")
    shot("admin-item-form-editor")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.locator(".errornote").count() == 0, page.inner_text("#content")
    blank = page.get_by_test_id("entries-form_schema").locator("fieldset.entry-blank").first  # saving offers new blanks
    blank.get_by_label("名称（中文）").fill("所需份数")
    blank.get_by_label("填写方式").select_option(label="数字")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    draft.refresh_from_db()
    added = draft.form_schema[-2:]
    assert [(f["label"], f["type"]) for f in added] == [("工作单位", "text"), ("所需份数", "number")]
    assert added[0]["label_en"] == "Employer" and added[0]["help"] == "填写现工作单位全称"
    assert [f["key"] for f in draft.form_schema[:-2]] == [f["key"] for f in published.form_schema]  # the old questions kept, prefill and all
    shot("admin-item-form-saved")

    # Published: it becomes the item's guide.
    run_action(page, url, "/admin/services/itemversion/", draft.pk, "publish")
    item.refresh_from_db()
    assert item.current_version_id == draft.pk

    # The citizen, on a phone, applies under the new version and answers the new questions.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    sign_in(page, url, people["citizen"], password)
    page.goto(url + "/services/items/GA-007/apply/")
    page.get_by_label("工作单位").fill("济南市某某科技有限公司")
    assert page.get_by_text("填写现工作单位全称").is_visible()
    page.get_by_label("所需份数").fill("2")
    page.locator("#f-purpose").select_option("就业")
    shot("phone-apply-admin-built-form")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    with page.expect_navigation():
        page.get_by_test_id("submit").click()
    assert "/services/applications/QL" in page.url, page.inner_text("main")
    application = Application.objects.get(number=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert application.version_id == draft.pk
    assert application.data[added[0]["key"]] == "济南市某某科技有限公司" and application.data[added[1]["key"]] == "2"
    assert "济南市某某科技有限公司" in page.inner_text("main")
    shot("phone-applied-admin-built-form")
