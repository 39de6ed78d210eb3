"""The platform's one signing service: compact JWS (RFC 7515) with ES256, as SMART Health Cards use,
and for QR codes shown across a counter the EU Digital COVID Certificate's envelope — COSE_Sign1
(RFC 9052) over a CWT (RFC 8392), zlib, Base45 (RFC 9285) — with the same keys (see ``sign_compact``).

* ``kid`` is the RFC 7638 thumbprint of the public key, so any verifier can match a token to a key
  in ``/.well-known/jwks.json`` with nothing else.
* ``typ`` names what was signed (``qilu-vp+jwt`` a credential presentation, ``qilu-hp+jwt`` a health
  pass), so one kind of token can never be passed off as another.
* The payload is a JSON claims set with ``iss``, ``iat``, ``exp`` and ``jti``; expiry is inside the
  signature.

One key ring, a key per purpose (``Purpose``): credentials (SD-JWT VCs and the platform's own codes),
status lists, OpenID4VP request objects and OpenID4VCI access tokens each sign with their own key and
``kid``, and rotate on their own. The keys verifiers need are published (``jwks``); access-token keys
are not (only this platform reads its access tokens), and a token is verified only by keys of the
purpose it claims to come from (``verify(…, purpose=…)``).

Every private key is a handle of the crypto provider (``core.crypto.provider()``): signatures are
``provider().sign``, checks ``provider().verify``; no private key object is built here. With
``QILU_SM2_COSIGN`` the co-signed purposes (``COSIGNED``) also hold an active SM2 key, and 亮证 codes
carry an SM2 countersignature (RFC 9338), health passes and (on request) status lists the JWS JSON
General Serialization with ES256 and SM2; a verifier checks the signatures of the algorithms it
trusts (``QILU_SIGNATURE_ALGORITHMS``). Private names and formats: docs/credentials.md.

Keys live in :class:`~credentials.models.SigningKey` (private halves encrypted at rest). Each process
keeps the key ring in memory and reloads it when the ring version in the shared cache changes
(checked at most once a second) or after a minute, so signing and verifying never touch the database
on the hot path, and a rotation or retirement reaches every worker within about a second.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import struct
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import cbor2
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import jsondepth
from core.crypto import algorithms as algs
from core.crypto import provider
from core.errors import Unavailable
from credentials.models import SigningKey

ALGORITHM = algs.ES256
COSIGN_ALGORITHM = algs.SM2  # private JOSE ``alg`` name "SM2": SM2 over SM3, default ID, r || s (docs/credentials.md)
ALGORITHMS = (ALGORITHM, COSIGN_ALGORITHM)
Purpose = SigningKey.Purpose
PUBLISHED = (Purpose.CREDENTIALS, Purpose.STATUS_LISTS, Purpose.REQUEST_OBJECTS)  # the keys verifiers need
COSIGNED = (Purpose.CREDENTIALS, Purpose.STATUS_LISTS)  # 亮证 codes, health passes, SD-JWT VCs; status lists
CURVES = {ALGORITHM: "P-256", COSIGN_ALGORITHM: "SM2"}  # JWK ``crv``; "SM2" is a private name (docs/credentials.md)
RING_VERSION_KEY = "signing:ring-version"
_CHECK_EVERY = 1.0
_RELOAD_EVERY = 60.0
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class SignatureRejected(Exception):
    """A token failed verification; ``reason`` is a stable code (see Verification.Reason)."""

    def __init__(self, reason: str, claims: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.claims = claims or {}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding: anything outside the alphabet is a ValueError."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


# --- keys: public keys by value, private keys by provider handle ---------------------------------


@dataclass(frozen=True)
class PublicKey:
    """A verifying key: its algorithm and its 65-byte uncompressed point (P-256 or the SM2 curve)."""

    alg: str
    point: bytes

    @classmethod
    def from_jwk(cls, jwk: dict) -> PublicKey:
        """From a public JWK (``kty`` EC, ``crv`` P-256 or SM2); ValueError for anything else."""
        alg = {curve: name for name, curve in CURVES.items()}.get(jwk.get("crv")) if isinstance(jwk, dict) else None
        if alg is None or jwk.get("kty") != "EC" or "d" in jwk:
            raise ValueError("not a public P-256 or SM2 key")
        x, y = b64url_decode(jwk.get("x", "")), b64url_decode(jwk.get("y", ""))
        if len(x) != 32 or len(y) != 32:
            raise ValueError("not a 256-bit curve point")
        return cls(alg, b"\x04" + x + y)

    def jwk(self) -> dict:
        return {"kty": "EC", "crv": CURVES[self.alg], "x": b64url(self.point[1:33]), "y": b64url(self.point[33:65])}

    @functools.cached_property
    def thumbprint(self) -> str:
        """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace."""
        canonical = json.dumps(self.jwk(), sort_keys=True, separators=(",", ":")).encode()
        return b64url(provider().hash(algs.SHA256, canonical))

    def verify(self, data: bytes, signature: bytes) -> bool:
        return provider().verify(self.alg, self.point, data, signature)


def public_key(key) -> PublicKey:
    """A ``PublicKey`` as it is; a JOSE library's public key object (a caller's) read through its JWK."""
    return key if isinstance(key, PublicKey) else PublicKey.from_jwk(key.as_dict(private=False))


def _public_keys(keys: dict) -> dict[str, PublicKey]:
    return {kid: public_key(key) for kid, key in keys.items()}


@dataclass(frozen=True)
class Signer:
    """An active signing key: its ``kid``, algorithm and the provider's handle to the private key."""

    kid: str
    alg: str
    handle: bytes = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        return provider().sign(self.alg, self.handle, data)


