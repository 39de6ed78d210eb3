"""The device provider: keys held by a GM/T 0018 (SDF) style cipher machine, reached over ``core.crypto.sdf``.

Settings (portal/settings.py): ``QILU_CRYPTO_DEVICE_URL`` (``tcp://host:port``),
``QILU_CRYPTO_DEVICE_APP`` and ``QILU_CRYPTO_DEVICE_SECRET`` (the application's credential on the
device), ``QILU_CRYPTO_DEVICE_KEY_INDEX`` (the symmetric key every label is derived from inside the
device) and ``QILU_CRYPTO_DEVICE_TIMEOUT`` (seconds). Each thread keeps one authenticated session;
a broken connection is reopened once, then the call fails with ``DeviceUnavailable``. A device
return code other than success is a ``CryptoError`` naming the SDR_* code (a failed verification is
``False``, as in the software provider).
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from core.crypto import algorithms as algs
from core.crypto import sdf
from core.crypto.base import CryptoError, DeviceUnavailable, KeyPair, Provider


@dataclass(frozen=True)
class DeviceConfig:
    host: str
    port: int
    app: str
    secret: bytes
    key_index: int = 1
    timeout: float = 5.0

    @classmethod
    def from_settings(cls) -> DeviceConfig:
        return cls.parse(
            getattr(settings, "QILU_CRYPTO_DEVICE_URL", ""),
            app=getattr(settings, "QILU_CRYPTO_DEVICE_APP", "qilu"),
            secret=getattr(settings, "QILU_CRYPTO_DEVICE_SECRET", "").encode(),
            key_index=getattr(settings, "QILU_CRYPTO_DEVICE_KEY_INDEX", 1),
            timeout=getattr(settings, "QILU_CRYPTO_DEVICE_TIMEOUT", 5.0),
        )

    @classmethod
    def parse(cls, url: str, **kwargs) -> DeviceConfig:
        parts = urlsplit(url or "")
        if parts.scheme != "tcp" or not parts.hostname or not parts.port:
            raise CryptoError(f"the cipher device address must be tcp://host:port, not {url!r}")
        return cls(host=parts.hostname, port=parts.port, **kwargs)


class _Session:
    def __init__(self, config: DeviceConfig) -> None:
        try:
            self.sock = socket.create_connection((config.host, config.port), timeout=config.timeout)
        except OSError as exc:
            raise DeviceUnavailable(f"cannot reach the cipher device at {config.host}:{config.port}: {exc}") from exc
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.seq = 0
        client_nonce = os.urandom(16)
        reply = self._exchange(sdf.seal({"fn": "SDF_OpenSession", "app": config.app, "nonce": sdf.b64(client_nonce), "seq": 0},
                                        config.secret), config.secret)
        self.key = sdf.session_key(config.secret, client_nonce, sdf.unb64(reply["nonce"]))

    def _exchange(self, request: dict, key: bytes) -> dict:
        try:
            sdf.send(self.sock, request)
            reply = sdf.receive(self.sock)
        except (OSError, sdf.ProtocolError) as exc:
            self.close()
            raise ConnectionError(str(exc)) from exc
        rc = reply.get("rc")
        if rc == sdf.SDR_OK and not (sdf.authentic(reply, key) and reply.get("seq") == request["seq"]):
            self.close()
            raise CryptoError("the cipher device's reply does not authenticate (wrong secret or a device in the middle)")
        if rc != sdf.SDR_OK:
            raise DeviceCallFailed(rc, request["fn"])
        return reply

    def call(self, fn: str, **fields) -> dict:
        self.seq += 1
        return self._exchange(sdf.seal({"fn": fn, "seq": self.seq, **fields}, self.key), self.key)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class DeviceCallFailed(CryptoError):
    def __init__(self, rc, fn: str) -> None:
        self.rc = rc
        name = sdf.NAMES.get(rc, repr(rc))
        super().__init__(f"the cipher device refused {fn}: {name}")


class DeviceProvider(Provider):
    name = "device"

    def __init__(self, config: DeviceConfig | None = None) -> None:
        self.config = config or DeviceConfig.from_settings()
        self._local = threading.local()

    # --- the session ---------------------------------------------------------------------------

    def _session(self) -> _Session:
        session = getattr(self._local, "session", None)
        if session is not None and getattr(self._local, "pid", None) != os.getpid():
            session = None  # opened before a fork (Celery's and gunicorn's pools): the parent's socket and sequence are not this process's
        if session is None:
            try:
                session = _Session(self.config)
            except ConnectionError as exc:
                raise DeviceUnavailable(f"the cipher device at {self.config.host}:{self.config.port} dropped the session: {exc}") from exc
            self._local.session, self._local.pid = session, os.getpid()
        return session

    def _call(self, fn: str, **fields) -> dict:
        for attempt in (1, 2):  # a connection the device closed (idle timeout, restart) is reopened once
            session = self._session()
            try:
                return session.call(fn, **fields)
            except ConnectionError as exc:
                self._local.session = None
                if attempt == 2:
                    raise DeviceUnavailable(f"the cipher device at {self.config.host}:{self.config.port} does not answer: {exc}") from exc
            except DeviceCallFailed as exc:
                if exc.rc == sdf.SDR_PARDENY:  # the session is no longer accepted: start a fresh one next time
                    self._local.session = None
                raise
        raise AssertionError("unreachable")

    def check(self) -> None:
        self._call("SDF_GenerateRandom", length=16)

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            try:
                session.call("SDF_CloseSession")
            except (ConnectionError, CryptoError):
                pass
            session.close()
            self._local.session = None

    # --- the contract --------------------------------------------------------------------------

    def hash(self, alg: str, data: bytes) -> bytes:
        algs.check(alg, algs.HASHES)
        self._call("SDF_HashInit", alg=alg)
        self._call("SDF_HashUpdate", data=sdf.b64(data))
        return sdf.unb64(self._call("SDF_HashFinal")["digest"])

    def _symmetric(self, alg: str, key_label: str) -> dict:
        return {"alg": alg, "key_index": self.config.key_index, "label": key_label}

    def mac(self, alg: str, key_label: str, data: bytes) -> bytes:
        algs.check(alg, algs.MACS)
        return sdf.unb64(self._call("SDF_CalculateMAC", **self._symmetric(alg, key_label), data=sdf.b64(data))["value"])

    def encrypt(self, alg: str, key_label: str, plaintext: bytes, aad: bytes = b"") -> bytes:
        algs.check(alg, algs.AEADS)
        reply = self._call("SDF_Encrypt", **self._symmetric(alg, key_label), data=sdf.b64(plaintext), aad=sdf.b64(aad))
        return sdf.unb64(reply["data"])

    def decrypt(self, alg: str, key_label: str, blob: bytes, aad: bytes = b"") -> bytes:
        algs.check(alg, algs.AEADS)
        reply = self._call("SDF_Decrypt", **self._symmetric(alg, key_label), data=sdf.b64(bytes(blob)), aad=sdf.b64(aad))
        return sdf.unb64(reply["data"])

    def generate_signing_key(self, alg: str) -> KeyPair:
        algs.check(alg, algs.SIGNATURES)
        reply = self._call("SDF_GenerateKeyPair_ECC", alg=alg)
        return KeyPair(alg, sdf.handle_of(reply["key_index"]), sdf.unb64(reply["public"]))

    def public_of(self, alg: str, handle: bytes) -> bytes:
        reply = self._call("SDF_ExportSignPublicKey_ECC", key_index=self._index(handle))
        if reply["alg"] != alg:
            raise CryptoError(f"the device key {bytes(handle)!r} is {reply['alg']}, not {alg}")
        return sdf.unb64(reply["public"])

    @staticmethod
    def _index(handle: bytes) -> int:
        try:
            return sdf.index_of(handle)
        except ValueError as exc:
            raise CryptoError("this signing key is not held by the cipher device (a software key handle?)") from exc

    def sign(self, alg: str, handle: bytes, data: bytes) -> bytes:
        algs.check(alg, algs.SIGNATURES)
        return sdf.unb64(self._call("SDF_InternalSign_ECC", alg=alg, key_index=self._index(handle), data=sdf.b64(data))["signature"])

    def verify(self, alg: str, public: bytes, data: bytes, signature: bytes) -> bool:
        algs.check(alg, algs.SIGNATURES)
        try:
            self._call("SDF_ExternalVerify_ECC", alg=alg, public=sdf.b64(bytes(public)), data=sdf.b64(data), signature=sdf.b64(bytes(signature)))
        except DeviceCallFailed as exc:
            if exc.rc == sdf.SDR_VERIFYERR:
                return False
            raise
        return True

    def verify_with_key(self, handle: bytes, data: bytes, signature: bytes) -> bool:
        """SDF_InternalVerify_ECC: verify with a key the device holds."""
        try:
            self._call("SDF_InternalVerify_ECC", key_index=self._index(handle), data=sdf.b64(data), signature=sdf.b64(bytes(signature)))
        except DeviceCallFailed as exc:
            if exc.rc == sdf.SDR_VERIFYERR:
                return False
            raise
        return True
