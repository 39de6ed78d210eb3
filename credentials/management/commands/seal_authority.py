"""Development and tests: a local seal hierarchy (root → seal CA; root → timestamp authority) and a
seal for every department that has none. Prints the root certificate (PEM) to install in a PDF
reader's trust store. Production imports the province's seals instead (``seal_import``)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.usecases import SYSTEM
from credentials import seals, selectors
from identity.models import Department


class Command(BaseCommand):
    help = "Create the local seal authority and a seal for each department (development and tests)."

    def add_arguments(self, parser):
        parser.add_argument("--root", help="Also write the root certificate (PEM) to this file")

    def handle(self, *args, root=None, **options):
        if settings.IS_PROD and not getattr(settings, "QILU_ALLOW_LOCAL_SEALS", False):
            raise CommandError("Production loads the province's seals: manage.py seal_import.")
        seals.authority_create(actor=SYSTEM)
        for department in Department.objects.order_by("code"):
            seals.seal_issue(actor=SYSTEM, department=department)
        if root:
            with open(root, "w") as handle:
                handle.write(selectors.seal_root_pem())
        self.stdout.write(f"Seal authority ready; {Department.objects.count()} departments sealed.")
