"""Sign-up with the real-name check, sign-in by ID number or by phone + one-time code, rate limits
and the soft lockout — through allauth's headless API, as the mobile app calls it."""

import json
import re
import time
from unittest import mock

import pytest
from django.test import Client

from identity.models import AuditEvent, SmsMessage, User
from tests.factories import PopulationRecordFactory, UserFactory

pytestmark = pytest.mark.django_db
APP = "/_allauth/app/v1"


class Mobile:
    """The mobile app: JSON in and out, the session token in a header."""

    def __init__(self):
        self.client = Client(HTTP_ACCEPT_LANGUAGE="en")
        self.token = None

    def post(self, path, data):
        headers = {"HTTP_X_SESSION_TOKEN": self.token} if self.token else {}
        response = self.client.post(APP + path, json.dumps(data), content_type="application/json", **headers)
        body = response.json()
        self.token = body.get("meta", {}).get("session_token", self.token)
        return response.status_code, body

    def get(self, path):
        return self.client.get(path, HTTP_X_SESSION_TOKEN=self.token)


def last_code() -> str:
    return re.search(r"\d{6}", SmsMessage.objects.order_by("-id").first().body).group(0)


def test_sign_up_with_matching_base_record_creates_one_verified_account():
    record = PopulationRecordFactory(name="袁涛")
    app = Mobile()
    status, body = app.post(
        "/auth/signup", {"name": "袁涛", "username": record.id_number.lower(), "phone": "13900000011", "password": "Str0ng-pass-2026"}
    )
    # The account exists; the phone still has to be verified with the code just sent.
    assert status == 401
    assert any(flow["id"] == "verify_phone" and flow.get("is_pending") for flow in body["data"]["flows"])
    user = User.objects.get()
    assert (user.id_number, user.name, user.phone, user.phone_verified) == (record.id_number, "袁涛", "13900000011", False)
    assert user.real_name_verified_at is not None
    status, body = app.post("/auth/phone/verify", {"code": last_code()})
    assert status == 200 and body["meta"]["is_authenticated"] is True
    user.refresh_from_db()
    assert user.phone_verified
    assert set(AuditEvent.objects.filter(subject=user).values_list("action", flat=True)) >= {"real_name_check", "sign_up"}


def test_sign_up_with_a_wrong_name_is_refused_without_saying_why():
    record = PopulationRecordFactory(name="袁涛")
    status, body = Mobile().post(
        "/auth/signup", {"name": "王五", "username": record.id_number, "phone": "13900000012", "password": "Str0ng-pass-2026"}
    )
    assert status == 400
    assert body["errors"][0]["code"] == "real_name_mismatch"
    assert not User.objects.exists()


def test_sign_up_with_an_unknown_number_gets_the_same_answer_as_a_wrong_name():
    status, body = Mobile().post(
        "/auth/signup", {"name": "王五", "username": "110101199003071233", "phone": "13900000013", "password": "Str0ng-pass-2026"}
    )
    assert status == 400 and body["errors"][0]["code"] == "real_name_mismatch"


def test_the_same_number_cannot_register_twice_whatever_the_spelling():
    record = PopulationRecordFactory(id_number="11010519491231002X", name="赵六")
    UserFactory(id_number=record.id_number, name="赵六")
    status, body = Mobile().post(
        "/auth/signup", {"name": "赵六", "username": " 110105 19491231002x", "phone": "13900000014", "password": "Str0ng-pass-2026"}
    )
    assert status == 400 and body["errors"][0]["code"] == "already_registered"
    assert User.objects.count() == 1


def test_an_invalid_id_number_is_refused_at_sign_up():
    status, body = Mobile().post(
        "/auth/signup", {"name": "王五", "username": "110101199003071234", "phone": "13900000015", "password": "Str0ng-pass-2026"}
    )
    assert status == 400 and body["errors"][0]["param"] == "username"


def test_sign_in_by_id_number_in_any_spelling(citizen, password):
    spelled = " ".join([citizen.id_number[:6], citizen.id_number[6:14], citizen.id_number[14:].lower()])
    status, body = Mobile().post("/auth/login", {"username": spelled, "password": password})
    assert status == 200
    assert body["data"]["user"]["username"] == citizen.masked_id_number
    assert AuditEvent.objects.filter(subject=citizen, action="sign_in").count() == 1


def test_sign_in_on_the_page_with_the_verified_phone_and_the_password(citizen, password):
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "138 0000 0101", "password": password})
    assert response.status_code == 302
    assert browser.get("/account/").status_code == 200
    assert AuditEvent.objects.filter(subject=citizen, action="sign_in").count() == 1


