"""Verify a signed payload offline, with nothing but a published key set (JWKS) file.

    manage.py verify_offline --jwks jwks.json "<payload>"      (or - to read the payload from stdin)

Checks the signature, key and expiry and prints the verdict and the disclosed content. It cannot know
about one-time use or a revocation since the key set was saved: those need the online check.
Needs no database.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from credentials.signing import SignatureRejected, keys_from_jwks, verify_with

KINDS = {"qilu-vp+jwt": "credential presentation", "qilu-hp+jwt": "health pass"}


class Command(BaseCommand):
    help = "Verify a QR payload against a JWKS file (offline)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("payload", help="the scanned payload, or - for stdin")
        parser.add_argument("--jwks", type=Path, required=True)
        parser.add_argument("--kind", choices=sorted(KINDS), default="qilu-vp+jwt")

    def handle(self, *args, payload, jwks, kind, **options):
        token = sys.stdin.read() if payload == "-" else payload
        keys = keys_from_jwks(jwks.read_text(encoding="utf-8"))
        try:
            claims = verify_with(token, kind=kind, keys=keys)
        except SignatureRejected as exc:
            self.stdout.write(f"NOT VALID: {exc.reason}")
            raise SystemExit(2) from None
        self.stdout.write(f"VALID {KINDS[kind]} from {claims.get('iss')} (signature, key and expiry checked offline)")
        self.stdout.write(json.dumps(claims, ensure_ascii=False, indent=2))
