"""The platform's signature on every notification it sends (Ed25519 over "timestamp\\nnonce\\nbody\\n",
in the manner of WeChat Pay API v3 and the unified payment platforms): the merchant verifies it with
the platform's published public key before believing a word of it."""

from __future__ import annotations

import base64
import secrets
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

HEADERS = ("Paysim-Timestamp", "Paysim-Nonce", "Paysim-Signature")


def _key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.PAYSIM_SIGNING_KEY))


def message(timestamp: str, nonce: str, body: str) -> bytes:
    return f"{timestamp}\n{nonce}\n{body}\n".encode()


def signed_headers(body: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signature = base64.b64encode(_key().sign(message(timestamp, nonce, body))).decode()
    return dict(zip(HEADERS, (timestamp, nonce, signature), strict=True))
