"""The software provider: in-process libraries, keys derived from ``QILU_MASTER_KEY``.

- SHA-256, SM3, HMAC, AES-256-GCM and SM4-GCM: ``cryptography`` (OpenSSL).
- ES256 and EdDSA: ``cryptography``.
- SM2: ``tongsuopy`` (pyca/cryptography's API over Tongsuo, the OpenSSL fork formerly BabaSSL that
  carries SM2 in C). Chosen over ``gmssl-pyx`` (GmSSL 3; ~10× slower to sign through its binding here)
  and the pure-Python ``gmalg``/``gmssl`` (5–20 ms per operation); those two stay as independent
  implementations in the interoperability tests. Measured in docs/cryptography.md.

Symmetric keys are derived per label from ``QILU_MASTER_KEY``: with HKDF-SHA256 for AES and
HMAC-SHA256 (the derivation ``identity.crypto`` has always used, so existing ciphertexts and blind
indexes keep their keys), with HKDF-SM3 for SM4 and HMAC-SM3 (``key_for``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from core.crypto import algorithms as algs
from core.crypto.base import CryptoError, KeyPair, Provider

NONCE = 12
TAG = 16


@functools.lru_cache(maxsize=64)
def _derive(master: bytes, label: str, national: bool = False) -> bytes:
    kdf_hash = hashes.SM3() if national else hashes.SHA256()
    return HKDF(algorithm=kdf_hash, length=32, salt=None, info=f"qilu/{label}".encode()).derive(master)


def derived_key(label: str) -> bytes:
    """A 32-byte key for one purpose, derived from the master key (software provider only)."""
    return _derive(bytes(settings.QILU_MASTER_KEY), label)


def key_for(alg: str, label: str) -> bytes:
    """The key ``label`` names for ``alg``: HKDF-SHA256 for the international algorithms (as
    ``identity.crypto`` always derived them), HKDF-SM3 for SM4 and HMAC-SM3 — so the national suite's
    keys come from a national KDF, and an SM4 key is never a slice of the AES key of the same label."""
    national = alg in (algs.SM4_GCM, algs.HMAC_SM3)
    return _derive(bytes(settings.QILU_MASTER_KEY), label, national)


def digest(alg: str, data: bytes) -> bytes:
    algs.check(alg, algs.HASHES)
    if alg == algs.SHA256:
        return hashlib.sha256(data).digest()
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def hmac_with(alg: str, key: bytes, data: bytes) -> bytes:
    algs.check(alg, algs.MACS)
    if alg == algs.HMAC_SHA256:
        return hmac.new(key, data, hashlib.sha256).digest()
    from cryptography.hazmat.primitives import hmac as chmac

    h = chmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if len(data) < TAG:
        raise CryptoError("ciphertext too short")
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, data[-TAG:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(data[:-TAG]) + decryptor.finalize()
    except InvalidTag as exc:
        raise CryptoError("authentication failed") from exc


@functools.lru_cache(maxsize=64)
def _aesgcm(key: bytes) -> AESGCM:
    """One AES-GCM object per key (the keys are the derived ones, a handful per process): building it
    costs more than opening a pass's 32-byte subject with it (issue 25). The object keeps no state
    between calls: each takes its own nonce."""
    return AESGCM(key)


def aead_encrypt(alg: str, key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    algs.check(alg, algs.AEADS)
    nonce = os.urandom(NONCE)
    if alg == algs.AES_256_GCM:
        return nonce + _aesgcm(bytes(key)).encrypt(nonce, plaintext, aad)
    return nonce + _sm4_gcm_encrypt(key[:16], nonce, plaintext, aad)  # SM4 keys are 128-bit


def aead_decrypt(alg: str, key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    algs.check(alg, algs.AEADS)
    blob = bytes(blob)
    nonce, data = blob[:NONCE], blob[NONCE:]
    if alg == algs.SM4_GCM:
        return _sm4_gcm_decrypt(key[:16], nonce, data, aad)
    try:
        return _aesgcm(bytes(key)).decrypt(nonce, data, aad)
    except InvalidTag as exc:
        raise CryptoError("authentication failed") from exc


# --- signatures -------------------------------------------------------------------------------


def _raw(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _der(raw: bytes) -> bytes:
    if len(raw) != 64:
        raise ValueError("signature must be 64 bytes")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def generate(alg: str) -> KeyPair:
    algs.check(alg, algs.SIGNATURES)
    if alg == algs.SM2:
        from tongsuopy.crypto import serialization as tserial
        from tongsuopy.crypto.asymciphers import ec as tec

        key = tec.generate_private_key(tec.SM2())
        handle = key.private_bytes(tserial.Encoding.DER, tserial.PrivateFormat.PKCS8, tserial.NoEncryption())
        public = key.public_key().public_bytes(tserial.Encoding.X962, tserial.PublicFormat.UncompressedPoint)
        return KeyPair(alg, handle, public)
    if alg == algs.ES256:
        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    else:
        key = ed25519.Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    handle = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return KeyPair(alg, handle, public)


@functools.lru_cache(maxsize=64)
def _private(alg: str, handle: bytes):
    if alg == algs.SM2:
        from tongsuopy.crypto import serialization as tserial

        return tserial.load_der_private_key(handle, None)
    return serialization.load_der_private_key(handle, None)


def sign(alg: str, handle: bytes, data: bytes) -> bytes:
    algs.check(alg, algs.SIGNATURES)
    key = _private(alg, bytes(handle))
    if alg == algs.SM2:
        from tongsuopy.crypto import hashes as thashes
        from tongsuopy.crypto.asymciphers import ec as tec

        return _raw(key.sign(data, tec.ECDSA(thashes.SM3())))
    if alg == algs.ES256:
        return _raw(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return key.sign(data)


@functools.lru_cache(maxsize=256)
def _public(alg: str, public: bytes):
    if alg == algs.SM2:
        from tongsuopy.crypto.asymciphers import ec as tec

        return tec.EllipticCurvePublicKey.from_encoded_point(tec.SM2(), public)
    if alg == algs.ES256:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    return ed25519.Ed25519PublicKey.from_public_bytes(public)


def verify(alg: str, public: bytes, data: bytes, signature: bytes) -> bool:
    algs.check(alg, algs.SIGNATURES)
    try:
        key = _public(alg, bytes(public))
        if alg == algs.EDDSA:
            key.verify(bytes(signature), data)
            return True
        if len(signature) != 64:
            return False
        if alg == algs.SM2:
            from tongsuopy.crypto import hashes as thashes
            from tongsuopy.crypto.asymciphers import ec as tec
            from tongsuopy.crypto.exceptions import InvalidSignature as TongsuoInvalid

            try:
                key.verify(_der(signature), data, tec.ECDSA(thashes.SM3()))
            except TongsuoInvalid:
                return False
            return True
        key.verify(_der(signature), data, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


def public_of(alg: str, handle: bytes) -> bytes:
    """The public key of a software signing key (for key sets)."""
    key = _private(alg, bytes(handle))
    if alg == algs.EDDSA:
        return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if alg == algs.SM2:
        from tongsuopy.crypto import serialization as tserial

        return key.public_key().public_bytes(tserial.Encoding.X962, tserial.PublicFormat.UncompressedPoint)
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


class SoftwareProvider(Provider):
    name = "software"

    def hash(self, alg: str, data: bytes) -> bytes:
        return digest(alg, data)

    def mac(self, alg: str, key_label: str, data: bytes) -> bytes:
        return hmac_with(alg, key_for(alg, key_label), data)

    def encrypt(self, alg: str, key_label: str, plaintext: bytes, aad: bytes = b"") -> bytes:
        return aead_encrypt(alg, key_for(alg, key_label), plaintext, aad)

    def decrypt(self, alg: str, key_label: str, blob: bytes, aad: bytes = b"") -> bytes:
        return aead_decrypt(alg, key_for(alg, key_label), blob, aad)

    def generate_signing_key(self, alg: str) -> KeyPair:
        return generate(alg)

    def sign(self, alg: str, handle: bytes, data: bytes) -> bytes:
        return sign(alg, handle, data)

    def public_of(self, alg: str, handle: bytes) -> bytes:
        return public_of(alg, handle)

    def verify(self, alg: str, public: bytes, data: bytes, signature: bytes) -> bool:
        return verify(alg, public, data, signature)