def _stored(handle: bytes) -> str:
    """What ``SigningKey.private_key`` holds (encrypted at rest): the provider's name and its handle."""
    return f"{provider().name}:{base64.b64encode(handle).decode()}"


def handle_of(stored: str) -> bytes:
    """The provider handle of a stored key; a key from before issue 26 is the PKCS#8 PEM joserfc wrote,
    whose DER is the software provider's handle (migration 0013 rewrites them; both stay readable)."""
    if stored.startswith("-----BEGIN PRIVATE KEY-----"):
        return base64.b64decode("".join(line for line in stored.strip().splitlines() if not line.startswith("-----")))
    return base64.b64decode(stored.partition(":")[2])


@dataclass
class KeyRing:
    signers: dict[str, Signer] = field(default_factory=dict)  # purpose -> its active ES256 key
    public: dict[str, PublicKey] = field(default_factory=dict)  # kid -> key, active and verifying, every purpose and algorithm
    retired: frozenset[str] = frozenset()
    purposes: dict[str, str] = field(default_factory=dict)  # kid -> purpose
    cosigners: dict[str, Signer] = field(default_factory=dict)  # purpose -> its active SM2 key

    @property
    def signing(self) -> tuple[str, Signer] | None:
        """The active credentials key (what most callers sign with), as (kid, signer)."""
        found = self.signers.get(Purpose.CREDENTIALS)
        return (found.kid, found) if found else None

    def keys_for(self, *purposes: str) -> dict[str, PublicKey]:
        return {kid: key for kid, key in self.public.items() if self.purposes.get(kid) in purposes}

    @functools.cached_property
    def index(self) -> _KeyIndex:
        """``public`` and ``retired`` as a compact payload's verifier looks its keys up (``_key_index``):
        once per ring (a ring is built whole by ``_load`` and replaced, never changed, when it reloads),
        not per scan."""
        return _key_index(self.public, self.retired)


_lock = threading.Lock()
_state: dict = {"ring": None, "version": None, "loaded": 0.0, "checked": 0.0}


def _load() -> KeyRing:
    ring = KeyRing()
    retired = set()
    for key in SigningKey.objects.all():
        if key.status == SigningKey.Status.RETIRED:
            retired.add(key.kid)
            continue
        ring.public[key.kid] = PublicKey.from_jwk({k: v for k, v in key.public_jwk.items() if k in ("kty", "crv", "x", "y")})
        ring.purposes[key.kid] = key.purpose
        if key.status == SigningKey.Status.ACTIVE:
            signers = ring.cosigners if key.algorithm == COSIGN_ALGORITHM else ring.signers
            signers[key.purpose] = Signer(key.kid, key.algorithm, handle_of(key.private_key))
    ring.retired = frozenset(retired)
    return ring


def keyring() -> KeyRing:
    now = time.monotonic()
    ring = _state["ring"]
    if ring is not None and now - _state["checked"] < _CHECK_EVERY:
        return ring
    with _lock:
        version = cache.get(RING_VERSION_KEY)
        if ring is None or version != _state["version"] or now - _state["loaded"] > _RELOAD_EVERY:
            ring = _load()
            _state.update(ring=ring, version=version, loaded=now)
        _state["checked"] = now
        return ring


def reset() -> None:
    """Forget the in-process key ring and tell the other processes to reload theirs."""
    _state.update(ring=None, version=None, loaded=0.0, checked=0.0)
    cache.set(RING_VERSION_KEY, time.time_ns(), timeout=None)


# --- key management -----------------------------------------------------------------------------


