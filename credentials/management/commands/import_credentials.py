"""Bulk-issue credentials for one issuing system from CSV or JSON Lines.

    manage.py import_credentials <client key id> credentials.csv

Rows look like the push API: type, record_id, holder_number, holder_name, issued_on[, expires_on]
and one ``fields.<key>`` column per field (JSON Lines may nest ``fields``). Re-importing a record id
updates it. Bad rows are listed with their reasons and good rows kept; exit status 1 if any failed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credentials.imports import credentials_import
from identity.models import ApiClient
from identity.rows import print_report, read_rows


class Command(BaseCommand):
    help = "Bulk-issue credentials from CSV or JSON Lines, reporting bad rows."

    def add_arguments(self, parser):
        parser.add_argument("client", help="the issuing system's key id")
        parser.add_argument("path", type=Path)

    def handle(self, *args, client, path, **options):
        issuer = ApiClient.objects.filter(key_id=client, is_active=True).first()
        if issuer is None:
            raise CommandError(f"No active API client {client}")
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        print_report(self.stdout, credentials_import(client=issuer, rows=read_rows(path)))
