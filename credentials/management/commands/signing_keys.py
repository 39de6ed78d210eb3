"""Manage the platform's signing keys.

    manage.py signing_keys list
    manage.py signing_keys rotate [--purpose P] [--algorithm SM2]  # new key signs for P (default credentials); the old one keeps verifying
    manage.py signing_keys retire --kid=<kid>    # stop publishing; anything it signed is refused
                                                 # (--kid=…: a thumbprint kid may begin with "-")
    manage.py signing_keys ensure                # create the first key of each purpose that has none (deploy step);
                                                 # with QILU_SM2_COSIGN also the SM2 keys of the co-signed purposes
    manage.py signing_keys jwks                  # print the published key set

Purposes: credentials, status_lists, request_objects, access_tokens (credentials.signing).
Algorithms: ES256 (every purpose), SM2 (co-signatures: credentials, status_lists).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from credentials import signing
from credentials.models import SigningKey


class Command(BaseCommand):
    help = "List, rotate, retire signing keys, or print the published JWKS."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "rotate", "retire", "ensure", "jwks"])
        parser.add_argument("kid", nargs="?")
        parser.add_argument("--kid", dest="kid_option", help='the key id; write --kid=<kid> (a kid may begin with "-")')
        parser.add_argument("--purpose", choices=SigningKey.Purpose.values, default=SigningKey.Purpose.CREDENTIALS)
        parser.add_argument("--algorithm", choices=signing.ALGORITHMS, default=signing.ALGORITHM)

    def handle(self, *args, action, kid=None, kid_option=None, purpose=SigningKey.Purpose.CREDENTIALS, algorithm=signing.ALGORITHM, **options):
        if action == "rotate":
            key = signing.key_create(purpose=purpose, algorithm=algorithm)
            self.stdout.write(f"new active {purpose} {algorithm} key {key.kid}")
        elif action == "ensure":
            signing.ensure_signing_key()
        elif action == "retire":
            kid = kid_option or kid
            if not kid:
                raise CommandError("retire needs a kid")
            try:
                signing.key_retire(kid)
            except SigningKey.DoesNotExist:
                raise CommandError(f"no key {kid}") from None
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"retired {kid}")
        elif action == "jwks":
            signing.reset()
            self.stdout.write(json.dumps(signing.jwks(), indent=2))
            return
        for key in SigningKey.objects.all():
            self.stdout.write(f"{key.kid}  {key.purpose:<15}  {key.algorithm:<5}  {key.status:<9}  {key.created_at:%Y-%m-%d %H:%M}")