def key_create(*, purpose: str = Purpose.CREDENTIALS, activate: bool = True, algorithm: str = ALGORITHM) -> SigningKey:
    """Make a new key of ``algorithm`` (ES256, or SM2 for co-signatures) for ``purpose`` with the
    crypto provider. With ``activate`` it becomes that purpose's signing key of its algorithm and the
    previous one drops to verify-only (rotation): what it signed keeps verifying until it is retired.
    The other purposes' and algorithms' keys are untouched."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"signing keys are {' or '.join(ALGORITHMS)}")
    pair = provider().generate_signing_key(algorithm)
    key = PublicKey(algorithm, pair.public)
    kid = key.thumbprint
    public = {**key.jwk(), "kid": kid, "alg": algorithm, "use": "sig"}
    with transaction.atomic():
        if activate:
            (SigningKey.objects.filter(status=SigningKey.Status.ACTIVE, purpose=purpose, algorithm=algorithm)
             .update(status=SigningKey.Status.VERIFYING))
        row = SigningKey.objects.create(
            kid=kid,
            purpose=purpose,
            algorithm=algorithm,
            public_jwk=public,
            private_key=_stored(pair.handle),
            status=SigningKey.Status.ACTIVE if activate else SigningKey.Status.VERIFYING,
        )
    transaction.on_commit(reset)
    return row


def key_retire(kid: str) -> SigningKey:
    """Stop publishing a key and refuse everything it signed. The active key cannot be retired."""
    key = SigningKey.objects.get(kid=kid)
    if key.status == SigningKey.Status.ACTIVE:
        raise ValueError("rotate to a new key before retiring the active one")
    key.status = SigningKey.Status.RETIRED
    key.retired_at = timezone.now()
    key.save(update_fields=["status", "retired_at"])
    transaction.on_commit(reset)
    return key


def cosigning() -> bool:
    return bool(getattr(settings, "QILU_SM2_COSIGN", False))


def ensure_signing_key() -> None:
    """Create the first key of each purpose that has none (``make run``, tests and the deploy step),
    and with ``QILU_SM2_COSIGN`` the first SM2 key of each co-signed purpose."""
    active = set(SigningKey.objects.filter(status=SigningKey.Status.ACTIVE).values_list("purpose", "algorithm"))
    wanted = [(purpose, ALGORITHM) for purpose in Purpose.values]
    if cosigning():
        wanted += [(purpose, COSIGN_ALGORITHM) for purpose in COSIGNED]
    for purpose, algorithm in wanted:
        if (purpose, algorithm) not in active:
            key_create(purpose=purpose, algorithm=algorithm)


def jwks(purposes=PUBLISHED) -> dict:
    """The published key set: every key of ``purposes`` that may still verify, never a private part.
    SM2 keys are ``{"kty": "EC", "crv": "SM2"}`` with ``"alg": "SM2"`` (private names)."""
    keys = sorted(keyring().keys_for(*purposes).items())
    return {"keys": [{**key.jwk(), "kid": kid, "alg": key.alg, "use": "sig"} for kid, key in keys]}


def _unavailable() -> Unavailable:
    # A deploy step was missed (`manage.py signing_keys ensure`): Unavailable, which every front answers as such, never a crash.
    return Unavailable(_("Signing is not available right now. Please try again later."), code="signing_unavailable")


def _signer(purpose: str) -> Signer:
    found = keyring().signers.get(purpose)
    if found is None:
        raise _unavailable()
    return found


def _cosigner(purpose: str) -> Signer | None:
    """The SM2 key that co-signs for ``purpose``: none unless ``QILU_SM2_COSIGN`` is on."""
    if not cosigning() or purpose not in COSIGNED:
        return None
    found = keyring().cosigners.get(purpose)
    if found is None:
        raise _unavailable()
    return found


_ACCEPTED: tuple = (None, ())  # the last configured value asked about and its tuple


def accepted(algorithms=None) -> tuple[str, ...]:
    """The algorithms whose signatures this verifier checks (``QILU_SIGNATURE_ALGORITHMS``): the
    setting's tuple made once while the setting is the same object (a changed setting is a new one)."""
    if algorithms is not None:
        return tuple(algorithms)
    global _ACCEPTED
    configured = getattr(settings, "QILU_SIGNATURE_ALGORITHMS", ALGORITHMS)
    last, made = _ACCEPTED
    if configured is not last:
        made = tuple(configured)
        _ACCEPTED = (configured, made)
    return made


# --- JWS: compact (one signature) and JSON General (ES256 and its SM2 co-signature), RFC 7515 ------


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def jws_compact(header: dict, payload: bytes, signer: Signer) -> str:
    """A compact JWS signed by the provider: ``alg`` and ``kid`` are the signer's."""
    signing_input = b64url(_json({**header, "alg": signer.alg, "kid": signer.kid})) + "." + b64url(payload)
    return signing_input + "." + b64url(signer.sign(signing_input.encode("ascii")))


def jws_general(header: dict, payload: bytes, signers: list[Signer], *, first_header: dict | None = None) -> dict:
    """The JWS JSON General Serialization (RFC 7515 §7.2.1): one payload, a signature per signer, each
    with its own protected header; ``first_header`` is the first signature's unprotected header."""
    encoded = b64url(payload)
    signatures = []
    for index, signer in enumerate(signers):
        protected = b64url(_json({**header, "alg": signer.alg, "kid": signer.kid}))
        entry = {"protected": protected, "signature": b64url(signer.sign(f"{protected}.{encoded}".encode("ascii")))}
        if index == 0 and first_header:
            entry["header"] = first_header
        signatures.append(entry)
    return {"payload": encoded, "signatures": signatures}


@dataclass
class Signed:
    """One signature of a JWS, decoded: its protected header, what it signs and the signature."""

    header: dict
    signing_input: bytes
    signature: bytes


