"""The client's address behind trusted reverse proxies.

``QILU_TRUSTED_PROXY_COUNT`` (environment) says how many proxies stand in front of the app (1 for
the documented nginx) and sets ``ALLAUTH_TRUSTED_PROXY_COUNT``. The address is resolved by allauth's
own function — and allauth's rate limits read this one (``identity.adapter.AccountAdapter.get_client_ip``),
so the limits, ``/metrics``' allow-list and the audit rows always name the same client: that many hops
from the right of ``X-Forwarded-For`` (entries a client adds itself sit further left and are ignored)
when the peer is a trusted proxy (``QILU_TRUSTED_PROXY_IPS``), or ``REMOTE_ADDR`` otherwise.
"""

from __future__ import annotations

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured

from core import context


def client_address(request) -> str | None:
    """The client's address: allauth's reading of ``X-Forwarded-For`` when the peer is one of our
    proxies (``settings.QILU_TRUSTED_PROXY_IPS``), else the peer itself — a client that reaches the
    app directly cannot choose its address with a header."""
    from django.conf import settings

    if request.META.get("REMOTE_ADDR") in settings.QILU_TRUSTED_PROXY_IPS:
        try:
            return get_client_ip(request)
        except ImproperlyConfigured:  # fewer hops than proxies: not through the whole chain
            pass
    return request.META.get("REMOTE_ADDR")


class ClientContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = client_address(request)
        token = context.client_ip.set(request.client_ip)
        try:
            return self.get_response(request)
        finally:
            context.client_ip.reset(token)


class QueryNulGuard:
    """A NUL character in any query parameter answers 400 before a view runs: PostgreSQL text cannot
    hold one, so a search for it would otherwise answer 500 (found by schemathesis on the workbench).
    Every request passes here (showing a pass, verifying a QR): the raw query string is looked at
    first, and only one carrying a NUL is parsed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("QUERY_STRING", "")
        if ("%00" in raw or "\x00" in raw) and any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("The request contains a NUL character.")
            if request.path.startswith(("/api/", "/_allauth/")):
                return JsonResponse({"code": "invalid", "message": message, "errors": {}}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DomainNotFoundMiddleware:
    """A page whose selector raised ``core.errors.NotFound`` answers the 404 page, as ``Http404`` would:
    selectors and use cases say "not found" one way (the domain error), the API layer and this
    middleware turn it into HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import Http404

        from core.errors import NotFound

        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        return None


# Paths whose clients read JSON, not pages: the API, the sign-in API, the well-known documents and the
# open-standard protocol endpoints (OpenID4VCI, OpenID4VP, status lists, type metadata).
JSON_PATHS = ("/api/", "/_allauth/", "/.well-known/", "/oid4vci/", "/oid4vp/", "/status-lists/", "/vct/")
_OAUTH_PATHS = ("/oid4vci/", "/oid4vp/")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def answers_json(request) -> bool:
    return request.path.startswith(JSON_PATHS)


def refusal(request, status: int, code: str, message: str):
    """A 4xx in the shape the path's clients read: allauth's for the sign-in API, OAuth's (with our
    ``code`` beside ``error``) for the protocol endpoints, the API's everywhere else under ``JSON_PATHS``,
    and a short page for the portal."""
    from django.http import HttpResponse, JsonResponse

    if request.path.startswith("/_allauth/"):
        return JsonResponse({"status": status, "errors": [{"code": code, "message": message}]}, status=status)
    if request.path.startswith(_OAUTH_PATHS):
        return JsonResponse({"error": "invalid_request", "error_description": message, "code": code}, status=status)
    if answers_json(request):
        return JsonResponse({"code": code, "message": message, "errors": {}}, status=status)
    from django.utils.html import escape

    return HttpResponse(f"<h1>{status}</h1><p>{escape(message)}</p>", status=status, content_type="text/html; charset=utf-8")


DRAIN_LIMIT = 16 * 1024 * 1024  # above nginx's client_max_body_size (deploy/nginx.conf): its 413 comes first


def _drain(request) -> None:
    """Read (and drop) a refused body before answering: a server that answers and closes with the body
    unread makes the client's TCP stack see a reset, often before it reads the 413. Bounded, so a client
    announcing a huge body cannot keep a worker reading."""
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > DRAIN_LIMIT:
            return
        while request.read(65536):
            pass
    except (OSError, ValueError):
        pass


def too_large(request):
    from django.utils.translation import gettext as _

    return refusal(request, 413, "request_too_large", _("The request body is too large."))


class RequestBodyGuard:
    """Every request body a client chose is bounded before any view reads it:

    - size: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` answers 413 ``request_too_large`` in the path's
      shape (JSON on ``JSON_PATHS``), not Django's HTML page; multipart uploads keep their own limits;
    - depth: JSON nested deeper than ``core.jsondepth.MAX_DEPTH`` answers 400 ``json_too_deep``. allauth's
      headless views, the protocol endpoints and the payment notification parse bodies themselves (with
      any content type), so the raw body is scanned; on ``JSON_PATHS`` a form field holding JSON
      (OpenID4VP's ``vp_token``) is scanned too.

    A ``RecursionError`` a view still meets (JSON nested inside a token's payload) answers 400 too,
    never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = self._refused(request) if request.method in _BODY_METHODS else None
        return refused or self.get_response(request)

    def _refused(self, request):
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

        from core import jsondepth

        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            return None
        form = content_type == "application/x-www-form-urlencoded"
        if form and not answers_json(request):
            return None  # portal forms: Django's own limits and pages
        try:
            body = request.body
            values = [item for _key, items in request.POST.lists() for item in items] if form else [body]
        except (RequestDataTooBig, TooManyFieldsSent):
            _drain(request)
            return too_large(request)
        if any(jsondepth.too_deep(value) for value in values):
            return refusal(request, 400, "json_too_deep", jsondepth.too_deep_message())
        return None

    def process_exception(self, request, exception):
        if not isinstance(exception, RecursionError):
            return None
        import logging

        from core import jsondepth

        logging.getLogger("qilu.request").warning("RecursionError answered 400 on %s", request.path)
        return refusal(request, 400, "json_too_deep", jsondepth.too_deep_message())
