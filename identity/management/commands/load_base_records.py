"""Load population (people) or legal-entity (entities) base records from CSV or JSON Lines.

    manage.py load_base_records people  people.csv
    manage.py load_base_records entities entities.jsonl

Bad rows are listed with their reasons; good rows are kept. Exit status 1 when any row failed.
CSV columns: people — id_number,name[,status]; entities — credit_code,name,legal_representative_name,
legal_representative_id_number[,kind,registered_on,status].
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.usecases import SYSTEM
from identity.rows import print_report, read_rows
from identity.services import base_records_import


class Command(BaseCommand):
    help = "Load population or legal-entity base records from CSV or JSON Lines, reporting bad rows."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["people", "entities"])
        parser.add_argument("path", type=Path)

    def handle(self, *args, kind, path, **options):
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        report = base_records_import(actor=SYSTEM, kind=kind, rows=read_rows(path))
        print_report(self.stdout, report)
