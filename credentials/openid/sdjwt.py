"""SD-JWT (RFC 9901) and SD-JWT VC: selective disclosure with holder binding, on joserfc.

Written here rather than taken from PyPI: ``sd-jwt`` (the spec authors' reference code) is built on
jwcrypto, a second JOSE library beside the joserfc the platform signs with, and its verifier wants
the whole token re-parsed through its own classes on every check. What this module needs of the RFC
is small: flat, object-property disclosures (every field of a credential type is one), decoy digests,
SHA-256, and the Key Binding JWT. The RFC's own examples are its tests
(tests/credentials/test_sdjwt.py), and the npm ``@sd-jwt/sd-jwt-vc`` verifies what it makes.

Shapes:

* issued:     ``<issuer-signed JWT>~<disclosure>~…~``
* presented:  ``<issuer-signed JWT>~<chosen disclosures>~…~<KB-JWT>``
* dual-signed (optional, for domestic verifiers): the SD-JWT JSON Serialization (RFC 9901 §8) in the
  JWS General form (RFC 7515 §7.2.1) — one payload, the ES256 signature first and an SM2 signature
  (private ``alg`` "SM2") second; the disclosures and the KB-JWT in the first signature's unprotected
  header. A wallet that knows only ES256 checks the first signature (or takes it out as the compact
  form above); a domestic verifier checks the SM2 one (``issue_json``, ``verify_json``).

The issuer signs through the crypto provider (``credentials.signing.Signer``); a holder's key (the
wallet side, ``present``) is the holder's own JOSE key.

A disclosure is ``base64url(JSON [salt, name, value])``; its digest is ``base64url(SHA-256(the
disclosure's ASCII))`` — of the string as received, never re-encoded (RFC 9901 §4.2.3).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core import jsondepth
from credentials import signing

if TYPE_CHECKING:
    from joserfc.jwk import ECKey  # joserfc loads when a holder's key is used, not in every web worker at start

ALGORITHM = "ES256"
SD_ALG = "sha-256"
VC_TYPE = "dc+sd-jwt"
KB_TYPE = "kb+jwt"
KB_MAX_AGE = 300  # seconds a key-binding JWT stays acceptable after it was made
CLOCK_SKEW = 60
RESERVED = frozenset({"_sd", "_sd_alg", "...", "iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "sub"})


class SdJwtRejected(Exception):
    """A presentation failed; ``reason`` is a stable code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(disclosure: str) -> str:
    """The ``_sd`` digest of a disclosure, computed over the string exactly as it travels."""
    return b64url(hashlib.sha256(disclosure.encode("ascii")).digest())


def disclosure(name: str, value, *, salt: str | None = None) -> str:
    salt = salt or b64url(secrets.token_bytes(16))
    return b64url(json.dumps([salt, name, value], ensure_ascii=False).encode())


