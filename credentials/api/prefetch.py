"""What 亮证 and a clerk's scan read first, named for the session's round trip (``identity.prefetch``):
the routes in ``credentials.api.urls.hot_patterns`` declare these, and the read sites
(``credentials.held.held_to_show``, ``credentials.shown.fetch``) take what was read."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings

from core import parsers
from credentials import held, shown, signing
from identity import prefetch


@dataclass(frozen=True)
class _Shown(prefetch.Want):
    """亮证's first read: the keys named up front, my stamp's mirror and the copy of the one credential
    shown (``credentials.held.copy_key``: named by me and by the credential in the URL). Its second key's
    template is built per request — a cached one per credential would grow with every credential shown."""

    copy: tuple[str, str] = ("", "")

    def templates(self) -> tuple[tuple[str, str], ...]:
        return (*_mirror(), self.copy)


@functools.cache
def _mirror() -> tuple[tuple[str, str], ...]:
    return prefetch.Want(person=(held.mirror_key,)).templates()


@functools.cache
def _watched() -> tuple[str, ...]:
    return tuple(prefetch.cache_key(name) for name in held._WATCHED)


def show(request) -> prefetch.Want | None:
    """亮证 reads my stamp's mirror, the held copy of the credential it shows and the watched stamps
    first (``credentials.held.held_to_show``'s MGET)."""
    identifier = request.resolver_match.kwargs.get("identifier") or ""
    if len(identifier) > held.IDENTIFIER_MOST:  # names no credential: held_to_show reads nothing for it
        return None
    prefix, _mark, suffix = prefetch.cache_key(held.copy_key(prefetch.PERSON, identifier)).partition(prefetch.PERSON)
    return _Shown(keys=_watched(), person=(held.mirror_key, held.copy_key), copy=(prefix, suffix))


def scan(request) -> prefetch.Want | None:
    """A scan reads what the code showed first (``credentials.shown.fetch``): its key is named by the
    code's ``jti``, read here before any check — the read site takes the value only under the key of the
    ``jti`` the verified code names, so a forged one costs nothing but its own read."""
    body = parsers.plain_body(request, request.encoding or settings.DEFAULT_CHARSET)  # the view's json_data takes this parse
    payload = body.get("payload") if isinstance(body, dict) else None
    jti = signing.compact_jti(payload) if isinstance(payload, str) and len(payload) <= 8000 else None
    return prefetch.Want(keys=(shown._key(jti),)) if jti else None
