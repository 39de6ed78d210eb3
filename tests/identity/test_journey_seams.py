"""The seams of the identity journeys (issue 21): 忘记密码 by SMS code in the portal and the app API
(no enumeration, rate limits, audit, the text, every session ended), the e-ID card at real-name
sign-up (once), names instead of the blind index, no 500 on a sign-in path (a rate limit is a 429
with the wait; a crash is the branded 500 page or JSON), staff landing on their console, and
登录设备 in words."""

import datetime as dt
import json
import re
from unittest import mock

import pytest
from django.test import Client

from credentials.demo import seed_types
from credentials.models import Credential
from identity import roles
from identity.adapter import landing_page
from identity.models import AuditEvent, SmsMessage, User, phone_index
from identity.sessions import device_label
from tests.factories import PASSWORD, PopulationRecordFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # texts and the e-ID card follow the commit
NEW_PASSWORD = "Brand-new-pass-2026"


def texts_to(phone: str) -> list[str]:
    return list(SmsMessage.objects.filter(phone_index=phone_index(phone)).order_by("id").values_list("body", flat=True))


def code_in(body: str) -> str:
    return re.search(r"\d{6}", body).group(0)


def api_post(client, path, data):
    response = client.post("/api/v1/" + path, json.dumps(data), content_type="application/json")
    return response.status_code, response.json()


# --- 忘记密码 ------------------------------------------------------------------------------------


def test_api_reset_by_sms_code_sets_the_password_texts_the_phone_and_ends_every_session():
    person = UserFactory(phone_number="13900000021")
    elsewhere = Client()
    assert elsewhere.login(id_number=person.id_number, password=PASSWORD) or elsewhere.post(
        "/accounts/login/", {"login": person.id_number, "password": PASSWORD}).status_code == 302
    assert elsewhere.get("/account/").status_code == 200
    app = Client()  # Chinese, the default: texts are in the language of the request

    status, body = api_post(app, "password-reset/", {"login": person.id_number.lower()})
    assert status == 202 and body["ticket"]
    code = code_in(texts_to("13900000021")[-1])
    status, body = api_post(app, "password-reset/confirm/", {"ticket": body["ticket"], "code": code, "password": NEW_PASSWORD})

    assert status == 200, body
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD) and not person.check_password(PASSWORD)
    assert "密码已修改" in texts_to("13900000021")[-1]
    assert elsewhere.get("/account/").status_code == 302  # signed out on the other device
    steps = list(AuditEvent.objects.filter(action="password_reset", subject=person).values_list("detail__step", flat=True))
    assert sorted(steps) == ["code_sent", "password_changed"]


def test_the_answer_is_the_same_for_an_unknown_number_and_no_text_is_sent():
    known = UserFactory(phone_number="13900000022")
    app = Client()

    status_known, body_known = api_post(app, "password-reset/", {"login": known.id_number})
    status_unknown, body_unknown = api_post(app, "password-reset/", {"login": "13900000099"})

    assert (status_known, set(body_known)) == (status_unknown, set(body_unknown)) == (202, {"ticket", "message"})
    assert body_known["message"] == body_unknown["message"]
    assert texts_to("13900000099") == []
    status, body = api_post(app, "password-reset/confirm/", {"ticket": body_unknown["ticket"], "code": "000000", "password": NEW_PASSWORD})
    assert (status, body["code"]) == (400, "invalid_code")


def test_a_wrong_code_three_times_burns_the_ticket():
    person = UserFactory(phone_number="13900000023")
    app = Client()
    _status, body = api_post(app, "password-reset/", {"login": "139 0000 0023"})
    code = code_in(texts_to("13900000023")[-1])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _attempt in range(3):
        status, refused = api_post(app, "password-reset/confirm/", {"ticket": body["ticket"], "code": wrong, "password": NEW_PASSWORD})
        assert (status, refused["code"]) == (400, "invalid_code")
    status, refused = api_post(app, "password-reset/confirm/", {"ticket": body["ticket"], "code": code, "password": NEW_PASSWORD})
    assert status == 400
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_reset_requests_are_rate_limited_with_the_wait_in_words():
    person = UserFactory(phone_number="13900000024")
    app = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    answers = [api_post(app, "password-reset/", {"login": person.id_number}) for _ in range(4)]

    assert [status for status, _body in answers] == [202, 202, 202, 429]
    assert answers[-1][1]["code"] == "throttled" and re.search(r"\d+", answers[-1][1]["message"])
    assert len(texts_to("13900000024")) == 3


