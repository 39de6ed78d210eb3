"""A submission's answer is written plainly (services/api/answers.py, issue 25): byte for byte what
``ApplicationSerializer`` rendered by DRF's JSONRenderer gives for the same application and caller —
a 秒批 decided in process, one left to the worker, a retry, an item reviewed by staff, a fee item —
and valid against the schema the OpenAPI document publishes (still the serializer's). The request is
read plainly as ``ApplySerializer`` reads it, and one that is not plainly valid gets the serializer's errors."""

from types import SimpleNamespace

import jsonschema
import pytest
from rest_framework.renderers import JSONRenderer

from services.api.answers import application_answer, apply_request
from services.api.serializers import ApplicationSerializer, ApplySerializer
from services.models import Application
from tests.healthcode.test_plain_answers import _answer_schema, document  # noqa: F401 — the published document (module fixture)
from tests.payments.test_payments import fee_item, platform  # noqa: F401 — GA-002 charging a fee, the simulated platform
from tests.services.test_lifecycle import form_for

APPLY = "/api/v1/applications/"


@pytest.fixture
def no_eager_tasks(monkeypatch):
    from celery import current_app

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)  # as in production: the 秒批 runs in a worker


def serialized(application: Application, user) -> bytes:
    """What the view answered before: the serializer's data, as DRF's JSONRenderer writes it."""
    return JSONRenderer().render(ApplicationSerializer(application, context={"request": SimpleNamespace(user=user)}).data, "application/json", {})


def submitted(api, code: str, key: str, **overrides):
    return api.post(APPLY, {"item": code, "data": form_for(api, code, **overrides)}, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize(("code", "overrides", "status"), [
    ("JT-001", {"seats": "5"}, "completed"),  # 秒批 in process: decided, a result credential, four steps
    ("JT-001", {"seats": "12"}, "submitted"),  # a rule fails: failing_rule named, left for review
    ("GA-001", {"delivery_address": "济南市历下区泉城路100号"}, "submitted"),  # reviewed by staff
])
def test_the_answer_is_the_serializers_bytes_and_the_schemas(code, overrides, status, holder_api, holder, document):  # noqa: F811
    answer = submitted(holder_api, code, f"answer-{code}-{status}", **overrides)

    assert answer.status_code == 201 and answer.json()["status"] == status
    assert answer.content == serialized(Application.objects.get(number=answer.json()["number"]), holder)
    jsonschema.validate(answer.json(), _answer_schema(document, APPLY, "post"))


def test_the_answer_of_a_submission_left_to_the_worker_and_of_its_retry(holder_api, holder, no_eager_tasks, document):  # noqa: F811
    first = submitted(holder_api, "JT-001", "answer-retry", seats="5")
    again = submitted(holder_api, "JT-001", "answer-retry", seats="5")

    assert (first.status_code, again.status_code) == (201, 200)
    application = Application.objects.get(number=first.json()["number"])
    assert first.content == again.content == serialized(application, holder)
    assert first.json()["actions"] == ["withdraw"] and len(first.json()["materials"]) == 2
    jsonschema.validate(again.json(), _answer_schema(document, APPLY, "post"))


def test_a_fee_item_answers_what_the_serializer_would(holder_api, holder, fee_item, platform, document):  # noqa: F811
    answer = submitted(holder_api, "GA-002", "answer-fee", reason="丢失", delivery_address="济南市历下区泉城路100号")

    assert answer.status_code == 201 and answer.json()["status"] == "awaiting_payment"
    assert answer.content == serialized(Application.objects.get(number=answer.json()["number"]), holder)
    assert answer.json()["actions"] == ["cancel", "pay"]
    jsonschema.validate(answer.json(), _answer_schema(document, APPLY, "post"))


def test_anyone_but_the_applicant_gets_the_serializers_masking_and_no_actions(holder_api, holder, reviewer, no_eager_tasks):
    number = submitted(holder_api, "JT-001", "answer-viewers", seats="5").json()["number"]
    application = Application.objects.select_related("item", "version", "department").get(number=number)

    for user in (reviewer, None):
        assert application_answer(application, user) == ApplicationSerializer(application, context={"request": SimpleNamespace(user=user)}
                                                                               if user else {}).data
    assert application_answer(application, reviewer)["actions"] == []


@pytest.mark.parametrize("body", [
    {"item": "JT-001", "data": {"seats": "5", "n": 3, "none": None}},
    {"item": "JT-001", "data": {}, "uploads": {"7": "0b6e0c2e-5f7b-4c39-9a43-5d2b8e0f6a11"}, "organisation": "91110000600037341L"},
    {"item": "JT-001", "organisation": "", "extra": "ignored"},
    {"item": " JT-001 ", "data": {"a": 1}},  # trimmed by the serializer
    {"item": 12, "uploads": {"1": 5}},  # numbers made text by the serializer
])
def test_a_valid_request_is_read_as_the_serializer_reads_it(body):
    expected = ApplySerializer(data=body)

    assert expected.is_valid(), expected.errors
    assert apply_request(body) == dict(expected.validated_data)


@pytest.mark.parametrize("body", [{}, {"item": ""}, {"item": "x" * 49}, {"item": "JT-001", "data": None}, {"item": "JT-001", "data": "seats"},
                                  {"item": "JT-001", "uploads": {"1": ""}}, {"item": "JT-001", "uploads": {"1": None}},
                                  {"item": "JT-001", "organisation": None}, {"item": "JT-001", "organisation": "9" * 25}, ["item"]])
def test_a_request_not_plainly_valid_gets_the_serializers_errors(body, holder_api):
    expected = ApplySerializer(data=body)
    assert not expected.is_valid()

    answer = holder_api.post(APPLY, body, format="json")

    assert answer.status_code == 400
    assert all(message in answer.content.decode() for messages in expected.errors.values() for message in messages), answer.json()