def _jwt(header: dict, payload: dict, key) -> str:
    """A compact JWS: by the provider for an issuer's ``signing.Signer``, by joserfc for a holder's key."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    if isinstance(key, signing.Signer):
        return signing.jws_compact(header, body, key)
    from joserfc import jws

    return jws.serialize_compact({"alg": ALGORITHM, **header}, body, key)


def conceal(claims: dict, disclosable: dict, *, decoys: int = 4) -> tuple[dict, list[str]]:
    """``claims`` stay in the clear; each of ``disclosable`` becomes a disclosure. Decoy digests pad
    the ``_sd`` array to a multiple of ``decoys`` so its length does not tell how many fields a
    credential has; the array is sorted so its order tells nothing either (RFC 9901 §4.2.4, §4.2.5)."""
    made = [disclosure(name, value) for name, value in disclosable.items()]
    digests = [digest(item) for item in made]
    if decoys:
        digests += [b64url(hashlib.sha256(secrets.token_bytes(32)).digest()) for _ in range(-len(digests) % decoys or decoys)]
    return {**claims, "_sd": sorted(digests), "_sd_alg": SD_ALG}, made


def issue(claims: dict, disclosable: dict, *, key, kid: str, typ: str = VC_TYPE) -> str:
    """The compact SD-JWT VC, signed by ``key`` (the issuer's ``signing.Signer``) as ``kid``."""
    payload, made = conceal(claims, disclosable)
    return "~".join([_jwt({"kid": kid, "typ": typ}, payload, key), *made]) + "~"


def issue_json(claims: dict, disclosable: dict, *, signers: list, typ: str = VC_TYPE) -> dict:
    """The dual-signed SD-JWT VC: the JSON Serialization in the General form, a signature per signer
    (ES256 first, so that ``to_compact`` gives what a wallet expects), the disclosures in the first
    signature's unprotected header."""
    payload, made = conceal(claims, disclosable)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return signing.jws_general({"typ": typ}, body, signers, first_header={"disclosures": made})


def to_compact(document: dict, index: int = 0) -> str:
    """The compact SD-JWT of one signature of a JSON-serialized one (the KB-JWT's ``sd_hash`` is over
    the first signature's, as ``@sd-jwt/core`` computes it)."""
    try:
        entry = document["signatures"][index]
        header = document["signatures"][0].get("header") or {}
        jwt = f"{entry['protected']}.{document['payload']}.{entry['signature']}"
        disclosures, kb = header.get("disclosures", []), header.get("kb_jwt", "")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise SdJwtRejected("malformed") from None
    if not (isinstance(disclosures, list) and all(isinstance(item, str) and item for item in disclosures) and isinstance(kb, str)):
        raise SdJwtRejected("malformed")
    return "~".join([jwt, *disclosures]) + "~" + kb


@dataclass
class Parts:
    jwt: str
    disclosures: list[str]
    kb_jwt: str | None

    @property
    def without_kb(self) -> str:
        """What the KB-JWT's ``sd_hash`` covers: the JWT and the disclosures, each followed by ``~``."""
        return "~".join([self.jwt, *self.disclosures]) + "~"


def split(token: str) -> Parts:
    token = (token or "").strip()
    if "~" not in token:
        raise SdJwtRejected("malformed")
    pieces = token.split("~")
    jwt, *middle, last = pieces
    if not jwt or any(not item for item in middle):
        raise SdJwtRejected("malformed")
    return Parts(jwt=jwt, disclosures=middle, kb_jwt=last or None)


def decode_disclosure(item: str) -> tuple[str, object]:
    try:
        decoded = jsondepth.loads(b64url_decode(item))
    except (ValueError, UnicodeError):
        raise SdJwtRejected("malformed_disclosure") from None
    if not (isinstance(decoded, list) and len(decoded) == 3 and isinstance(decoded[0], str) and isinstance(decoded[1], str)):
        # A two-element array is an array-entry disclosure: never issued here, so never accepted.
        raise SdJwtRejected("malformed_disclosure")
    return decoded[1], decoded[2]


def present(issued: str, names, *, holder_key: ECKey, nonce: str, audience: str, now: int | None = None) -> str:
    """The holder's side: keep the disclosures of ``names``, then sign a KB-JWT over them."""
    parts = split(issued)
    wanted = set(names)
    chosen = [item for item in parts.disclosures if decode_disclosure(item)[0] in wanted]
    kept = Parts(jwt=parts.jwt, disclosures=chosen, kb_jwt=None).without_kb
    kb = _jwt({"typ": KB_TYPE}, {"iat": now or int(time.time()), "aud": audience, "nonce": nonce,
                                 "sd_hash": b64url(hashlib.sha256(kept.encode("ascii")).digest())}, holder_key)
    return kept + kb


def present_json(issued: dict, names, *, holder_key: ECKey, nonce: str, audience: str, now: int | None = None) -> dict:
    """``present`` for a JSON-serialized SD-JWT: the chosen disclosures and the KB-JWT (its
    ``sd_hash`` over the first signature's compact form) go in the first signature's header."""
    presented = split(present(to_compact(issued), names, holder_key=holder_key, nonce=nonce, audience=audience, now=now))
    first, *others = issued["signatures"]
    header = {"disclosures": presented.disclosures, "kb_jwt": presented.kb_jwt}
    return {"payload": issued["payload"], "signatures": [{**first, "header": header}, *others]}


@dataclass
class Verified:
    header: dict
    claims: dict  # the issuer's clear claims and the disclosed fields, ``_sd`` resolved
    disclosed: dict = field(default_factory=dict)  # only the fields the holder chose to disclose


def _verify_jws(token: str, key: ECKey) -> tuple[dict, dict]:
    from joserfc import jws
    from joserfc.errors import JoseError

    try:
        result = jws.deserialize_compact(token, key, algorithms=[ALGORITHM])
        payload = jsondepth.loads(result.payload)
    except (JoseError, ValueError):
        raise SdJwtRejected("bad_signature") from None
    if not isinstance(payload, dict):
        raise SdJwtRejected("malformed")
    return result.headers(), payload


def _issuer_payload(token: str | dict, issuer_keys: dict, algorithms) -> tuple[dict, dict]:
    """The issuer's protected header (the first checked signature's) and payload, once every signature
    this verifier accepts verified by its ``kid`` through the crypto provider."""
    from joserfc.errors import JoseError

    try:
        body, signed = signing.jws_parts(token)
        keys = {kid: signing.public_key(key) for kid, key in issuer_keys.items()}
    except (ValueError, TypeError, UnicodeError, AttributeError, JoseError):
        raise SdJwtRejected("malformed") from None
    for item in signed:
        if item.header.get("alg") not in signing.ALGORITHMS or item.header.get("typ") not in (VC_TYPE, "vc+sd-jwt"):
            raise SdJwtRejected("malformed")
    try:
        checked = signing.check_signatures(signed, keys=keys, algorithms=algorithms)
    except signing.SignatureRejected as exc:
        raise SdJwtRejected("unknown_key" if exc.reason == "retired_key" else exc.reason) from None
    try:
        payload = jsondepth.loads(body)
    except ValueError:
        raise SdJwtRejected("bad_signature") from None
    if not isinstance(payload, dict):
        raise SdJwtRejected("malformed")
    return checked[0].header, payload


def _header(token: str) -> dict:
    from joserfc import jws
    from joserfc.errors import JoseError

    try:
        return jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError):
        raise SdJwtRejected("malformed") from None


