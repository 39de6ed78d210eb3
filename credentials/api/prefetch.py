"""What 亮证 and a clerk's scan read first, named for the session's round trip (``identity.prefetch``):
the routes in ``credentials.api.urls.hot_patterns`` declare these, and the read sites
(``credentials.held.valid_held``, ``credentials.shown.fetch``) take what was read."""

from __future__ import annotations

import functools

from django.conf import settings

from core import parsers
from credentials import held, shown, signing
from identity import prefetch


@functools.cache
def _held() -> prefetch.Want:
    return prefetch.Want(keys=tuple(prefetch.cache_key(name) for name in held._WATCHED), person=(held.mirror_key, held.copy_key))


def show(request) -> prefetch.Want:
    """亮证 reads my held copy, its stamp's mirror and the watched stamps first (``valid_held``'s MGET)."""
    return _held()


def scan(request) -> prefetch.Want | None:
    """A scan reads what the code showed first (``credentials.shown.fetch``): its key is named by the
    code's ``jti``, read here before any check — the read site takes the value only under the key of the
    ``jti`` the verified code names, so a forged one costs nothing but its own read."""
    body = parsers.plain_body(request, request.encoding or settings.DEFAULT_CHARSET)  # the view's json_data takes this parse
    payload = body.get("payload") if isinstance(body, dict) else None
    jti = signing.compact_jti(payload) if isinstance(payload, str) and len(payload) <= 8000 else None
    return prefetch.Want(keys=(shown._key(jti),)) if jti else None