def jws_parts(token: str | dict) -> tuple[bytes, list[Signed]]:
    """The payload and the signatures of a compact or JSON General JWS; ValueError when malformed."""
    if isinstance(token, str) and token.startswith("{"):
        token = jsondepth.loads(token)
    if isinstance(token, dict):
        encoded, entries = token.get("payload"), token.get("signatures")
        if not isinstance(entries, list) or not entries or not all(isinstance(entry, dict) for entry in entries):
            raise ValueError("not a JWS JSON serialization")
        pairs = [(entry.get("protected"), entry.get("signature")) for entry in entries]
    else:
        pieces = (token or "").split(".")
        if len(pieces) != 3:
            raise ValueError("not a compact JWS")
        encoded, pairs = pieces[1], [(pieces[0], pieces[2])]
    payload = b64url_decode(encoded)
    signed = []
    for protected, signature in pairs:
        header = jsondepth.loads(b64url_decode(protected))
        if not isinstance(header, dict):
            raise ValueError("a header is not an object")
        signed.append(Signed(header, f"{protected}.{encoded}".encode("ascii"), b64url_decode(signature)))
    return payload, signed


def check_signatures(signed: list[Signed], *, keys: dict[str, PublicKey], retired: frozenset[str] = frozenset(),
                     algorithms=None) -> list[Signed]:
    """Check every signature whose algorithm this verifier accepts (each must verify, by a known and
    unretired key of that algorithm); the others are passed over. Returns the checked ones; raises
    :class:`SignatureRejected` — malformed, retired_key, unknown_key (also: none it accepts), bad_signature."""
    for item in signed:
        if item.header.get("alg") not in ALGORITHMS or not isinstance(item.header.get("kid"), str):
            raise SignatureRejected("malformed")
    checked = [item for item in signed if item.header["alg"] in accepted(algorithms)]
    for item in checked:
        kid = item.header["kid"]
        if kid in retired:
            raise SignatureRejected("retired_key")
        key = keys.get(kid)
        if key is None or key.alg != item.header["alg"]:
            raise SignatureRejected("unknown_key")
        if not key.verify(item.signing_input, item.signature):
            raise SignatureRejected("bad_signature")
    if not checked:
        raise SignatureRejected("unknown_key")  # no signature by an algorithm this verifier trusts
    return checked


# --- sign and verify ----------------------------------------------------------------------------


def sign(claims: dict, *, kind: str, ttl: int, purpose: str = Purpose.CREDENTIALS) -> tuple[str, dict]:
    """Sign ``claims`` as a ``kind`` token valid for ``ttl`` seconds with ``purpose``'s key; returns
    (token, full claims). With ``QILU_SM2_COSIGN`` a co-signed purpose's token is the JWS JSON General
    Serialization with the ES256 signature first and the SM2 co-signature second; otherwise compact."""
    now = int(time.time())
    full = {"iss": settings.QILU_ISSUER_ID, "iat": now, "exp": now + ttl, **claims}
    return sign_claims(full, typ=kind, purpose=purpose, cosign=True), full


def sign_claims(claims: dict, *, typ: str, purpose: str = Purpose.CREDENTIALS, cosign: bool = False) -> str:
    """Sign a claims set as it is (the caller sets ``iss``, ``iat``, ``exp``) with ``purpose``'s key:
    for tokens whose shape an open standard fixes (SD-JWT VC, a status list, a request object) a
    compact JWS; with ``cosign`` and co-signatures on, the JSON General form with both signatures."""
    signer = _signer(purpose)
    cosigner = _cosigner(purpose) if cosign else None
    if cosigner is None:
        return jws_compact({"typ": typ}, _json(claims), signer)
    return json.dumps(jws_general({"typ": typ}, _json(claims), [signer, cosigner]), separators=(",", ":"))


@dataclass(frozen=True)
class ParsedToken:
    """A token read once, nothing checked yet: its payload, its signatures and its claims set. A
    verifier that must read the claims to pick the keys (the issuer's) passes this to ``verify_with``
    rather than the text, so the token is not parsed twice."""

    payload: bytes
    signed: list[Signed]
    claims: dict


def parse_token(token: str) -> ParsedToken:
    """Read a token (compact or JSON General) before any check; ValueError (or UnicodeError,
    TypeError, AttributeError) if it is not one whose payload is a JSON claims set."""
    payload, signed = jws_parts((token or "").strip())
    claims = jsondepth.loads(payload)
    if not isinstance(claims, dict):
        raise ValueError("not a claims set")
    return ParsedToken(payload, signed, claims)


def unverified_claims(token: str) -> dict:
    """The claims of a token before any check (to pick the issuer's keys); ValueError if unreadable."""
    return parse_token(token).claims


def _parsed(token: str | ParsedToken) -> tuple[list[Signed], bytes, dict | None]:
    if isinstance(token, ParsedToken):
        return token.signed, token.payload, token.claims
    try:
        payload, signed = jws_parts((token or "").strip())
    except (ValueError, UnicodeError, TypeError, AttributeError):
        raise SignatureRejected("malformed") from None
    return signed, payload, None


