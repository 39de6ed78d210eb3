"""OpenID for Verifiable Credential Issuance 1.0: the platform issues each credential type as an IETF
SD-JWT VC to a wallet on the holder's device.

Two ways in, both ending at the token endpoint:

* **pre-authorized code**: the signed-in holder asks for an offer (portal wallet page or the API); the
  offer (a QR) carries the code, and a six-digit transaction code shown beside it must come with it;
* **authorization code with PKCE (S256)**: a registered wallet app (``QILU_WALLET_CLIENTS``) sends the
  holder to ``/oid4vci/authorize``; they sign in and agree.

The access token is short-lived and names the credentials it may fetch. The wallet fetches a fresh
``c_nonce``, proves possession of one device key per copy with a JWT proof, and receives up to
``BATCH`` copies at once, each with its own key, salts and status slot, so two verifiers who see two
copies cannot tell they are one person's (RFC 9901 §10.1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import jsondepth, quotas, ratelimits
from core.errors import Conflict, NotFound
from core.origins import request_origin
from core.usecases import pure, use_case
from credentials import selectors, signing
from credentials.claims import vct_for
from credentials.holders import holder_organisation, holder_user
from credentials.models import Credential, CredentialOffer
from credentials.openid import sdjwt, slots
from credentials.openid.protocol import (  # noqa: F401  the protocol's vocabulary, re-exported where it is used
    ACCESS_TOKEN_TYPE,
    BATCH,
    CODE_TTL,
    COPY_DAYS,
    FORMAT,
    NONCE_TTL,
    OFFER_TTL,
    PRE_AUTHORIZED_GRANT,
    PROOF_MAX_AGE,
    PROOF_TYPE,
    TOKEN_TTL,
    TX_ATTEMPTS,
    Grant,
    OAuthError,
    WalletApp,
)
from credentials.permissions import may_present
from identity.models import AuditEvent, User
from identity.services import audit_record

if TYPE_CHECKING:
    from joserfc.jwk import ECKey  # joserfc loads with a wallet's proof, not in every web worker at start

# --- who we are --------------------------------------------------------------------------------


@pure
def public_url(request) -> str:
    """This platform's origin as issuer and verifier (``core.origins`` owns the rule)."""
    return request_origin(request)


# --- offers ------------------------------------------------------------------------------------


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class Offer:
    offer: CredentialOffer
    code: str
    tx_code: str

    def as_object(self, base: str) -> dict:
        return {
            "credential_issuer": base,
            "credential_configuration_ids": [self.offer.credential.type.code],
            "grants": {PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": self.code,
                "tx_code": {"input_mode": "numeric", "length": len(self.tx_code), "description": _("Enter the code shown beside the QR")},
            }},
        }

    def uri(self, base: str) -> str:
        return "openid-credential-offer://?credential_offer=" + quote(json.dumps(self.as_object(base), separators=(",", ":"), ensure_ascii=False))


@use_case(audit=AuditEvent.Action.WALLET_OFFER)
def offer_create(*, actor: User, credential: Credential) -> Offer:
    """An offer of ``credential`` to the holder's own wallet app, for ten minutes."""
    if not may_present(actor, credential):  # the holder; for an organisation's licence, who may present it
        raise NotFound()
    status = credential.effective_status()
    if status != Credential.Status.VALID:
        raise Conflict(_("This credential is %(status)s and cannot be added to a wallet.") % {"status": credential.get_effective_status_display()},
                       code=f"credential_{status}")
    code, tx_code = secrets.token_urlsafe(32), f"{secrets.randbelow(10**6):06d}"
    offer = CredentialOffer.objects.create(holder=actor, credential=credential, code_hash=_hash(code), tx_code_hash=_hash(tx_code),
                                           expires_at=timezone.now() + dt.timedelta(seconds=OFFER_TTL))
    audit_record(action=AuditEvent.Action.WALLET_OFFER, actor=actor, subject=holder_user(credential), subject_organisation=holder_organisation(credential),
                 detail={"credential": credential.type.name, "identifier": credential.identifier, "flow": "pre-authorized_code"})
    return Offer(offer=offer, code=code, tx_code=tx_code)


