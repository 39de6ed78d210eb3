"""A local cipher device speaking ``core.crypto.sdf`` — what the tests (and a developer) run instead of a 密码机.

    python -m core.crypto.fake_device --port 7700 --store var/fake-device.json --app qilu=SECRET

It is a real server process with its own key store (a JSON file: symmetric keys and signing keys by
index) that never hands out a private or symmetric key: signing keys are generated inside it and
named by index, symmetric keys are derived inside it per label (HKDF-SM3 over the key at an index).
Its cryptography is the software provider's; what it proves is the protocol, the key custody
(handles, never key bytes, cross the wire) and the error paths. Not for production: the store is a
plain file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.crypto import algorithms as algs
from core.crypto import sdf, software
from core.crypto.base import CryptoError

SYMMETRIC_INDEX = 1  # the store is created with one symmetric root key at index 1


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        if path.exists():
            self.data = json.loads(path.read_text())
        else:
            self.data = {"symmetric": {str(SYMMETRIC_INDEX): os.urandom(32).hex()}, "sign": {}}
            self._save()

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data))
        tmp.replace(self.path)

    def symmetric(self, index: int, label: str) -> bytes:
        try:
            root = bytes.fromhex(self.data["symmetric"][str(index)])
        except KeyError:
            raise DeviceError(sdf.SDR_KEYNOTEXIST) from None
        return HKDF(algorithm=hashes.SM3(), length=32, salt=None, info=f"qilu/{label}".encode()).derive(root)

    def signing(self, index: int) -> tuple[str, bytes]:
        try:
            entry = self.data["sign"][str(index)]
        except KeyError:
            raise DeviceError(sdf.SDR_KEYNOTEXIST) from None
        return entry["alg"], bytes.fromhex(entry["private"])

    def add_signing(self, alg: str) -> tuple[int, bytes]:
        pair = software.generate(alg)
        with self.lock:
            index = max((int(i) for i in self.data["sign"]), default=100) + 1
            self.data["sign"][str(index)] = {"alg": alg, "private": pair.handle.hex()}
            self._save()
        return index, pair.public


class DeviceError(Exception):
    def __init__(self, rc: int) -> None:
        super().__init__(sdf.NAMES.get(rc, hex(rc)))
        self.rc = rc


def _alg(value, family) -> str:
    if value not in family:
        raise DeviceError(sdf.SDR_ALGNOTSUPPORT)
    return value


def _bytes(request: dict, name: str) -> bytes:
    try:
        return sdf.unb64(request.get(name, ""))
    except (ValueError, TypeError):
        raise DeviceError(sdf.SDR_INARGERR) from None


def _index(request: dict) -> int:
    index = request.get("key_index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise DeviceError(sdf.SDR_INARGERR)
    return index


class Session:
    """One connection's state after SDF_OpenSession: its key, the last sequence number, a hash in progress."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.seq = 0
        self.hash = None


class Handler(socketserver.BaseRequestHandler):
    server: Server

    def handle(self) -> None:
        session: Session | None = None
        while True:
            try:
                request = sdf.receive(self.request)
            except (ConnectionError, OSError, sdf.ProtocolError):
                return
            if request.get("fn") == "SDF_OpenSession":
                session, reply, key = self.open_session(request)
            elif session is None:
                reply, key = {"rc": sdf.SDR_OPENSESSION}, b""
            else:
                reply, key = self.call(session, request), session.key
            reply["seq"] = request.get("seq")
            try:
                sdf.send(self.request, sdf.seal(reply, key) if key else reply)
            except OSError:
                return
            if request.get("fn") == "SDF_CloseSession" and reply["rc"] == sdf.SDR_OK:
                return

    def open_session(self, request: dict):
        secret = self.server.apps.get(request.get("app"))
        if secret is None or not sdf.authentic(request, secret):
            return None, {"rc": sdf.SDR_PARDENY}, b""
        try:
            client_nonce = _bytes(request, "nonce")
        except DeviceError as exc:
            return None, {"rc": exc.rc}, b""
        device_nonce = os.urandom(16)
        session = Session(sdf.session_key(secret, client_nonce, device_nonce))
        return session, {"rc": sdf.SDR_OK, "nonce": sdf.b64(device_nonce)}, secret

    def call(self, session: Session, request: dict) -> dict:
        seq = request.get("seq")
        if not sdf.authentic(request, session.key) or not isinstance(seq, int) or seq <= session.seq:
            return {"rc": sdf.SDR_PARDENY}
        session.seq = seq
        function = FUNCTIONS.get(request.get("fn"))
        if function is None:
            return {"rc": sdf.SDR_NOTSUPPORT}
        try:
            return {"rc": sdf.SDR_OK, **function(self.server.store, session, request)}
        except DeviceError as exc:
            return {"rc": exc.rc}
        except CryptoError:
            return {"rc": sdf.SDR_ENCDATAERR}
        except Exception:  # noqa: BLE001 — a fault inside the device is its return code, never a dropped connection
            return {"rc": sdf.SDR_UNKNOWERR}