def verify_with(token: str | ParsedToken, *, kind: str, keys: dict, retired: frozenset[str] = frozenset(),
                now: float | None = None, algorithms=None) -> dict:
    """Verify a token (compact, or JSON General with a co-signature; as text or as ``parse_token``
    read it) against a key set (``kid`` → public key), checking the signatures of the ``algorithms``
    this verifier accepts (default ``QILU_SIGNATURE_ALGORITHMS``). Returns the claims or raises
    :class:`SignatureRejected` with one reason: malformed, unknown_key, retired_key, bad_signature,
    wrong_kind or expired. The caller checks anything stateful (one-time use, revocation)."""
    signed, payload, claims = _parsed(token)
    checked = check_signatures(signed, keys=_public_keys(keys), retired=retired, algorithms=algorithms)
    if claims is None:
        try:
            claims = jsondepth.loads(payload)
        except (ValueError, UnicodeError):
            raise SignatureRejected("malformed") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise SignatureRejected("malformed")
    if any(item.header.get("typ") != kind for item in checked):
        raise SignatureRejected("wrong_kind", claims)
    if (now if now is not None else time.time()) >= claims["exp"]:
        raise SignatureRejected("expired", claims)
    return claims


def verify(token: str, *, kind: str, purpose: str | None = None) -> dict:
    """Verify a token signed by this platform (with a key of ``purpose``, when given: an access token
    signed by any other key of the ring is an unknown key)."""
    ring = keyring()
    return verify_with(token, kind=kind, keys=ring.keys_for(purpose) if purpose else ring.public, retired=ring.retired)


def keys_from_jwks(document: dict | str) -> dict[str, PublicKey]:
    """Public keys by ``kid`` from a JWKS document (ours, a file, or another province's): P-256 and
    SM2 keys; a private key, another curve or key type is skipped."""
    if isinstance(document, str):
        document = json.loads(document)
    keys = {}
    for item in document.get("keys", []):
        try:
            key = PublicKey.from_jwk({k: v for k, v in item.items() if k in ("kty", "crv", "x", "y", "d")})
        except (ValueError, AttributeError):
            continue
        keys[item.get("kid") or key.thumbprint] = key
    return keys


# --- compact QR payloads: COSE_Sign1 + CWT, zlib, Base45 (the EU DCC's encoding) ------------------
#
# A 亮证 code is a short signed reference, not the credential: the CWT holds only iss, iat, exp and
# the presentation's id (cti), so the QR stays at version 8 (error correction M) whatever the holder
# discloses, and a photo of it carries no personal data. The verifier resolves the id online, which
# it must do anyway for one-time use and the credential's current status (docs/qr-payloads.md).

COMPACT_PREFIX = "QL1:"  # like the DCC's "HC1:": names the scheme and its version; QR alphanumeric
_BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_COSE_SIGN1_TAG = 18
_ALG, _KID, _TYP = 1, 4, 16  # COSE header labels (RFC 9052; typ RFC 9596)
_COUNTERSIGNATURE = 11  # "Countersignature version 2" (RFC 9338)
_ES256 = -7
COSE_SM2 = -65537  # SM2 with SM3: no registered COSE alg; the first of the private-use range (< -65536)
_CWT = {"iss": 1, "exp": 4, "iat": 6, "cti": 7}  # RFC 8392 claim keys
_CWT_NAMES = {number: name for name, number in _CWT.items()}
_MAX_INFLATED = 4096


