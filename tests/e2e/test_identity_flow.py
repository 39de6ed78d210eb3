"""A person signs up with the real-name check, verifies the phone with the SMS code, signs out,
signs in with the ID number, and sees who used their data — in a real browser."""

import re

import pytest

from identity.models import AuditEvent, SmsMessage, User
from identity.services import audit_record
from tests.factories import PopulationRecordFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def last_code() -> str:
    return re.search(r"\d{6}", SmsMessage.objects.latest("id").body).group(0)


def fill_signup(page, url, *, name, id_number, phone):
    page.goto(url + "/accounts/signup/")
    page.fill("input[name=name]", name)
    page.fill("input[name=username]", id_number)
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password1]", "Str0ng-pass-2026")
    page.fill("input[name=password2]", "Str0ng-pass-2026")


def test_sign_up_sign_in_and_see_who_used_my_data(live_server, page, shot):
    record = PopulationRecordFactory(name="袁涛", id_number="370212195009085155")

    fill_signup(page, live_server.url, name="袁涛", id_number="370212 19500908 5155", phone="139 0000 0011")
    shot("signup")
    page.click("form button[type=submit]")

    page.wait_for_url(re.compile(r"/accounts/phone/verify/"))
    page.fill("input[name=code]", last_code())
    page.click("form button[type=submit]")
    page.goto(live_server.url + "/account/")
    assert page.get_by_test_id("id-number").inner_text() == "370212********5155"

    user = User.objects.get()
    clerk = UserFactory(name="赵敏")
    audit_record(action=AuditEvent.Action.CREDENTIAL_VERIFIED, actor=clerk, subject=user, detail={"credential": "居民身份证"})

    page.click("header form button:has-text('退出')")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", record.id_number.lower())
    page.fill("input[name=password]", "Str0ng-pass-2026")
    page.click("form button[type=submit]")
    page.goto(live_server.url + "/account/")
    table = page.get_by_test_id("audit-events").inner_text()
    shot("account")
    assert "核验电子证照" in table and "赵*" in table
    assert "注册" in table and "登录" in table
    assert "370212195009085155" not in page.content()


def test_a_wrong_name_is_refused_on_the_page(live_server, page):
    PopulationRecordFactory(name="袁涛", id_number="370212195009085155")
    fill_signup(page, live_server.url, name="王五", id_number="370212195009085155", phone="13900000011")
    page.click("form button[type=submit]")
    assert "不一致" in page.content() or "do not match" in page.content()
    assert not User.objects.exists()
