"""The open-standard endpoints, in the shapes their specifications fix (not our /api/v1 envelope):
issuer and authorization-server metadata, SD-JWT VC type metadata and issuer keys, status lists,
OpenID4VCI's token, nonce and credential endpoints, and OpenID4VP's request and response URIs."""

from __future__ import annotations

import functools
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core import jsondepth
from core.errors import DomainError, NotFound
from core.web import refusal
from credentials import selectors, signing
from credentials.models import PresentationRequest
from credentials.openid import oid4vci, oid4vp, statuslist
from credentials.openid import selectors as openid_selectors
from credentials.openid.protocol import CORS

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _json(data: dict, *, status: int = 200, cache: str = "no-store") -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = cache
    return response


# The protocol's error codes → HTTP status (RFC 6749 §5.2 and RFC 6750 §3.1: 400 unless named here).
OAUTH_STATUS = {"invalid_token": 401, "invalid_client": 401, "server_error": 503}


def _refused(exc: DomainError) -> JsonResponse:
    """A domain refusal at a protocol endpoint, in the protocol's error shape (429 with Retry-After
    for a quota)."""
    refused = refusal(exc)
    response = _json({"error": "too_many_requests" if refused.status == 429 else "invalid_request", "error_description": refused.code},
                     status=refused.status)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _oauth_error(exc: oid4vci.OAuthError) -> JsonResponse:
    status = OAUTH_STATUS.get(exc.error, 400)
    response = _json({"error": exc.error, "error_description": exc.description}, status=status)
    if exc.error == "invalid_token":
        response["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return response


PUBLIC = "public, max-age=300"


def public_document(view):
    """A public document a verifier or wallet running in a browser must be able to read from any
    origin (metadata, keys, type metadata, status lists): GET (and HEAD) with ``Access-Control-Allow-
    Origin: *``, and an OPTIONS preflight answered here. No cookies are read or sent for it."""

    @functools.wraps(view)
    def serve(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Headers"] = request.headers.get("Access-Control-Request-Headers", "Accept")
        else:
            try:
                response = view(request, *args, **kwargs)
            except (Http404, NotFound):
                response = _json({"error": "not_found", "error_description": "No such document."}, status=404)
        for name, value in CORS.items():
            response[name] = value
        return response

    return require_http_methods(["GET", "HEAD", "OPTIONS"])(serve)


@public_document
def credential_issuer(request):
    return _json(openid_selectors.issuer_metadata(oid4vci.public_url(request)), cache=PUBLIC)


@public_document
def authorization_server(request):
    return _json(openid_selectors.authorization_server_metadata(oid4vci.public_url(request)), cache=PUBLIC)


@public_document
def jwt_vc_issuer(request):
    return _json(openid_selectors.jwt_vc_issuer(oid4vci.public_url(request)), cache="public, max-age=60")


@public_document
def type_metadata(request, code: str):
    ctype = selectors.credential_type_for(code)
    return _json(openid_selectors.type_metadata(oid4vci.public_url(request), ctype), cache=PUBLIC)


@public_document
def status_list(request, list_id: int):
    """The signed list: a compact ES256 JWT (``application/statuslist+jwt``, what wallets read); with SM2
    co-signatures on, a client that asks for ``application/jose+json`` gets the JWS JSON General
    Serialization with the ES256 and SM2 signatures."""
    uri = f"{oid4vci.public_url(request)}/status-lists/{list_id}"
    dual = statuslist.JSON_TYPE in request.headers.get("Accept", "") and signing.cosigning()
    signed = openid_selectors.status_list_token(list_id, uri=uri, cosigned=dual)
    if signed is None:
        raise NotFound()
    response = HttpResponse(signed, content_type=statuslist.JSON_TYPE if dual else "application/statuslist+jwt")
    response["Cache-Control"] = f"public, max-age={statuslist.TTL}"
    response["Vary"] = "Accept"
    return response


@public_document
def well_known_unknown(request, rest: str = ""):
    """Any other ``/.well-known/`` path: a JSON 404, never the portal's HTML page (a wallet probing
    for optional metadata reads the answer as JSON)."""
    raise NotFound()


# --- OpenID4VCI -------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def nonce(request):
    try:
        nonce = oid4vci.nonce_create(actor=oid4vci.WalletApp(request.headers.get("User-Agent", ""), address=request.client_ip or ""))
    except DomainError as exc:  # quotas.TooMany: this address asked for too many
        return _refused(exc)
    return _json({"c_nonce": nonce, "c_nonce_expires_in": oid4vci.NONCE_TTL})


@csrf_exempt
@require_POST
def token(request):
    grant_type = request.POST.get("grant_type", "")
    try:
        if grant_type == oid4vci.PRE_AUTHORIZED_GRANT:
            grant = oid4vci.pre_authorized_redeem(actor=oid4vci.WalletApp(request.POST.get("client_id", "")),
                                                  code=request.POST.get("pre-authorized_code", ""), tx_code=request.POST.get("tx_code", ""))
        elif grant_type == "authorization_code":
            grant = oid4vci.authorization_code_redeem(actor=oid4vci.WalletApp(request.POST.get("client_id", "")), code=request.POST.get("code", ""),
                                                      code_verifier=request.POST.get("code_verifier", ""), redirect_uri=request.POST.get("redirect_uri", ""))
        else:
            raise oid4vci.OAuthError("unsupported_grant_type", "Use the pre-authorized code or the authorization code grant.")
    except oid4vci.OAuthError as exc:
        return _oauth_error(exc)
    return _json(grant.response())


@csrf_exempt
@require_POST
def credential(request):
    try:
        grant, user = openid_selectors.grant_from_token(request.headers.get("Authorization", ""))
        try:
            body = jsondepth.loads(request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("credential_configuration_id"), str):
            raise oid4vci.OAuthError("invalid_credential_request", "Send JSON with credential_configuration_id and proofs.")
        if "credential_identifier" in body:  # one or the other, never both (OpenID4VCI 1.0 §8.2)
            raise oid4vci.OAuthError("invalid_credential_request", "Send credential_configuration_id or credential_identifier, not both.")
        proofs = body["proofs"].get("jwt") if isinstance(body.get("proofs"), dict) else None
        copies = oid4vci.credential_deliver(actor=user, grant=grant, configuration_id=body["credential_configuration_id"], proofs=proofs,
                                            base=oid4vci.public_url(request))
    except oid4vci.OAuthError as exc:
        return _oauth_error(exc)
    except DomainError as exc:  # quotas.TooMany: this access token fetched its copies
        return _refused(exc)
    return _json({"credentials": [{"credential": copy} for copy in copies]})


class _AppRedirect(HttpResponseRedirect):
    """A redirect to a registered wallet's URI, whose scheme may be the app's own (``qilu://``)."""

    def __init__(self, url: str):
        self.allowed_schemes = [*HttpResponseRedirect.allowed_schemes, urlsplit(url).scheme]
        super().__init__(url)


@login_required
@require_http_methods(["GET", "POST"])
def authorize(request):
    """The authorization-code flow's page: the signed-in holder sees which wallet asks for which of
    their credentials, and agrees or declines."""
    params = request.POST if request.method == "POST" else request.GET
    client_id, redirect_uri, state = params.get("client_id", ""), params.get("redirect_uri", ""), params.get("state", "")
    if redirect_uri not in oid4vci.client_redirects(client_id):
        return render(request, "credentials/authorize.html", {"error": "invalid_client"}, status=400)
    type_codes = [code for code in params.get("scope", "").split() if code]
    try:
        details = jsondepth.loads(params.get("authorization_details") or "[]")
        type_codes += [item["credential_configuration_id"] for item in details if item.get("type") == "openid_credential"]
    except (ValueError, TypeError, KeyError, AttributeError):
        pass

    def back(**answer):
        query = urlencode({**answer, "state": state, "iss": oid4vci.public_url(request)})
        return _AppRedirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")

    if params.get("response_type") != "code" or params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        return back(error="invalid_request", error_description="response_type=code with a S256 code_challenge is required")
    held = [item for item in selectors.wallet_for(request.user).filter(type__code__in=type_codes)]
    if request.method == "POST":
        if request.POST.get("decision") != "allow":
            return back(error="access_denied")
        try:
            code = oid4vci.authorization_approve(actor=request.user, client_id=client_id, redirect_uri=redirect_uri,
                                                 code_challenge=params["code_challenge"], type_codes=type_codes)
        except (DomainError, oid4vci.OAuthError):
            return back(error="access_denied", error_description="no valid credential of the asked type")
        return back(code=code)
    return render(request, "credentials/authorize.html", {"client_name": oid4vci.client_name(client_id), "held": held, "params": params.items()})


# --- OpenID4VP ----------------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def presentation_request(request, pk):
    found = openid_selectors.pending_request(pk)
    response = HttpResponse(oid4vp.request_object(found, oid4vci.public_url(request)), content_type="application/oauth-authz-req+jwt")
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def presentation_response(request, pk):
    try:
        declined = "" if request.POST.get("vp_token") else request.POST.get("error", "")[:40]
        answered = oid4vp.response_accept(actor=oid4vci.WalletApp(request.headers.get("User-Agent", "")), request_id=pk,
                                          vp_token=request.POST.get("vp_token", ""), state=request.POST.get("state", ""),
                                          base=oid4vci.public_url(request), error=declined)
    except oid4vp.ResponseRefused as exc:
        return _json({"error": "invalid_request", "error_description": exc.reason}, status=400)
    except (DomainError, ValidationError) as exc:
        refused = refusal(exc)
        return _json({"error": "invalid_request", "error_description": refused.code}, status=refused.status)
    if declined:  # the wallet's error response, processed (recorded, the request left open): 200 (OpenID4VP 1.0 §8.2)
        return _json({})
    if answered.status != PresentationRequest.Status.VERIFIED:  # refused, or an attempt that left the request open
        return _json({"error": "invalid_request", "error_description": answered.reason}, status=400)
    return _json({})