# Base45 without a Python step per character (it runs for every 亮证 code shown and scanned): encoding
# writes a 16-bit group as its low two characters (its value mod 2025, from a table of the 2,025 pairs)
# and a third (value // 2025), a trailing byte as two; decoding maps the characters to their values in
# one ``bytes.translate`` and takes them three at a time.
_PAIRS = [_BASE45[value % 45] + _BASE45[value // 45] for value in range(45 * 45)]
_BASE45_DIGITS = bytes.maketrans(_BASE45.encode("ascii"), bytes(range(45)))
_BASE45_BYTES = _BASE45.encode("ascii")


def base45_encode(data: bytes) -> str:
    """RFC 9285: two bytes become three characters of the QR alphanumeric set, a last byte two."""
    whole = len(data) // 2
    out = [_PAIRS[value % 2025] + _BASE45[value // 2025] for value in struct.unpack_from(f">{whole}H", data)]
    if len(data) % 2:
        out.append(_PAIRS[data[-1]])
    return "".join(out)


def base45_decode(text: str) -> bytes:
    """RFC 9285, without a Python step per group (it runs for every 亮证 code scanned, before and after
    authentication): the characters' values in one ``bytes.translate``; each column of the groups
    (low, middle, high) laid into 32-bit lanes of one big integer, so ``low + 45 × middle + 2025 ×
    high`` is three integer operations for all groups at once (a lane never carries: at most 91,124);
    a lane above 0xFFFF is refused, the rest are the bytes."""
    if not text.isascii():
        raise ValueError("not base45")
    raw = text.encode("ascii")
    if raw.translate(None, _BASE45_BYTES):  # anything left once the alphabet is deleted
        raise ValueError("not base45")
    digits = raw.translate(_BASE45_DIGITS)  # each character's value, 0–44
    groups = len(digits) // 3
    whole = groups * 3
    lanes = bytearray(4 * groups)
    lanes[3::4] = digits[0:whole:3]
    low = int.from_bytes(lanes, "big")
    lanes[3::4] = digits[1:whole:3]
    middle = int.from_bytes(lanes, "big")
    lanes[3::4] = digits[2:whole:3]
    values = (low + middle * 45 + int.from_bytes(lanes, "big") * 2025).to_bytes(4 * groups, "big")
    if values[1::4].count(0) != groups:  # a group's value above 0xFFFF
        raise ValueError("base45 group out of range")
    decoded = bytearray(2 * groups)
    decoded[0::2] = values[2::4]
    decoded[1::2] = values[3::4]
    out = bytes(decoded)
    rest = digits[whole:]
    if len(rest) == 1:
        raise ValueError("a dangling base45 character")
    if rest:
        value = rest[0] + rest[1] * 45
        if value > 0xFF:
            raise ValueError("base45 group out of range")
        out += bytes((value,))
    return out


@functools.lru_cache(maxsize=256)  # a handful of kids, asked for on every code shown and scanned (each key of the ring is tried)
def _short_kid(thumbprint: str) -> bytes:
    """The COSE ``kid``: the first 8 bytes of the key's RFC 7638 thumbprint (the JWKS ``kid``), as
    the DCC takes 8 bytes of its certificate's hash."""
    return base64.urlsafe_b64decode(thumbprint + "=" * (-len(thumbprint) % 4))[:8]


_SIGNATURE1_HEAD = b"\x84" + cbor2.dumps("Signature1")  # the Sig_structure array's head and its context


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    """``cbor2.dumps(["Signature1", protected, b"", payload])``, byte for byte (RFC 9052 §4.4), put
    together from the byte strings' heads rather than encoded per scan."""
    return b"".join((_SIGNATURE1_HEAD, _bstr_head(len(protected)), protected, b"\x40", _bstr_head(len(payload)), payload))


def _countersign_structure(body_protected: bytes, sign_protected: bytes, payload: bytes, signature: bytes) -> bytes:
    """RFC 9338 §3.3, version 2: the co-signature covers the body's protected header, its own, the
    payload and the ES256 signature, so it vouches for exactly this COSE_Sign1."""
    return cbor2.dumps(["CounterSignatureV2", body_protected, sign_protected, b"", payload, [signature]])


def sign_compact(claims: dict, *, kind: str, ttl: int) -> tuple[str, dict]:
    """Sign ``claims`` (``jti`` as hex, anything else under its own name) as a ``kind`` CWT valid for
    ``ttl`` seconds, in a COSE_Sign1 made QR-alphanumeric; returns (text, the full claims). With
    ``QILU_SM2_COSIGN`` the unprotected header carries an SM2 countersignature (RFC 9338, label 11)."""
    signer = _signer(Purpose.CREDENTIALS)
    cosigner = _cosigner(Purpose.CREDENTIALS)
    now = int(time.time())
    full = {"iss": settings.QILU_ISSUER_ID, "iat": now, "exp": now + ttl, **claims}
    cwt = {(_CWT["cti"] if name == "jti" else _CWT.get(name, name)): (bytes.fromhex(value) if name == "jti" else value)
           for name, value in full.items()}
    protected = cbor2.dumps({_ALG: _ES256, _KID: _short_kid(signer.kid), _TYP: kind})
    payload = cbor2.dumps(cwt)
    signature = signer.sign(_sig_structure(protected, payload))
    unprotected = {}
    if cosigner is not None:
        counter_protected = cbor2.dumps({_ALG: COSE_SM2, _KID: _short_kid(cosigner.kid)})
        counter = cosigner.sign(_countersign_structure(protected, counter_protected, payload, signature))
        unprotected[_COUNTERSIGNATURE] = [counter_protected, {}, counter]
    message = cbor2.dumps(cbor2.CBORTag(_COSE_SIGN1_TAG, [protected, unprotected, payload, signature]))
    packed = zlib.compress(message, 9)
    return COMPACT_PREFIX + base45_encode(packed if len(packed) < len(message) else message), full


# The same bytes for a code naming only its ``jti`` (亮证), built from a template per key, kind and issuer:
# the protected header, the CWT's fixed parts and the Sig_structure's are made once; per code only iat,
# exp and cti are encoded (tests/credentials/test_compact_template.py holds them byte for byte to
# ``sign_compact``'s and verifies them with ``verify_compact``).


def _bstr_head(length: int) -> bytes:
    """The CBOR head of a byte string of ``length`` bytes (major type 2)."""
    if length < 24:
        return bytes((0x40 + length,))
    if length < 0x100:
        return bytes((0x58, length))
    if length < 0x10000:  # a code's parts are far below 64 KiB
        return b"\x59" + struct.pack(">H", length)
    if length < 0x100000000:
        return b"\x5a" + struct.pack(">I", length)
    return b"\x5b" + struct.pack(">Q", length)


@dataclass(frozen=True)
class _Template:
    protected: bytes  # the protected header, as a CBOR byte string (head and bytes)
    sig_head: bytes  # the Sig_structure up to its payload: ["Signature1", protected, b"", <payload head>…
    payload_head: bytes  # the CWT map up to iat's value: {1: iss, 6: …
    message_head: bytes  # tag 18, [protected, {}, <payload head>…


@functools.lru_cache(maxsize=16)
def _template(kid: str, kind: str, issuer: str) -> _Template:
    protected = cbor2.dumps({_ALG: _ES256, _KID: _short_kid(kid), _TYP: kind})
    protected_item = cbor2.dumps(protected)
    return _Template(protected=protected_item, sig_head=b"\x84" + cbor2.dumps("Signature1") + protected_item + b"\x40",
                     payload_head=b"\xa4\x01" + cbor2.dumps(issuer) + b"\x06", message_head=b"\xd2\x84" + protected_item + b"\xa0")


def sign_compact_jti(jti: str, *, kind: str, ttl: int) -> tuple[str, dict]:
    """``sign_compact({"jti": jti}, kind=kind, ttl=ttl)``: the same text and claims, the envelope built
    from a per-key template. With an SM2 co-signer, or a ``jti`` that is not 16 bytes of hex, the general
    encoder builds it."""
    cti = bytes.fromhex(jti)
    if len(cti) != 16 or _cosigner(Purpose.CREDENTIALS) is not None:
        return sign_compact({"jti": jti}, kind=kind, ttl=ttl)
    signer = _signer(Purpose.CREDENTIALS)
    now = int(time.time())
    template = _template(signer.kid, kind, settings.QILU_ISSUER_ID)
    payload = b"".join((template.payload_head, cbor2.dumps(now), b"\x04", cbor2.dumps(now + ttl), b"\x07\x50", cti))
    payload_item = _bstr_head(len(payload)) + payload
    signature = signer.sign(template.sig_head + payload_item)
    message = b"".join((template.message_head, payload_item, _bstr_head(len(signature)), signature))
    packed = _zlib9(message)
    return (COMPACT_PREFIX + base45_encode(packed if len(packed) < len(message) else message),
            {"iss": settings.QILU_ISSUER_ID, "iat": now, "exp": now + ttl, "jti": jti})


_ZLIB9_HEAD = b"\x78\xda"  # what zlib.compress(…, 9) writes first: deflate, a 32 KiB window, maximum compression
_SMALL_WINDOW_MOST = 250  # a 512-byte window reaches back 512 - 262 bytes (zlib's MAX_DIST): every match of a shorter input


def _zlib9(message: bytes) -> bytes:
    """``zlib.compress(message, 9)``, byte for byte. Setting up zlib's 32 KiB window and its state costs
    ~50 µs of CPU per call here, more than the code's ES256 signature; for an input no longer than a
    512-byte window reaches back, the deflate stream is the same with that window (the same hash table,
    chain and block parameters: only the window's size differs, and no match lies beyond it), so the
    stream is made with it and framed as zlib frames it — the header of a 32 KiB window, the Adler-32.
    Its hash table is made small too (memory level 2: 512 heads, not 32,768; set-up ~19 → ~6 µs): a
    smaller table only puts more strings on a chain, and level 9's chains (4,096 long) reach every
    earlier position of so short an input, each candidate checked byte by byte, so the same matches are
    found; the level's symbol buffer (255 symbols) still holds the input's in one block."""
    if len(message) > _SMALL_WINDOW_MOST:
        return zlib.compress(message, 9)
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -9, 2)
    return _ZLIB9_HEAD + squeeze.compress(message) + squeeze.flush() + struct.pack(">I", zlib.adler32(message))


_UNREADABLE = object()  # a payload that is not CBOR: "malformed", said only once its signature has been checked


@dataclass(frozen=True)
class _Cose:
    protected: dict
    protected_bytes: bytes
    unprotected: dict
    payload: bytes
    signature: bytes
    cwt: object  # the payload decoded (the CWT, not yet checked to be a map), or _UNREADABLE


@functools.lru_cache(maxsize=16)
def _cose_parts(text: str) -> _Cose:
    """The parts of a compact payload, its CWT decoded once, or ValueError. Kept for the last few texts:
    a scan reads its code's ``jti`` before authentication (``compact_jti``) and verifies the same text
    after, and the second reading takes the parts — payload decoded — from the first; callers only
    read what it returns."""
    if not text.startswith(COMPACT_PREFIX):
        raise ValueError("not a compact payload")
    raw = base45_decode(text[len(COMPACT_PREFIX):])
    if raw[:1] == b"\x78":  # zlib (a COSE_Sign1 starts 0xD2 or 0x84)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(raw, _MAX_INFLATED)
        if inflater.unconsumed_tail:
            raise ValueError("too large")
    message = cbor2.loads(raw)
    if isinstance(message, cbor2.CBORTag):
        if message.tag != _COSE_SIGN1_TAG:
            raise ValueError("not COSE_Sign1")
        message = message.value
    protected_bytes, unprotected, payload, signature = message
    protected = cbor2.loads(protected_bytes) if protected_bytes else {}
    if isinstance(unprotected, Mapping):  # cbor2 reads maps inside a tagged item as its frozendict
        unprotected = dict(unprotected)
    if not (isinstance(protected, dict) and isinstance(unprotected, dict) and isinstance(payload, bytes)
            and isinstance(signature, bytes) and len(signature) == 64):
        raise ValueError("malformed COSE_Sign1")
    try:
        cwt = cbor2.loads(payload)
    except (ValueError, EOFError, cbor2.CBORDecodeError):
        cwt = _UNREADABLE
    return _Cose(protected, protected_bytes, unprotected, payload, signature, cwt)


@dataclass(frozen=True)
class _KeyIndex:
    """A key set as a compact payload's verifier looks its keys up: (algorithm, short kid) → the first
    key of the set with both, and the short kids of the retired keys."""

    keys: dict[tuple[str, bytes], PublicKey]
    retired: frozenset[bytes]


def _key_index(keys: dict[str, PublicKey], retired: frozenset[str]) -> _KeyIndex:
    found: dict[tuple[str, bytes], PublicKey] = {}
    for key in keys.values():
        found.setdefault((key.alg, _short_kid(key.thumbprint)), key)
    shorts = set()
    for kid in retired:
        try:
            shorts.add(_short_kid(kid))
        except (ValueError, TypeError):
            continue
    return _KeyIndex(found, frozenset(shorts))


def _key_for(short: bytes, index: _KeyIndex, alg: str) -> PublicKey:
    if short in index.retired:
        raise SignatureRejected("retired_key")
    key = index.keys.get((alg, short))
    if key is None:
        raise SignatureRejected("unknown_key")
    return key


def _countersignature(cose: _Cose) -> tuple[bytes, bytes, bytes] | None:
    """(its protected header's bytes, the key's short kid, the signature) of an SM2 countersignature."""
    counter = cose.unprotected.get(_COUNTERSIGNATURE)
    if counter is None:
        return None
    try:
        counter_protected, _unprotected, signature = counter
        header = cbor2.loads(counter_protected)
    except (ValueError, TypeError, EOFError, cbor2.CBORDecodeError):
        raise SignatureRejected("malformed") from None
    if not (isinstance(header, Mapping) and header.get(_ALG) == COSE_SM2 and isinstance(header.get(_KID), bytes) and isinstance(signature, bytes)):
        raise SignatureRejected("malformed")
    return counter_protected, header[_KID], signature


def _check_cose(cose: _Cose, *, index: _KeyIndex, algorithms) -> None:
    """The ES256 signature and the SM2 countersignature, each if this verifier accepts its algorithm;
    at least one must have been checked."""
    short = cose.protected.get(_KID)
    if cose.protected.get(_ALG) != _ES256 or not isinstance(short, bytes):
        raise SignatureRejected("malformed")
    counter = _countersignature(cose)
    checked = 0
    if ALGORITHM in algorithms:
        if not _key_for(short, index, ALGORITHM).verify(_sig_structure(cose.protected_bytes, cose.payload), cose.signature):
            raise SignatureRejected("bad_signature")
        checked += 1
    if counter is not None and COSIGN_ALGORITHM in algorithms:
        counter_protected, counter_short, signature = counter
        data = _countersign_structure(cose.protected_bytes, counter_protected, cose.payload, cose.signature)
        if not _key_for(counter_short, index, COSIGN_ALGORITHM).verify(data, signature):
            raise SignatureRejected("bad_signature")
        checked += 1
    if not checked:
        raise SignatureRejected("unknown_key")  # no signature by an algorithm this verifier trusts


def verify_compact_with(text: str, *, kind: str, keys: dict, retired: frozenset[str] = frozenset(),
                        now: float | None = None, algorithms=None) -> dict:
    """Verify a compact payload against a key set, with the same outcomes as ``verify_with``: the
    claims (``jti`` as hex), or :class:`SignatureRejected` with one reason."""
    return _verify_compact(text, kind=kind, index=_key_index(_public_keys(keys), retired), algorithms=accepted(algorithms), now=now)


def _verify_compact(text: str, *, kind: str, index: _KeyIndex, algorithms: tuple[str, ...], now: float | None) -> dict:
    try:
        cose = _cose_parts((text or "").strip())
    except (ValueError, TypeError, EOFError, zlib.error, cbor2.CBORDecodeError):
        raise SignatureRejected("malformed") from None
    _check_cose(cose, index=index, algorithms=algorithms)
    cwt = cose.cwt
    if not isinstance(cwt, dict) or not isinstance(cwt.get(_CWT["exp"]), int):
        raise SignatureRejected("malformed")
    claims = {_CWT_NAMES.get(name, name): value for name, value in cwt.items()}
    if isinstance(claims.get("cti"), bytes):
        claims["jti"] = claims.pop("cti").hex()
    if cose.protected.get(_TYP) != kind:
        raise SignatureRejected("wrong_kind", claims)
    if (now if now is not None else time.time()) >= claims["exp"]:
        raise SignatureRejected("expired", claims)
    return claims


def compact_jti(text: str) -> str | None:
    """The ``jti`` a compact payload names (hex), read before any check — to name what a scan reads
    first (``credentials.api.prefetch``); None when unreadable. Never a verdict: nothing is verified."""
    try:
        cwt = _cose_parts(text.strip()).cwt
    except (ValueError, TypeError, EOFError, zlib.error, cbor2.CBORDecodeError):
        return None
    cti = cwt.get(_CWT["cti"]) if isinstance(cwt, dict) else None
    return cti.hex() if isinstance(cti, bytes) and len(cti) == 16 else None


def verify_compact(text: str, *, kind: str) -> dict:
    """Verify a compact payload signed by this platform (the ring's keys looked up as ``ring.index``
    keeps them)."""
    return _verify_compact(text, kind=kind, index=keyring().index, algorithms=accepted(), now=None)
