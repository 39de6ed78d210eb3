"""The cipher-device wire protocol: GM/T 0018 (SDF) functions as authenticated frames over TCP.

A certified cipher machine (密码机) or signature server exposes the SDF functions of GM/T 0018-2012
through a vendor network API. Qilu speaks this small protocol to it — an adapter on the device side
maps it onto the vendor's API — and ``core.crypto.fake_device`` speaks it in tests. docs/cryptography.md
("The device provider's contract") is the reference; this module is the one implementation of it.

Frame: a 4-byte big-endian length, then a UTF-8 JSON object (at most ``MAX_FRAME`` bytes). Binary
values are base64. Every request carries ``fn`` (an SDF function name), ``seq`` (strictly increasing
within a session: a replayed or reordered frame is refused) and ``mac``; every response carries ``rc``
(an SDR_* code, 0 for success), the same ``seq`` and ``mac``. ``mac`` is HMAC-SM3, hex, over the
canonical JSON of the object without ``mac`` (sorted keys, no spaces), keyed by

- the application's secret for ``SDF_OpenSession`` (request and response), and
- the session key afterwards: ``HMAC-SM3(secret, "qilu-sdf-session" || client_nonce || device_nonce)``,

so both ends prove they hold the secret, and a frame from another session or application fails.
Keys live in the device and are named by index; a signing key's *handle* is ``b"sdf:<index>"``.
"""

from __future__ import annotations

import base64
import hmac
import json
import socket
import struct

from core.crypto import algorithms as algs
from core.crypto.software import hmac_with

MAX_FRAME = 1 << 20
HANDLE_PREFIX = b"sdf:"

# GM/T 0018-2012 §A (the device's return codes); SDR_BASE + n.
SDR_OK = 0
SDR_BASE = 0x01000000
SDR_UNKNOWERR = SDR_BASE + 0x01
SDR_NOTSUPPORT = SDR_BASE + 0x02
SDR_COMMFAIL = SDR_BASE + 0x03
SDR_OPENSESSION = SDR_BASE + 0x06
SDR_PARDENY = SDR_BASE + 0x07  # not authorised (bad MAC, unknown application, replayed frame)
SDR_KEYNOTEXIST = SDR_BASE + 0x08
SDR_ALGNOTSUPPORT = SDR_BASE + 0x09
SDR_SIGNERR = SDR_BASE + 0x0D
SDR_VERIFYERR = SDR_BASE + 0x0E
SDR_SYMOPERR = SDR_BASE + 0x0F
SDR_STEPERR = SDR_BASE + 0x10  # e.g. SDF_HashUpdate without SDF_HashInit
SDR_KEYTYPEERR = SDR_BASE + 0x14
SDR_ENCDATAERR = SDR_BASE + 0x16  # the ciphertext does not authenticate
SDR_INARGERR = SDR_BASE + 0x1D

NAMES = {value: name for name, value in globals().items() if name.startswith("SDR_") and name != "SDR_BASE"}

FUNCTIONS = (
    "SDF_OpenSession", "SDF_CloseSession", "SDF_GenerateRandom",
    "SDF_HashInit", "SDF_HashUpdate", "SDF_HashFinal", "SDF_CalculateMAC",
    "SDF_Encrypt", "SDF_Decrypt",
    "SDF_GenerateKeyPair_ECC", "SDF_ExportSignPublicKey_ECC",
    "SDF_InternalSign_ECC", "SDF_InternalVerify_ECC", "SDF_ExternalVerify_ECC",
)  # fmt: skip


class ProtocolError(Exception):
    """The peer sent something that is not a well-formed, authenticated frame."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def canonical(message: dict) -> bytes:
    return json.dumps({k: v for k, v in message.items() if k != "mac"}, sort_keys=True, separators=(",", ":")).encode()


def seal(message: dict, key: bytes) -> dict:
    return {**message, "mac": hmac_with(algs.HMAC_SM3, key, canonical(message)).hex()}


def authentic(message: dict, key: bytes) -> bool:
    mac = message.get("mac")
    return isinstance(mac, str) and hmac.compare_digest(mac, hmac_with(algs.HMAC_SM3, key, canonical(message)).hex())


def session_key(secret: bytes, client_nonce: bytes, device_nonce: bytes) -> bytes:
    return hmac_with(algs.HMAC_SM3, secret, b"qilu-sdf-session" + client_nonce + device_nonce)


def send(sock: socket.socket, message: dict) -> None:
    body = json.dumps(message, separators=(",", ":")).encode()
    sock.sendall(struct.pack(">I", len(body)) + body)


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 65536))
        if not chunk:
            raise ConnectionError("the peer closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> dict:
    (size,) = struct.unpack(">I", _exactly(sock, 4))
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes exceeds {MAX_FRAME}")
    try:
        message = json.loads(_exactly(sock, size))
    except ValueError as exc:
        raise ProtocolError("frame is not JSON") from exc
    if not isinstance(message, dict):
        raise ProtocolError("frame is not a JSON object")
    return message


def handle_of(index: int) -> bytes:
    return HANDLE_PREFIX + str(index).encode()


def index_of(handle: bytes) -> int:
    handle = bytes(handle)
    if not handle.startswith(HANDLE_PREFIX) or not handle[len(HANDLE_PREFIX):].isdigit():
        raise ValueError("not a device key handle")
    return int(handle[len(HANDLE_PREFIX):])
