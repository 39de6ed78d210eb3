"""Load population (people) or legal-entity (entities) base records from CSV or JSON Lines.

    manage.py load_base_records people  people.csv
    manage.py load_base_records entities entities.jsonl

Bad rows are listed with their reasons; good rows are kept. Exit status 1 when any row failed.
CSV columns: people — id_number,name[,status]; entities — credit_code,name,legal_representative_name,
legal_representative_id_number[,kind,registered_on,status].
"""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from identity.services import base_records_import


def read_rows(path: Path):
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8-sig") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"invalid JSON: {exc.msg}"
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)


class Command(BaseCommand):
    help = "Load population or legal-entity base records from CSV or JSON Lines, reporting bad rows."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["people", "entities"])
        parser.add_argument("path", type=Path)

    def handle(self, *args, kind, path, **options):
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        report = base_records_import(kind=kind, rows=read_rows(path))
        self.stdout.write(f"created {report.created}, updated {report.updated}, rejected {len(report.errors)}")
        for error in report.errors:
            reasons = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error["errors"].items())
            self.stdout.write(f"  row {error['row']}: {reasons}")
        if report.errors:
            raise SystemExit(1)