def _resolve(payload: dict, disclosures: list[str]) -> dict:
    if payload.get("_sd_alg", SD_ALG) != SD_ALG:
        raise SdJwtRejected("unsupported_sd_alg")
    digests = payload.get("_sd", [])
    if not isinstance(digests, list) or len(set(digests)) != len(digests):
        raise SdJwtRejected("malformed")
    offered = set(digests)
    disclosed: dict = {}
    for item in disclosures:
        found = digest(item)
        if found not in offered:
            raise SdJwtRejected("unknown_disclosure")  # forged, altered, or from another credential
        offered.discard(found)  # the same disclosure twice is refused below (no longer offered)
        name, value = decode_disclosure(item)
        if name in RESERVED or name in payload or name in disclosed:
            raise SdJwtRejected("malformed_disclosure")
        disclosed[name] = value
    return disclosed


def verify(token: str, *, issuer_keys: dict[str, ECKey], issuer: str | None = None, nonce: str | None = None,
           audience: str | None = None, require_kb: bool = True, now: float | None = None) -> Verified:
    """Verify an SD-JWT VC (and its KB-JWT): the issuer's signature by ``kid``, expiry, every
    disclosure against ``_sd``, and that the key in ``cnf`` signed a fresh KB-JWT for this ``nonce``
    and ``audience`` over exactly these disclosures. Status is the caller's: see ``statuslist``."""
    parts = split(token)
    header = _header(parts.jwt)
    if header.get("alg") != ALGORITHM or header.get("typ") not in (VC_TYPE, "vc+sd-jwt"):
        raise SdJwtRejected("malformed")
    if header.get("kid") not in issuer_keys:
        raise SdJwtRejected("unknown_key")
    header, payload = _issuer_payload(parts.jwt, issuer_keys, (ALGORITHM,))
    return _verified(header, payload, parts, issuer=issuer, nonce=nonce, audience=audience, require_kb=require_kb, now=now)


