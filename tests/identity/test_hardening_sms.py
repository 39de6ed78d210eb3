"""Codes are texted only to numbers registered here: a sign-in code asked for an unknown number, or a
reset asked for an account whose phone was never verified, sends nothing — and the answer (status,
body) is the one a registered number gets, so nobody learns which numbers have accounts. The SMS
gateway is called by a task after commit, never inside the request, so the timing does not tell either."""

import json
from unittest import mock

import pytest
from django.test import Client

from identity.models import SmsMessage, phone_index
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
APP = "/_allauth/app/v1"


def _code_request(phone: str):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(APP + "/auth/code/request", json.dumps({"phone": phone}), content_type="application/json")
    body = response.json()
    body.get("meta", {}).pop("session_token", None)
    return response.status_code, body


def _texts_to(phone: str) -> int:
    return SmsMessage.objects.filter(phone_index=phone_index(phone)).count()


def test_a_sign_in_code_for_an_unknown_number_is_not_texted_and_answers_the_same(citizen):
    known = _code_request("13800000101")
    unknown = _code_request("13800009999")
    assert known == unknown
    assert _texts_to("13800000101") == 1
    assert _texts_to("13800009999") == 0
    assert not SmsMessage.objects.filter(purpose="unknown_account").exists()


def test_the_portal_sign_in_by_code_answers_the_same_for_an_unknown_number(citizen):
    answers = []
    for phone in ("13800000101", "13800009998"):
        response = Client().post("/accounts/login/code/", {"phone": phone})
        answers.append((response.status_code, response.get("Location")))
    assert answers[0] == answers[1]
    assert _texts_to("13800009998") == 0 and _texts_to("13800000101") == 1


def test_a_reset_for_an_account_whose_phone_is_unverified_texts_nothing():
    """Whoever typed a number at sign-up but never confirmed it may not own it: no code goes there."""
    unverified = UserFactory()
    unverified.set_phone("13900000031", verified=False)
    unverified.save()
    verified = UserFactory(phone_number="13900000032")
    answers = [Client().post("/api/v1/password-reset/", json.dumps({"login": login}), content_type="application/json")
               for login in ("13900000031", verified.phone)]
    assert [a.status_code for a in answers] == [202, 202] and answers[0].json()["message"] == answers[1].json()["message"]
    assert _texts_to("13900000031") == 0


def test_the_gateway_is_called_after_the_answer_not_during_it(citizen, settings, django_capture_on_commit_callbacks):
    settings.QILU_SMS_BACKEND = "identity.sms.HttpGatewaySender"
    settings.QILU_SMS_GATEWAY_URL = "https://sms.example.gov.cn/send"
    with mock.patch("urllib.request.urlopen") as gateway:
        with django_capture_on_commit_callbacks() as after_commit:
            status, _body = _code_request("13800000101")
        assert status == 401 and gateway.call_count == 0  # the answer went out before any gateway call
        sent = SmsMessage.objects.get(phone_index=phone_index("13800000101"))
        assert sent.sent_at is None
        gateway.return_value.__enter__.return_value.status = 200
        for callback in after_commit:
            callback()
    assert gateway.call_count == 1
    sent.refresh_from_db()
    assert sent.sent_at is not None