# --- tokens ------------------------------------------------------------------------------------


@use_case(audit=AuditEvent.Action.WALLET_OFFER)
def pre_authorized_redeem(*, actor: WalletApp, code: str, tx_code: str) -> Grant:
    """Exchange an offer's code (and its transaction code) for an access token: once. Every offer
    carries a transaction code, so a request without one is malformed (``invalid_request``, OpenID4VCI
    1.0 §6.3) and uses up no try; every try is counted in Redis before the code is compared (outside the
    transaction a refusal rolls back), the sixth is refused (``invalid_grant``), and with Redis away no
    code is compared (``server_error``, 503)."""
    offer = CredentialOffer.objects.select_for_update().select_related("credential__type").filter(code_hash=_hash(code or "")).first()
    if offer is None or offer.redeemed_at is not None or offer.expires_at <= timezone.now():
        raise OAuthError("invalid_grant", "The offer is unknown, used or expired.")
    if not tx_code:
        raise OAuthError("invalid_request", "This offer needs its transaction code (tx_code).")
    try:  # the try is counted before the code is compared; uncounted, it is not answered (core.ratelimits: CLOSED)
        tries = ratelimits.count(f"vci-offer-attempts:{offer.pk}", OFFER_TTL)
    except ratelimits.Unavailable:
        raise OAuthError("server_error", "Transaction codes cannot be checked just now: try again in a minute.") from None
    if tries > TX_ATTEMPTS:
        raise OAuthError("invalid_grant", "Too many wrong transaction codes: ask for a new offer.")
    if not hmac.compare_digest(offer.tx_code_hash, _hash(tx_code or "")):
        raise OAuthError("invalid_grant", "Wrong transaction code.")
    offer.redeemed_at = timezone.now()
    offer.save(update_fields=["redeemed_at"])
    audit_record(action=AuditEvent.Action.WALLET_OFFER, actor=offer.holder, subject=holder_user(offer.credential),
                 subject_organisation=holder_organisation(offer.credential), actor_description=actor.description,
                 detail={"credential": offer.credential.type.name, "identifier": offer.credential.identifier, "flow": "token"})
    return Grant(user_id=offer.holder_id, credentials=[offer.credential.identifier])


def _wallet_client(client_id: str) -> dict:
    """A registered wallet app: ``{"name", "name_en", "redirect_uris"}``, or the older bare list of redirect URIs."""
    entry = settings.QILU_WALLET_CLIENTS.get(client_id or "", {})
    return {"redirect_uris": entry} if isinstance(entry, list) else entry


@pure
def client_redirects(client_id: str) -> list[str]:
    return list(_wallet_client(client_id).get("redirect_uris", []))


@pure
def client_name(client_id: str) -> str:
    """The public name a person knows a registered wallet app by, in the active language; never its
    ``client_id`` (an entry registered without a name reads as "a registered wallet app")."""
    entry = _wallet_client(client_id)
    english = translation.get_language() == "en" and entry.get("name_en")
    return english or entry.get("name") or _("已登记的钱包应用")


@use_case(audit=AuditEvent.Action.WALLET_OFFER)
def authorization_approve(*, actor: User, client_id: str, redirect_uri: str, code_challenge: str, type_codes: list[str]) -> str:
    """The holder agreed that the wallet app ``client_id`` may fetch their credentials of
    ``type_codes``: a one-time code for two minutes, bound to the PKCE challenge."""
    if redirect_uri not in client_redirects(client_id):
        raise OAuthError("invalid_client", "Unknown wallet or redirect URI.")
    held = [credential for credential in selectors.wallet_for(actor).filter(type__code__in=type_codes)
            if credential.effective_status() == Credential.Status.VALID]
    if not held:
        raise NotFound(_("You hold no valid credential of this type."), code="not_found")
    code = secrets.token_urlsafe(32)
    granted = {"user": actor.pk, "client_id": client_id, "redirect_uri": redirect_uri, "challenge": code_challenge,
               "credentials": [credential.identifier for credential in held]}
    transaction.on_commit(lambda: cache.set(f"vci-code:{_hash(code)}", granted, CODE_TTL))  # usable once the grant is on record
    audit_record(action=AuditEvent.Action.WALLET_OFFER, actor=actor, subject=actor, actor_description=client_id[:64],
                 detail={"credentials": [credential.type.name for credential in held], "flow": "authorization_code"})
    return code


