"""掌上办 in a real browser: find an item by a Chinese keyword, apply with credentials attached from
the wallet, a reviewer approves in the workbench, and the result appears in the citizen's wallet."""

import pytest
from playwright.sync_api import expect

from credentials.demo import seed_types
from identity.roles import sync_roles
from services.demo import seed_catalogue
from tests.e2e.test_wallet_flow import sign_in
from tests.factories import UserFactory, fresh_signing_key, totp_for
from tests.services.conftest import catalogue_citizen, issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_apply_review_and_result_in_wallet(live_server, page, shot):
    clients, citizen, _licence, reviewer = catalogue_citizen("13800000401", "13800000402")
    totp_for(reviewer)  # staff sign in with a second factor (identity.second_factor)

    sign_in(page, live_server.url, citizen)
    page.get_by_test_id("nav-services").click()
    page.get_by_test_id("search").fill("驾驶证 换证")
    page.get_by_test_id("search").press("Enter")
    page.get_by_test_id("item-link").filter(has_text="机动车驾驶证期满换证").click()
    page.get_by_test_id("apply").click()
    # expect waits for the apply page to be parsed (a click waits only for the navigation to start): counting at once
    # read 0 once on a loaded CI box, the page then showing both
    expect(page.get_by_test_id("auto-attached")).to_have_count(2)
    expect(page.get_by_test_id("materials")).to_contain_text("机动车驾驶证")
    assert page.locator("select[name=licence_class]").input_value() == "C1"  # pre-filled from the wallet
    page.fill("input[name=delivery_address]", "济南市历下区泉城路100号")
    shot("services-apply")
    page.get_by_test_id("submit").click()
    assert page.get_by_test_id("status").inner_text() == "已提交"
    number = page.url.rstrip("/").rsplit("/", 1)[-1]

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, reviewer)
    page.get_by_test_id("nav-workbench").click()
    page.get_by_test_id("queue-link").filter(has_text=number).click()
    page.get_by_test_id("claim").click()
    page.fill("textarea[name=comment]", "材料齐全，同意换证")
    shot("services-review")
    page.get_by_test_id("approve").click()
    assert page.get_by_test_id("status").inner_text() == "已办结"

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, citizen)
    page.goto(f"{live_server.url}/services/applications/{number}/")
    assert "已办结" in page.get_by_test_id("status").inner_text()
    assert "材料齐全，同意换证" in page.get_by_test_id("timeline").inner_text()
    page.get_by_test_id("result-credential").click()
    assert "机动车驾驶证" in page.content() and page.get_by_test_id("status").inner_text() == "有效"
    page.goto(live_server.url + "/wallet/")
    shot("services-wallet")
    # 换证 supersedes: only the renewed licence is on the front page; the old one is under 历史证照
    assert page.get_by_test_id("wallet").get_by_test_id("credential-link").filter(has_text="机动车驾驶证").count() == 1


def test_the_window_counter_applies_for_a_citizen_who_shows_a_code(live_server, page, shot):
    """At the counter the clerk sees nothing of the citizen until they show a 亮证 code; then only what
    it disclosed; the citizen sees the look-up and the application."""
    from services.models import Application
    from tests.factories import ServiceHallFactory

    sync_roles()
    fresh_signing_key()
    clients = seed_types()
    seed_catalogue()
    citizen = UserFactory(name="张三", roles=["citizen"], phone_number="13800000411")
    issue(clients, citizen, "id_card", "ID-1", {"gender": "男", "ethnicity": "汉", "birth_date": "1980-01-02", "address": "济南市历下区",
                                                "id_number": citizen.id_number, "issuing_authority": "济南市公安局"})
    issue(clients, citizen, "driving_licence", "DL-1", {"licence_number": citizen.id_number, "licence_class": "C1", "first_issued": "2012-07-16",
                                                        "file_number": "370100123456"})
    clerk = UserFactory(name="赵敏", roles=["clerk"], phone_number="13800000412", service_hall=ServiceHallFactory(name="历下区政务服务大厅"))
    totp_for(clerk)  # staff sign in with a second factor (identity.second_factor)

    sign_in(page, live_server.url, citizen)
    page.get_by_test_id("nav-wallet").click()
    page.get_by_test_id("credential-link").filter(has_text="机动车驾驶证").first.click()
    page.get_by_test_id("present").click()  # every licence field chosen (the default); not the ID number
    page.get_by_test_id("qr").locator("svg").wait_for()
    code = page.get_by_test_id("payload").input_value()
    page.click("header form button:has-text('退出')")

    sign_in(page, live_server.url, clerk)
    page.goto(live_server.url + "/services/counter/")
    assert citizen.name not in page.content()
    page.select_option("select[name=item]", label="机动车驾驶证期满换证")
    page.fill("textarea[name=presentation]", code)
    page.get_by_role("button", name="核验并代办").click()
    walk_in = page.get_by_test_id("walk-in")
    assert "张*" in walk_in.inner_text() and "13800000411" not in page.content()  # the phone was not disclosed
    assert page.locator("select[name=licence_class]").input_value() == "C1"  # what the licence disclosed pre-fills the form
    assert page.locator("input[name=licence_number]").input_value() == ""  # an ID-number field the code left masked: typed from the card
    page.fill("input[name=licence_number]", citizen.id_number)
    page.fill("input[name=phone]", "13800000411")
    page.fill("input[name=delivery_address]", "济南市历下区泉城路100号")
    shot("counter-walk-in")
    page.get_by_role("button", name="代为提交").click()
    page.get_by_test_id("identify").wait_for()
    assert Application.objects.get(applicant=citizen).channel == "window"

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, citizen)
    page.goto(live_server.url + "/account/")
    trail = page.get_by_test_id("audit-events").inner_text()
    assert "窗口调取信息" in trail and "窗口人员" in trail
