"""Submissions under concurrency (threads, each with its own database connection, as several app
processes would be): every distinct submission succeeds once, and one Idempotency-Key sent by many
requests at once makes exactly one application."""

import concurrent.futures

import pytest
from django.db import connection

from services.models import Application
from tests.factories import api_as

pytestmark = pytest.mark.django_db(transaction=True)


def _submit_many(holder, keys):
    body = api_as(holder).get("/api/v1/items/JT-001/form/").json()
    data = {f["key"]: f["value"] for f in body["fields"]} | {"seats": "5"}

    def one(key):
        try:
            response = api_as(holder).post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json", HTTP_IDEMPOTENCY_KEY=key)
            return response.status_code, response.json().get("number")
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, keys))


def test_concurrent_submissions_each_succeed_once(holder):
    results = _submit_many(holder, [f"k{n}" for n in range(24)])
    assert {status for status, _number in results} == {201}
    assert len({number for _status, number in results}) == 24 == Application.objects.filter(applicant=holder).count()


def test_one_key_sent_at_once_by_many_makes_one_application(holder):
    results = _submit_many(holder, ["same"] * 12)
    assert {status for status, _number in results} <= {200, 201} and [s for s, _n in results].count(201) == 1
    assert len({number for _status, number in results}) == 1 == Application.objects.filter(applicant=holder).count()
