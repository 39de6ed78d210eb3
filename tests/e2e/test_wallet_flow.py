"""亮证 in a real browser: a citizen opens the wallet and shows a credential; a clerk pastes the
payload into the console and sees "valid"; the citizen then sees the check."""

import re

import pytest

from credentials import signing
from credentials.services import credential_issue
from identity.roles import sync_roles
from tests.factories import PASSWORD, CredentialTypeFactory, ServiceHallFactory, UserFactory, issuer_client, licence_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("input[name=login]", user.id_number)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


def test_show_a_credential_and_a_clerk_verifies_it(live_server, page, shot):
    sync_roles()
    signing.reset()
    signing.key_create()
    signing.reset()
    citizen = UserFactory(name="张三", roles=["citizen"], phone_number="13800000201")
    clerk = UserFactory(name="赵敏", roles=["clerk"], phone_number="13800000202", service_hall=ServiceHallFactory(name="历下区政务服务大厅"))
    ctype = CredentialTypeFactory()
    client, _token = issuer_client()
    ctype.issuers.add(client)
    credential_issue(client=client, data=licence_data(citizen))

    sign_in(page, live_server.url, citizen)
    page.get_by_test_id("nav-wallet").click()
    page.get_by_test_id("credential-link").first.click()
    shot("wallet-credential")
    form = page.get_by_test_id("present-form")
    form.locator("input[value=file_number]").uncheck()

    page.get_by_test_id("present").click()
    page.get_by_test_id("qr").locator("svg").wait_for()
    shot("present")
    assert "档案编号" not in page.get_by_test_id("disclosed").inner_text()
    first_payload = page.get_by_test_id("payload").input_value()
    # "立即刷新" fetches a new one-time code for the same fields without leaving the page.
    page.click("#refresh button")
    page.wait_for_function("p => document.querySelector('[data-testid=payload]').value !== p", arg=first_payload)
    payload = page.get_by_test_id("payload").input_value()
    assert payload != first_payload
    assert int(page.get_by_test_id("countdown").inner_text()) <= 120

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, clerk)
    page.get_by_test_id("nav-verify").click()
    page.fill("#payload", payload)
    page.get_by_test_id("verify").click()
    verdict = page.get_by_test_id("verdict")
    shot("verify-valid")
    assert verdict.get_attribute("data-valid") == "true"
    assert "有效" in verdict.inner_text() and "C1" in verdict.inner_text()
    assert "370100123456" not in page.content()  # the file number was not disclosed
    assert citizen.id_number not in page.content()  # ID numbers stay masked unless chosen
    # The first code was never scanned but has been replaced; the used one cannot be replayed.
    page.fill("#payload", payload)
    page.get_by_test_id("verify").click()
    assert page.get_by_test_id("verdict").get_attribute("data-valid") == "false"
    assert "已被使用" in page.get_by_test_id("verdict-reason").inner_text()

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, citizen)
    page.goto(live_server.url + "/wallet/")
    checks = page.get_by_test_id("checks").inner_text()
    shot("wallet-checks")
    assert "历下区政务服务大厅" in checks and "赵*" in checks and "有效" in checks
