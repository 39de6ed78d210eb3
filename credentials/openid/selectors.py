"""Reads of the open-standards code: the metadata documents (issuer, authorization server, type
metadata, issuer keys), a verifier's registration as a wallet reads it, the request a wallet may
fetch, the grant an access token carries, the signed status lists as published, and the verifier's
check of a presentation. They change nothing a person or a later request could see: a status list
token is cached (a copy of what the database says, signed) and rebuilt when a credential's status
changes."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone

from core.errors import NotFound
from credentials import selectors, signing
from credentials.claims import labelled_claims, vct_for
from credentials.models import Credential, CredentialType, PresentationRequest, StatusList, StatusSlot
from credentials.openid import sdjwt, statuslist
from credentials.openid.protocol import ACCESS_TOKEN_TYPE, BATCH, FORMAT, PRE_AUTHORIZED_GRANT, Grant, OAuthError
from identity.models import User

# --- the metadata documents ------------------------------------------------------------------------


def _display(name: str, name_en: str, key: str = "name") -> list[dict]:
    return [{key: name, "locale": "zh-CN"}, {key: name_en or name, "locale": "en"}]


def type_metadata(base: str, ctype: CredentialType) -> dict:
    """SD-JWT VC type metadata for one credential type, published at its ``vct`` URL."""
    return {
        "vct": vct_for(base, ctype),
        "name": ctype.name,
        "description": f"{ctype.name} · {ctype.department.name}",
        "display": _display(ctype.name, ctype.name_en),
        "claims": [{"path": [name], "display": _display(zh, en, "label"), "sd": "always"} for name, zh, en in labelled_claims(ctype)],
    }


def issuer_metadata(base: str) -> dict:
    """``/.well-known/openid-credential-issuer``: one SD-JWT VC configuration per credential type."""
    configurations = {}
    for ctype in selectors.credential_types():
        configurations[ctype.code] = {
            "format": FORMAT,
            "vct": vct_for(base, ctype),
            "scope": ctype.code,
            "cryptographic_binding_methods_supported": ["jwk"],
            "credential_signing_alg_values_supported": [sdjwt.ALGORITHM],
            "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": [sdjwt.ALGORITHM]}},
            "credential_metadata": {
                "display": [{**item, "background_color": ctype.colour} for item in _display(ctype.name, ctype.name_en)],
                "claims": [{"path": [name], "display": _display(zh, en)} for name, zh, en in labelled_claims(ctype)],
            },
        }
    return {
        "credential_issuer": base,
        "authorization_servers": [base],
        "credential_endpoint": f"{base}/oid4vci/credential",
        "nonce_endpoint": f"{base}/oid4vci/nonce",
        "batch_credential_issuance": {"batch_size": BATCH},
        "display": _display("爱山东 · 齐鲁", "Qilu (Shandong government services)"),
        "credential_configurations_supported": configurations,
    }


def authorization_server_metadata(base: str) -> dict:
    """``/.well-known/oauth-authorization-server`` (RFC 8414)."""
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oid4vci/authorize",
        "token_endpoint": f"{base}/oid4vci/token",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", PRE_AUTHORIZED_GRANT],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
        "scopes_supported": [ctype.code for ctype in selectors.credential_types()],
    }


def jwt_vc_issuer(base: str) -> dict:
    """``/.well-known/jwt-vc-issuer`` (SD-JWT VC §5): the keys an SD-JWT VC verifier needs (the
    credentials' and the status lists'), inline."""
    return {"issuer": base, "jwks": signing.jwks(purposes=(signing.Purpose.CREDENTIALS, signing.Purpose.STATUS_LISTS))}


# --- the verifier register, as a wallet reads it ------------------------------------------------------


def verifier_metadata(party) -> dict:
    """What a wallet knows of a pre-registered relying party out of band (OpenID4VP 1.0 §5.9.2; the
    register is that band): its public name, the keys that sign its request objects and their
    algorithm, the response mode and formats it uses. Request objects carry none of it."""
    return {
        "client_id": party.client_id,
        "client_name": party.local_name,
        "jwks": signing.jwks(purposes=(signing.Purpose.REQUEST_OBJECTS,)),
        "request_object_signing_alg": signing.ALGORITHM,
        "response_modes": ["direct_post"],
        "vp_formats_supported": {FORMAT: {"sd-jwt_alg_values": [sdjwt.ALGORITHM], "kb-jwt_alg_values": [sdjwt.ALGORITHM]}},
    }


def pending_request(pk) -> PresentationRequest:
    """An OpenID4VP request a wallet may still fetch: pending and not expired (anyone with the QR may)."""
    found = (PresentationRequest.objects.select_related("relying_party", "credential_type")
             .filter(pk=pk, status=PresentationRequest.Status.PENDING, expires_at__gt=timezone.now()).first())
    if found is None:
        raise NotFound()
    return found


# --- access tokens ---------------------------------------------------------------------------------


def grant_from_token(header: str) -> tuple[Grant, User]:
    """The grant an ``Authorization: Bearer`` access token carries, and its holder, still active."""
    scheme, _sep, token = (header or "").partition(" ")
    try:
        claims = signing.verify(token.strip(), kind=ACCESS_TOKEN_TYPE, purpose=signing.Purpose.ACCESS_TOKENS) if scheme == "Bearer" else None
    except signing.SignatureRejected:
        claims = None
    if not claims:
        raise OAuthError("invalid_token", "A valid access token is required.")
    grant = Grant(user_id=int(claims["sub"]), credentials=list(claims.get("cred", [])), token_id=str(claims.get("jti", "")))
    user = User.objects.filter(pk=grant.user_id, is_active=True).first()
    if user is None:
        raise OAuthError("invalid_token", "The access token's holder is gone.")
    return grant, user


# --- status lists ----------------------------------------------------------------------------------


def status_values(list_id: int) -> dict[int, int]:
    """Every slot of the list that is not valid, with its value."""
    withdrawn = (StatusSlot.objects.filter(status_list_id=list_id)
                 .filter(Q(credential__status__in=[Credential.Status.REVOKED, Credential.Status.SUSPENDED, Credential.Status.SUPERSEDED])
                         | Q(revision__lt=F("credential__revision")))
                 .values_list("index", "credential__status", "revision", "credential__revision"))
    values = {}
    for index, status, revision, current in withdrawn:
        if status == Credential.Status.SUPERSEDED:
            values[index] = statuslist.SUPERSEDED
        else:
            values[index] = statuslist.SUSPENDED if status == Credential.Status.SUSPENDED and revision == current else statuslist.INVALID
    return values


def status_list_token(list_id: int, *, uri: str, cosigned: bool = False) -> str | None:
    """The signed status list token for ``uri``; None for a list that does not exist. With
    ``cosigned`` and SM2 co-signatures on, the JWS JSON General form with both signatures."""
    version = cache.get(statuslist.version_key(list_id)) or 0
    key = f"statuslist:{list_id}:{version}:{int(cosigned)}:{uri}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    status_list = StatusList.objects.filter(pk=list_id).first()
    if status_list is None:
        return None
    lst = sdjwt.b64url(statuslist.encode(status_values(list_id), size=status_list.size, bits=status_list.bits))
    now = int(time.time())
    signed = signing.sign_claims({"sub": uri, "iat": now, "exp": now + statuslist.LIFETIME, "ttl": statuslist.TTL,
                                  "status_list": {"bits": status_list.bits, "lst": lst}}, typ=statuslist.TYPE, purpose=signing.Purpose.STATUS_LISTS,
                                 cosign=cosigned)
    cache.set(key, signed, timeout=statuslist.TTL)
    return signed


# --- a presentation, as the verifier checks it -------------------------------------------------------------


@dataclass
class Checked:
    valid: bool
    reason: str
    disclosed: dict
    credential_id: int | None  # the presented copy's credential, from its status slot


def presentation_check(token: str, *, request: PresentationRequest, base: str) -> Checked:
    """Everything but the request's own state. The cryptography and the status read need only the
    key ring and the cached status list (an offline verifier runs the same ``sdjwt.verify`` and
    ``statuslist.read`` with the published JWKS); the one database read is the copy's slot, to tell
    the holder who saw their data."""
    ring = signing.keyring()
    try:
        verified = sdjwt.verify(token, issuer_keys=ring.public, issuer=base, nonce=request.nonce, audience=request.relying_party.client_id)
        if verified.claims.get("vct") != vct_for(base, request.credential_type):
            raise sdjwt.SdJwtRejected("wrong_type")
        if any(name not in verified.disclosed for name in request.fields):
            raise sdjwt.SdJwtRejected("missing_claim")
        uri, list_id, index = _status_pointer(verified.claims, base)
        value = statuslist.read(status_list_token(list_id, uri=uri, cosigned=signing.cosigning()) or "", uri=uri, index=index, keys=ring.public)
    except sdjwt.SdJwtRejected as exc:
        return Checked(valid=False, reason=exc.reason, disclosed={}, credential_id=None)
    credential_id = StatusSlot.objects.filter(status_list_id=list_id, index=index).values_list("credential_id", flat=True).first()
    if value != statuslist.VALID:
        reason = {statuslist.SUSPENDED: "credential_suspended", statuslist.SUPERSEDED: "credential_superseded"}.get(value, "credential_revoked")
        return Checked(valid=False, reason=reason, disclosed={}, credential_id=credential_id)
    return Checked(valid=True, reason="valid", disclosed={name: verified.disclosed[name] for name in request.fields}, credential_id=credential_id)


def _status_pointer(claims: dict, base: str) -> tuple[str, int, int]:
    """The copy's status list URI (one of ours), that list's id, and the copy's index in it."""
    try:
        pointer = claims["status"]["status_list"]
        uri, index = pointer["uri"], pointer["idx"]
        list_id = uri.removeprefix(f"{base}/status-lists/")
    except (KeyError, TypeError, AttributeError):
        raise sdjwt.SdJwtRejected("status_unavailable") from None
    if not isinstance(index, int) or list_id == uri or not (list_id.isascii() and list_id.isdigit()):
        raise sdjwt.SdJwtRejected("status_unavailable")
    return uri, int(list_id), index
