"""The crypto provider's contract: every place that signs, encrypts, hashes or MACs goes through it.

A provider is chosen by settings (``QILU_CRYPTO_PROVIDER``): the software provider (in-process
libraries; what CI runs) or a device provider (a cipher machine or signature server holding the keys).
Callers never see key material of symmetric keys: they name a key by *label* (``"field-encryption/v1"``,
``"blind-index/v1"``) and the provider derives or looks it up. Signing keys are *handles*: for the
software provider the handle is the private key itself (PKCS#8 DER, which the caller stores
encrypted); for a device it is an opaque reference (``b"sdf:<index>"``) to a key that never leaves it. Callers
store handles as bytes and do not look inside.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass


class CryptoError(Exception):
    """A cryptographic operation failed (bad tag, bad key, device error) — never a wrong guess."""


class DeviceUnavailable(CryptoError):
    """The configured cipher device cannot be reached."""


@dataclass(frozen=True)
class KeyPair:
    alg: str
    handle: bytes  # what sign() takes; for software: PKCS#8 DER private key — store it encrypted
    public: bytes  # the public key: 65-byte uncompressed point (ES256, SM2) or 32 raw bytes (EdDSA)


class Provider(abc.ABC):
    """Sign, verify, encrypt, decrypt, hash and MAC with algorithm ids from ``core.crypto.algorithms``."""

    name: str

    @abc.abstractmethod
    def hash(self, alg: str, data: bytes) -> bytes: ...

    @abc.abstractmethod
    def mac(self, alg: str, key_label: str, data: bytes) -> bytes: ...

    @abc.abstractmethod
    def encrypt(self, alg: str, key_label: str, plaintext: bytes, aad: bytes = b"") -> bytes:
        """``nonce (12 bytes) || ciphertext || tag (16 bytes)``."""

    @abc.abstractmethod
    def decrypt(self, alg: str, key_label: str, blob: bytes, aad: bytes = b"") -> bytes:
        """Raises ``CryptoError`` when the tag does not match (wrong key, context or tampering)."""

    @abc.abstractmethod
    def generate_signing_key(self, alg: str) -> KeyPair: ...

    @abc.abstractmethod
    def sign(self, alg: str, handle: bytes, data: bytes) -> bytes:
        """The signature over ``data`` (64-byte ``r || s`` for ES256 and SM2; 64 bytes for EdDSA)."""

    @abc.abstractmethod
    def public_of(self, alg: str, handle: bytes) -> bytes:
        """The public key of the signing key ``handle`` names (for key sets)."""

    @abc.abstractmethod
    def verify(self, alg: str, public: bytes, data: bytes, signature: bytes) -> bool:
        """Verification needs no secret; the device provider still asks its device (SDF_ExternalVerify_ECC)."""

    def check(self) -> None:
        """Raise ``DeviceUnavailable`` when the provider cannot work (production refuses to start)."""
        return None
