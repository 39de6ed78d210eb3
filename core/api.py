"""API conventions shared by every app: error body, pagination, permissions, and the one place a
domain error's kind becomes an HTTP status.

Every error answers ``{"code": "...", "message": "...", "errors": {field: [..]}}`` with a stable
machine ``code`` and a ``message`` translated by ``Accept-Language`` (zh-hans or en).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import replicas
from core.errors import DomainError, Kind

# Every kind with the HTTP status the API answers it with; the schema documents the same table. The
# only place a domain error meets HTTP (pages use it through ``core.web.refusal``).
HTTP_STATUS = {
    Kind.INVALID: 400,
    Kind.NOT_FOUND: 404,
    Kind.FORBIDDEN: 403,
    Kind.CONFLICT: 409,
    Kind.UNPROCESSABLE: 422,
    Kind.TOO_MANY: 429,
    Kind.UNAVAILABLE: 503,
}


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


_DEFAULT_MESSAGES = {
    "not_found": lambda: _("Not found."),
    "not_authenticated": lambda: _("Please sign in first."),
    "authentication_failed": lambda: _("Your credentials were not accepted."),
    "permission_denied": lambda: _("You may not do this."),
    "throttled": lambda: _("Too many requests. Please wait and try again."),
    "method_not_allowed": lambda: _("This method is not allowed here."),
    "parse_error": lambda: _("The request body could not be read."),
    "unsupported_media_type": lambda: _("This content type is not supported."),
    "invalid": lambda: _("Some fields are not valid."),
}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {key: [str(item) for item in (value if isinstance(value, list) else [value])] for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        response = Response({"code": exc.code, "message": exc.message, "errors": exc.errors}, status=HTTP_STATUS[exc.kind])
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, RecursionError):
        # DRF's JSON parser recurses once per nesting level: a 10,000-deep array would be a 500.
        exc = exceptions.ParseError()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "message": _DEFAULT_MESSAGES["invalid"](), "errors": _flatten(exc.detail)}
    else:
        code = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = code if isinstance(code, str) else "error"
        message = _DEFAULT_MESSAGES[code]() if code in _DEFAULT_MESSAGES else str(exc.detail)
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            message = _("Too many requests. Please try again in %(seconds)d seconds.") % {"seconds": int(exc.wait)}
        body = {"code": code, "message": message, "errors": {}}
    response.data = body
    return response


def require_perm(perm: str) -> type[permissions.BasePermission]:
    """A DRF permission class for one Django permission (``app_label.codename``), granted through roles."""

    class HasPerm(permissions.BasePermission):
        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(perm))

    HasPerm.__name__ = f"HasPerm_{perm.replace('.', '_')}"
    HasPerm.perm = perm  # the API document names it, with the roles that hold it (identity/api/openapi.py)
    return HasPerm


class ReplicaReads:
    """A list view whose reads may come from the streaming replica (``core.replicas``): not after the
    user's own recent write, and never failing because the replica is away."""

    def list(self, request, *args, **kwargs):
        return replicas.read(lambda: super(ReplicaReads, self).list(request, *args, **kwargs), user=request.user)


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based position of the refused row in the request")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), help_text="Field → messages")


class ImportReportSerializer(serializers.Serializer):
    """What a bulk push did: good rows kept, bad rows reported (never all-or-nothing)."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = ImportRowErrorSerializer(many=True)
