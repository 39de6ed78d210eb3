"""The client's address behind trusted reverse proxies.

``QILU_TRUSTED_PROXY_COUNT`` (environment) says how many proxies stand in front of the app (1 for
the documented nginx). The client is then the address that many hops from the right of
``X-Forwarded-For``; with 0, ``REMOTE_ADDR``. A client cannot forge its way past: entries it adds
itself sit further left and are ignored. allauth's rate limits read the same setting
(``ALLAUTH_TRUSTED_PROXY_COUNT``), so the sign-in limits and the audit rows agree.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

from core import context


def resolve_client_ip(meta: dict, trusted_proxies: int) -> str | None:
    remote = meta.get("REMOTE_ADDR") or None
    if trusted_proxies <= 0:
        return remote
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return remote
    candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class ClientContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = resolve_client_ip(request.META, settings.QILU_TRUSTED_PROXY_COUNT)
        token = context.client_ip.set(request.client_ip)
        try:
            return self.get_response(request)
        finally:
            context.client_ip.reset(token)
