"""Check records off the request path, without losing one.

A checkpoint scan or a clerk's verification answers from memory; what it must leave behind (the check
row, its audit event, the holder's notice) is one *record* handed to this journal. ``record`` is
called inside the use case (it counts as the use case's audit: the record carries the event).

Two backends, chosen by ``QILU_CHECK_JOURNAL``:

- ``inline`` (the embedded default and the tests): the record is written at once, in the caller's
  transaction, by the same writer the consumer uses.
- ``redis`` (production): the record is appended to a Redis stream (``XADD``; the production Redis
  runs with ``appendonly yes`` and ``appendfsync always``, so an accepted record survives a Redis
  crash). ``python manage.py journal_consume`` reads it through a consumer group, writes a batch of
  records — every row of every record — in one PostgreSQL transaction, and only then acknowledges
  them. A consumer killed mid-batch leaves its records pending; on restart it (or another consumer,
  after ``CLAIM_IDLE_MS``) reads them again, and the writers skip records already stored (each row
  carries the record's id under a unique constraint), so every accepted record is stored exactly
  once. If Redis cannot be reached when a record is made, it is written inline instead; behind Sentinel,
  also when no replica holds it within 50 ms (``QILU_JOURNAL_REPLICAS``), so a failover loses none.

Writers are registered per kind, ``"<app>.<what>"``, in the app's ``journal`` module, which is imported
on first use (like ``core.outbox`` finds tasks); a writer takes a list of records and must skip
the ids already stored.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import context, redis_held
from core.usecases import note_audit

logger = logging.getLogger("qilu.journal")
STREAM = "qilu:journal"
DEAD = "qilu:journal:dead"
GROUP = "writers"
CLAIM_IDLE_MS = 30_000
CLAIM_EVERY = 5.0  # seconds between a running consumer's looks for its own pending records and others' idle ones
WRITERS: dict[str, Callable[[list[dict]], None]] = {}
FIRST = ["credentials.presentation"]  # kinds written before the others in a batch: a scan's record needs its shown code's row


def writer(kind: str):
    def register(func):
        WRITERS[kind] = func
        return func

    return register


def _writer(kind: str) -> Callable[[list[dict]], None]:
    if kind not in WRITERS:
        importlib.import_module(f"{kind.split('.', 1)[0]}.journal")
    return WRITERS[kind]


def entry(kind: str, *, audit: str, **fields) -> dict:
    """One record, not yet handed over (``hand``; a caller that appends it itself — in one round trip
    with its other commands, ``credentials.shown.publish`` — calls ``unreplicated`` when it must)."""
    note_audit(audit)
    return {"id": uuid.uuid4().hex, "kind": kind, "at": timezone.now().isoformat(), "ip": context.client_ip.get(), **fields}


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # what json.dumps builds per call with these options


def raw(made: dict) -> str:
    return _ENCODER.encode(made)


def record(kind: str, *, audit: str, **fields) -> uuid.UUID:
    """Hand one durable record to the journal; its id names every row the writer makes of it."""
    return hand(entry(kind, audit=audit, **fields))


def hand(made: dict) -> uuid.UUID:
    """Hand a record made by ``entry`` to the journal."""
    kind, record_id = made["kind"], uuid.UUID(hex=made["id"])
    if settings.QILU_CHECK_JOURNAL == "redis":
        try:
            if _append(raw(made)):
                return record_id
        except Exception as exc:  # noqa: BLE001 — Redis unreachable: the record is written now instead, never lost
            logger.warning("journal unavailable (%s): record written inline", type(exc).__name__)
        else:
            unreplicated(made)
            return record_id
    _writer(kind)([made])
    return record_id


def unreplicated(made: dict) -> None:
    """In the stream but on no replica yet: written now too; if the consumer was first, its copy stands."""
    logger.warning("journal record on no replica within 50 ms: written inline too")
    try:
        with transaction.atomic():
            _writer(made["kind"])([made])
    except IntegrityError:
        pass


def _append(raw: str) -> bool:
    """XADD; behind Sentinel also WAIT (same connection, one round trip) for ``QILU_JOURNAL_REPLICAS``
    replicas to hold it: False when they do not within 50 ms (a failover now could lose it).

    Sent on a connection the thread holds (``core.redis_held``) rather than through the client's command
    machinery: a check's one write costs a round trip, not redis-py's per-command pool, retry and
    instrumentation work as well (issue 25: 40–55 → 19–29 µs of CPU on a loaded box). A connection found
    broken (Redis restarted, failed over) is reconnected and the command sent once more — a record
    appended twice is stored once (its id) — and any other failure raises, so ``hand`` writes the
    record inline."""
    replicas = getattr(settings, "QILU_JOURNAL_REPLICAS", 0)
    replies = _send([("XADD", STREAM, "*", "r", raw)] + ([("WAIT", replicas, 50)] if replicas else []))
    return not replicas or int(replies[1]) >= replicas


def _send(commands: list[tuple]) -> list:
    """The replies to ``commands``, sent together on this thread's held connection to the journal's Redis."""
    return redis_held.send(_redis(), commands)


def claim_once(name: str, seconds: int) -> bool | None:
    """One-time use decided by one atomic Redis operation (``SET NX``): True for the first caller,
    False for every later one; None when the journal is inline or Redis is away, and the caller
    decides with its database instead. The writer later marks the database too."""
    if settings.QILU_CHECK_JOURNAL != "redis":
        return None
    try:
        return bool(_redis().set(once_key(name), b"1", nx=True, ex=max(1, seconds)))
    except Exception as exc:  # noqa: BLE001
        logger.warning("journal unavailable (%s): one-time use decided by the database", type(exc).__name__)
        return None


def once_key(name: str) -> str:
    return f"qilu:once:{name}"


def recorded_at(entry: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(entry["at"])


def unstored(entries: list[dict], model) -> list[dict]:
    """The records whose rows are not stored yet: ``model`` keeps each record's id in ``journal_id``.
    What makes every writer idempotent (a redelivered record is skipped)."""
    stored = {value.hex for value in model.objects.filter(journal_id__in=[uuid.UUID(e["id"]) for e in entries]).values_list("journal_id", flat=True)}
    return [entry for entry in entries if entry["id"] not in stored]


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


# --- the consumer -------------------------------------------------------------------------------


def write_batch(entries: list[dict], *, hold: float = 0.0) -> None:
    """Every row of every record, in one transaction: all of a record is stored, or none of it.
    ``hold`` keeps the transaction open that long before commit: fault injection for the tests."""
    by_kind: dict[str, dict[str, dict]] = {}
    for entry in entries:  # a record delivered twice in one batch is one record
        by_kind.setdefault(entry["kind"], {})[entry["id"]] = entry
    with transaction.atomic():
        for kind, batch in sorted(by_kind.items(), key=lambda item: FIRST.index(item[0]) if item[0] in FIRST else len(FIRST)):
            _writer(kind)(list(batch.values()))
        if hold:
            time.sleep(hold)


class Consumer:
    """Reads the stream through the ``writers`` group under a stable name (so a restart finds its own
    pending records first), claims records left idle by a consumer that died, writes, then acks."""

    def __init__(self, name: str, *, batch: int = 500, block_ms: int = 1000, commit_delay: float = 0.0, linger: float = 0.0):
        self.name, self.batch, self.block_ms, self.commit_delay, self.linger = name, batch, block_ms, commit_delay, linger
        self.recovering, self.claimed_at = True, 0.0  # own pending and others' idle records: looked for first, then every CLAIM_EVERY s
        self.redis = _redis()
        try:
            self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except Exception as exc:  # noqa: BLE001 — BUSYGROUP: it exists already
            if "BUSYGROUP" not in str(exc):
                raise

    def _read(self) -> list[tuple[bytes, dict]]:
        """My own pending records (after a crash, or a batch that failed) and records another consumer left idle, when
        recovering and every ``CLAIM_EVERY`` s; otherwise new ones only: a batch costs one read, not three (issue 25)."""
        if self.recovering or time.monotonic() - self.claimed_at >= CLAIM_EVERY:
            reply = self.redis.xreadgroup(GROUP, self.name, {STREAM: "0"}, count=self.batch)
            messages = [(mid, fields) for mid, fields in (reply[0][1] if reply else []) if fields]  # deleted pending entries come back empty
            if messages:
                return messages
            claimed = self.redis.xautoclaim(STREAM, GROUP, self.name, min_idle_time=CLAIM_IDLE_MS, start_id="0-0", count=self.batch)
            if claimed and claimed[1]:
                return [(mid, fields) for mid, fields in claimed[1] if fields]
            self.recovering, self.claimed_at = False, time.monotonic()
        reply = self.redis.xreadgroup(GROUP, self.name, {STREAM: ">"}, count=self.batch, block=self.block_ms)
        return [(mid, fields) for mid, fields in (reply[0][1] if reply else []) if fields]

    def run_once(self) -> int:
        messages = self._read()
        if not messages:
            return 0
        entries, ids = [], []
        for mid, fields in messages:
            ids.append(mid)
            try:
                entries.append(json.loads(fields[b"r"]))
            except (KeyError, ValueError):
                self._dead(mid, fields, "unreadable")
        try:
            write_batch(entries, hold=self.commit_delay)
        except Exception:
            logger.exception("journal batch of %d failed; writing one by one", len(entries))
            self._one_by_one(messages)
        self._ack(ids)
        return len(entries)

    def _one_by_one(self, messages) -> None:
        for mid, fields in messages:
            try:
                write_batch([json.loads(fields[b"r"])])
            except Exception as exc:  # noqa: BLE001 — kept for a person to look at, never dropped
                if _database_down(exc):
                    raise
                self._dead(mid, fields, type(exc).__name__)

    def _dead(self, mid, fields, why: str) -> None:
        logger.error("journal record %s set aside: %s", mid, why)
        self.redis.xadd(DEAD, {**fields, b"why": why.encode()})

    def _ack(self, ids) -> None:
        pipe = self.redis.pipeline()
        pipe.xack(STREAM, GROUP, *ids)
        pipe.xdel(STREAM, *ids)
        pipe.execute()

    def run(self, *, stop: Callable[[], bool] = lambda: False) -> None:
        """Batches until ``stop``. After a batch smaller than ``batch``, ``linger`` seconds pass before the next read, so
        under a steady stream of checks a batch holds many records: a batch's cost (its reads, its transaction, its
        ack) is paid per batch, not per check. The records wait in the stream meanwhile — accepted and durable as
        before; only "who used my data" shows them up to ``linger`` later."""
        while not stop():
            try:
                written = self.run_once()
            except Exception:  # noqa: BLE001 — database or Redis away: the records wait in the stream
                logger.exception("journal consumer: retrying in 1 s")
                self.recovering = True  # what this batch read is pending on me: read it again first
                time.sleep(1)
            else:
                if 0 < written < self.batch and self.linger:
                    time.sleep(self.linger)


def backlog() -> int:
    """Records accepted and not yet written: a written record is acknowledged and deleted at once."""
    try:
        return int(_redis().xlen(STREAM))
    except Exception:  # noqa: BLE001 — Redis away: nothing can be counted
        return -1


def _database_down(exc: Exception) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)
