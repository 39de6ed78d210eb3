"""Request ids for log correlation, and a clean 503 when the database is unreachable."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("qilu.request")


class RequestIdMiddleware:
    """Use the proxy's ``X-Request-ID`` when it is well-formed, else make one; echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class DatabaseUnavailableMiddleware:
    """A lost database answers 503 with Retry-After, never a 500 page; Django's connection health
    checks reconnect on the next request, so the app recovers without a restart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        return database_unavailable(request, exception)


def database_unavailable(request, exception):
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
    first_line = (str(exception).strip().splitlines() or [""])[0][:200]
    logger.warning("database unavailable: %s: %s", type(exception).__name__, first_line)
    if request.path.startswith(("/api/", "/_allauth/")) or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"code": "service_unavailable", "message": "服务暂时不可用，请稍后再试。 Service temporarily unavailable.", "errors": {}},
                                status=503)
    else:
        response = HttpResponse("<h1>服务暂时不可用 · Service temporarily unavailable</h1><p>请稍后再试。Please try again shortly.</p>",
                                status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "5"
    return response


def server_error(request):
    """handler500: a database outage met in any middleware is still a 503, not a 500. Otherwise JSON
    for the API and the sign-in API, and the branded page (templates/500.html) for the portal — rendered
    without a request, so no context processor (user, messages, session) can fail a second time."""
    import sys

    from django.template import loader
    from django.utils import translation

    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        return database_unavailable(request, exception)
    english = (getattr(request, "LANGUAGE_CODE", "") or translation.get_language() or "").startswith("en")
    if request.path.startswith(("/api/", "/_allauth/")) or "application/json" in request.headers.get("Accept", ""):
        message = "Something went wrong on our side. Please try again later." if english else "服务器内部错误，请稍后再试。"
        return JsonResponse({"code": "server_error", "message": message, "errors": {}}, status=500)
    try:
        with translation.override("en" if english else "zh-hans"):
            body = loader.get_template("500.html").render({"request_id": getattr(request, "request_id", "")})
    except Exception:  # noqa: BLE001 — the error page itself must never fail
        body = "<h1>服务器内部错误 · Server error</h1><p>请稍后再试。Please try again later.</p>"
    return HttpResponse(body, status=500, content_type="text/html; charset=utf-8")


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "errors": {}}, status=status)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """handler404: API paths answer JSON, never an HTML page."""
    from django.views.defaults import page_not_found

    if _is_api(request):
        return _api_error(404, "not_found", "未找到。 Not found.")
    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """handler400: a body over the size limit is 413; API paths answer JSON."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
    from django.views.defaults import bad_request as default_bad_request

    if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent)):
        from core.middleware import too_large

        return too_large(request)  # JSON on every API path (core.middleware.JSON_PATHS), a page elsewhere
    if _is_api(request):
        return _api_error(400, "bad_request", "请求无效。 Bad request.")
    return default_bad_request(request, exception)


SIGN_IN_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}  # the JSON API: no HEAD/OPTIONS (native clients, same-origin portal)


class SignInErrorsMiddleware:
    """allauth's headless API (``/_allauth/``) answers a body it cannot read with an empty text/html
    400, and one of its views crashes (500) on a method none of them serves. Both answer here in
    allauth's own error shape (405 for a method the view does not serve), like its other errors: ``{"status", "errors": [{"code", "message"}]}``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/_allauth/"):
            return self.get_response(request)
        return self._sign_in_api(request)

    def process_exception(self, request, exception):
        """allauth raises ``RateLimited`` out of some stages (signing in again within 30 s while the
        phone is unverified: the verification code cannot be resent yet): a 429 with the wait, never a 500."""
        from allauth.core.exceptions import RateLimited
        from django.shortcuts import render

        from identity.ratelimits import longest_window, wait_message

        if not isinstance(exception, RateLimited):
            return None
        seconds = longest_window("verify_phone")
        message = wait_message(seconds)
        if request.path.startswith("/_allauth/"):
            response = JsonResponse({"status": 429, "errors": [{"code": "too_many_requests", "message": message}]}, status=429)
        elif _is_api(request):
            response = _api_error(429, "too_many_requests", message)
        else:
            response = render(request, "429.html", {"wait_message": message}, status=429)
        response["Retry-After"] = str(seconds)
        return response

    def _sign_in_api(self, request):
        if request.method not in SIGN_IN_METHODS or not _served(request):
            return _sign_in_error(405, "method_not_allowed")
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            return _sign_in_error(response.status_code, {400: "invalid", 404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}.get(
                response.status_code, "error"))
        return response


def _served(request) -> bool:
    """Whether the allauth view at this path implements the method (some crash instead of a 405 —
    ManagePhoneView reads ``self.user`` before dispatching any method but GET and POST)."""
    from django.urls import Resolver404, resolve

    try:
        view_class = getattr(resolve(request.path_info).func, "view_class", None)
    except Resolver404:
        return True  # not found: answered 404 below
    return view_class is None or hasattr(view_class, request.method.lower())


def _sign_in_error(status: int, code: str) -> JsonResponse:
    from django.utils.translation import gettext as _

    messages = {"invalid": _("The request body could not be read."), "not_found": _("Not found."), "method_not_allowed": _("This method is not allowed here."),
                "request_too_large": _("The request body is too large.")}
    return JsonResponse({"status": status, "errors": [{"code": code, "message": str(messages.get(code, _("The request could not be served.")))}]},
                        status=status)


class ApiSlashMiddleware:
    """An API write to a path without its trailing slash would be redirected (and its body lost) or,
    in debug, crash: answer a JSON error that names the right path instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_api(request) and not request.path.endswith("/") and request.method not in ("GET", "HEAD", "OPTIONS"):
            return _api_error(404, "not_found", f"API 路径以 / 结尾。 API paths end with a slash: {request.path}/")
        return self.get_response(request)