@use_case(audit=AuditEvent.Action.WALLET_OFFER)
def authorization_code_redeem(*, actor: WalletApp, code: str, code_verifier: str, redirect_uri: str) -> Grant:
    """Exchange an authorization code: once (the code is spent whatever follows), by the wallet it
    was issued to (``actor.description`` is the ``client_id`` it sent), with the PKCE verifier."""
    key = f"vci-code:{_hash(code or '')}"
    granted = cache.get(key)
    if granted is None or not cache.delete(key):
        raise OAuthError("invalid_grant", "The code is unknown, used or expired.")
    challenge = sdjwt.b64url(hashlib.sha256((code_verifier or "").encode()).digest())
    if (granted["client_id"] != actor.description or granted["redirect_uri"] != redirect_uri
            or not hmac.compare_digest(challenge, granted["challenge"])):
        raise OAuthError("invalid_grant", "The code was issued to another client, redirect URI or PKCE challenge.")
    holder = User.objects.filter(pk=granted["user"]).first()
    audit_record(action=AuditEvent.Action.WALLET_OFFER, actor=holder, subject=holder, actor_description=actor.description,
                 detail={"credentials": len(granted["credentials"]), "flow": "token"})
    return Grant(user_id=granted["user"], credentials=granted["credentials"])


# --- nonces and proofs ---------------------------------------------------------------------------


@use_case(audit=AuditEvent.Action.WALLET_OFFER)
def nonce_create(*, actor: WalletApp) -> str:
    """A fresh ``c_nonce`` for the proofs of one credential request, usable once for ``NONCE_TTL``
    seconds. Anyone may ask (a wallet asks before it has a token), so each address may ask for
    ``nonces`` (``core.quotas``) a minute."""
    quotas.take("nonces", actor.address or "unknown")
    nonce = secrets.token_urlsafe(24)
    cache.set(f"vci-nonce:{nonce}", 1, NONCE_TTL)
    audit_record(action=AuditEvent.Action.WALLET_OFFER, actor_description=actor.description, detail={"flow": "c_nonce"})
    return nonce


def _proof_key(proof: str, *, audience: str, now: float) -> tuple[ECKey, str]:
    """The device key a JWT proof carries, once its signature, type, audience and age check out;
    returns the key and the proof's nonce."""
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    try:
        header = jws.extract_compact(proof.encode("ascii")).headers()
        if header.get("typ") != PROOF_TYPE or header.get("alg") != sdjwt.ALGORITHM or "jwk" not in header:
            raise ValueError("header")
        key = ECKey.import_key(header["jwk"])
        if key.is_private:
            raise ValueError("a private key")
        payload = jsondepth.loads(jws.deserialize_compact(proof, key, algorithms=[sdjwt.ALGORITHM]).payload)
    except (JoseError, ValueError, TypeError, UnicodeError) as exc:
        raise OAuthError("invalid_proof", f"The proof is not a valid {PROOF_TYPE} JWT signed by the key in its header ({exc}).") from None
    if payload.get("aud") != audience:
        raise OAuthError("invalid_proof", "The proof's aud is not this credential issuer.")
    issued = payload.get("iat")
    if not isinstance(issued, int) or not now - PROOF_MAX_AGE <= issued <= now + sdjwt.CLOCK_SKEW:
        raise OAuthError("invalid_proof", "The proof's iat is missing or not recent.")
    if not isinstance(payload.get("nonce"), str) or not payload["nonce"]:
        # A proof without c_nonce is an invalid proof; a c_nonce that is unknown or spent is invalid_nonce (1.0 §8.3.1.2).
        raise OAuthError("invalid_proof", "The proof carries no nonce: fetch a c_nonce from the nonce endpoint and sign it.")
    return key, payload["nonce"]


