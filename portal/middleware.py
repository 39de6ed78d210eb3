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
    logger.warning("database unavailable: %s", type(exception).__name__)
    if request.path.startswith(("/api/", "/_allauth/")) or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"code": "service_unavailable", "message": "服务暂时不可用，请稍后再试。 Service temporarily unavailable.", "errors": {}},
                                status=503)
    else:
        response = HttpResponse("<h1>服务暂时不可用 · Service temporarily unavailable</h1><p>请稍后再试。Please try again shortly.</p>",
                                status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "5"
    return response


def server_error(request):
    """handler500: a database outage met in any middleware is still a 503, not a 500."""
    import sys

    from django.views.defaults import server_error as default_server_error

    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        return database_unavailable(request, exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "message": "服务器内部错误。 Internal server error.", "errors": {}}, status=500)
    return default_server_error(request)
