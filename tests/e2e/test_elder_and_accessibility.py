"""Every portal page in a real browser at a phone and a desktop viewport, in both modes (standard and
长辈版) and both languages, through the page check every e2e page view gets (axe-core with the WCAG 2.2
AA tags, sideways scrolling, identifier-shaped text; tests/e2e/conftest.py).
Elder mode is checked for what it promises: large type, big touch targets, the four tasks
and the hotline on the home page."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, close, launch, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from identity.models import User, id_number_index
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD
    from services.models import ServiceItem
    from services.selectors import prefill
    from services.services.applications import application_submit

    people = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
    citizen = User.objects.get(id_number_index=id_number_index(people["citizen"]))
    item = ServiceItem.objects.get(code="RS-003")
    application_submit(actor=citizen, item=item, data={**prefill(item.current_version, citizen), "delivery_address": "济南市历下区泉城路 1 号"})
    return people, PASSWORD


def in_mode(page, language: str, elder: bool) -> None:
    """The page is in the mode and language being audited."""
    assert page.evaluate("document.documentElement.lang") == language, page.url
    assert page.evaluate("document.body.classList.contains('elder')") is elder, page.url


def set_mode(page, url, elder: bool, language: str):
    page.goto(url + "/")
    page.evaluate("""([elder, language]) => {
        document.cookie = "django_language=" + language + "; path=/";
    }""", [elder, language])
    switch = page.get_by_test_id("elder-off" if not elder else "elder-on")
    if switch.count():
        switch.click()
        page.wait_for_load_state()


def pages_of(page, url) -> list[str]:
    """The citizen's pages, with one credential and one application to open."""
    page.goto(url + "/wallet/")
    credential = page.get_by_test_id("credential-link").first.get_attribute("href")
    page.goto(url + "/services/applications/")
    application = page.locator("a[href^='/services/applications/QL']").first
    return ["/", "/services/", "/services/items/GA-001/", "/services/items/RS-003/apply/", "/services/applications/",
            *([application.get_attribute("href")] if application.count() else []), "/wallet/", credential, "/wallet/checks/",
            "/health/", "/health/declare/", "/health/dependants/", "/family/", "/lutong/", "/account/", "/accounts/2fa/", "/account/second-factor/",
            "/services/bundles/newborn/apply/", "/cases/", "/cases/new/", *first_link(page, url, "/cases/", "a[href^='/cases/SQ']")]


def first_link(page, url, listing: str, selector: str) -> list[str]:
    """The first link a listing page offers (a case to open), or nothing when it lists none."""
    page.goto(url + listing)
    link = page.locator(selector).first
    return [link.get_attribute("href")] if link.count() else []


def case_pages_of(page, url, who: str) -> list[str]:
    """A staff case page from the role's own queue (the dispatcher's, the department's)."""
    listing = {"dispatcher": "/cases/staff/dispatch/", "reviewer": "/cases/staff/"}.get(who)
    return first_link(page, url, listing, "a[href^='/cases/staff/SQ']") if listing else []


STAFF_PAGES = {"clerk": ["/verify/", "/verify/wallet/", "/services/counter/", "/family/verify/"], "reviewer": ["/services/workbench/", "/cases/staff/"],
               "dispatcher": ["/cases/staff/dispatch/"],
               "checkpoint": ["/health/check/", "/verify/wallet/"],
               "health_officer": ["/health/stats/"], "venue_manager": ["/health/venues/"], "item_admin": ["/dashboard/"]}


def test_every_page_in_both_modes_and_languages_at_phone_and_desktop_width_passes_the_page_check(live_server, demo, playwright, page_check, request):
    """The walk: every page in zh and en, standard and 长辈版, on a 390 px phone and a 1366 px desktop.
    The page check (conftest.PageCheck) audits each view as it loads: axe, sideways scrolling at 100 %
    and 200 % text, identifier-shaped text; this test fails at teardown on anything it finds."""
    people, password = demo
    url = live_server.url
    context = launch(playwright)
    walked = []
    try:
        for viewport in (PHONE, DESKTOP):
            anonymous = context.new_page()
            anonymous.set_viewport_size(viewport)
            for language in ("zh-hans", "en"):
                for elder in (False, True):
                    context.clear_cookies()
                    set_mode(anonymous, url, elder, language)
                    for path in ("/", "/accounts/login/", "/accounts/signup/", "/services/", "/services/bundles/", "/services/ratings/",
                                 "/yardsticks/", "/verifiers/", "/lutong/scenarios/", "/knowledge/?q=驾照快到期了怎么换",
                                 "/knowledge/a/driving-licence-renewal/",
                                 "/cases/new/", "/cases/track/"):
                        anonymous.goto(url + path)
                        in_mode(anonymous, language, elder)
                        walked.append(path)
            anonymous.close()
            for who in ("citizen", *STAFF_PAGES):
                page = context.new_page()
                page.set_viewport_size(viewport)
                context.clear_cookies()
                sign_in(page, url, people[who], password)
                paths = pages_of(page, url) if who == "citizen" else STAFF_PAGES[who] + case_pages_of(page, url, who)
                for language in ("zh-hans", "en"):
                    for elder in (False, True):
                        set_mode(page, url, elder, language)
                        for path in paths:
                            page.goto(url + path)
                            in_mode(page, language, elder)
                            walked.append(path)
                page.close()
    finally:
        close(context)
    views = [v for v in page_check.views if v["test"] == request.node.nodeid]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(
        [{"page": v["url"].removeprefix(url), "mode": page_check.mode(v), "problems": page_check.problems(v)} for v in views],
        ensure_ascii=False, indent=1))
    assert len(walked) >= 160 and {v["width"] for v in views} >= {390, 1366}
    assert {page_check.mode(v) for v in views} >= {f"{lang} {elder} {width}" for lang in ("zh-hans", "en")
                                                  for elder in ("standard", "长辈版") for width in ("phone", "desktop")}
    assert any("/services/applications/QL" in path for path in walked)  # an application's own page too


