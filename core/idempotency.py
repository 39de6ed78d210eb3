"""Idempotent creation: the one owner of "a retry returns the first result".

A keyed write (an application, a 一件事 application, a fee order) names the rows its key is unique
in (``scope``: my applications; the live orders for applications) and the key (the client's
``Idempotency-Key`` header, or a reference the write itself fixes). The same meaning everywhere:

- the key's first request creates the row (``created=True``: the API answers 201);
- a retry with the same body returns that first row (``created=False``: 200), nothing changes;
- a retry with another body is refused: 422 ``idempotency_key_reused`` (the key names one request, as
  payment APIs answer);
- a key longer than ``MAX_KEY_LENGTH`` is refused (400 ``idempotency_key_too_long``), never cut short
  into another request's key;
- two first attempts at once: the unique constraint on (scope, key) is the guarantee; the loser's
  ``IntegrityError`` becomes a read of the winner's row.

Use: ``once = keyed(scope, key, body)``, then ``first(once)`` (the key's earlier row, or 422),
``create(once, make)`` or ``get_or_create(once, make)``. A cache marker set after commit lets the
common first attempt skip the lookup (``first(once, remembered_only=True)``); a lost marker only
means the duplicate is found at the insert.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from core.errors import Invalid, Unprocessable
from core.usecases import unchanged

T = TypeVar("T", bound=models.Model)

MAX_KEY_LENGTH = 128
MARKER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Keyed(Generic[T]):
    """The row a keyed write answers with, and whether this request created it."""

    row: T
    created: bool


def checked_key(key: str | None) -> str:
    """The client's key as sent (empty: no key), or 400 when it is too long to store whole."""
    key = key or ""
    if len(key) > MAX_KEY_LENGTH:
        message = _("The Idempotency-Key may be at most %(count)d characters.") % {"count": MAX_KEY_LENGTH}
        raise Invalid(message, code="idempotency_key_too_long", errors={"Idempotency-Key": [message]})
    return key


def fingerprint(body: object) -> str:
    """What a request asked for, canonically (SHA-256 of its sorted JSON)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Once:
    """One keyed write: ``scope`` the rows its key is unique in, ``key`` the key, ``fingerprint``
    what the request asked for (empty: not compared — the key alone names the row). The row keeps
    the key in ``key_field`` and the fingerprint in ``fingerprint_field`` (when it has one)."""

    scope: models.QuerySet
    key: str
    fingerprint: str
    key_field: str
    fingerprint_field: str | None


def keyed(scope: models.QuerySet, key: str | None, body: object = None, *, key_field: str = "idempotency_key",
          fingerprint_field: str | None = "idempotency_fingerprint") -> Once:
    """The keyed write a request asks for: its key checked, its body fingerprinted (``body=None``:
    the key alone names the row)."""
    key = checked_key(key)
    return Once(scope, key, fingerprint(body) if key and body is not None and fingerprint_field else "", key_field, fingerprint_field)


def _marker(once: Once) -> str:
    # The scope named by its filter — lookups and their values, e.g. "RelatedExact(Col(…applicant), 42)" —, not by
    # its compiled SQL: compiling the queryset to a string twice cost a submission ~13 % of its CPU (issue 25). A
    # marker that named another scope's row would only cost a lookup: ``first`` reads the remembered row in the scope.
    where = hashlib.sha256(f"{once.scope.model._meta.label_lower}|{once.scope.query.where}|{once.key}".encode()).hexdigest()[:40]
    return f"idem.{where}"


def first(once: Once, *, remembered_only: bool = False):
    """The row the key already made (None without a key, or none yet); 422 when a different request
    made it. ``remembered_only``: only if the after-commit marker names it (one cache read)."""
    if not once.key:
        return None
    rows = once.scope.filter(**{once.key_field: once.key})
    if remembered_only:
        pk = cache.get(_marker(once))
        if pk is None:
            return None
        rows = rows.filter(pk=pk)
    existing = rows.first()
    if existing is not None and once.fingerprint:
        stored = getattr(existing, once.fingerprint_field, "")
        if stored and stored != once.fingerprint:
            raise Unprocessable(_("This Idempotency-Key was already used for a different request. Use a new key for a new request."),
                                code="idempotency_key_reused")
    return existing


def found(existing: T) -> Keyed[T]:
    """Answer with the key's first row: a repeat changes nothing (no audit is owed)."""
    unchanged()
    return Keyed(existing, False)


def create(once: Once, make: Callable[[], T], *, savepoint: bool = True) -> Keyed[T]:
    """Write the row (``make``, in a savepoint; it stores ``once.key`` and ``once.fingerprint``); when
    the key's first attempt committed meanwhile (the unique constraint refuses this one), answer
    with that attempt's row. ``savepoint=False`` when ``make`` inserts the keyed row first, in a savepoint
    of its own (``core.references.insert_numbered``): the constraint's refusal then leaves the transaction
    usable, and the savepoint around the whole would be two round trips for nothing (issue 25)."""
    try:
        if savepoint:
            with transaction.atomic():
                row = make()
        else:
            row = make()
    except IntegrityError:
        existing = first(once)
        if existing is None:
            raise
        return found(existing)
    if once.key:
        marker, pk = _marker(once), row.pk
        transaction.on_commit(lambda: cache.set(marker, pk, MARKER_SECONDS))
    return Keyed(row, True)


def get_or_create(once: Once, make: Callable[[], T]) -> Keyed[T]:
    """The key's first row if there is one, else ``create(once, make)``."""
    existing = first(once)
    return found(existing) if existing is not None else create(once, make)
