"""The plain answers of the hot health-pass endpoints (healthcode/api/answers.py, issue 25): the
OpenAPI document is unchanged — its schemas still come from the serializers — so each answer is
validated against the schema the document publishes, and compared with what the serializer makes
of the same object; and a request that is not plainly valid still gets the serializer's errors."""

import datetime as dt
from unittest import mock

import jsonschema
import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from healthcode import services
from healthcode.api import answers
from healthcode.api.serializers import PassSerializer, PassVerdictSerializer
from tests.healthcode.test_pass_and_checks import CHECK


@pytest.fixture(scope="module")
def document():
    return SchemaGenerator().get_schema(request=None, public=True)


def _json_schema(node, components):
    """OpenAPI 3.0 → JSON Schema: ``$ref`` inlined, ``nullable`` as a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    converted = {key: _json_schema(value, components) for key, value in node.items() if key not in ("nullable", "readOnly", "writeOnly")}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


def _answer_schema(document, path: str, method: str):
    responses = document["paths"][path][method]["responses"]
    content = (responses.get("200") or responses["201"])["content"]["application/json"]["schema"]
    return _json_schema(content, document["components"]["schemas"])


def test_show_my_pass_answers_what_the_schema_says(document, person_api, person):
    body = person_api.get("/api/v1/health/pass/").json()
    jsonschema.validate(body, _answer_schema(document, "/api/v1/health/pass/", "get"))
    shown = services.pass_show(user=person)
    assert answers.pass_answer(shown) == PassSerializer(shown).data


@pytest.mark.parametrize("case", ["valid", "expired", "garbled"])
def test_check_a_pass_answers_what_the_schema_says(case, document, person_api, checker_api, checker):
    payload = person_api.get("/api/v1/health/pass/").json()["payload"] if case != "garbled" else "not-a-pass"
    if case == "expired":
        from unittest import mock

        with mock.patch("time.time", return_value=timezone.now().timestamp() + 3600):
            body = checker_api.post(CHECK, {"payload": payload, "place": " 济南西站 "}, format="json").json()
    else:
        body = checker_api.post(CHECK, {"payload": payload, "place": " 济南西站 "}, format="json").json()
    jsonschema.validate(body, _answer_schema(document, CHECK, "post"))
    assert body["reason"] == {"valid": "valid", "expired": "expired", "garbled": body["reason"]}[case] and body["valid"] == (case == "valid")


def test_the_verdict_answer_is_the_serializers(person, checker):
    verdict = services.PassVerdict(valid=True, reason="valid", colour="green", masked_name="张*", issuer="CN-37",
                                   expires_at=dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC), check_id=__import__("uuid").uuid4())
    assert answers.verdict_answer(verdict) == PassVerdictSerializer(verdict).data
    refused = services.PassVerdict(valid=False, reason="bad_signature", colour=None, masked_name=None, issuer=None, expires_at=None,
                                   check_id=__import__("uuid").uuid4())
    assert answers.verdict_answer(refused) == PassVerdictSerializer(refused).data


@pytest.mark.parametrize("body", [{}, {"payload": ""}, {"payload": "   "}, {"payload": None}, {"payload": "x" * 4001},
                                  {"payload": "x", "place": "y" * 129}, {"payload": "x", "place": None}, ["payload"]])
def test_a_request_that_is_not_plainly_valid_gets_the_serializers_errors(body, checker_api):
    from healthcode.api.serializers import CheckRequestSerializer

    expected = CheckRequestSerializer(data=body)
    assert not expected.is_valid()
    answer = checker_api.post(CHECK, body, format="json")
    assert answer.status_code == 400
    for messages in expected.errors.values():  # the serializer's words, in the API's error answer
        assert all(str(message) in answer.content.decode() for message in messages), answer.json()


def test_plain_reading_cleans_as_the_serializer_does():
    assert answers.check_request({"payload": "  abc ", "place": " 站 "}) == ("abc", "站")
    assert answers.check_request({"payload": "abc"}) == ("abc", "")
    assert answers.check_request({"payload": 12345}) == ("12345", "")  # through the serializer


@pytest.mark.parametrize("value", [dt.datetime(2026, 12, 6, 8, 0, 1, 250, tzinfo=dt.UTC),
                                   dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))), dt.datetime(2026, 12, 6, 8, 0)])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_plain_datetime_is_the_fields(value, zone):
    from rest_framework import serializers

    with timezone.override(zone):
        assert answers.datetime_text(value) == serializers.DateTimeField().to_representation(value)


def test_a_check_reads_the_token_once(person_api, checker_api):
    from credentials import signing

    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    with mock.patch.object(signing, "jws_parts", wraps=signing.jws_parts) as parts:
        body = checker_api.post(CHECK, {"payload": payload}, format="json").json()
    assert body["valid"] and parts.call_count == 1


def test_the_plain_bytes_are_the_json_renderers():
    from types import SimpleNamespace

    from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
    from rest_framework.response import Response

    data = {"masked_name": "张*\u2028", "reasons": [{"code": "none", "text": "绿码 \"ok\"\u2029"}], "valid": True, "colour": None, "expires_at": 1}
    answer = answers.respond(SimpleNamespace(accepted_renderer=JSONRenderer(), accepted_media_type="application/json"), data)
    assert answer.content == JSONRenderer().render(data, "application/json", {}) and answer["Content-Type"] == "application/json"
    for renderer, media_type in ((JSONRenderer(), "application/json; indent=4"), (BrowsableAPIRenderer(), "text/html")):
        assert isinstance(answers.respond(SimpleNamespace(accepted_renderer=renderer, accepted_media_type=media_type), data), Response)


def test_a_client_asking_for_indented_json_still_gets_it(person_api):
    answer = person_api.get("/api/v1/health/pass/", HTTP_ACCEPT="application/json; indent=2")
    assert answer.status_code == 200 and answer.content.startswith(b'{\n  "') and answer["Cache-Control"] == "no-store"
    plain = person_api.get("/api/v1/health/pass/")
    assert plain["Content-Type"] == "application/json" and b"\n" not in plain.content and plain["Cache-Control"] == "no-store"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("reason", [*services.REASONS, "not_a_listed_reason"])
def test_the_pre_rendered_verdict_is_the_plain_answer_byte_for_byte(reason, language):
    from types import SimpleNamespace

    from django.utils import translation
    from rest_framework.renderers import JSONRenderer

    request = SimpleNamespace(accepted_renderer=JSONRenderer(), accepted_media_type="application/json")
    verdicts = [
        services.PassVerdict(valid=reason == "valid", reason=reason, colour="green", masked_name="张*", issuer="CN-37",
                             expires_at=dt.datetime(2026, 12, 6, 8, 0, 1, 250, tzinfo=dt.UTC), check_id=None),
        services.PassVerdict(valid=False, reason=reason, colour=None, masked_name=None, issuer=None, expires_at=None, check_id=None),
        services.PassVerdict(valid=True, reason=reason, colour=7, masked_name='李"\\\u2028\u2029\x01*', issuer="省外 <CN-44>",
                             expires_at=dt.datetime(2026, 12, 6, 8, 0), check_id=None),
    ]
    with translation.override(language), timezone.override("Asia/Shanghai"):
        for verdict in verdicts:
            expected = answers.respond(request, answers.verdict_answer(verdict))
            answer = answers.verdict_response(request, verdict)
            assert (answer.content, answer.status_code, answer["Content-Type"]) == (expected.content, 200, "application/json")
            assert answer.content == JSONRenderer().render(PassVerdictSerializer(verdict).data, "application/json", {})


def test_a_verdict_in_another_negotiated_form_is_a_response():
    from types import SimpleNamespace

    from rest_framework.renderers import JSONRenderer
    from rest_framework.response import Response

    verdict = services.PassVerdict(valid=False, reason="expired", colour=None, masked_name=None, issuer=None, expires_at=None, check_id=None)
    answer = answers.verdict_response(SimpleNamespace(accepted_renderer=JSONRenderer(), accepted_media_type="application/json; indent=2"), verdict)
    assert isinstance(answer, Response) and answer.data == answers.verdict_answer(verdict)


def test_a_checkpoint_sees_the_verdict_in_its_language(person_api, checker_api):
    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    english = checker_api.post(CHECK, {"payload": payload}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = checker_api.post(CHECK, {"payload": "garbled"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    again = checker_api.post(CHECK, {"payload": "garbled"}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (english["message"], again["message"]) == ("Valid", "Not a health pass QR code")
    assert chinese["message"] != again["message"] and not chinese["message"].isascii()  # the head is kept per language


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pre_rendered_pass_is_the_plain_answer_byte_for_byte(language, person):
    from types import SimpleNamespace

    from django.utils import translation
    from rest_framework.renderers import JSONRenderer

    from healthcode import selectors
    from healthcode.models import RuleSet

    request = SimpleNamespace(accepted_renderer=JSONRenderer(), accepted_media_type="application/json")
    version = RuleSet.objects.filter(published_at__isnull=False).order_by("-version").values_list("version", flat=True).first()
    shown = services.pass_show(user=person)
    selectors.explain({"reasons": ["x"], "rule_version": version})  # its words read, as after a first pass
    codes = [code for code in selectors._RULE_WORDS.get(version, {})][:2]
    evaluated = [dt.datetime(2026, 12, 6, 8, 0, 1, 250, tzinfo=dt.UTC), dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5)))]
    statuses = [{**shown.status, "colour": colour, "reasons": reasons, "evaluated_at": at}
                for colour in ("green", "yellow", "red") for reasons in ([], ["override"], codes, ["not_a_rule", *codes]) for at in evaluated]
    names = ["张*", '李"\\\u2028\u2029\x01*', "O'B* <x>"]
    with translation.override(language), timezone.override("Asia/Shanghai"):
        for number, status in enumerate(statuses):
            claims = {**shown.claims, "hp": {**shown.claims["hp"], "n": names[number % 3]}, "exp": shown.claims["exp"] + number}
            case = services.Pass(status=status, token=f"{shown.token}{number}", claims=claims, holder_name="")
            expected = answers.respond(request, answers.pass_answer(case))
            answer = answers.pass_response(request, case)
            assert (answer.content, answer.status_code, answer["Content-Type"]) == (expected.content, 200, "application/json")
            assert answer.content == JSONRenderer().render(PassSerializer(case).data, "application/json", {})
    assert codes and answers._pass_status.cache_info().hits  # the status part was written once and kept


def test_a_pass_whose_rule_words_are_not_read_yet_is_answered_as_before(person, monkeypatch):
    from types import SimpleNamespace

    from rest_framework.renderers import JSONRenderer

    from healthcode import selectors

    request = SimpleNamespace(accepted_renderer=JSONRenderer(), accepted_media_type="application/json")
    shown = services.pass_show(user=person)
    shown.status = {**shown.status, "reasons": ["some_rule"], "rule_version": 987654}
    monkeypatch.setattr(answers, "_pass_status", lambda *args: pytest.fail("kept words of a version not read"))
    assert not selectors.words_known(shown.status)
    assert answers.pass_response(request, shown).content == answers.respond(request, answers.pass_answer(shown)).content
