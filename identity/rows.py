"""Reading import files (CSV or JSON Lines) and printing row reports, for every import command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path


def read_rows(path: Path) -> Iterator[dict | str]:
    """Rows as dicts; a line of JSON Lines that does not parse becomes a string (reported as bad)."""
    with path.open("rb") as handle:
        yield from read_rows_from(handle.read(), path.name)


def read_rows_from(data: bytes, name: str) -> Iterator[dict | str]:
    text = data.decode("utf-8-sig")
    if name.lower().endswith((".jsonl", ".ndjson", ".json")):
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"invalid JSON: {exc.msg}"
    else:
        yield from csv.DictReader(io.StringIO(text, newline=""))


def print_report(stdout, report) -> None:
    """Write an import report; exit status 1 when any row failed."""
    stdout.write(f"created {report.created}, updated {report.updated}, rejected {len(report.errors)}")
    for error in report.errors:
        reasons = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error["errors"].items())
        stdout.write(f"  row {error['row']}: {reasons}")
    if report.errors:
        raise SystemExit(1)
