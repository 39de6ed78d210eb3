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

A cache marker set after commit lets the common first attempt skip the lookup
(``first(remembered_only=True)``); a lost marker only means the duplicate is found at the insert.
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


class Once(Generic[T]):
    """One keyed write. ``body`` is what the request asked for (``None``: not compared — the key
    alone names the row); the row stores its fingerprint in ``fingerprint_field`` when it has one.
    ``make`` (given to ``create``) writes the row with ``self.key`` in ``key_field`` and
    ``self.fingerprint`` in ``fingerprint_field``."""

    def __init__(self, scope: models.QuerySet, key: str | None, body: object = None, *, key_field: str = "idempotency_key",
                 fingerprint_field: str | None = "idempotency_fingerprint"):
        self.scope, self.key_field, self.fingerprint_field = scope, key_field, fingerprint_field
        self.key = checked_key(key)
        self.fingerprint = fingerprint(body) if self.key and body is not None and fingerprint_field else ""

    def _marker(self) -> str:
        where = hashlib.sha256(f"{self.scope.model._meta.label_lower}|{self.scope.query}|{self.key}".encode()).hexdigest()[:40]
        return f"idem.{where}"

    def first(self, *, remembered_only: bool = False) -> T | None:
        """The row this key already made (None without a key, or none yet); 422 when it was made
        by a different request. ``remembered_only``: only if the after-commit marker names it."""
        if not self.key:
            return None
        rows = self.scope.filter(**{self.key_field: self.key})
        if remembered_only:
            pk = cache.get(self._marker())
            if pk is None:
                return None
            rows = rows.filter(pk=pk)
        existing = rows.first()
        if existing is not None and self.fingerprint:
            stored = getattr(existing, self.fingerprint_field, "")
            if stored and stored != self.fingerprint:
                raise Unprocessable(_("This Idempotency-Key was already used for a different request. Use a new key for a new request."),
                                    code="idempotency_key_reused")
        return existing

    def found(self, existing: T) -> Keyed[T]:
        """Answer with the key's first row: a repeat changes nothing (no audit is owed)."""
        unchanged()
        return Keyed(existing, False)

    def create(self, make: Callable[[], T]) -> Keyed[T]:
        """Write the row (``make``, in a savepoint); when the key's first attempt committed
        meanwhile (the unique constraint refuses this one), answer with that attempt's row."""
        try:
            with transaction.atomic():
                row = make()
        except IntegrityError:
            existing = self.first()
            if existing is None:
                raise
            return self.found(existing)
        if self.key:
            marker, pk = self._marker(), row.pk
            transaction.on_commit(lambda: cache.set(marker, pk, MARKER_SECONDS))
        return Keyed(row, True)

    def get_or_create(self, make: Callable[[], T]) -> Keyed[T]:
        """The key's first row if there is one, else ``create(make)``."""
        existing = self.first()
        return self.found(existing) if existing is not None else self.create(make)
