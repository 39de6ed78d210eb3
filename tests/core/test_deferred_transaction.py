"""A use case's transaction begins at its first database statement (core/dbbackends/deferred.py,
issue 25): one that writes only to Redis opens no connection; one that runs SQL is the same atomic
block as before — audit in it, rollback on an exception, nested use cases inside it, ``on_commit``
after its commit."""

import threading

import pytest
from django.db import connection, connections, transaction

from core.models import QueuedTask
from core.usecases import SYSTEM, SystemActor, unchanged, use_case
from identity.models import AuditEvent
from identity.services import audit_record

ACTION = AuditEvent.Action.NOTICES_READ


def _in_a_fresh_thread(func) -> dict:
    """Runs ``func`` where this thread's connection is not yet open (connections are per thread); the
    database is blocked in these tests, so any use of it raises there."""
    seen = {}

    def run():
        try:
            seen["answer"] = func()
        except Exception as exc:  # noqa: BLE001 — whatever it is, handed back to the test
            seen["error"] = exc
        seen["connection"] = connections["default"].connection

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen


def test_a_use_case_that_runs_no_sql_opens_no_connection_and_runs_its_on_commit_after_it_finishes():
    events = []

    @use_case(audit=ACTION)
    def redis_only(*, actor: SystemActor):
        transaction.on_commit(lambda: events.append("after"))
        events.append("body")
        unchanged()
        return "answered"

    assert _in_a_fresh_thread(lambda: redis_only(actor=SYSTEM)) == {"answer": "answered", "connection": None}
    assert events == ["body", "after"]


def test_the_fresh_thread_sees_a_use_case_that_touches_the_database():
    @use_case(audit=ACTION)
    def reads(*, actor: SystemActor):
        unchanged()
        return QueuedTask.objects.exists()

    seen = _in_a_fresh_thread(lambda: reads(actor=SYSTEM))
    assert "Database access not allowed" in str(seen["error"])


def test_a_failed_use_case_without_sql_drops_its_on_commit():
    events = []

    @use_case(audit=ACTION)
    def fails(*, actor: SystemActor):
        transaction.on_commit(lambda: events.append("after"))
        raise ValueError("refused")

    seen = _in_a_fresh_thread(lambda: fails(actor=SYSTEM))
    assert (str(seen["error"]), seen["connection"], events) == ("refused", None, [])


def _rows() -> list[str]:
    return sorted(QueuedTask.objects.filter(name__startswith="txn:").values_list("name", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_use_case_with_sql_commits_or_rolls_back_as_one_transaction_with_its_audit_and_nested_use_cases():
    events = []

    @use_case(audit=ACTION)
    def inner(*, actor: SystemActor, name: str):
        transaction.on_commit(lambda: events.append(f"commit {name}"))
        QueuedTask.objects.create(name=f"txn:{name}")
        audit_record(action=ACTION, actor=None, detail={"name": name})

    @use_case(audit=ACTION)
    def outer(*, actor: SystemActor, name: str, fail: bool = False):
        transaction.on_commit(lambda: events.append(f"commit {name}"))  # before any SQL: held, then tied to the transaction
        events.append(f"in transaction {connection.in_atomic_block}")
        inner(actor=actor, name=f"{name}/inner")  # its first statement begins the outer transaction, then its savepoint
        QueuedTask.objects.create(name=f"txn:{name}")
        audit_record(action=ACTION, actor=None, detail={"name": name})
        events.append(f"done {name}")
        if fail:
            raise ValueError("fails after its writes and its audit")

    with pytest.raises(ValueError):
        outer(actor=SYSTEM, name="a", fail=True)
    assert (_rows(), AuditEvent.objects.filter(action=ACTION).count(), events) == ([], 0, ["in transaction True", "done a"])

    outer(actor=SYSTEM, name="b")
    assert (_rows(), AuditEvent.objects.filter(action=ACTION).count()) == (["txn:b", "txn:b/inner"], 2)
    assert events[2:] == ["in transaction True", "done b", "commit b", "commit b/inner"]


@pytest.mark.django_db(transaction=True)
def test_a_first_statement_of_any_kind_begins_the_transaction():
    @use_case(audit=ACTION)
    def locks_first(*, actor: SystemActor):
        unchanged()
        return list(QueuedTask.objects.select_for_update().filter(name="txn:none"))  # refused outside a transaction

    @use_case(audit=ACTION)
    def atomic_first(*, actor: SystemActor):
        unchanged()
        with transaction.atomic():
            QueuedTask.objects.create(name="txn:in a block")
        QueuedTask.objects.create(name="txn:after the block")
        raise ValueError("both rolled back with the use case")

    @use_case(audit=ACTION)
    def quiet_inside_a_written_one(*, actor: SystemActor):
        QueuedTask.objects.create(name="txn:outer")
        unchanged()
        with pytest.raises(ValueError):
            atomic_first(actor=actor)  # a savepoint: rolled back alone
        return locks_first(actor=actor)

    assert locks_first(actor=SYSTEM) == []
    with pytest.raises(ValueError):
        atomic_first(actor=SYSTEM)
    assert _rows() == []
    assert quiet_inside_a_written_one(actor=SYSTEM) == []
    assert _rows() == ["txn:outer"]
