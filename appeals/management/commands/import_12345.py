"""Import the provincial 12345 platform's tickets from CSV, a JSON array or JSON Lines (idempotent:
a ticket imported before, by its external id, creates nothing; one repeating an open case joins it).

    manage.py import_12345 tickets.csv
    manage.py import_12345 tickets.json

Columns: external_id, received_at, kind (咨询/求助/投诉/举报/建议/表扬 or consult…praise), title, text,
area, phone, name, urgency. Bad rows are listed with their reasons; exit status 1 when any failed.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from appeals.services.intake import cases_import
from core.usecases import SYSTEM
from identity.rows import read_rows_from


def tickets(path: Path):
    data = path.read_bytes()
    if path.suffix.lower() == ".json" and data.decode("utf-8-sig").lstrip().startswith("["):
        return json.loads(data.decode("utf-8-sig"))
    return list(read_rows_from(data, path.name))


class Command(BaseCommand):
    help = "Import 12345 tickets (CSV, JSON array or JSON Lines), once each by their external id."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        report = cases_import(actor=SYSTEM, rows=tickets(path))
        self.stdout.write(f"created {report.created}, joined an open case {report.merged}, imported before {report.already}, "
                          f"rejected {len(report.errors)}")
        for error in report.errors:
            reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error["errors"].items())
            self.stdout.write(f"  row {error['row']}: {reasons}")
        if report.errors:
            raise SystemExit(1)