def verify_json(document: dict | str, *, issuer_keys: dict, issuer: str | None = None, nonce: str | None = None,
                audience: str | None = None, require_kb: bool = True, now: float | None = None, algorithms=None) -> Verified:
    """Verify a JSON-serialized (dual-signed) SD-JWT VC as ``verify`` does a compact one, checking the
    signatures of the ``algorithms`` this verifier accepts (default ``QILU_SIGNATURE_ALGORITHMS``):
    a domestic verifier that accepts SM2 alone checks the SM2 signature and passes over the ES256 one."""
    try:
        document = jsondepth.loads(document) if isinstance(document, str) else document
    except ValueError:
        raise SdJwtRejected("malformed") from None
    parts = split(to_compact(document))
    header, payload = _issuer_payload({"payload": document.get("payload"), "signatures": document.get("signatures")},
                                      issuer_keys, signing.accepted(algorithms))
    return _verified(header, payload, parts, issuer=issuer, nonce=nonce, audience=audience, require_kb=require_kb, now=now)


def _verified(header: dict, payload: dict, parts: Parts, *, issuer, nonce, audience, require_kb, now) -> Verified:
    now = time.time() if now is None else now
    if issuer is not None and payload.get("iss") != issuer:
        raise SdJwtRejected("unknown_issuer")
    if isinstance(payload.get("exp"), int) and now >= payload["exp"] + CLOCK_SKEW:
        raise SdJwtRejected("expired")
    if isinstance(payload.get("nbf"), int) and now < payload["nbf"] - CLOCK_SKEW:
        raise SdJwtRejected("not_yet_valid")
    disclosed = _resolve(payload, parts.disclosures)
    if require_kb:
        _check_kb(parts, payload, nonce=nonce, audience=audience, now=now)
    clear = {name: value for name, value in payload.items() if name not in ("_sd", "_sd_alg")}
    return Verified(header=header, claims={**clear, **disclosed}, disclosed=disclosed)


def _check_kb(parts: Parts, payload: dict, *, nonce, audience, now) -> None:
    if not parts.kb_jwt:
        raise SdJwtRejected("key_binding_missing")
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    try:
        holder = ECKey.import_key(payload["cnf"]["jwk"])
    except (KeyError, TypeError, ValueError, JoseError):
        raise SdJwtRejected("malformed") from None
    if holder.is_private:
        raise SdJwtRejected("malformed")
    header = _header(parts.kb_jwt)
    if header.get("typ") != KB_TYPE or header.get("alg") != ALGORITHM:
        raise SdJwtRejected("key_binding_invalid")
    try:
        _, kb = _verify_jws(parts.kb_jwt, holder)
    except SdJwtRejected:
        raise SdJwtRejected("key_binding_invalid") from None
    if kb.get("sd_hash") != b64url(hashlib.sha256(parts.without_kb.encode("ascii")).digest()):
        raise SdJwtRejected("key_binding_invalid")
    if nonce is not None and kb.get("nonce") != nonce:
        raise SdJwtRejected("wrong_nonce")
    if audience is not None and kb.get("aud") != audience:
        raise SdJwtRejected("wrong_audience")
    issued = kb.get("iat")
    if not isinstance(issued, int) or issued > now + CLOCK_SKEW or issued < now - KB_MAX_AGE:
        raise SdJwtRejected("key_binding_stale")
