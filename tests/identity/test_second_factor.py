"""Staff open other people's data only after a second factor (identity/second_factor.py): the portal,
the API and Django admin alike; citizens are never asked. Sign-in asks for the factor once an account
has one, whatever the first factor (password or SMS code); recovery codes stand in for a lost one;
the TOTP secret is encrypted at rest; adding or removing a factor is audited and texted."""

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from identity.models import AuditEvent, SmsMessage
from tests.factories import UserFactory, api_as, app_session_token, sign_in_with_second_factor, totp_code, totp_for

pytestmark = pytest.mark.django_db

APP = "/_allauth/app/v1"


@pytest.fixture
def reviewer(db):
    from identity.models import Department

    department = Department.objects.get_or_create(code="SD-GAT", defaults={"name": "山东省公安厅"})[0]
    return UserFactory(name="陈强", roles=["reviewer"], phone_number="13800000402", department=department)


def portal_sign_in(client, user, password, code=None):
    """The portal's sign-in form, then (for an account with a factor) the authenticator's code."""
    response = client.post("/accounts/login/", {"login": user.id_number.lower(), "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    if code is not None:
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        response = client.post(response["Location"], {"code": code})
        assert response.status_code == 302
    return response


def test_a_staff_session_without_a_second_factor_opens_no_one_s_data(reviewer, password):
    browser = Client()
    portal_sign_in(browser, reviewer, password)  # no factor yet: the password alone signs in
    for path in ("/services/workbench/", "/services/workbench/QL0000/", "/verify/", "/health/check/", "/services/counter/"):
        response = browser.get(path)
        if response.status_code != 403:  # pages of another role stay refused as before
            assert response.status_code == 302 and response["Location"].startswith("/account/second-factor/?next="), path
    gate = browser.get("/account/second-factor/?next=/services/workbench/").content.decode()
    assert 'data-testid="add-passkey"' in gate and 'data-testid="add-totp"' in gate

    token = app_session_token(reviewer, password)  # the mobile app, by password only
    for language, message in (("en", "second factor"), ("zh-hans", "第二重验证")):
        answer = Client().get("/api/v1/workbench/", HTTP_X_SESSION_TOKEN=token, HTTP_ACCEPT_LANGUAGE=language)
        assert answer.status_code == 403 and answer.json()["code"] == "second_factor_required"
        assert message in answer.json()["message"]


def test_a_citizen_is_never_asked(citizen, password):
    token = app_session_token(citizen, password)
    assert Client().get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token).status_code == 200
    assert Client().get("/api/v1/workbench/", HTTP_X_SESSION_TOKEN=token).json()["code"] == "permission_denied"


def test_with_an_authenticator_app_sign_in_asks_for_its_code_and_then_the_data_opens(reviewer, password):
    import time

    if time.time() % 30 > 20:  # the replay below must fall in the same 30-second step as the first use
        time.sleep(30.5 - time.time() % 30)
    secret = totp_for(reviewer)
    browser = Client()
    portal_sign_in(browser, reviewer, password, code=totp_code(secret))
    assert browser.get("/services/workbench/").status_code == 200

    with pytest.raises(AssertionError, match="incorrect_code"):
        app_session_token(reviewer, password, secret)  # the same code again, within its 30 seconds: refused
    colleague = UserFactory(name="王芳", roles=["reviewer"], phone_number="13800000403", department=reviewer.department)
    token = app_session_token(colleague, password, totp_for(colleague))  # the app: 401 with the pending 2FA flow, then the code
    assert Client().get("/api/v1/workbench/", HTTP_X_SESSION_TOKEN=token).status_code == 200


def test_a_wrong_code_leaves_the_sign_in_pending(reviewer, password):
    secret = totp_for(reviewer)
    mobile = Client()
    pending = mobile.post(APP + "/auth/login", json.dumps({"username": reviewer.id_number, "password": password}), content_type="application/json")
    token = pending.json()["meta"]["session_token"]
    wrong = f"{(int(totp_code(secret)) + 1) % 1000000:06d}"
    answer = mobile.post(APP + "/auth/2fa/authenticate", json.dumps({"code": wrong}), content_type="application/json", HTTP_X_SESSION_TOKEN=token)
    assert answer.status_code == 400
    assert Client().get("/api/v1/workbench/", HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_an_sms_code_sign_in_also_asks_for_the_second_factor(reviewer):
    totp_for(reviewer)
    mobile = Client()
    # the request answers 401 with the pending code flow; its session token carries on
    token = mobile.post(APP + "/auth/code/request", json.dumps({"phone": "13800000402"}), content_type="application/json").json()["meta"]["session_token"]
    sent = re.search(r"\d{6}", SmsMessage.objects.order_by("-id").first().body).group(0)
    answer = mobile.post(APP + "/auth/code/confirm", json.dumps({"code": sent}), content_type="application/json", HTTP_X_SESSION_TOKEN=token)
    assert answer.status_code == 401
    assert [flow["id"] for flow in answer.json()["data"]["flows"] if flow.get("is_pending")] == ["mfa_authenticate"]


def test_a_session_from_before_the_factor_confirms_with_it_and_goes_back(reviewer, password):
    browser = Client()
    portal_sign_in(browser, reviewer, password)
    secret = totp_for(reviewer)  # added after this session signed in
    gate = browser.get("/account/second-factor/?next=/services/workbench/").content.decode()
    assert 'data-testid="confirm-second-factor"' in gate
    confirm = browser.post("/accounts/2fa/reauthenticate/?next=/services/workbench/", {"code": totp_code(secret)})
    assert confirm.status_code == 302 and confirm["Location"] == "/services/workbench/"
    assert browser.get("/services/workbench/").status_code == 200


def test_a_recovery_code_stands_in_for_a_lost_authenticator_once(reviewer, password):
    totp_for(reviewer)
    code = RecoveryCodes.activate(reviewer).get_unused_codes()[0]
    browser = Client()
    response = browser.post("/accounts/login/", {"login": reviewer.id_number, "password": password})
    assert browser.post(response["Location"], {"code": code}).status_code == 302
    assert browser.get("/services/workbench/").status_code == 200
    again = Client()
    response = again.post("/accounts/login/", {"login": reviewer.id_number, "password": password})
    assert again.post(response["Location"], {"code": code}).status_code == 200  # refused: the form again
    assert again.get("/services/workbench/").status_code == 302


def test_django_admin_signs_in_through_the_same_door_with_the_second_factor(password):
    admin = UserFactory(name="管理员", is_staff=True, is_superuser=True, phone_number="13800000499")
    secret = totp_for(admin)
    browser = Client()
    door = browser.get("/admin/identity/user/")
    assert door.status_code == 302 and door["Location"].startswith("/admin/login/")
    assert browser.get(door["Location"])["Location"].startswith("/accounts/login/?next=")
    portal_sign_in(browser, admin, password, code=totp_code(secret))
    page = browser.get("/admin/identity/user/").content.decode()
    assert admin.masked_id_number in page and admin.id_number not in page

    password_only = Client()
    password_only.force_login(admin)  # a session that never used the factor
    response = password_only.get("/admin/identity/user/")
    assert response.status_code == 302 and response["Location"].startswith("/account/second-factor/")


def test_the_totp_secret_is_encrypted_at_rest_and_changes_are_audited_and_texted(reviewer, password, django_capture_on_commit_callbacks):
    secret = totp_for(reviewer)
    stored = Authenticator.objects.get(user=reviewer, type=Authenticator.Type.TOTP)
    assert secret not in json.dumps(stored.data)
    browser = Client()
    sign_in_with_second_factor(browser, reviewer)
    # added through allauth's own page: activation with a fresh secret and its code
    stored.delete()
    page = browser.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/")  # the password again first
    assert browser.post(page["Location"], {"password": password}).status_code == 302
    page = browser.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    new_secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post("/accounts/2fa/totp/activate/", {"code": totp_code(new_secret)}).status_code == 302
    added = AuditEvent.objects.filter(action="second_factor_changed", subject=reviewer, actor=reviewer, detail__change="added")
    assert {"totp", "recovery_codes"} <= {event.detail["type"] for event in added}  # activation also makes recovery codes
    assert "添加新的登录验证方式" in SmsMessage.objects.order_by("-id").first().body
    assert AuditEvent.objects.filter(action="second_factor_changed", subject=reviewer, detail__change="removed").exists()


def test_a_staff_api_client_signed_in_with_the_factor_opens_the_workbench(reviewer):
    assert api_as(reviewer).get("/api/v1/workbench/").status_code == 200


def test_an_authenticator_code_counts_only_in_its_own_30_seconds():
    """MFA_TOTP_TOLERANCE = 0 (docs/identity.md): last step's and next step's codes are refused, so a
    used code cannot come back within a widened window after allauth forgets it (one period)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, validate_totp_code

    from identity.demo import DEMO_TOTP_SECRET as secret

    step = int(time.time()) // 30
    if time.time() % 30 > 28:
        time.sleep(30.5 - time.time() % 30)
        step = int(time.time()) // 30
    assert validate_totp_code(secret, format_hotp_value(hotp_value(secret, step)))
    assert not validate_totp_code(secret, format_hotp_value(hotp_value(secret, step - 1)))
    assert not validate_totp_code(secret, format_hotp_value(hotp_value(secret, step + 1)))
