"""What one 秒批 submission asks of PostgreSQL and Redis, pinned (issue 25): the statements, as they
reach the server outside a test's transaction (committed, and the outbox's after-commit work run), and
exactly one task sent to the broker; and the Redis round trips. Before: 15 statements — the idempotent
write's savepoint around the numbered insert's savepoint, and the outbox row's delete wrapped in a
transaction of its own — and 9 round trips (the catalogue's stamp and the kept item read one after the other)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import QueuedTask
from services.models import ServiceItem
from tests.redis_round_trips import counted
from tests.services.test_lifecycle import form_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_on_commit]

EXPECTED = [
    "BEGIN",
    "SELECT credentials_credential",  # the held ID card and vehicle licence (免证办): one statement, newest per type
    "SAVEPOINT",  # the numbered insert: a taken number, or the key's first attempt, refuses only this
    "INSERT services_application",
    "RELEASE SAVEPOINT",
    "INSERT services_attachedmaterial",  # both materials, one statement
    "INSERT services_transition",  # "submitted" on the timeline (its notice sent by the 秒批 task)
    "INSERT identity_auditevent",
    "COMMIT",  # no outbox row: the unnotified "submitted" step says the 秒批 task is owed (services.tasks.resend_instant_approvals)
]


EXPECTED_REDIS = [
    "GET",  # the session (identity.sessions)
    "MGET",  # the catalogue's stamp and the item kept under it (services.selectors.item_for_applying)
    "GET",  # the idempotency key's marker: a retry of a committed submission (core.idempotency)
    "PIPELINE INCRBY EXPIRE",  # the daily quota (core.quotas)
    "GET",  # the credential types' stamp (credentials.selectors.type_ids)
    "GET",  # the calendar's stamp (services.workdays)
    "LPUSH",  # after commit: the 秒批 task
    "SET",  # after commit: the key's marker
]


@pytest.fixture
def no_eager_tasks(monkeypatch):
    from celery import current_app

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)  # as in production: the 秒批 runs in a worker


def kind(sql: str) -> str:
    """A statement's verb and table: ``INSERT services_application``, ``SAVEPOINT``."""
    verb = sql.split(None, 1)[0].upper()
    if verb in ("RELEASE", "ROLLBACK"):
        return " ".join(sql.split()[:2]).upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
    return f"{'SELECT' if verb.startswith('(') else verb} {table.group(1)}" if table else verb


def test_a_submission_runs_nine_statements_and_sends_one_task(holder_api, no_eager_tasks):
    data = form_for(holder_api, "JT-001", seats="5")
    assert holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json",
                           HTTP_IDEMPOTENCY_KEY="warm").status_code == 201  # the item, the type ids and the calendar cached

    with CaptureQueriesContext(connection) as queries, counted() as redis:
        answer = holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json", HTTP_IDEMPOTENCY_KEY="counted")

    assert answer.status_code == 201
    assert [kind(q["sql"]) for q in queries.captured_queries] == EXPECTED, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert [command for command in redis if "LPUSH" in command] == ["LPUSH"], redis  # one task: the 秒批, which notifies first
    assert redis == EXPECTED_REDIS
    assert not QueuedTask.objects.exists()  # none written


def test_a_change_of_the_item_is_seen_by_the_next_submission(holder_api, no_eager_tasks):
    data = form_for(holder_api, "JT-001", seats="5")
    assert holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json").status_code == 201  # the item kept

    item = ServiceItem.objects.get(code="JT-001")
    item.online = False  # handled at the window only, from now on
    item.save()  # committed: the catalogue's stamp moves
    answer = holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json")

    assert (answer.status_code, answer.json()["code"]) == (409, "offline_only")