# --- the functions (store, session, request) -> reply fields ----------------------------------


def _random(store, session, request):
    length = request.get("length")
    if not isinstance(length, int) or not 0 < length <= 4096:
        raise DeviceError(sdf.SDR_INARGERR)
    return {"random": sdf.b64(os.urandom(length))}


def _hash_init(store, session, request):
    session.hash = (_alg(request.get("alg"), algs.HASHES), [])
    return {}


def _hash_update(store, session, request):
    if session.hash is None:
        raise DeviceError(sdf.SDR_STEPERR)
    session.hash[1].append(_bytes(request, "data"))
    return {}


def _hash_final(store, session, request):
    if session.hash is None:
        raise DeviceError(sdf.SDR_STEPERR)
    alg, parts = session.hash
    session.hash = None
    return {"digest": sdf.b64(software.digest(alg, b"".join(parts)))}


def _mac(store, session, request):
    alg = _alg(request.get("alg"), algs.MACS)
    key = store.symmetric(_index(request), str(request.get("label", "")))
    return {"value": sdf.b64(software.hmac_with(alg, key, _bytes(request, "data")))}


def _encrypt(store, session, request):
    alg = _alg(request.get("alg"), algs.AEADS)
    key = store.symmetric(_index(request), str(request.get("label", "")))
    return {"data": sdf.b64(software.aead_encrypt(alg, key, _bytes(request, "data"), _bytes(request, "aad")))}


def _decrypt(store, session, request):
    alg = _alg(request.get("alg"), algs.AEADS)
    key = store.symmetric(_index(request), str(request.get("label", "")))
    return {"data": sdf.b64(software.aead_decrypt(alg, key, _bytes(request, "data"), _bytes(request, "aad")))}


def _generate(store, session, request):
    index, public = store.add_signing(_alg(request.get("alg"), algs.SIGNATURES))
    return {"key_index": index, "public": sdf.b64(public)}


def _export(store, session, request):
    alg, private = store.signing(_index(request))
    return {"alg": alg, "public": sdf.b64(software.public_of(alg, private))}


def _sign(store, session, request):
    alg, private = store.signing(_index(request))
    if request.get("alg") != alg:
        raise DeviceError(sdf.SDR_KEYTYPEERR)
    return {"signature": sdf.b64(software.sign(alg, private, _bytes(request, "data")))}


def _internal_verify(store, session, request):
    alg, private = store.signing(_index(request))
    if not software.verify(alg, software.public_of(alg, private), _bytes(request, "data"), _bytes(request, "signature")):
        raise DeviceError(sdf.SDR_VERIFYERR)
    return {}


def _external_verify(store, session, request):
    alg = _alg(request.get("alg"), algs.SIGNATURES)
    if not software.verify(alg, _bytes(request, "public"), _bytes(request, "data"), _bytes(request, "signature")):
        raise DeviceError(sdf.SDR_VERIFYERR)
    return {}


FUNCTIONS = {
    "SDF_CloseSession": lambda store, session, request: {},
    "SDF_GenerateRandom": _random,
    "SDF_HashInit": _hash_init,
    "SDF_HashUpdate": _hash_update,
    "SDF_HashFinal": _hash_final,
    "SDF_CalculateMAC": _mac,
    "SDF_Encrypt": _encrypt,
    "SDF_Decrypt": _decrypt,
    "SDF_GenerateKeyPair_ECC": _generate,
    "SDF_ExportSignPublicKey_ECC": _export,
    "SDF_InternalSign_ECC": _sign,
    "SDF_InternalVerify_ECC": _internal_verify,
    "SDF_ExternalVerify_ECC": _external_verify,
}


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, store: KeyStore, apps: dict[str, bytes]) -> None:
        super().__init__(address, Handler)
        self.store = store
        self.apps = apps


@contextlib.contextmanager
def running(store: Path, *, app: str, secret: str):
    """Start the fake device as its own process on a free loopback port; yields ``tcp://host:port``."""
    process = subprocess.Popen([sys.executable, "-m", "core.crypto.fake_device", "--store", str(store), "--app", f"{app}={secret}"],  # noqa: S603 — our own module, arguments from the caller
                               stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        line = process.stdout.readline().split()  # "listening 127.0.0.1:PORT"
        if not line or line[0] != "listening":
            raise RuntimeError(f"the fake cipher device did not start: {line}")
        yield f"tcp://{line[1]}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed on stdout)")
    parser.add_argument("--store", type=Path, required=True, help="the key store (created if missing)")
    parser.add_argument("--app", action="append", default=[], help="NAME=SECRET, an application allowed in")
    args = parser.parse_args(argv)
    apps = dict(item.split("=", 1) for item in args.app)
    server = Server((args.host, args.port), KeyStore(args.store), {name: secret.encode() for name, secret in apps.items()})
    print(f"listening {server.server_address[0]}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
