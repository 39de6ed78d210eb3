"""OpenID for Verifiable Presentations 1.0 as a verifier, for every relying party in the register.

A window, a checkpoint or a bank asks for some fields of one credential type. The request is checked
against the party's registration first: asking for more is refused before any holder sees it. What
the holder's wallet scans is ``openid4vp://?client_id=…&request_uri=…``; the request object behind it
is signed by the platform (the wallet checks it against the published JWKS) and carries a DCQL query
naming the fields, a fresh ``nonce`` and ``response_mode=direct_post``. The wallet posts the SD-JWT VC
presentation with its key-binding JWT to the response URI, where it is checked: issuer signature and
key, every disclosure, the KB-JWT's signature by the ``cnf`` key, its nonce (this request's) and
audience (this party's ``client_id``), every asked field disclosed, and the copy's slot in the
status list. Each request is answered once.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import jsondepth
from core.errors import Forbidden, NotFound
from core.usecases import pure, unchanged, use_case
from credentials import claims, permissions, selectors, signing
from credentials.holders import holder_organisation, holder_user
from credentials.models import Credential, PresentationRequest, RelyingParty
from credentials.openid import oid4vci, sdjwt
from credentials.openid import selectors as openid_selectors
from credentials.openid.protocol import WalletApp
from identity.models import ApiClient, AuditEvent, User
from identity.notices import named, words
from identity.services import audit_record, notice_send

REQUEST_TYPE = "oauth-authz-req+jwt"
# Refusals that come after the holder's device proved itself for this very request (a valid KB-JWT
# with its nonce and audience) with a credential of the asked type: they are the holder's answer and
# close the request. Anything else — another person's credential of another type (wrong_type), a
# presentation made for another request, garbage — could come from anyone who saw the QR at the
# window: it is answered, counted and audited, and the request stays open for the holder.
HOLDER_REFUSALS = frozenset({"missing_claim", "status_unavailable", "credential_suspended", "credential_revoked", "credential_superseded"})
# Error codes a wallet may post instead of a vp_token (OpenID4VP 1.0 §8.5, RFC 6749 §4.1.2.1), kept as the reason.
WALLET_ERRORS = frozenset({"access_denied", "invalid_request", "invalid_client", "invalid_scope", "vp_formats_not_supported",
                           "invalid_request_uri_method", "invalid_transaction_data", "wallet_unavailable"})
REQUEST_TTL = 300
QUERY_ID = "credential"
WALLET_AUDIENCE = "https://self-issued.me/v2"


@pure
def beyond_registration(relying_party: RelyingParty, type_code: str, fields) -> list[str]:
    """The asked fields the party's registration does not allow (all of them for a type it may not ask)."""
    allowed = set(relying_party.allowed.get(type_code, []))
    return sorted(set(fields) - allowed)


@use_case(audit=AuditEvent.Action.PRESENTATION_REQUESTED)
def request_create(*, actor: User | ApiClient, client_id: str, type_code: str, fields: list[str]) -> PresentationRequest:
    relying_party = RelyingParty.objects.filter(client_id=client_id, is_active=True).first()
    if relying_party is None or not permissions.acts_for(actor, relying_party):
        raise NotFound(_("No such relying party among those you act for."), code="not_found")
    ctype = selectors.credential_type_for(type_code)
    known = set(claims.claim_names(ctype))
    fields = sorted(set(fields or []))
    if not fields or set(fields) - known:
        raise ValidationError({"fields": [_("Name one or more of: %(keys)s") % {"keys": ", ".join(sorted(known))}]})
    extra = beyond_registration(relying_party, ctype.code, fields)
    if extra:
        raise Forbidden(_("%(party)s is not registered to ask for: %(fields)s") % {"party": relying_party.name, "fields": ", ".join(extra)},
                        code="beyond_registration")
    request = PresentationRequest.objects.create(
        relying_party=relying_party, requested_by=actor if isinstance(actor, User) else None, credential_type=ctype, fields=fields,
        nonce=secrets.token_urlsafe(24), state=secrets.token_urlsafe(24), expires_at=timezone.now() + dt.timedelta(seconds=REQUEST_TTL),
    )
    audit_record(action=AuditEvent.Action.PRESENTATION_REQUESTED, actor=actor if isinstance(actor, User) else None,
                 actor_description=relying_party.name,  # a person reads it: the public name, not the client id
                 detail={"request": str(request.pk), "credential": ctype.name, "fields": fields})
    return request


@pure
def request_uri(request: PresentationRequest, base: str) -> str:
    return f"{base}/oid4vp/requests/{request.pk}"


@pure
def wallet_uri(request: PresentationRequest, base: str) -> str:
    """What the QR holds (the cross-device flow): the request travels by reference."""
    return f"openid4vp://?client_id={quote(request.relying_party.client_id)}&request_uri={quote(request_uri(request, base), safe='')}"


@pure
def dcql_query(request: PresentationRequest, base: str) -> dict:
    return {"credentials": [{
        "id": QUERY_ID,
        "format": oid4vci.FORMAT,
        "meta": {"vct_values": [claims.vct_for(base, request.credential_type)]},
        "claims": [{"path": [name]} for name in request.fields],
    }]}


