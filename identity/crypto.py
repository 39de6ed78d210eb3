"""Field encryption at rest and keyed blind indexes, through the crypto provider (``core.crypto``).

Keys are named by label and held by the provider: derived from ``QILU_MASTER_KEY`` (environment only,
never the database) by the software provider, or kept in the cipher device by the device provider —
so a leaked database holds neither. A ciphertext is a format version byte, then the provider's
``nonce (12) || ciphertext || tag (16)``, with the column's name (or the file's id) as associated data —
a value copied into another column does not decrypt:

- version 1 (``\\x01``): AES-256-GCM — the international suite, the default;
- version 2 (``\\x02``): SM4-GCM (GB/T 32907) — the national suite.

Both are always readable; ``QILU_AT_REST_SUITE`` chooses which one is written, and
``manage.py reencrypt_at_rest`` moves existing values (docs/cryptography.md).

A blind index is an HMAC of the normalised value under its own key: equality lookups and unique
constraints work, but without the key the ~2^36 possible ID numbers cannot be enumerated. Its
algorithm (HMAC-SHA256, or HMAC-SM3 after the migration in ``identity.blind_indexes``) follows
``QILU_BLIND_INDEX``.
"""

from __future__ import annotations

import hmac

from django.conf import settings

from core import crypto as provider_
from core.crypto import algorithms as algs

VERSIONS = {1: algs.AES_256_GCM, 2: algs.SM4_GCM}
SUITES = {"international": 1, "national": 2}
BLIND_INDEX_KEY = "blind-index/v1"
BLIND_INDEX_WIDTH = 64  # hex characters; both HMACs are 256 bits


class UnknownVersion(provider_.CryptoError, ValueError):
    """A blob whose first byte is no format version we write."""


def write_version() -> int:
    """The format version new ciphertexts are written in (``QILU_AT_REST_SUITE``)."""
    return SUITES[getattr(settings, "QILU_AT_REST_SUITE", "international")]


def version_of(blob: bytes) -> int:
    version = bytes(blob[:1])[0] if blob else 0
    if version not in VERSIONS:
        raise UnknownVersion("unknown ciphertext version")
    return version


def encrypt_bytes(data: bytes, *, context: str, purpose: str = "field-encryption/v1", version: int | None = None) -> bytes:
    """Encrypted under the key for ``purpose`` in the suite being written; ``context`` is bound as associated data."""
    version = version or write_version()
    return bytes([version]) + provider_.provider().encrypt(VERSIONS[version], purpose, data, context.encode())


def decrypt_bytes(blob: bytes, *, context: str, purpose: str = "field-encryption/v1") -> bytes:
    """Either version; raises ``CryptoError`` when the blob does not authenticate here."""
    blob = bytes(blob)
    return provider_.provider().decrypt(VERSIONS[version_of(blob)], purpose, blob[1:], context.encode())


def encrypt(plaintext: str, *, context: str) -> bytes:
    return encrypt_bytes(plaintext.encode(), context=context)


def decrypt(blob: bytes, *, context: str) -> str:
    return decrypt_bytes(blob, context=context).decode()


def blind_index_with(alg: str, value: str, *, purpose: str) -> str:
    return provider_.provider().mac(alg, BLIND_INDEX_KEY, f"{purpose}\x00{value}".encode()).hex()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed index of an already-normalised value; ``purpose`` keeps ID and phone indexes apart."""
    return blind_index_with(algs.HMAC_SHA256, value, purpose=purpose)


# --- digests and MACs of the suite being written (short-lived values, and verifiers of API secrets) ---


def suite_hash() -> str:
    return algs.SM3 if write_version() == SUITES["national"] else algs.SHA256


def suite_mac() -> str:
    return algs.HMAC_SM3 if write_version() == SUITES["national"] else algs.HMAC_SHA256


def mac_hex(label: str, data: str) -> str:
    """A MAC under the key ``label`` names, in the suite being written (for values that live minutes)."""
    return provider_.provider().mac(suite_mac(), label, data.encode()).hex()


def secret_digest(secret: str) -> str:
    """The stored verifier of a high-entropy secret (an API client's): SHA-256 hex, or ``sm3:`` + SM3 hex."""
    alg = suite_hash()
    digest = provider_.provider().hash(alg, secret.encode()).hex()
    return digest if alg == algs.SHA256 else f"sm3:{digest}"


def secret_matches(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches a verifier from ``secret_digest`` — of either suite, so none needs re-issuing."""
    alg, expected = (algs.SM3, stored[4:]) if stored.startswith("sm3:") else (algs.SHA256, stored)
    return hmac.compare_digest(provider_.provider().hash(alg, secret.encode()).hex(), expected)
