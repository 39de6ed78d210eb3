"""Reference numbers handed to people — 办件编号 ``QL…``, 一件事 ``YJS…``, 诉求 ``SQ…``, payment orders
``PAY…``: a prefix, the day, random digits. Random, so a number tells nobody how many came before or
which is next; unique by the table's constraint; and drawn again when taken. Eight digits meet an
earlier number of the same day about n² / (2 × 10⁸) times a day — some fifty at 100,000 applications a
day — and each meeting was the unique constraint's error, a 500."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone

ATTEMPTS = 5
Row = TypeVar("Row", bound=models.Model)


def drawn(prefix: str, digits: int, day: dt.date | None = None) -> str:
    """A new number: ``prefix``, the day (today's, in the platform's time zone) and ``digits`` random digits."""
    return f"{prefix}{day or timezone.localdate():%Y%m%d}{secrets.randbelow(10**digits):0{digits}d}"


def insert_numbered(row: Row, draw: Callable[[], str], field: str = "number") -> Row:
    """Insert ``row`` with a number from ``draw``, in a savepoint; when that number is already taken,
    with another (at most ``ATTEMPTS``). Any other refusal — an idempotency key's first attempt, say —
    is raised as it came, for its own handler."""
    for attempt in range(1, ATTEMPTS + 1):
        setattr(row, field, draw())
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            return row
        except IntegrityError:
            taken = type(row)._default_manager.filter(**{field: getattr(row, field)}).exists()
            if attempt == ATTEMPTS or not taken:
                raise
    raise AssertionError("unreachable")  # pragma: no cover — the loop returns or raises
