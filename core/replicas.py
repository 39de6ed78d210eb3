"""Reads from a streaming replica, with read-your-writes and a fall-back to the primary.

Only named reads go to the replica (``DATABASE_REPLICA_URL``): a health status missing from the
cache, the public catalogue, the workbench queue and "who used my data". Each runs inside
``read(build, …)``, which picks the database and routes every read in ``build`` there
(``ReplicaRouter``); writes always go to the primary. The primary is chosen instead when

- no replica is configured, or it failed within the last ``DOWN_SECONDS`` (a failed read is run
  again on the primary: the client never sees the replica's outage);
- this request has written (``ReadYourWritesMiddleware`` watches the primary's statements);
- this user wrote within ``QILU_REPLICA_PIN_SECONDS`` (the middleware pins them in the cache), so a
  person who just changed something reads it back, from any device;
- the data itself changed that recently (``fresh_since``: the catalogue's stamp, the status
  cache's last change), so nothing stale from a lagging replica is cached for everyone.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger("qilu.replicas")
REPLICA = "replica"
DOWN_SECONDS = 10
T = TypeVar("T")

_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar("qilu_read_alias", default=None)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("qilu_wrote", default=False)
_down_until = 0.0


def configured() -> bool:
    return REPLICA in settings.DATABASES


def pin_key(user_id) -> str:
    return f"rw.pin.{user_id}"


def choose(*, user=None, fresh_since: float | None = None) -> str:
    if not configured() or time.monotonic() < _down_until or _wrote.get():
        return "default"
    if fresh_since is not None and time.time() - fresh_since < settings.QILU_REPLICA_PIN_SECONDS:
        return "default"
    if user is not None and getattr(user, "is_authenticated", False) and cache.get(pin_key(user.pk)):
        return "default"
    return REPLICA


def read(build: Callable[[], T], *, user=None, fresh_since: float | None = None) -> T:
    """Run ``build`` with its reads on the replica when that is safe, else (or if it fails) the primary."""
    global _down_until
    alias = choose(user=user, fresh_since=fresh_since)
    if alias == REPLICA:
        token = _reading.set(REPLICA)
        try:
            return build()
        except (OperationalError, InterfaceError) as exc:
            logger.warning("replica unavailable (%s): reading from the primary for %d s", type(exc).__name__, DOWN_SECONDS)
            _down_until = time.monotonic() + DOWN_SECONDS
            connections[REPLICA].close()
        finally:
            _reading.reset(token)
    return build()


class ReplicaRouter:
    """Reads inside ``read`` go where it chose; everything else, and every write, to the primary."""

    def db_for_read(self, model, **hints):
        return _reading.get()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


def _watch(execute, sql, params, many, context):
    if not _wrote.get() and sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
        _wrote.set(True)
    return execute(sql, params, many, context)


class ReadYourWritesMiddleware:
    """Notes whether a request wrote to the primary; if so, pins its user to the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        token = _wrote.set(False)
        try:
            with connections["default"].execute_wrapper(_watch):
                response = self.get_response(request)
            user = getattr(request, "user", None)
            if _wrote.get() and user is not None and user.is_authenticated:
                cache.set(pin_key(user.pk), 1, settings.QILU_REPLICA_PIN_SECONDS)
            return response
        finally:
            _wrote.reset(token)
