"""Passkeys in a real browser, with Chromium's virtual authenticator (CDP WebAuthn domain) standing in
for a phone's fingerprint sensor: a citizen adds a passkey and signs in with it alone; a reviewer
without a second factor is stopped before a citizen's application, adds a passkey, confirms with it
and only then sees the application."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from playwright.sync_api import expect

from identity.models import AuditEvent, User, id_number_index
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def virtual_authenticator(page) -> dict:
    """A platform authenticator that holds discoverable credentials and verifies its user (like a
    phone's fingerprint sensor), answering every request as if touched."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return {"cdp": cdp, "id": made["authenticatorId"]}


def credentials(authenticator) -> list[dict]:
    return authenticator["cdp"].send("WebAuthn.getCredentials", {"authenticatorId": authenticator["id"]})["credentials"]


def sign_out(page) -> None:
    """The header's 退出 button, as a person signs out (clearing cookies can race a late response that sets them again)."""
    with page.expect_navigation():
        page.click("header form[action='/accounts/logout/'] button[type=submit]")
    assert page.locator("header form[action='/accounts/logout/']").count() == 0


def add_passkey(page, url: str, *, passwordless: bool, password: str) -> None:
    page.goto(url + "/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:  # adding a factor asks for the password again (allauth)
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r".*/accounts/2fa/webauthn/add/"))
    page.fill("input[name=name]", "我的手机")
    if passwordless:
        page.check("input[name=passwordless]")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/2fa/webauthn/add/).*$"))


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    return {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}, PASSWORD


def test_a_citizen_adds_a_passkey_and_signs_in_with_it_alone(live_server, page, demo, shot):
    numbers, password = demo
    url = live_server.url
    assert url.startswith("http://localhost:")  # a relying party is a domain: WebAuthn refuses 127.0.0.1
    authenticator = virtual_authenticator(page)
    sign_in(page, url, numbers["citizen"], password)
    add_passkey(page, url, passwordless=True, password=password)
    citizen = User.objects.get(id_number_index=id_number_index(numbers["citizen"]))
    stored = Authenticator.objects.get(user=citizen, type=Authenticator.Type.WEBAUTHN)
    assert stored.wrap().is_passwordless and len(credentials(authenticator)) == 1
    assert credentials(authenticator)[0]["isResidentCredential"]
    assert AuditEvent.objects.filter(action="second_factor_changed", subject=citizen, detail__type="webauthn").exists()

    sign_out(page)
    page.goto(url + "/accounts/login/")
    shot("passkey-sign-in")
    page.click("#passkey_login")  # no ID number, no password: the passkey names the account
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*/$"))  # a citizen lands on the home page (identity.adapter.ROLE_HOMES)
    page.goto(url + "/account/")
    assert citizen.masked_id_number in page.inner_text("[data-testid=id-number]")
    assert AuditEvent.objects.filter(action="sign_in", subject=citizen).count() == 2


def test_a_reviewer_without_a_second_factor_cannot_open_a_citizen_s_application_until_they_add_one(live_server, page, demo, shot):
    from services.models import Application

    numbers, password = demo
    url = live_server.url
    reviewer = User.objects.get(id_number_index=id_number_index(numbers["reviewer"]))
    Authenticator.objects.filter(user=reviewer).delete()  # as if the demo had given them none
    application = Application.objects.filter(item__department=reviewer.department).exclude(status="draft").first()
    applicant_name = application.applicant.name

    authenticator = virtual_authenticator(page)
    sign_in(page, url, numbers["reviewer"], password)  # password only: no factor to ask for
    page.goto(url + f"/services/workbench/{application.number}/")
    assert "/account/second-factor/" in page.url
    assert applicant_name not in page.content() and application.number not in page.inner_text("main")
    shot("second-factor-gate")

    page.click("[data-testid=add-passkey]")
    add_passkey(page, url, passwordless=False, password=password)
    assert len(credentials(authenticator)) == 1
    page.goto(url + f"/account/second-factor/?next=/services/workbench/{application.number}/")
    page.click("[data-testid=confirm-second-factor]")
    page.wait_for_url(re.compile(r".*/accounts/2fa/webauthn/reauthenticate/"))
    page.click("#mfa_webauthn_reauthenticate")
    page.wait_for_url(re.compile(rf".*/services/workbench/{application.number}/$"))
    expect(page.locator("main")).to_contain_text(application.number)  # retried: the page may still be settling after the redirect
    shot("workbench-after-passkey")

    sign_out(page)  # the next sign-in asks for the passkey after the password
    page.goto(url + "/accounts/login/")
    page.fill("input[name=login]", numbers["reviewer"])
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/2fa/authenticate/"))
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/2fa/).*$"))
    page.goto(url + f"/services/workbench/{application.number}/")
    assert "/account/second-factor/" not in page.url and application.number in page.content()
