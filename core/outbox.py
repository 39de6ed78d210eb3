"""Enqueue Celery work without losing it when the broker (Redis) is down.

``enqueue`` tries the broker once, quickly; if it cannot be reached the task is written to the
``QueuedTask`` table instead (in the caller's transaction, so it exists exactly when the caller's
data does). ``relay`` sends those rows on when the broker is back — from beat every 30 s and when a
worker starts. Tasks are idempotent (each checks its own state), so a relay after a partial send
cannot do work twice.
"""

from __future__ import annotations

import importlib
import logging

from celery import current_app
from django.db import connections, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core import taskmessages
from core.models import QueuedTask
from core.usecases import before_finish

logger = logging.getLogger("qilu.queue")
# kombu's own errors (apply_async), and the Redis client's when a kept message is pushed (core.taskmessages)
BROKER_DOWN = (BrokerError, ConnectionError, OSError, TimeoutError, RedisConnectionError, RedisTimeoutError)


def enqueue(task, *args, **kwargs) -> None:
    task = _task(task)
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except BROKER_DOWN as exc:
        logger.warning("broker unavailable (%s): %s kept in the database", type(exc).__name__, task.name)
        QueuedTask.objects.create(name=task.name, args=list(args), kwargs=kwargs)


def relay(limit: int = 1000) -> int:
    sent = 0
    for queued in QueuedTask.objects.order_by("id")[:limit]:
        try:
            current_app.send_task(queued.name, args=queued.args, kwargs=queued.kwargs, retry=False)
        except BROKER_DOWN:
            QueuedTask.objects.filter(pk=queued.pk).update(attempts=queued.attempts + 1)
            break
        queued.delete()
        sent += 1
    return sent


def _task(task):
    """A task object, or its registered name: write modules name the task they need, so they never
    import the tasks module (which imports them)."""
    if not isinstance(task, str):
        return task
    if task not in current_app.tasks:
        # A web process has not imported the app's tasks module yet (Celery's autodiscovery is lazy).
        # Tasks are named "<app>.<task>"; Python's import lock makes this safe when threads race.
        importlib.import_module(f"{task.split('.', 1)[0]}.tasks")
    return current_app.tasks[task]


def enqueue_on_commit(task, *args) -> None:
    """The transactional outbox: the row is written with the caller's data; after commit the task is
    sent and the row removed. If the broker is down the row stays and ``relay`` sends it later; if
    the process dies between commit and send, the row is still there. Inside a use case, every task
    it enqueues is written with one ``INSERT`` as it finishes and cleared with one ``DELETE`` after
    commit (``core.usecases.before_finish``)."""
    task = _task(task)
    pending = before_finish("outbox", _write_and_send_on_commit)
    if pending is None:
        _write_and_send_on_commit([(task, args)])
    else:
        pending.append((task, args))


def send_on_commit(task, *args) -> None:
    """After commit, send the task — with no outbox row: for a write whose own rows say the task is
    owed, where a sweep sends again what a lost send missed (a 秒批 submission: its "submitted" step
    stays unnotified until the task runs, ``services.tasks.resend_instant_approvals``). A broker that
    is down is logged, and the sweep sends the task when it is back; so does a process that ends
    between the commit and the send."""
    task = _task(task)

    def send():
        try:
            taskmessages.send(task, args)
        except BROKER_DOWN as exc:
            logger.warning("broker unavailable (%s): %s left to its sweep", type(exc).__name__, task.name)

    transaction.on_commit(send)


def _write_and_send_on_commit(pending: list) -> None:
    rows = QueuedTask.objects.bulk_create([QueuedTask(name=task.name, args=list(args)) for task, args in pending])

    def send():
        sent = []
        for (task, args), row in zip(pending, rows, strict=True):
            try:
                taskmessages.send(task, tuple(args))  # apply_async's message, kept per task (issue 25)
            except BROKER_DOWN as exc:
                logger.warning("broker unavailable (%s): %s stays queued in the database", type(exc).__name__, task.name)
                continue
            sent.append(row.pk)
        if sent:
            _delete_sent(sent)

    transaction.on_commit(send)


def _delete_sent(pks: list[int]) -> None:
    """The sent rows go in one ``DELETE``, committed on its own: ``QuerySet.delete`` would wrap it in a
    transaction of its own (its collector's ``BEGIN`` and ``COMMIT``, two round trips more per
    submission, issue 25), and nothing refers to a queued task, so there is nothing for it to collect."""
    connection = connections[QueuedTask.objects.db]
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(pks))  # IN, not PostgreSQL's = ANY: `make run` keeps its data in SQLite
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(QueuedTask._meta.db_table)} WHERE id IN ({marks})", pks)  # noqa: S608 — the model's table, ids bound