def test_elder_mode_on_a_phone(live_server, demo, page, shot):
    people, password = demo
    url = live_server.url
    sign_in(page, url, people["citizen"], password)
    page.goto(url + "/")
    standard_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_test_id("elder-on").click()
    page.wait_for_load_state()
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18 > standard_size
    for task in ("health", "wallet", "applications", "popular"):
        box = page.get_by_test_id(f"elder-task-{task}").bounding_box()
        assert box["height"] >= 48 and box["width"] >= 120
    assert page.get_by_test_id("elder-call").get_attribute("href") == "tel:12345"
    small = page.evaluate("""() => [...document.querySelectorAll('header nav a, header nav button, main a.button, main button')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44).map(e => e.textContent.trim())""")
    assert small == []
    shot("elder-home")
    page.get_by_test_id("elder-task-wallet").click()
    shot("elder-wallet")
    page.goto(url + "/health/")
    shot("elder-health-pass")
    page.goto(url + "/services/items/RS-003/apply/")
    shot("elder-apply")
    # remembered on the account: a new device signs in and is in elder mode at once
    page.context.clear_cookies()
    sign_in(page, url, people["citizen"], password)
    page.goto(url + "/")
    assert page.get_by_test_id("elder-home").is_visible()
    page.get_by_test_id("elder-off").click()
    page.wait_for_load_state()
    assert not page.get_by_test_id("elder-home").count()
    shot("standard-home")


def test_english_pages_show_english_data(live_server, demo, page, shot):
    people, password = demo
    sign_in(page, live_server.url, people["citizen"], password)
    page.goto(live_server.url + "/")
    page.click("header form.lang button")  # 中文 → English
    page.wait_for_load_state()
    page.goto(live_server.url + "/services/")
    names = page.get_by_test_id("item-link").all_inner_texts()
    chips = page.locator(".chips a").all_inner_texts()
    assert names and chips and not [text for text in names + chips if re.search(r"[\u4e00-\u9fff]", text)]
    shot("english-catalogue")
    page.goto(live_server.url + "/wallet/")
    assert any("Resident ID card" in text for text in page.get_by_test_id("credential-link").all_inner_texts())


HEADER = """() => {
  const box = selector => { const e = document.querySelector(selector); if (!e) return null; const r = e.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, height: r.height, position: getComputedStyle(e).position}; };
  const targets = [...document.querySelectorAll('header a, header button')].filter(e => e.checkVisibility())
    .map(e => { const r = e.getBoundingClientRect(); return {text: e.textContent.trim(), width: r.width, height: r.height}; });
  return {header: box('header.topbar'), brand: box('header .brand'), tools: box('header .tools'), tabs: box('header nav.tabs'), targets,
          viewport: innerHeight};
}"""


def test_the_header_fits_one_line_on_a_phone_and_tables_stack_in_elder_mode(live_server, demo, page, shot):
    people, password = demo
    url = live_server.url
    sign_in(page, url, people["citizen"], password)
    page.goto(url + "/account/")
    for elder in (False, True):
        if elder:
            page.get_by_test_id("elder-on").click()
            page.wait_for_load_state()
        layout = page.evaluate(HEADER)
        # one line: brand and tools side by side; not sticky on a phone; the tabs a bar along the bottom
        assert abs(layout["brand"]["top"] - layout["tools"]["top"]) < 12 and layout["header"]["position"] == "static", layout
        assert layout["header"]["height"] <= 70 and layout["tabs"]["position"] == "fixed" and layout["tabs"]["bottom"] == layout["viewport"]
        assert layout["tabs"]["height"] <= 0.15 * layout["viewport"]
        assert [t for t in layout["targets"] if t["width"] < 44 or t["height"] < 44] == [], layout["targets"]
    # 长辈版: "谁用了我的数据" is a list of cards, each cell a line of its own with its column's name
    cells = page.evaluate("""() => [...document.querySelectorAll('[data-testid=audit-events] tbody td')]
        .map(td => ({display: getComputedStyle(td).display, width: td.getBoundingClientRect().width, label: td.dataset.label}))""")
    assert cells and all(c["display"] == "block" and c["width"] > 250 and c["label"] for c in cells), cells
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.locator("#data-use").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "elder-data-use-table.png"))
    # 200 % text: nothing pinned takes more than 15 % of the screen
    page.evaluate("document.documentElement.style.fontSize = '200%'; dispatchEvent(new Event('resize'))")
    layout = page.evaluate(HEADER)
    assert layout["tabs"]["position"] != "fixed" or layout["tabs"]["height"] <= 0.15 * layout["viewport"], layout
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    shot("elder-account-200pct-text")
    page.evaluate("document.documentElement.style.fontSize = ''; dispatchEvent(new Event('resize'))")
    # a desktop: the tabs are a row in the header, which stays at the top
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("elder-off").click()
    page.wait_for_load_state()
    layout = page.evaluate(HEADER)
    assert layout["header"]["position"] == "sticky" and layout["tabs"]["position"] == "static" and layout["header"]["height"] <= 0.15 * layout["viewport"]
    shot("desktop-account")
    page.goto(url + "/health/")  # the health pass has its page's heading (axe's moderate finding on main)
    assert page.locator("main h1").all_inner_texts() == ["健康通行码"]
