"""Importing rows one by one — base records, health data, credentials from a file: each good row
kept in its own savepoint, each bad row reported with its messages, never a lost batch. Generic: the
caller's ``upsert`` does the writing (a use case's step, or a use case per row), so this module
changes nothing itself and is not a write module."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "errors": self.errors}


def _row_error(report: ImportReport, row_number: int, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
    else:
        messages = {"row": [str(exc)]}
    report.errors.append({"row": row_number, "errors": {k: [str(m) for m in v] for k, v in messages.items()}})


def row_import(rows: Iterable, upsert: Callable[[dict], bool]) -> ImportReport:
    """Import rows one by one: each good row is kept (in its own savepoint), each bad row reported.
    ``upsert`` returns True when it created a record and raises ValidationError for a bad row."""
    report = ImportReport()
    for number, row in enumerate(rows, start=1):
        try:
            if not isinstance(row, dict):
                raise ValidationError(_("Each row must be an object."))
            with transaction.atomic():
                created = upsert(row)
        except Exception as exc:  # noqa: BLE001 — every failure becomes a row error, never a lost batch
            _row_error(report, number, exc)
            continue
        if created:
            report.created += 1
        else:
            report.updated += 1
    return report
