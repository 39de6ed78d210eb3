"""The origin this instance is served at, for every URL it gives out to itself or to a platform it
calls back from (the payment simulator's base, notify and return URLs; OpenID4VCI/VP; QR links).

Configured (``QILU_PUBLIC_URL``, required and https in production) wins. Otherwise the request's own
origin (``ALLOWED_HOSTS`` guards the Host header), so ``make run PORT=8123`` names port 8123. Work
done after the response (a task run in-process, a retry on a later request) uses the origin last
served by this process.
"""

from __future__ import annotations

import contextvars

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost

_current: contextvars.ContextVar[str] = contextvars.ContextVar("served_origin", default="")
_REMEMBERED = "qilu.served_origin"


def request_origin(request) -> str:
    """This platform's origin for one request: the configured one, else the request's own (its Host
    checked against ``ALLOWED_HOSTS``). The one rule the OpenID4VC endpoints and the payment URLs share."""
    return settings.QILU_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")


def served_origin() -> str:
    """``https://host[:port]`` without a trailing slash, or "" when nothing configured it or served a request yet."""
    return settings.QILU_PUBLIC_URL or _current.get() or cache.get(_REMEMBERED) or ""


class ServedOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.QILU_PUBLIC_URL:
            return self.get_response(request)
        try:
            origin = request_origin(request)
        except DisallowedHost:  # Django answers 400 further on
            return self.get_response(request)
        token = _current.set(origin)
        if cache.get(_REMEMBERED) != origin:
            cache.set(_REMEMBERED, origin, None)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
