"""Print the authenticator code the demo staff accounts accept now (``make demo-code``): what an
authenticator app holding the demo secret would show. Refused outside development and tests."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from identity.demo import DEMO_TOTP_SECRET, totp_code


class Command(BaseCommand):
    help = "Print the demo staff accounts' current authenticator code."

    def handle(self, *args, **options):
        if settings.IS_PROD:
            raise CommandError("Demo codes are for development only.")
        import time

        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{totp_code(DEMO_TOTP_SECRET)}   (valid {left} more seconds; each code works once per account)")
