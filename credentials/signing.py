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

Keys live in :class:`~credentials.models.SigningKey` (private halves encrypted at rest). Each process
keeps the key ring in memory and reloads it when the ring version in the shared cache changes
(checked at most once a second) or after a minute, so signing and verifying never touch the database
on the hot path, and a rotation or retirement reaches every worker within about a second.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import zlib
from dataclasses import dataclass, field

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from core import jsondepth
from core.errors import Unavailable
from credentials.models import SigningKey

ALGORITHM = "ES256"
Purpose = SigningKey.Purpose
PUBLISHED = (Purpose.CREDENTIALS, Purpose.STATUS_LISTS, Purpose.REQUEST_OBJECTS)  # the keys verifiers need
RING_VERSION_KEY = "signing:ring-version"
_CHECK_EVERY = 1.0
_RELOAD_EVERY = 60.0


class SignatureRejected(Exception):
    """A token failed verification; ``reason`` is a stable code (see Verification.Reason)."""

    def __init__(self, reason: str, claims: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.claims = claims or {}


@dataclass
class KeyRing:
    signers: dict[str, tuple[str, ECKey]] = field(default_factory=dict)  # purpose -> (kid, private key) of its active key
    public: dict[str, ECKey] = field(default_factory=dict)  # kid -> key, active and verifying, every purpose
    retired: frozenset[str] = frozenset()
    purposes: dict[str, str] = field(default_factory=dict)  # kid -> purpose

    @property
    def signing(self) -> tuple[str, ECKey] | None:
        """The active credentials key (what most callers sign with)."""
        return self.signers.get(Purpose.CREDENTIALS)

    def keys_for(self, *purposes: str) -> dict[str, ECKey]:
        return {kid: key for kid, key in self.public.items() if self.purposes.get(kid) in purposes}


_lock = threading.Lock()
_state: dict = {"ring": None, "version": None, "loaded": 0.0, "checked": 0.0}


def _load() -> KeyRing:
    signers: dict[str, tuple[str, ECKey]] = {}
    public: dict[str, ECKey] = {}
    purposes: dict[str, str] = {}
    retired = set()
    for key in SigningKey.objects.all():
        if key.status == SigningKey.Status.RETIRED:
            retired.add(key.kid)
            continue
        public[key.kid] = ECKey.import_key(key.public_jwk)
        purposes[key.kid] = key.purpose
        if key.status == SigningKey.Status.ACTIVE:
            signers[key.purpose] = (key.kid, ECKey.import_key(key.private_key))
    return KeyRing(signers=signers, public=public, retired=frozenset(retired), purposes=purposes)


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


def key_create(*, purpose: str = Purpose.CREDENTIALS, activate: bool = True) -> SigningKey:
    """Make a new P-256 key for ``purpose``. With ``activate`` it becomes that purpose's signing key
    and the purpose's previous active key drops to verify-only (rotation): what it signed keeps
    verifying until it is retired. The other purposes' keys are untouched."""
    private = ECKey.generate_key("P-256", auto_kid=False)
    kid = private.thumbprint()
    public = {**private.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"}
    with transaction.atomic():
        if activate:
            SigningKey.objects.filter(status=SigningKey.Status.ACTIVE, purpose=purpose).update(status=SigningKey.Status.VERIFYING)
        key = SigningKey.objects.create(
            kid=kid,
            purpose=purpose,
            public_jwk=public,
            private_key=private.as_pem(private=True).decode(),
            status=SigningKey.Status.ACTIVE if activate else SigningKey.Status.VERIFYING,
        )
    transaction.on_commit(reset)
    return key


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


def ensure_signing_key() -> None:
    """Create the first key of each purpose that has none (``make run``, tests and the deploy step)."""
    active = set(SigningKey.objects.filter(status=SigningKey.Status.ACTIVE).values_list("purpose", flat=True))
    for purpose in Purpose.values:
        if purpose not in active:
            key_create(purpose=purpose)


def jwks(purposes=PUBLISHED) -> dict:
    """The published key set: every key of ``purposes`` that may still verify, never a private part."""
    keys = sorted(keyring().keys_for(*purposes).items())
    return {"keys": [{**key.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"} for kid, key in keys]}


def _signer(purpose: str) -> tuple[str, ECKey]:
    found = keyring().signers.get(purpose)
    if found is None:
        # A deploy step was missed (`manage.py signing_keys ensure`): Unavailable, which every front answers as such, never a crash.
        raise Unavailable(_("Signing is not available right now. Please try again later."), code="signing_unavailable")
    return found


# --- sign and verify ----------------------------------------------------------------------------


def sign(claims: dict, *, kind: str, ttl: int, purpose: str = Purpose.CREDENTIALS) -> tuple[str, dict]:
    """Sign ``claims`` as a ``kind`` token valid for ``ttl`` seconds with ``purpose``'s key; returns
    (token, full claims)."""
    now = int(time.time())
    full = {"iss": settings.QILU_ISSUER_ID, "iat": now, "exp": now + ttl, **claims}
    return sign_claims(full, typ=kind, purpose=purpose), full


def sign_claims(claims: dict, *, typ: str, purpose: str = Purpose.CREDENTIALS) -> str:
    """Sign a claims set as it is (the caller sets ``iss``, ``iat``, ``exp``) with ``purpose``'s key:
    for tokens whose shape an open standard fixes (SD-JWT VC, a status list, a request object)."""
    kid, key = _signer(purpose)
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact({"alg": ALGORITHM, "kid": kid, "typ": typ}, payload, key)


def verify_with(token: str, *, kind: str, keys: dict[str, ECKey], retired: frozenset[str] = frozenset(), now: float | None = None) -> dict:
    """Verify a token against a key set (``kid`` → public key). Returns the claims or raises
    :class:`SignatureRejected` with one reason: malformed, unknown_key, retired_key, bad_signature,
    wrong_kind or expired. The caller checks anything stateful (one-time use, revocation)."""
    token = (token or "").strip()
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, UnicodeError):
        raise SignatureRejected("malformed") from None
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise SignatureRejected("malformed")
    if kid in retired:
        raise SignatureRejected("retired_key")
    key = keys.get(kid)
    if key is None:
        raise SignatureRejected("unknown_key")
    try:
        payload = jws.deserialize_compact(token, key, algorithms=[ALGORITHM]).payload
    except JoseError:
        raise SignatureRejected("bad_signature") from None
    try:
        claims = jsondepth.loads(payload)
    except ValueError:
        raise SignatureRejected("malformed") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise SignatureRejected("malformed")
    if header.get("typ") != kind:
        raise SignatureRejected("wrong_kind", claims)
    if (now if now is not None else time.time()) >= claims["exp"]:
        raise SignatureRejected("expired", claims)
    return claims


def verify(token: str, *, kind: str, purpose: str | None = None) -> dict:
    """Verify a token signed by this platform (with a key of ``purpose``, when given: an access token
    signed by any other key of the ring is an unknown key)."""
    ring = keyring()
    return verify_with(token, kind=kind, keys=ring.keys_for(purpose) if purpose else ring.public, retired=ring.retired)


def keys_from_jwks(document: dict | str) -> dict[str, ECKey]:
    """Public keys by ``kid`` from a JWKS document (ours, a file, or another province's)."""
    if isinstance(document, str):
        document = json.loads(document)
    keys = {}
    for item in document.get("keys", []):
        if item.get("kty") != "EC" or item.get("crv") != "P-256" or "d" in item:
            continue
        key = ECKey.import_key({k: v for k, v in item.items() if k in ("kty", "crv", "x", "y")})
        keys[item.get("kid") or key.thumbprint()] = key
    return keys


# --- compact QR payloads: COSE_Sign1 + CWT, zlib, Base45 (the EU DCC's encoding) ------------------
#
# A 亮证 code is a short signed reference, not the credential: the CWT holds only iss, iat, exp and
# the presentation's id (cti), so the QR stays at version 8 (error correction M) whatever the holder
# discloses, and a photo of it carries no personal data. The verifier resolves the id online, which
# it must do anyway for one-time use and the credential's current status (docs/qr-payloads.md).

COMPACT_PREFIX = "QL1:"  # like the DCC's "HC1:": names the scheme and its version; QR alphanumeric
_BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_VALUE = {char: value for value, char in enumerate(_BASE45)}
_COSE_SIGN1_TAG = 18
_ALG, _KID, _TYP = 1, 4, 16  # COSE header labels (RFC 9052; typ RFC 9596)
_ES256 = -7
_CWT = {"iss": 1, "exp": 4, "iat": 6, "cti": 7}  # RFC 8392 claim keys
_CWT_NAMES = {number: name for name, number in _CWT.items()}
_MAX_INFLATED = 4096


def base45_encode(data: bytes) -> str:
    """RFC 9285: two bytes become three characters of the QR alphanumeric set, a last byte two."""
    out = []
    for i in range(0, len(data), 2):
        chunk = data[i:i + 2]
        value = chunk[0] * 256 + chunk[1] if len(chunk) == 2 else chunk[0]
        digits = 3 if len(chunk) == 2 else 2
        for _digit in range(digits):
            value, rest = divmod(value, 45)
            out.append(_BASE45[rest])
    return "".join(out)


def base45_decode(text: str) -> bytes:
    try:
        values = [_BASE45_VALUE[char] for char in text]
    except KeyError:
        raise ValueError("not base45") from None
    out = bytearray()
    for i in range(0, len(values), 3):
        group = values[i:i + 3]
        if len(group) == 1:
            raise ValueError("a dangling base45 character")
        value = sum(digit * 45**power for power, digit in enumerate(group))
        if value > (0xFFFF if len(group) == 3 else 0xFF):
            raise ValueError("base45 group out of range")
        out += value.to_bytes(len(group) - 1, "big")
    return bytes(out)


def _short_kid(thumbprint: str) -> bytes:
    """The COSE ``kid``: the first 8 bytes of the key's RFC 7638 thumbprint (the JWKS ``kid``), as
    the DCC takes 8 bytes of its certificate's hash."""
    return base64.urlsafe_b64decode(thumbprint + "=" * (-len(thumbprint) % 4))[:8]


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign_compact(claims: dict, *, kind: str, ttl: int) -> tuple[str, dict]:
    """Sign ``claims`` (``jti`` as hex, anything else under its own name) as a ``kind`` CWT valid for
    ``ttl`` seconds, in a COSE_Sign1 made QR-alphanumeric; returns (text, the full claims)."""
    kid, key = _signer(Purpose.CREDENTIALS)
    now = int(time.time())
    full = {"iss": settings.QILU_ISSUER_ID, "iat": now, "exp": now + ttl, **claims}
    cwt = {(_CWT["cti"] if name == "jti" else _CWT.get(name, name)): (bytes.fromhex(value) if name == "jti" else value)
           for name, value in full.items()}
    protected = cbor2.dumps({_ALG: _ES256, _KID: _short_kid(kid), _TYP: kind})
    payload = cbor2.dumps(cwt)
    r, s = decode_dss_signature(key.private_key.sign(_sig_structure(protected, payload), ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    message = cbor2.dumps(cbor2.CBORTag(_COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    packed = zlib.compress(message, 9)
    return COMPACT_PREFIX + base45_encode(packed if len(packed) < len(message) else message), full


def _cose_parts(text: str) -> tuple[dict, bytes, bytes, bytes]:
    """(protected header, its bytes, payload, signature) of a compact payload, or ValueError."""
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
    protected_bytes, _unprotected, payload, signature = message
    protected = cbor2.loads(protected_bytes) if protected_bytes else {}
    if not (isinstance(protected, dict) and isinstance(payload, bytes) and isinstance(signature, bytes) and len(signature) == 64):
        raise ValueError("malformed COSE_Sign1")
    return protected, protected_bytes, payload, signature


def _key_for(short: bytes, keys: dict[str, ECKey], retired: frozenset[str]) -> ECKey:
    for kid in retired:
        try:
            if _short_kid(kid) == short:
                raise SignatureRejected("retired_key")
        except (ValueError, TypeError):
            continue
    for key in keys.values():
        if _short_kid(key.thumbprint()) == short:
            return key
    raise SignatureRejected("unknown_key")


def verify_compact_with(text: str, *, kind: str, keys: dict[str, ECKey], retired: frozenset[str] = frozenset(),
                        now: float | None = None) -> dict:
    """Verify a compact payload against a key set, with the same outcomes as ``verify_with``: the
    claims (``jti`` as hex), or :class:`SignatureRejected` with one reason."""
    try:
        protected, protected_bytes, payload, signature = _cose_parts((text or "").strip())
    except (ValueError, TypeError, EOFError, zlib.error, cbor2.CBORDecodeError):
        raise SignatureRejected("malformed") from None
    short = protected.get(_KID)
    if protected.get(_ALG) != _ES256 or not isinstance(short, bytes):
        raise SignatureRejected("malformed")
    key = _key_for(short, keys, retired)
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.public_key.verify(der, _sig_structure(protected_bytes, payload), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureRejected("bad_signature") from None
    try:
        cwt = cbor2.loads(payload)
    except (ValueError, EOFError, cbor2.CBORDecodeError):
        raise SignatureRejected("malformed") from None
    if not isinstance(cwt, dict) or not isinstance(cwt.get(_CWT["exp"]), int):
        raise SignatureRejected("malformed")
    claims = {_CWT_NAMES.get(name, name): value for name, value in cwt.items()}
    if isinstance(claims.get("cti"), bytes):
        claims["jti"] = claims.pop("cti").hex()
    if protected.get(_TYP) != kind:
        raise SignatureRejected("wrong_kind", claims)
    if (now if now is not None else time.time()) >= claims["exp"]:
        raise SignatureRejected("expired", claims)
    return claims


def verify_compact(text: str, *, kind: str) -> dict:
    """Verify a compact payload signed by this platform."""
    ring = keyring()
    return verify_compact_with(text, kind=kind, keys=ring.public, retired=ring.retired)
