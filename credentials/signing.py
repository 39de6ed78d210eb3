"""The platform's one signing service: compact JWS (RFC 7515) with ES256, as SMART Health Cards use.

* ``kid`` is the RFC 7638 thumbprint of the public key, so any verifier can match a token to a key
  in ``/.well-known/jwks.json`` with nothing else.
* ``typ`` names what was signed (``qilu-vp+jwt`` a credential presentation, ``qilu-hp+jwt`` a health
  pass), so one kind of token can never be passed off as another.
* The payload is a JSON claims set with ``iss``, ``iat``, ``exp`` and ``jti``; expiry is inside the
  signature.

Keys live in :class:`~credentials.models.SigningKey` (private halves encrypted at rest). Each process
keeps the key ring in memory and reloads it when the ring version in the shared cache changes
(checked at most once a second) or after a minute, so signing and verifying never touch the database
on the hot path, and a rotation or retirement reaches every worker within about a second.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from core.errors import Unavailable
from credentials.models import SigningKey

ALGORITHM = "ES256"
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
    signing: tuple[str, ECKey] | None
    public: dict[str, ECKey] = field(default_factory=dict)  # kid -> key, active and verifying
    retired: frozenset[str] = frozenset()


_lock = threading.Lock()
_state: dict = {"ring": None, "version": None, "loaded": 0.0, "checked": 0.0}


def _load() -> KeyRing:
    signing = None
    public: dict[str, ECKey] = {}
    retired = set()
    for key in SigningKey.objects.all():
        if key.status == SigningKey.Status.RETIRED:
            retired.add(key.kid)
            continue
        public[key.kid] = ECKey.import_key(key.public_jwk)
        if key.status == SigningKey.Status.ACTIVE:
            signing = (key.kid, ECKey.import_key(key.private_key))
    return KeyRing(signing=signing, public=public, retired=frozenset(retired))


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


def key_create(*, activate: bool = True) -> SigningKey:
    """Make a new P-256 key. With ``activate`` it becomes the signing key and the previous active key
    drops to verify-only (rotation): what it signed keeps verifying until it is retired."""
    private = ECKey.generate_key("P-256", auto_kid=False)
    kid = private.thumbprint()
    public = {**private.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"}
    with transaction.atomic():
        if activate:
            SigningKey.objects.filter(status=SigningKey.Status.ACTIVE).update(status=SigningKey.Status.VERIFYING)
        key = SigningKey.objects.create(
            kid=kid,
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
    """Create the first key if there is none (``make run`` and tests); production uses the command."""
    if not SigningKey.objects.filter(status=SigningKey.Status.ACTIVE).exists():
        key_create()


def jwks() -> dict:
    """The published key set: every key that may still verify, never a private part."""
    keys = sorted(keyring().public.items())
    return {"keys": [{**key.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"} for kid, key in keys]}


# --- sign and verify ----------------------------------------------------------------------------


def sign(claims: dict, *, kind: str, ttl: int) -> tuple[str, dict]:
    """Sign ``claims`` as a ``kind`` token valid for ``ttl`` seconds; returns (token, full claims)."""
    now = int(time.time())
    full = {"iss": settings.QILU_ISSUER_ID, "iat": now, "exp": now + ttl, **claims}
    return sign_claims(full, typ=kind), full


def sign_claims(claims: dict, *, typ: str) -> str:
    """Sign a claims set as it is (the caller sets ``iss``, ``iat``, ``exp``): for tokens whose shape
    an open standard fixes (SD-JWT VC, a status list, an OpenID4VP request object)."""
    ring = keyring()
    if ring.signing is None:
        # A deploy step was missed (`manage.py signing_keys ensure`): answer 503, never a 500.
        raise Unavailable(_("Signing is not available right now. Please try again later."), code="signing_unavailable")
    kid, key = ring.signing
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
        claims = json.loads(payload)
    except ValueError:
        raise SignatureRejected("malformed") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise SignatureRejected("malformed")
    if header.get("typ") != kind:
        raise SignatureRejected("wrong_kind", claims)
    if (now if now is not None else time.time()) >= claims["exp"]:
        raise SignatureRejected("expired", claims)
    return claims


def verify(token: str, *, kind: str) -> dict:
    """Verify a token signed by this platform."""
    ring = keyring()
    return verify_with(token, kind=kind, keys=ring.public, retired=ring.retired)


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
