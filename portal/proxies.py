"""Which peers may speak for the client: the reverse proxies in front of gunicorn. One reading of the
environment for the app (``settings.QILU_TRUSTED_PROXY_IPS``, used by ``core.middleware``) and for
gunicorn (``deploy/gunicorn.conf.py``'s ``forwarded_allow_ips``), so both believe forwarded headers from
the same addresses — and from none when no proxy is configured (``QILU_TRUSTED_PROXY_COUNT=0``)."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_PROXIES = "127.0.0.1,::1"  # the documented nginx runs on the app server (deploy/nginx.conf)


def trusted_proxies(environ: Mapping[str, str]) -> list[str]:
    """``QILU_TRUSTED_PROXY_IPS`` (comma-separated addresses) when ``QILU_TRUSTED_PROXY_COUNT`` > 0; else none."""
    if int(environ.get("QILU_TRUSTED_PROXY_COUNT") or 0) <= 0:
        return []
    return [address.strip() for address in (environ.get("QILU_TRUSTED_PROXY_IPS") or DEFAULT_PROXIES).split(",") if address.strip()]
