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


def test_concurrent_submissions_each_succeed_once(holder, settings):
    settings.QILU_CREATION_QUOTAS = {"applications": [100, 60]}  # a busy person, not a flood: the per-person quota is not what is tested
    results = _submit_many(holder, [f"k{n}" for n in range(24)])
    assert {status for status, _number in results} == {201}
    assert len({number for _status, number in results}) == 24 == Application.objects.filter(applicant=holder).count()


def test_one_key_sent_at_once_by_many_makes_one_application(holder):
    results = _submit_many(holder, ["same"] * 12)
    assert {status for status, _number in results} <= {200, 201} and [s for s, _n in results].count(201) == 1
    assert len({number for _status, number in results}) == 1 == Application.objects.filter(applicant=holder).count()


def test_a_notification_being_sent_does_not_block_the_applicants_next_submission(holder):
    """The notify task locks the step it notifies. It once locked the joined applicant and item rows
    FOR UPDATE too, which every submission's foreign-key checks wait on: under load a deadlock, answered
    503 (bench 2026-12-01-0844: 11 submissions). Now a submission goes through while the lock is held."""
    import threading

    from django.db import transaction

    from services.models import Transition
    from services.tasks import unnotified_transition

    assert _submit_many(holder, ["first"]) and Transition.objects.update(notified_at=None)
    step = Transition.objects.first()
    held, release, seen = threading.Event(), threading.Event(), []

    def notifying():
        try:
            with transaction.atomic():
                seen.append(unnotified_transition(step.pk))
                held.set()
                release.wait(10)
        finally:
            connection.close()

    notifier = threading.Thread(target=notifying)
    notifier.start()
    try:
        assert held.wait(10) and seen[0] is not None
        body = api_as(holder).get("/api/v1/items/JT-001/form/").json()
        data = {f["key"]: f["value"] for f in body["fields"]} | {"seats": "5"}
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'") if connection.vendor == "postgresql" else None
        second = api_as(holder).post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json", HTTP_IDEMPOTENCY_KEY="second")
    finally:
        release.set()
        notifier.join(10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout") if connection.vendor == "postgresql" else None
    assert second.status_code == 201, second.json()
