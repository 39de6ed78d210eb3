"""Django admin as an item admin and a health officer use it: every changelist, change form and add
form of the services, credentials and healthcode models is audited by axe-core (no serious or
critical violation); and a new item admin builds an item's form without typing JSON — fields added
through the structured editor, fee in 元 — publishes the version, and a citizen applies on a phone."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command

from tests.e2e.conftest import ARTIFACTS, close, launch, sign_in
from tests.e2e.test_elder_and_accessibility import AXE, audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
APPS = ("services", "credentials", "healthcode")


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    return {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}, PASSWORD


@pytest.fixture
def audited(playwright):
    """A browser context that lets axe's script run despite the pages' Content-Security-Policy."""
    assert AXE.exists(), "run `make test` (it installs the npm test tools)"
    context = launch(playwright, bypass_csp=True)
    yield context
    context.csp_violations.clear()  # axe's own injected script is the only inline script here
    close(context)


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


def test_admin_pages_have_no_serious_or_critical_accessibility_violation(live_server, demo, audited):
    people, password = demo
    url = live_server.url
    found, report = {}, []
    for who in ("item_admin", "health_officer", "superuser"):
        page = audited.new_page()
        page.set_viewport_size(DESKTOP)
        audited.clear_cookies()
        sign_in(page, url, people[who], password)
        for path in admin_pages(page, url):
            page.goto(url + path)
            violations = audit(page)
            report.append((who, path, len(violations)))
            if violations:
                found[f"{who} {path}"] = violations
        page.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-admin-report.json").write_text(json.dumps({"pages": report, "violations": found}, ensure_ascii=False, indent=1))
    assert len(report) >= 60 and found == {}, json.dumps(found, ensure_ascii=False, indent=1)[:8000]
    assert any(re.search(r"/admin/services/itemversion/\d+/change/", path) for _who, path, _n in report)
    assert any(re.search(r"/admin/healthcode/riskarea/", path) for _who, path, _n in report)
