"""Verify a signed payload offline, with nothing but a published key set (JWKS) file.

    manage.py verify_offline --jwks jwks.json "<payload>"      (or - to read the payload from stdin)
    manage.py verify_offline --jwks jwks.json --algorithms SM2 "<payload>"   (a verifier that trusts SM2 only)

Checks the signature, key and expiry and prints the verdict and the signed claims. A 亮证 code
(``QL1:…``, COSE_Sign1 + CWT, Base45) is a signed reference: offline it proves that Qilu made it for
one presentation and that it has not expired; what the holder disclosed, one-time use and the
credential's current status (revoked, superseded) need the online check. A health pass (compact JWS,
or the JWS JSON General form when co-signed) carries its content. ``--algorithms`` names the
signatures this verifier checks (default ``QILU_SIGNATURE_ALGORITHMS``): each one present must
verify, at least one must be there. Needs no database.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from credentials.signing import COMPACT_PREFIX, SignatureRejected, keys_from_jwks, verify_compact_with, verify_with

KINDS = {"qilu-vp+cwt": "credential presentation", "qilu-vp+jwt": "credential presentation", "qilu-hp+jwt": "health pass"}


class Command(BaseCommand):
    help = "Verify a QR payload against a JWKS file (offline)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("payload", help="the scanned payload, or - for stdin")
        parser.add_argument("--jwks", type=Path, required=True)
        parser.add_argument("--kind", choices=sorted(KINDS), help="default: qilu-vp+cwt for QL1: codes, else qilu-vp+jwt")
        parser.add_argument("--algorithms", help="comma-separated, of ES256 and SM2 (default: QILU_SIGNATURE_ALGORITHMS)")

    def handle(self, *args, payload, jwks, kind, algorithms=None, **options):
        token = (sys.stdin.read() if payload == "-" else payload).strip()
        keys = keys_from_jwks(jwks.read_text(encoding="utf-8"))
        compact = token.startswith(COMPACT_PREFIX)
        kind = kind or ("qilu-vp+cwt" if compact else "qilu-vp+jwt")
        try:
            trusted = tuple(name.strip() for name in algorithms.split(",")) if algorithms else None
            verify = verify_compact_with if compact else verify_with
            claims = verify(token, kind=kind, keys=keys, algorithms=trusted)
        except SignatureRejected as exc:
            self.stdout.write(f"NOT VALID: {exc.reason}")
            raise SystemExit(2) from None
        self.stdout.write(f"VALID {KINDS[kind]} from {claims.get('iss')} (signature, key and expiry checked offline)")
        if compact:
            self.stdout.write("A signed reference: the disclosed content, one-time use and the credential's status need the online check.")
        self.stdout.write(json.dumps(claims, ensure_ascii=False, indent=2))
