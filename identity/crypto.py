"""Field encryption at rest and keyed blind indexes.

Both keys are derived with HKDF from ``QILU_MASTER_KEY`` (environment only, never the database) under
different labels, so a leaked database holds neither. Ciphertexts are AES-256-GCM with a random
96-bit nonce and the column's name as associated data — a value copied into another column does not
decrypt. The first byte is a key version, so the master key can be rotated by re-encrypting.

A blind index is HMAC-SHA256 of the normalised value under its own key: equality lookups and unique
constraints work, but without the key the ~2^36 possible ID numbers cannot be enumerated.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = b"\x01"


@functools.lru_cache(maxsize=16)
def _derive(master: bytes, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"qilu/{label}".encode()).derive(master)


def derived_key(label: str) -> bytes:
    """A 32-byte key for one purpose, derived from the master key."""
    return _derive(bytes(settings.QILU_MASTER_KEY), label)


def encrypt_bytes(data: bytes, *, context: str, purpose: str = "field-encryption/v1") -> bytes:
    """AES-256-GCM under the key for ``purpose``; ``context`` is bound as associated data."""
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(derived_key(purpose)).encrypt(nonce, data, context.encode())


def decrypt_bytes(blob: bytes, *, context: str, purpose: str = "field-encryption/v1") -> bytes:
    blob = bytes(blob)
    if blob[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return AESGCM(derived_key(purpose)).decrypt(blob[1:13], blob[13:], context.encode())


def encrypt(plaintext: str, *, context: str) -> bytes:
    return encrypt_bytes(plaintext.encode(), context=context)


def decrypt(blob: bytes, *, context: str) -> str:
    return decrypt_bytes(blob, context=context).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed index of an already-normalised value; ``purpose`` keeps ID and phone indexes apart."""
    key = derived_key("blind-index/v1")
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