def test_the_portal_says_how_long_to_wait_when_reset_codes_are_rate_limited():
    person = UserFactory(phone_number="13900000027")
    browser = Client()
    answers = [browser.post("/accounts/password/reset/", {"login": person.id_number}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    assert re.search(r"请 \d+ 秒后再试", answers[-1].content.decode())


def test_portal_reset_has_no_e_mail_and_ends_with_signing_in_with_the_new_password():
    person = UserFactory(phone_number="13900000025")
    browser = Client()
    page = browser.get("/accounts/password/reset/").content.decode()
    assert "mail" not in page.lower() and 'name="login"' in page

    response = browser.post("/accounts/password/reset/", {"login": "13900000025"})
    assert response.status_code == 302 and response.url == "/accounts/password/reset/code/"
    code = code_in(texts_to("13900000025")[-1])
    response = browser.post("/accounts/password/reset/code/", {"code": code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/login/"

    assert browser.post("/accounts/login/", {"login": person.id_number, "password": PASSWORD}).status_code == 200  # refused
    assert browser.post("/accounts/login/", {"login": person.id_number, "password": NEW_PASSWORD}).status_code == 302


def test_the_sign_in_and_change_password_pages_link_to_the_sms_reset():
    person = UserFactory(phone_number="13900000026")
    browser = Client()
    assert 'href="/accounts/password/reset/"' in browser.get("/accounts/login/").content.decode()
    browser.force_login(person)
    assert 'href="/accounts/password/reset/"' in browser.get("/accounts/password/change/").content.decode()
    own = browser.get("/accounts/password/reset/").content.decode()
    assert "139****0026" in own and 'name="login"' not in own


# --- e-ID card at sign-up ----------------------------------------------------------------------


def sign_up(record, phone="13900000031"):
    app = Client()
    return app.post("/_allauth/app/v1/auth/signup", json.dumps(
        {"name": record.name, "username": record.id_number, "phone": phone, "password": "Str0ng-pass-2026"}), content_type="application/json")


def test_real_name_sign_up_puts_the_e_id_card_in_the_wallet_once():
    seed_types()
    record = PopulationRecordFactory(name="袁涛", id_number="370212195009085155", birth_date=dt.date(1950, 9, 8), area_code="370212")

    sign_up(record)

    user = User.objects.get(id_number_index=record.id_number_index)
    card = Credential.objects.get(type__code="id_card", holder_index=user.id_number_index)
    assert (card.holder_name, card.fields["id_number"], card.fields["gender"], card.fields["birth_date"]) == (
        "袁涛", "370212195009085155", "男", "1950-09-08")
    assert AuditEvent.objects.filter(action="credential_issued", subject=user).count() == 1

    from credentials.tasks import id_card_issue_on_sign_up

    assert id_card_issue_on_sign_up(user.pk) is False  # run again: nothing new
    assert Credential.objects.filter(type__code="id_card", holder_index=user.id_number_index).count() == 1


def test_someone_already_holding_an_id_card_gets_no_second_one():
    clients = seed_types()
    record = PopulationRecordFactory(name="袁涛", id_number="370212195009085155", birth_date=dt.date(1950, 9, 8), area_code="370212")
    from credentials.services import credential_issue, id_card_push

    credential_issue(actor=clients["SD-GAT"], data=id_card_push(
        holder_number=record.id_number, holder_name="袁涛", record_id="ID-085155", issued_on=dt.date(2016, 5, 9),
        fields={"gender": "男", "birth_date": "1950-09-08", "address": "山东省青岛市崂山区", "issuing_authority": "青岛市公安局崂山分局"}))

    sign_up(record)

    assert Credential.objects.filter(type__code="id_card", holder_index=record.id_number_index).count() == 1


# --- names, rate limits, 500s --------------------------------------------------------------------


def test_the_sign_in_message_names_the_person_never_the_blind_index():
    person = UserFactory(name="袁涛", phone_number="13900000041")
    browser = Client()
    response = browser.post("/accounts/login/", {"login": person.id_number, "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "袁涛" in page
    assert person.id_number_index not in page and person.id_number_index[:6] not in page


def test_signing_in_again_within_30_s_with_an_unverified_phone_is_a_429_with_the_wait_not_a_500():
    person = UserFactory(name="袁涛")
    person.set_phone("13900000042", verified=False)
    person.save()
    browser = Client(raise_request_exception=False)

    first = browser.post("/accounts/login/", {"login": person.id_number, "password": PASSWORD})
    again = Client(raise_request_exception=False).post("/accounts/login/", {"login": person.id_number, "password": PASSWORD})

    assert first.status_code == 302 and "/accounts/phone/verify/" in first.url
    assert again.status_code == 429
    assert "30 秒" in again.content.decode() and again["Retry-After"] == "30"


def test_the_sign_in_api_answers_the_same_rate_limit_in_json():
    person = UserFactory(name="袁涛")
    person.set_phone("13900000043", verified=False)
    person.save()
    login = {"username": person.id_number, "password": PASSWORD}

    Client().post("/_allauth/app/v1/auth/login", json.dumps(login), content_type="application/json")
    again = Client(raise_request_exception=False).post("/_allauth/app/v1/auth/login", json.dumps(login), content_type="application/json")

    assert again.status_code == 429
    assert again.json()["errors"][0]["code"] == "too_many_requests"


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "抱歉，服务出了点问题"), ("en", "Sorry, something went wrong")])
def test_a_crash_on_a_portal_page_is_the_branded_500_page(settings, language, words):
    settings.DEBUG = False
    browser = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    browser.force_login(UserFactory())
    with mock.patch("identity.views.selectors.audit_events_about", side_effect=RuntimeError("boom")):
        response = browser.get("/account/")
    assert response.status_code == 500
    page = response.content.decode()
    assert words in page and 'data-testid="server-error"' in page and "Traceback" not in page and "boom" not in page


@pytest.mark.parametrize("path", ["/api/v1/me/", "/_allauth/app/v1/auth/session"])
def test_a_crash_on_the_api_is_json_with_a_stable_code(settings, path):
    settings.DEBUG = False
    browser = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    with mock.patch("portal.authentication.SessionTokenAuthentication.authenticate", side_effect=RuntimeError("boom")), \
         mock.patch("allauth.headless.base.views.APIView.dispatch", side_effect=RuntimeError("boom")):
        response = browser.get(path)
    assert response.status_code == 500
    assert response.json()["code"] == "server_error" and "boom" not in response.content.decode()


# --- landing pages, devices --------------------------------------------------------------------


@pytest.mark.parametrize(("role", "page"), [
    (roles.REVIEWER, "/services/workbench/"), (roles.CLERK, "/verify/"), (roles.CHECKPOINT, "/health/check/"),
    (roles.HEALTH_OFFICER, "/health/stats/"), (roles.ITEM_ADMIN, "/admin/"), (roles.DISPATCHER, "/cases/staff/dispatch/"), (roles.CITIZEN, "/"),
])
def test_each_role_lands_on_its_console_and_citizens_on_the_home_page(role, page):
    assert landing_page(UserFactory(roles=[role])) == page


def test_a_citizen_signing_in_lands_on_the_home_page():
    person = UserFactory(phone_number="13900000051")
    response = Client().post("/accounts/login/", {"login": person.id_number, "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/")


@pytest.mark.parametrize(("agent", "words"), [
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
     "iPhone · Safari"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Windows · Chrome"),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36", "Android · Chrome"),
    ("", "未知设备"),
])
def test_devices_are_named_in_words(agent, words):
    assert device_label(agent) == words


def test_the_sessions_page_shows_devices_not_user_agent_strings():
    person = UserFactory(phone_number="13900000052")
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
    browser = Client(HTTP_USER_AGENT=agent)
    browser.post("/accounts/login/", {"login": person.id_number, "password": PASSWORD})
    page = browser.get("/accounts/sessions/").content.decode()
    assert "Windows · Chrome" in page and "AppleWebKit" not in page
