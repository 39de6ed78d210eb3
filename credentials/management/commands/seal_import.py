"""Production: load one department's electronic seal as the province's seal CA issued it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.usecases import SYSTEM
from credentials import seals
from identity.models import Department


class Command(BaseCommand):
    help = "Import a department's seal: its certificate, private key (unencrypted PEM, read once) and CA chain."

    def add_arguments(self, parser):
        parser.add_argument("department", help="Department code, e.g. SD-GAT")
        parser.add_argument("--certificate", required=True)
        parser.add_argument("--key", required=True)
        parser.add_argument("--chain", default="", help="The CA certificates above it (PEM), root last")

    def handle(self, *args, department, certificate, key, chain, **options):
        found = Department.objects.filter(code=department).first()
        if found is None:
            raise CommandError(f"No department {department}.")
        seals.seal_import(actor=SYSTEM, department=found, certificate_pem=Path(certificate).read_text(), key_pem=Path(key).read_text(),
                          chain_pem=Path(chain).read_text() if chain else "")
        self.stdout.write(f"Seal of {found.name} imported; its key is stored encrypted.")
