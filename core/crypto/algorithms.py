"""Algorithm identifiers: the names every caller of the crypto provider uses.

Names follow the registries where one exists (JOSE for ES256/EdDSA, the usual lower-case names for
hashes, MACs and AEADs). SM2 has no registered JWS ``alg``; ``SM2`` here means SM2 signatures over
SM3 with the default distinguishing ID of GB/T 35276 (``1234567812345678``), the signature as the
64-byte ``r || s`` (as JWS carries ES256), the public key as the 65-byte uncompressed point.
"""

from __future__ import annotations

# hashes
SHA256 = "sha256"
SM3 = "sm3"
HASHES = (SHA256, SM3)

# message authentication codes (keyed; the key is named by a label, never passed around)
HMAC_SHA256 = "hmac-sha256"
HMAC_SM3 = "hmac-sm3"
MACS = (HMAC_SHA256, HMAC_SM3)

# authenticated encryption (96-bit random nonce, 128-bit tag; associated data bound)
AES_256_GCM = "aes-256-gcm"
SM4_GCM = "sm4-gcm"
AEADS = (AES_256_GCM, SM4_GCM)

# signatures
ES256 = "ES256"
EDDSA = "EdDSA"
SM2 = "SM2"
SIGNATURES = (ES256, EDDSA, SM2)

SM2_DEFAULT_ID = b"1234567812345678"

ALL = HASHES + MACS + AEADS + SIGNATURES


class UnknownAlgorithm(ValueError):
    """An algorithm id the provider does not implement (a programming or configuration error)."""

    def __init__(self, alg: str, family: tuple[str, ...]) -> None:
        super().__init__(f"unknown algorithm {alg!r}; expected one of {', '.join(family)}")


def check(alg: str, family: tuple[str, ...]) -> str:
    if alg not in family:
        raise UnknownAlgorithm(alg, family)
    return alg
