"""诉求 in a real browser on a 390 px phone, on the demo data: 张三 opens 我要咨询投诉 in the footer (on 咨询)
and writes a complaint no routing rule routes (its reply deadline in words until dispatched); the dispatcher
钱佳 (signed in with the authenticator code) lands on the dispatcher's queue, finds it there with its suggested
category, confirms it and dispatches it; 张三 sees it sent to the department, with its reply deadline, on his case page.
Every page view passes the page check."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from appeals.models import Case, Status
from tests.e2e.conftest import PHONE, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPLAINT = "我家小区门口的路灯坏了一个多月，晚上出入很不安全，希望尽快修好。"


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    return {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}, PASSWORD


def test_a_citizen_complains_on_a_phone_and_a_dispatcher_routes_it(live_server, page, browser, demo, shot):
    numbers, password = demo
    url = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, url, numbers["citizen"], password)
    with page.expect_navigation():
        page.click("footer a[href='/cases/new/']")  # 我要咨询投诉 opens on 咨询, the commonest kind
    assert page.locator("[data-testid=case-kinds] input[value=consult]").is_checked()
    page.locator("[data-testid=case-kinds] input[value=complaint]").check()
    page.fill("#case-title", "小区门口路灯不亮")
    page.fill("[data-testid=case-text]", COMPLAINT)
    page.fill("#case-area", "历下区")
    shot("case-form-phone")
    with page.expect_navigation():
        page.click("[data-testid=case-submit]")
    case = Case.objects.get(text=COMPLAINT)
    assert case.status == Status.NEW and case.suggested_category is not None  # no rule routed it: a suggestion, not a dispatch
    assert page.inner_text("[data-testid=case-status]") == "待派单"
    assert page.inner_text("[data-testid=case-due]") == "派单后 5 个工作日内答复"  # words, never a dash, before dispatch
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    desk = browser.new_page()
    desk.set_viewport_size(PHONE)
    browser.clear_cookies()
    sign_in(desk, url, numbers["dispatcher"], password)
    assert desk.url == url + "/cases/staff/dispatch/"  # a dispatcher lands on the dispatch queue (identity.adapter.ROLE_HOMES)
    row = desk.locator(f"tr[data-number='{case.number}']")
    assert case.suggested_category.name in row.inner_text()
    with desk.expect_navigation():
        row.locator("[data-testid=dispatch-open]").click()
    assert desk.input_value("[data-testid=dispatch-department]") == case.suggested_category.default_department.code
    shot_desk = desk.screenshot(full_page=True)
    assert shot_desk
    with desk.expect_navigation():
        desk.click("[data-testid=dispatch-submit]")
    assert "已派单" in desk.inner_text(".messages") and desk.inner_text("[data-testid=case-status]") == "待签收"
    case.refresh_from_db()
    assert (case.status, case.department, case.category, case.routing_rule) == (Status.DISPATCHED, case.suggested_category.default_department,
                                                                                case.suggested_category, None)
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    desk.close()

    browser.clear_cookies()
    sign_in(page, url, numbers["citizen"], password)
    page.goto(url + f"/cases/{case.number}/")
    assert page.inner_text("[data-testid=case-status]") == "待签收" and page.locator("[data-testid=case-due]").count() == 1
    assert "派单" in page.inner_text("[data-testid=case-timeline]")
    shot("case-dispatched-phone")