def test_the_app_signs_in_with_the_verified_phone_and_the_password(citizen, password):
    status, body = Mobile().post("/auth/login", {"phone": "+8613800000101", "password": password})  # the API takes E.164
    assert status == 200 and body["data"]["user"]["username"] == citizen.masked_id_number


def test_an_unverified_phone_does_not_sign_in_with_the_password(password):
    person = UserFactory()
    person.set_phone("13900000041", verified=False)
    person.save(update_fields=["phone", "phone_index", "phone_verified"])
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "13900000041", "password": password})
    assert response.status_code == 200 and "_auth_user_id" not in browser.session
    assert Mobile().post("/auth/login", {"phone": "+8613900000041", "password": password})[0] == 400
    assert browser.post("/accounts/login/", {"login": person.id_number, "password": password}).status_code == 302


def test_a_wrong_password_typed_with_the_phone_counts_toward_the_accounts_lockout(citizen, password):
    for _ in range(5):
        Client().post("/accounts/login/", {"login": "13800000101", "password": "wrong-password-1"})
    assert AuditEvent.objects.filter(subject=citizen, action="sign_in_failed").count() == 5
    status, body = Mobile().post("/auth/login", {"username": citizen.id_number, "password": password})
    assert status in (400, 429) and body["errors"][0]["code"] == "too_many_login_attempts"


def test_session_token_reaches_the_rest_api(citizen, password):
    app = Mobile()
    app.post("/auth/login", {"username": citizen.id_number, "password": password})
    response = app.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["id_number"] == citizen.masked_id_number
    assert response.json()["phone"] == "138****0101"


def test_wrong_password_is_refused_and_audited(citizen):
    status, body = Mobile().post("/auth/login", {"username": citizen.id_number, "password": "nope-nope-nope"})
    assert status == 400
    assert AuditEvent.objects.filter(subject=citizen, action="sign_in_failed").count() == 1


def test_sign_in_with_a_code_sent_to_the_verified_phone(citizen):
    app = Mobile()
    status, _ = app.post("/auth/code/request", {"phone": "138 0000 0101"})
    assert status == 401
    sms = SmsMessage.objects.get()
    assert sms.phone_masked == "138****0101" and sms.purpose == "one_time_code"
    status, body = app.post("/auth/code/confirm", {"code": last_code()})
    assert status == 200 and body["meta"]["is_authenticated"]


def test_the_sms_states_the_codes_real_lifetime(citizen, settings):
    """allauth sends sign-in and phone-verification codes through one SMS: their lifetimes are one
    setting, and the text says it (it once said 10 minutes for a 5-minute code)."""
    assert settings.ACCOUNT_PHONE_VERIFICATION_TIMEOUT == settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT
    Mobile().post("/auth/code/request", {"phone": "13800000101"})
    minutes = settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60
    body = SmsMessage.objects.get().body
    assert f"{minutes}分钟内有效" in body or f"valid for {minutes} minutes" in body, body


def test_codes_are_six_digits_from_fresh_randomness(citizen):
    codes = set()
    for _ in range(3):
        Mobile().post("/auth/code/request", {"phone": "13800000101"})
        codes.add(last_code())
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(codes) == 3


def test_a_code_request_for_an_unknown_phone_looks_the_same(db):
    status, body = Mobile().post("/auth/code/request", {"phone": "13800009999"})
    assert status == 401  # same answer as for a registered number
    assert not SmsMessage.objects.exists()  # and nothing texted to a stranger (tests/identity/test_hardening_sms.py)


def test_a_code_cannot_be_used_twice(citizen):
    app = Mobile()
    app.post("/auth/code/request", {"phone": "13800000101"})
    code = last_code()
    assert app.post("/auth/code/confirm", {"code": code})[0] == 200
    other = Mobile()
    other.token = app.token
    status, _ = other.post("/auth/code/confirm", {"code": code})
    assert status in (400, 409)


def test_a_code_expires(citizen):
    app = Mobile()
    app.post("/auth/code/request", {"phone": "13800000101"})
    code = last_code()
    with mock.patch("time.time", return_value=time.time() + 5 * 60 + 1):
        status, _ = app.post("/auth/code/confirm", {"code": code})
    assert status != 200


