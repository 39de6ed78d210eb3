"""The plain answers of the hot 亮证 endpoints (credentials/api/answers.py, issue 25): the OpenAPI
document is unchanged — its schemas still come from the serializers — so each answer is validated
against the schema the document publishes and compared with what the serializer makes of the same
object; a request that is not plainly valid still gets the serializer's errors."""

import json
import uuid

import jsonschema
import pytest

from credentials import services
from credentials.api import answers
from credentials.api.serializers import PresentationCreateSerializer, PresentationSerializer, VerdictSerializer, VerifySerializer
from tests.healthcode.test_plain_answers import _answer_schema, document  # noqa: F401 — the published document (module fixture)

VERIFY = "/api/v1/verifications/"
SHOW = "/api/v1/wallet/{identifier}/presentations/"


def _show(api, licence, body):
    return api.post(SHOW.format(identifier=licence.identifier), body, format="json")


@pytest.mark.parametrize("qr", ["", "?qr=svg"])
def test_show_answers_what_the_schema_says(qr, document, citizen_api, citizen, licence):  # noqa: F811
    answer = citizen_api.post(SHOW.format(identifier=licence.identifier) + qr, {"disclose": ["licence_class"], "ttl_seconds": 60}, format="json")
    assert answer.status_code == 201
    body = answer.json()
    jsonschema.validate(body, _answer_schema(document, "/api/v1/wallet/{identifier}/presentations/", "post"))
    assert body["disclosed"] == ["licence_class"] and ("qr_svg" in body) == bool(qr)
    shown = services.presentation_create(actor=citizen, credential=licence, disclose=["photo", "licence_class"])
    assert answers.presentation_answer(shown) == PresentationSerializer(shown).data


@pytest.mark.parametrize("case", ["valid", "with_photo", "already_used", "garbled"])
def test_verify_answers_what_the_schema_says(case, document, citizen_api, clerk_api, clerk, licence):  # noqa: F811
    disclose = ["licence_class", "photo"] if case == "with_photo" else ["licence_class"]
    token = _show(citizen_api, licence, {"disclose": disclose}).json()["payload"] if case != "garbled" else "not-a-code"
    if case == "already_used":
        clerk_api.post(VERIFY, {"payload": token}, format="json")
    body = clerk_api.post(VERIFY, {"payload": f"  {token} "}, format="json").json()
    jsonschema.validate(body, _answer_schema(document, VERIFY, "post"))
    assert body["valid"] == (case in ("valid", "with_photo"))


def test_the_verdict_answer_is_the_serializers(citizen, clerk, licence):
    licence.photo = "aGVsbG8="  # any photo: the answer only says it was shown
    shown = services.presentation_create(actor=citizen, credential=licence, disclose=["licence_class", "photo"])
    verdict = services.presentation_verify(actor=clerk, token=shown.token)
    assert verdict.valid and answers.verdict_answer(verdict) == VerdictSerializer(verdict).data
    refused = services.Verdict(valid=False, reason="bad_signature", message="x", credential=None, presentation=None,
                               verification_id=uuid.uuid4(), rows=[])
    assert answers.verdict_answer(refused) == VerdictSerializer(refused).data


@pytest.mark.parametrize("body", [{"disclose": "licence_class"}, {"disclose": [""]}, {"disclose": ["x" * 49]}, {"disclose": None},
                                  {"ttl_seconds": 5}, {"ttl_seconds": 601}, {"ttl_seconds": "soon"}, {"ttl_seconds": None}, ["disclose"]])
def test_a_show_request_not_plainly_valid_gets_the_serializers_errors(body, citizen_api, licence):
    expected = PresentationCreateSerializer(data=body)
    assert not expected.is_valid()
    answer = _show(citizen_api, licence, body)
    assert answer.status_code == 400
    assert all(message in answer.content.decode() for message in _flat(expected.errors)), answer.json()


def _flat(errors) -> list[str]:
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _flat(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in _flat(value)]
    return [str(errors)]


@pytest.mark.parametrize("body", [{}, {"payload": ""}, {"payload": "   "}, {"payload": None}, {"payload": "x" * 8001}, ["payload"]])
def test_a_verify_request_not_plainly_valid_gets_the_serializers_errors(body, clerk_api):
    expected = VerifySerializer(data=body)
    assert not expected.is_valid()
    answer = clerk_api.post(VERIFY, body, format="json")
    assert answer.status_code == 400
    for messages in expected.errors.values():
        assert all(str(message) in answer.content.decode() for message in messages), answer.json()


