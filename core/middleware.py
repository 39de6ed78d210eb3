"""The client's address behind trusted reverse proxies.

``QILU_TRUSTED_PROXY_COUNT`` (environment) says how many proxies stand in front of the app (1 for
the documented nginx) and sets ``ALLAUTH_TRUSTED_PROXY_COUNT``. The address is resolved by allauth's
own function — the one its sign-in rate limits use — so the limits and the audit rows always name
the same client: that many hops from the right of ``X-Forwarded-For`` (entries a client adds itself
sit further left and are ignored), or ``REMOTE_ADDR`` with no proxy.
"""

from __future__ import annotations

from allauth.core.internal.httpkit import get_client_ip

from core import context


class ClientContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = get_client_ip(request)
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