# --- the credential ------------------------------------------------------------------------------


def _disclosable(credential: Credential) -> dict:
    values = {"holder_name": credential.holder_name, "holder_number": credential.holder_number,
              "issued_on": credential.issued_on.isoformat()}
    if credential.expires_on:
        values["expires_on"] = credential.expires_on.isoformat()
    fields = credential.fields
    values.update({spec["key"]: fields[spec["key"]] for spec in credential.type.field_schema if spec["key"] in fields})
    return values


def _copy(credential: Credential, *, base: str, holder: ECKey, now: int) -> str:
    slot = slots.allocate(credential=credential, holder_key=holder.thumbprint())
    # iat is rounded to the hour, shared with everyone issued that hour: it cannot link copies.
    issued = now - now % 3600
    expires = issued + COPY_DAYS * 86400
    if credential.expires_on:
        end = int(dt.datetime.combine(credential.expires_on + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC).timestamp())
        expires = min(expires, end)
    claims = {"iss": base, "iat": issued, "exp": expires, "vct": vct_for(base, credential.type),
              "cnf": {"jwk": holder.as_dict(private=False)},
              "status": {"status_list": {"idx": slot.index, "uri": f"{base}/status-lists/{slot.status_list_id}"}}}
    kid, key = signing.keyring().signing or (None, None)
    if key is None:
        raise OAuthError("server_error", "Signing is not available right now.")
    return sdjwt.issue(claims, _disclosable(credential), key=key, kid=kid)


@use_case(audit=AuditEvent.Action.WALLET_ISSUED)
def credential_deliver(*, actor: User, grant: Grant, configuration_id: str, proofs: list[str], base: str) -> list[str]:
    """Issue one SD-JWT VC copy of the granted credential of ``configuration_id`` per JWT proof (one
    device key each), after the proofs' common ``c_nonce`` is spent. One access token fetches at most
    ``credential_copies`` (``core.quotas``) copies an hour."""
    if not isinstance(proofs, list) or not proofs or not all(isinstance(item, str) for item in proofs):
        raise OAuthError("invalid_proof", f"Send 1 to {BATCH} JWT proofs in proofs.jwt.")  # a missing proofs is an invalid proof (1.0 §8.3.1.2)
    if len(proofs) > BATCH:
        raise OAuthError("invalid_credential_request", f"Send 1 to {BATCH} JWT proofs in proofs.jwt: more than the batch size.")
    credential = (Credential.objects.select_related("type__department").filter(identifier__in=grant.credentials, type__code=configuration_id)
                  .order_by("-issued_on").first())
    if credential is None or not may_present(actor, credential):
        raise OAuthError("unknown_credential_configuration", "This access token grants no credential of that configuration.")
    if credential.effective_status() != Credential.Status.VALID:
        raise OAuthError("credential_request_denied", f"The credential is {credential.effective_status()}.")
    now = time.time()
    checked = [_proof_key(proof, audience=base, now=now) for proof in proofs]
    for _proof in proofs:  # copies are counted per access token (``credential_copies``, core.quotas)
        quotas.take("credential_copies", grant.token_id or f"user-{actor.pk}")
    nonces = {nonce for _key, nonce in checked}
    if len(nonces) != 1 or not cache.delete(f"vci-nonce:{nonces.pop()}"):
        raise OAuthError("invalid_nonce", "Fetch a fresh c_nonce from the nonce endpoint and sign it in every proof.")
    if len({key.thumbprint() for key, _nonce in checked}) != len(checked):
        raise OAuthError("invalid_proof", "Each copy needs its own device key.")
    copies = [_copy(credential, base=base, holder=key, now=int(now)) for key, _nonce in checked]
    audit_record(action=AuditEvent.Action.WALLET_ISSUED, actor=actor, subject=holder_user(credential),
                 subject_organisation=holder_organisation(credential),
                 detail={"credential": credential.type.name, "identifier": credential.identifier, "copies": len(copies), "format": FORMAT})
    return copies
