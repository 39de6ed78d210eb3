"""Identity journeys on a phone (390×844), each from the first page a person opens to what they came
for: (a) real-name sign-up → the e-ID card is in 卡包 → 亮证 → a clerk verifies the code at 亮证核验
→ the citizen sees the check; (b) 忘记密码 → a code by SMS → a new password → the other device is
signed out → sign in with the new password, and the old one fails."""

import datetime as dt
import re

import pytest
from django.test import Client

from credentials.demo import seed_types
from identity.models import SmsMessage, phone_index
from identity.roles import sync_roles
from tests.e2e.conftest import close, launch, sign_in
from tests.factories import PASSWORD, PopulationRecordFactory, ServiceHallFactory, UserFactory, fresh_signing_key, totp_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def last_code(phone: str) -> str:
    body = SmsMessage.objects.filter(phone_index=phone_index(phone)).latest("id").body
    return re.search(r"\d{6}", body).group(0)


def fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_sign_up_gets_the_e_id_card_shows_it_and_a_clerk_verifies_it(live_server, page, playwright, shot):
    url = live_server.url
    sync_roles()
    fresh_signing_key()
    seed_types()
    PopulationRecordFactory(name="袁涛", id_number="370212195009085155", birth_date=dt.date(1950, 9, 8), area_code="370212")
    clerk = UserFactory(name="赵敏", roles=["clerk"], phone_number="13800000302", service_hall=ServiceHallFactory(name="历下区政务服务大厅"))
    totp_for(clerk)
    page.set_viewport_size(PHONE)

    page.goto(url + "/")
    page.goto(url + "/accounts/signup/")
    page.fill("input[name=name]", "袁涛")
    page.fill("input[name=username]", "370212195009085155")
    page.fill("input[name=phone]", "13900000311")
    page.fill("input[name=password1]", "Str0ng-pass-2026")
    page.fill("input[name=password2]", "Str0ng-pass-2026")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/phone/verify/"))
    page.fill("input[name=code]", last_code("13900000311"))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/phone/verify/).*$"))
    assert "袁涛" in page.inner_text("main") and fits(page)

    page.goto(url + "/wallet/")
    shot("journey-signup-wallet")
    card = page.get_by_test_id("credential-link").filter(has_text="居民身份证")
    assert card.count() == 1
    card.click()
    page.get_by_test_id("present").click()
    page.get_by_test_id("qr").locator("svg").wait_for()
    payload = page.get_by_test_id("payload").input_value()
    shot("journey-signup-present")

    clerk_context = launch(playwright)
    try:
        counter = clerk_context.new_page()
        counter.set_viewport_size(PHONE)
        sign_in(counter, url, clerk.id_number)
        assert counter.url.endswith("/verify/")  # a clerk lands on 亮证核验
        counter.fill("#payload", payload)
        counter.get_by_test_id("verify").click()
        verdict = counter.get_by_test_id("verdict")
        assert verdict.get_attribute("data-valid") == "true", verdict.inner_text()
        assert "袁涛" in verdict.inner_text()
        counter.screenshot(path=str(page_artifact("journey-signup-clerk-verifies")), full_page=True)
    finally:
        close(clerk_context)

    page.goto(url + "/wallet/")
    checks = page.get_by_test_id("checks").inner_text()
    shot("journey-signup-checks")
    assert "历下区政务服务大厅" in checks and "赵*" in checks


def page_artifact(name: str):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_forgot_password_reset_by_sms_code_then_sign_in_with_the_new_one(live_server, page, shot):
    url = live_server.url
    person = UserFactory(name="袁涛", phone_number="13900000321")
    elsewhere = Client()  # the person's other device, signed in
    assert elsewhere.post("/accounts/login/", {"login": person.id_number, "password": PASSWORD}).status_code == 302
    page.set_viewport_size(PHONE)

    page.goto(url + "/accounts/login/")
    page.click("main a[href='/accounts/password/reset/']")
    page.wait_for_url(re.compile(r"/accounts/password/reset/$"))
    assert "mail" not in page.inner_text("main").lower()
    shot("journey-reset-start")
    page.fill("input[name=login]", person.id_number)
    page.get_by_test_id("reset-send").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/code/$"))
    page.fill("input[name=code]", last_code("13900000321"))
    page.fill("input[name=password1]", "Brand-new-pass-2026")
    page.fill("input[name=password2]", "Brand-new-pass-2026")
    shot("journey-reset-code")
    page.get_by_test_id("reset-confirm").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    assert "密码已重置" in page.inner_text("main") and fits(page)
    assert "密码已修改" in SmsMessage.objects.filter(phone_index=phone_index("13900000321")).latest("id").body
    assert elsewhere.get("/account/").status_code == 302  # the other device was signed out

    page.fill("input[name=login]", person.id_number)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url  # the old password fails

    page.fill("input[name=login]", person.id_number)
    page.fill("input[name=password]", "Brand-new-pass-2026")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    shot("journey-reset-signed-in")
    assert page.url.rstrip("/") == url  # a citizen lands on the home page
    assert "袁涛" in page.inner_text("main") and person.id_number_index[:8] not in page.content() and fits(page)
