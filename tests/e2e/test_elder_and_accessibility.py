"""Every portal page in a real browser at a phone viewport, in both modes (standard and 长辈版) and
both languages, audited by axe-core (Deque's engine, from the npm registry): no serious or critical
violation. Elder mode is checked for what it promises: large type, big touch targets, the four tasks
and the hotline on the home page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.e2e.conftest import ARTIFACTS, close, launch, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "clients" / "typescript" / "node_modules" / "axe-core" / "axe.min.js"
AUDIT = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map(n => n.target.join(" "))}));
}"""


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from identity.models import User, id_number_index
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD
    from services.models import ServiceItem
    from services.services.applications import application_submit, prefill

    people = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
    citizen = User.objects.get(id_number_index=id_number_index(people["citizen"]))
    item = ServiceItem.objects.get(code="RS-003")
    application_submit(applicant=citizen, item=item, data={**prefill(item.current_version, citizen), "delivery_address": "济南市历下区泉城路 1 号"})
    return people, PASSWORD


@pytest.fixture
def audited(playwright):
    """A browser context that lets axe's script run despite the pages' Content-Security-Policy."""
    assert AXE.exists(), "run `make test` (it installs the npm test tools)"
    context = launch(playwright, bypass_csp=True)
    yield context
    context.csp_violations.clear()  # axe's own injected script is the only inline script here
    close(context)


def audit(page, language: str | None = None, elder: bool | None = None) -> list[dict]:
    if language is not None:  # the page is in the mode and language being audited
        assert page.evaluate("document.documentElement.lang") == language, page.url
        assert page.evaluate("document.body.classList.contains('elder')") is elder, page.url
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AUDIT)


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
            "/health/", "/health/declare/", "/health/dependants/", "/account/", "/accounts/2fa/", "/account/second-factor/",
            "/services/bundles/newborn/apply/"]


STAFF_PAGES = {"clerk": ["/verify/", "/verify/wallet/", "/services/counter/"], "reviewer": ["/services/workbench/"],
               "checkpoint": ["/health/check/", "/verify/wallet/"],
               "health_officer": ["/health/stats/"], "venue_manager": ["/health/venues/"], "item_admin": ["/dashboard/"]}


def test_every_page_in_both_modes_and_languages_has_no_serious_accessibility_violation(live_server, demo, audited):
    people, password = demo
    url = live_server.url
    found, report = {}, []
    anonymous = audited.new_page()
    for language in ("zh-hans", "en"):
        for elder in (False, True):
            audited.clear_cookies()
            set_mode(anonymous, url, elder, language)
            for path in ("/", "/accounts/login/", "/accounts/signup/", "/services/", "/services/bundles/", "/services/ratings/", "/yardsticks/",
                         "/verifiers/"):
                anonymous.goto(url + path)
                report.append((language, elder, "anonymous", path, violations := audit(anonymous, language, elder)))
                found.update({f"{language} {'elder' if elder else 'standard'} anonymous {path}": violations} if violations else {})
    anonymous.close()

    for who in ("citizen", *STAFF_PAGES):
        page = audited.new_page()
        audited.clear_cookies()
        sign_in(page, url, people[who], password)
        paths = pages_of(page, url) if who == "citizen" else STAFF_PAGES[who]
        for language in ("zh-hans", "en"):
            for elder in (False, True):
                set_mode(page, url, elder, language)
                for path in paths:
                    page.goto(url + path)
                    violations = audit(page, language, elder)
                    report.append((language, elder, who, path, violations))
                    if violations:
                        found[f"{language} {'elder' if elder else 'standard'} {who} {path}"] = violations
        page.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(
        [{"language": lang, "elder": elder, "as": who, "page": path, "serious_or_critical": len(v)} for lang, elder, who, path, v in report],
        ensure_ascii=False, indent=1))
    assert len(report) >= 80 and found == {}, json.dumps(found, ensure_ascii=False, indent=1)[:6000]
    assert any("/services/applications/QL" in path for _l, _e, _w, path, _v in report)  # an application's own page too

    # the audit is real: a page with an unlabeled field and an image without text fails it
    control = audited.new_page()
    control.set_content("<html lang='en'><body><main><img src='x.png'><input type='text'></main></body></html>")
    assert {v["id"] for v in audit(control)} >= {"image-alt", "label"}
    control.close()


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
