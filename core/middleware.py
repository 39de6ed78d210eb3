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