def test_plain_reading_cleans_as_the_serializer_does():
    assert answers.presentation_request({"disclose": ["a", "b"], "ttl_seconds": 30}) == (["a", "b"], 30)
    assert answers.presentation_request({}) == ([], None)
    assert answers.presentation_request({"disclose": [" a "]}) == (["a"], None)  # through the serializer: trimmed
    assert answers.presentation_request({"ttl_seconds": "30"}) == ([], 30)  # through the serializer
    assert answers.verify_request({"payload": " abc "}) == "abc"
    assert answers.verify_request({"payload": 123}) == "123"


def _rendered(answer) -> bytes:
    from rest_framework.renderers import JSONRenderer

    return JSONRenderer().render(answer.json(), "application/json", {})


def test_both_answers_are_the_bytes_the_json_renderer_writes(citizen_api, clerk_api, licence):
    shown = _show(citizen_api, licence, {"disclose": ["licence_class", "holder_number"]})
    verdict = clerk_api.post(VERIFY, {"payload": shown.json()["payload"]}, format="json")
    for answer, status in ((shown, 201), (verdict, 200)):
        assert (answer.status_code, answer["Content-Type"]) == (status, "application/json")
        assert answer.content == _rendered(answer) and b"\\u" not in answer.content  # compact, UTF-8 as written
    assert verdict.json()["valid"] and verdict.json()["credential"]["holder_name"] == licence.holder_name


def test_a_client_asking_for_indented_json_still_gets_it(citizen_api, clerk_api, licence):
    shown = citizen_api.post(SHOW.format(identifier=licence.identifier), {"disclose": ["licence_class"]}, format="json",
                             HTTP_ACCEPT="application/json; indent=2")
    assert shown.status_code == 201 and shown.content.startswith(b'{\n  "')
    verdict = clerk_api.post(VERIFY, {"payload": shown.json()["payload"]}, format="json", HTTP_ACCEPT="application/json; indent=2")
    assert verdict.status_code == 200 and verdict.content.startswith(b'{\n  "') and verdict.json()["valid"]


@pytest.mark.parametrize("disclosed", [[], ["licence_class"], ["holder_number", "licence_class", "准驾车型", "line\u2028sep\u2029", 'quote"back\\']])
def test_the_show_answers_bytes_are_responds_for_any_choice_of_fields(disclosed, citizen):
    """``presentation_response`` writes the answer around the code's own values: the same bytes as
    ``respond`` writes of ``presentation_answer`` (a time zone's offset, Unicode and escapes included)."""
    import datetime as dt

    from django.utils import timezone
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.request import Request
    from rest_framework.settings import api_settings
    from rest_framework.test import APIRequestFactory

    from core.answers import respond

    code = services.ShownCode(id=uuid.uuid4(), credential_id=1, presenter_id=citizen.pk, on_behalf=False, disclosed=disclosed,
                              created_at=dt.datetime(2026, 12, 7, 5, 0, tzinfo=dt.UTC), expires_at=dt.datetime(2026, 12, 7, 5, 1, 30, 123456, tzinfo=dt.UTC))
    shown = services.Shown(presentation=code, token="HC1:" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:" * 4, claims={})
    with timezone.override("Asia/Shanghai"):
        for accept in ("application/json", "application/json; indent=2", "text/html"):
            request = APIRequestFactory().post("/x", HTTP_ACCEPT=accept)
            drf = Request(request)
            renderers = [renderer() for renderer in api_settings.DEFAULT_RENDERER_CLASSES]
            drf.accepted_renderer, drf.accepted_media_type = DefaultContentNegotiation().select_renderer(drf, renderers)
            fast, plain = answers.presentation_response(drf, shown), respond(drf, answers.presentation_answer(shown), status=201)
            assert (fast.status_code, type(fast)) == (plain.status_code, type(plain)) == (201, type(plain))
            if type(plain).__name__ == "HttpResponse":
                assert fast.content == plain.content and fast["Content-Type"] == plain["Content-Type"]
                assert json.loads(fast.content)["expires_at"] == "2026-12-07T13:01:30.123456+08:00"