@pure
def request_claims(request: PresentationRequest, base: str) -> dict:
    """What the request object says. Every relying party is a pre-registered client (its ``client_id``
    has no ``:`` prefix, OpenID4VP 1.0 §5.9.2): the wallet knows its metadata from the register
    (``credentials.openid.selectors.verifier_metadata``), so the request carries no
    ``client_metadata``."""
    party = request.relying_party
    return {
        "iss": party.client_id,
        "aud": WALLET_AUDIENCE,
        "client_id": party.client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": f"{base}/oid4vp/responses/{request.pk}",
        "nonce": request.nonce,
        "state": request.state,
        "dcql_query": dcql_query(request, base),
        "iat": int(time.time()),
        "exp": int(request.expires_at.timestamp()),
    }


@pure
def request_object(request: PresentationRequest, base: str) -> str:
    """The signed request object (RFC 9101 JAR) the wallet fetches from ``request_uri``, signed with
    the request-object key the register names for every party."""
    return signing.sign_claims(request_claims(request, base), typ=REQUEST_TYPE, purpose=signing.Purpose.REQUEST_OBJECTS)


def _presentation_in(vp_token: str) -> str:
    """The one presentation for our one DCQL query: ``{"credential": ["<SD-JWT+KB>"]}`` (OpenID4VP 1.0)."""
    try:
        parsed = jsondepth.loads(vp_token)
        found = parsed[QUERY_ID]
        found = found[0] if isinstance(found, list) and len(found) == 1 else found
    except (ValueError, KeyError, TypeError, IndexError):
        raise sdjwt.SdJwtRejected("malformed") from None
    if not isinstance(found, str):
        raise sdjwt.SdJwtRejected("malformed")
    return found


class ResponseRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _pending_request(request_id, state: str) -> PresentationRequest:
    """The request, locked, if it still waits for this answer; a replay, an expired request or another
    state is refused and left as it was."""
    request = PresentationRequest.objects.select_for_update().select_related("relying_party", "credential_type").filter(pk=request_id).first()
    if request is None:
        raise NotFound()
    refusal = ("replayed" if request.status != PresentationRequest.Status.PENDING
               else "request_expired" if request.expires_at <= timezone.now()
               else "wrong_state" if state != request.state else "")
    if refusal:
        unchanged()
        raise ResponseRefused(refusal)
    return request


def _record_answer(request: PresentationRequest, checked, credential: Credential | None) -> None:
    """Only the holder closes a request (a valid presentation or a holder's refusal); every other
    answer is counted and leaves it open."""
    request.reason = checked.reason
    if checked.valid or checked.reason in HOLDER_REFUSALS:
        request.status = PresentationRequest.Status.VERIFIED if checked.valid else PresentationRequest.Status.REFUSED
        request.credential = credential
        request.holder_index = credential.holder_index if credential else ""
        request.disclosed_json = json.dumps(checked.disclosed, ensure_ascii=False)
        request.answered_at = timezone.now()
    if not checked.valid:
        request.attempts += 1
    request.save()


def _tell_holder(holder, request: PresentationRequest) -> None:
    party = request.relying_party
    labels = {key: named(zh=zh, en=en) for key, zh, en in claims.labelled_claims(request.credential_type)}
    seen = [labels.get(key, named(zh=key)) for key in request.fields]
    notice_send(user=holder, kind="credential_presented",
                title=words(gettext_lazy("%(party)s saw %(fields)s of your %(type)s"), party=named(party), fields=seen,
                            type=named(request.credential_type)),
                url="/wallet/checks/")


@use_case(audit=AuditEvent.Action.PRESENTATION_ANSWERED)
def response_accept(*, actor: WalletApp, request_id, vp_token: str, state: str, base: str, error: str = "") -> PresentationRequest:
    """The wallet's ``direct_post``. A request already answered or expired is refused and left as it
    was (a replay). Only the holder closes a request: a valid presentation, or one the holder's device
    signed for this request with a credential of the asked type that fails on content or status (the
    holder's refusal). Any other refusal is counted and the request stays open however many come (the
    QR is on show: a bystander must not be able to spoil it; the request expires on its own). A
    wallet's error response (``error``, e.g. ``access_denied``: the person declined on their phone)
    is recorded the same way: it proves nothing about who sent it, so it leaves the request open.
    Every attempt is audited; the holder's "who used my data" shows those made with their copy."""
    request = _pending_request(request_id, state)
    try:
        if error:
            raise sdjwt.SdJwtRejected(error if error in WALLET_ERRORS else "wallet_error")
        checked = openid_selectors.presentation_check(_presentation_in(vp_token), request=request, base=base)
    except sdjwt.SdJwtRejected as exc:
        checked = openid_selectors.Checked(valid=False, reason=exc.reason, disclosed={}, credential_id=None)
    credential = Credential.objects.filter(pk=checked.credential_id).first() if checked.credential_id else None
    _record_answer(request, checked, credential)
    party = request.relying_party
    holder = holder_user(credential) if credential else None
    audit_record(action=AuditEvent.Action.PRESENTATION_ANSWERED, subject=holder, subject_organisation=holder_organisation(credential) if credential else None,
                 actor_description=party.name,  # the holder reads it in "who used my data": the public name
                 purpose=party.purpose, detail={"request": str(request.pk), "credential": request.credential_type.name,
                                                "fields": request.fields if checked.valid else [], "valid": checked.valid,
                                                "reason": checked.reason, "wallet": actor.description})
    if holder is not None and checked.valid:
        _tell_holder(holder, request)
    return request  # the view answers by status and reason (raising would roll the attempt back)