def test_brute_forcing_a_code_ends_the_attempt(citizen):
    app = Mobile()
    app.post("/auth/code/request", {"phone": "13800000101"})
    code = last_code()
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(3):
        status, _ = app.post("/auth/code/confirm", {"code": wrong})
        assert status != 200
    status, _ = app.post("/auth/code/confirm", {"code": code})
    assert status != 200  # three wrong guesses spent the code


def test_code_requests_are_rate_limited_per_phone(citizen):
    answers = [Mobile().post("/auth/code/request", {"phone": "13800000101"}) for _ in range(4)]
    status, body = answers[-1]
    assert status in (400, 429)
    assert body["errors"][0]["code"] == "too_many_login_attempts" or "Too many" in body["errors"][0]["message"]
    assert SmsMessage.objects.count() == 3


def test_soft_lockout_after_five_failures_releases_itself(citizen, password):
    for _ in range(5):
        Mobile().post("/auth/login", {"username": citizen.id_number.lower(), "password": "wrong-password-1"})
    status, body = Mobile().post("/auth/login", {"username": citizen.id_number, "password": password})
    assert status in (400, 429)
    assert body["errors"][0]["code"] == "too_many_login_attempts"
    assert "Too many failed login attempts" in body["errors"][0]["message"]
    with mock.patch("time.time", return_value=time.time() + 15 * 60 + 1):
        status, _ = Mobile().post("/auth/login", {"username": citizen.id_number, "password": password})
    assert status == 200


def test_lockout_message_is_translated():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(6):
        response = client.post(APP + "/auth/login", json.dumps({"username": "110101199003071233", "password": "x" * 9}), content_type="application/json")
    assert "登录" in response.json()["errors"][0]["message"]


def test_sign_out_other_devices(citizen, password):
    phone, tablet = Mobile(), Mobile()
    phone.post("/auth/login", {"username": citizen.id_number, "password": password})
    tablet.post("/auth/login", {"username": citizen.id_number, "password": password})
    sessions = phone.get(APP + "/auth/sessions").json()["data"]
    others = [s["id"] for s in sessions if not s["is_current"]]
    assert len(others) == 1
    response = phone.client.delete(
        APP + "/auth/sessions", json.dumps({"sessions": others}), content_type="application/json", HTTP_X_SESSION_TOKEN=phone.token
    )
    assert response.status_code == 200
    assert tablet.get("/api/v1/me/").status_code == 401
    assert phone.get("/api/v1/me/").status_code == 200


NEW_ARGON2 = "argon2$argon2id$v=19$m=7168,t=5,p=1$"  # OWASP's 7 MiB, t = 5 (identity/hashers.py)


def test_passwords_are_argon2id_at_owasp_parameters_and_old_hashes_upgrade_at_sign_in(settings, citizen, password):
    from django.contrib.auth.hashers import make_password

    from portal import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the real hashers, not the tests' fast one
    citizen.password = make_password(password, hasher="pbkdf2_sha256")
    citizen.save(update_fields=["password"])
    status, _body = Mobile().post("/auth/login", {"username": citizen.id_number, "password": password})
    assert status == 200
    citizen.refresh_from_db()
    assert citizen.password.startswith(NEW_ARGON2)
    assert Mobile().post("/auth/login", {"username": citizen.id_number, "password": password})[0] == 200  # and it still signs in


def test_a_hash_at_the_old_19_mib_setting_verifies_and_is_rewritten_at_the_new_one_only_after_a_right_password(settings, citizen, password):
    from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, get_hasher

    from portal import settings as project_settings

    class Argon2At19MiB(Argon2PasswordHasher):  # the setting passwords were hashed at until 2026-12-07
        time_cost, memory_cost, parallelism = 2, 19456, 1

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    old = Argon2At19MiB().encode(password, Argon2At19MiB().salt())
    assert old.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$") and check_password(password, old)
    hasher = get_hasher("default")
    assert hasher.must_update(old) and not hasher.must_update(hasher.encode(password, hasher.salt()))
    citizen.password = old
    citizen.save(update_fields=["password"])

    assert Mobile().post("/auth/login", {"username": citizen.id_number, "password": password + "-wrong"})[0] == 400
    citizen.refresh_from_db()
    assert citizen.password == old  # a wrong password rewrites nothing

    assert Mobile().post("/auth/login", {"username": citizen.id_number, "password": password})[0] == 200
    citizen.refresh_from_db()
    assert citizen.password.startswith(NEW_ARGON2) and citizen.password != old
    assert Mobile().post("/auth/login", {"username": citizen.id_number, "password": password})[0] == 200  # the rewritten hash signs in
