"""A hot route's first Redis read, made in the same round trip as its session's (issue 25).

Every signed-in API request reads its session's cache entry (``identity.sessions``); the hottest routes
then make one more Redis round trip of their own before anything else: my pass reads my status, 亮证
reads the copy of what I hold, a clerk's scan reads what the code showed. A route *declares* those keys
here (``declare``, by its URL name; the declaration is asked at authentication, when the route is
resolved), and the session's read fetches them in the same server-side step — a Lua script
(``identity.sessions.SessionStore._load_cached``). The read site then *takes* its value (``get``,
``get_many``, ``take``) instead of asking Redis again.

Keys named by the person (their status, their credentials) cannot be named before the session says
who it is, so beside each cached session entry a **companion key** holds, in clear, the little that
names them: ``<user id>:<person index>`` (``identity.sessions.who_key``), written and deleted with the
entry's user snapshot. The script reads the entry and its companion and builds those keys from it.
A companion lost on its own (evicted) comes back when the snapshot is next attached (it lives
``USER_CACHE_SECONDS``); meanwhile the routes read their keys themselves.

Nothing here is trusted more than what it replaces:

- the session itself is checked exactly as before (its bytes decoded, its user's session hash): a
  revoked or rewritten session is never served;
- a person's value is offered only when the companion names the user the session resolved to — same
  id, same person index — and under the exact key the read site asks for, so a stale companion, or one
  naming someone else, only costs the ordinary read;
- a value is taken once, and only within the request that read it: the offer is dropped when a
  request starts and when it ends (``request_started``/``request_finished``);
- Redis away, a script error, no declaration, a local-memory cache: nothing is offered and every read
  site reads as it did.

Keys built inside the script are not passed as ``KEYS``: right for one Redis, or a Sentinel-managed
primary and its replicas (production), not for Redis Cluster, which must know every key a script
touches to route it; there the script is refused (``CROSSSLOT``) and the session read plainly
(docs/scaling.md).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started

PERSON = "{person}"  # where the person index goes in a key named by the person

# One server-side step: the session's entry and its companion, the keys named up front, then the keys
# named by the person the companion names. KEYS: entry, companion, keys named up front; ARGV: a
# (prefix, suffix) pair per key named by the person. Those are built here, not declared in KEYS: one
# Redis or Sentinel only, not Cluster (see the module's note).
SCRIPT = """
local found = redis.call('MGET', unpack(KEYS))
local who = found[2]
if who and #ARGV > 0 then
  local person = string.match(who, '^%d+:(%w+)$')
  if person then
    for i = 1, #ARGV, 2 do found[#found + 1] = redis.call('GET', ARGV[i] .. person .. ARGV[i + 1]) end
  end
end
return found
"""


@dataclass(frozen=True)
class Want:
    """The keys a route reads first. ``keys``: Redis keys as sent (a ``cache`` key through
    ``cache_key``); ``person``: functions from a person index to a ``cache`` key name."""

    keys: tuple[str, ...] = ()
    person: tuple[Callable[[str], str], ...] = ()

    def templates(self) -> tuple[tuple[str, str], ...]:
        return _templates(self.person)


@functools.cache
def _templates(person: tuple) -> tuple[tuple[str, str], ...]:
    pairs = []
    for name in person:
        prefix, _mark, suffix = cache_key(name(PERSON)).partition(PERSON)
        pairs.append((prefix, suffix))
    return tuple(pairs)


def cache_key(name: str) -> str:
    """The Redis key under which ``cache`` keeps ``name``."""
    return str(cache.make_key(name))


_ROUTES: dict[str, Callable] = {}


def declare(route: str, wants: Callable) -> None:
    """``wants(request)`` → the ``Want`` of the route whose view name is ``route`` (or None: nothing to read first)."""
    _ROUTES[route] = wants


def wanted(request) -> Want | None:
    """What the resolved route of ``request`` (an ``HttpRequest`` or DRF's ``Request``) reads first."""
    match = getattr(request, "resolver_match", None)
    wants = _ROUTES.get(match.view_name) if match is not None else None
    if wants is None:
        return None
    try:
        return wants(request)
    except Exception:  # noqa: BLE001 — a declaration that cannot name its keys: the route reads them itself
        return None


@dataclass
class Read:
    """What the session's round trip brought beside the entry: the companion and the values, by key."""

    who: bytes | None
    values: dict[str, bytes | None]  # keys named up front
    person: dict[str, bytes | None]  # keys named by the person, as the script built them from ``who``


def split(want: Want, found: list) -> Read:
    """The script's answer (after the entry) as a ``Read``."""
    who, rest = found[0], found[1:]
    values = dict(zip(want.keys, rest[: len(want.keys)], strict=True))
    person: dict[str, bytes | None] = {}
    named = rest[len(want.keys):]
    if who is not None and len(named) == len(want.person):
        index = who.decode().partition(":")[2]
        person = {prefix + index + suffix: value for (prefix, suffix), value in zip(want.templates(), named, strict=True)}
    return Read(who, values, person)


_OFFERED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("qilu_prefetched", default=None)


def offer(read: Read | None, user) -> None:
    """After authentication: offer this request's read sites what the session's round trip brought —
    the keys named up front, and the person's keys only when the companion names ``user``."""
    if read is None:
        _OFFERED.set(None)
        return
    values = dict(read.values)
    index = getattr(user, "id_number_index", None) or ""
    if read.person and index and read.who == f"{user.pk}:{index}".encode():
        values.update(read.person)
    _OFFERED.set(values or None)


def drop(**_kwargs) -> None:
    _OFFERED.set(None)


request_started.connect(drop, dispatch_uid="qilu-prefetch-drop-at-start")
request_finished.connect(drop, dispatch_uid="qilu-prefetch-drop-at-end")


def take(key: str) -> tuple[bool, bytes | None]:
    """(True, the raw value or None when Redis had none) when ``key`` was read in the session's round
    trip, else (False, None): read it yourself. Once."""
    offered = _OFFERED.get()
    if not offered or key not in offered:
        return False, None
    return True, offered.pop(key)


def get(name: str):
    """``cache.get(name)``, from the session's round trip when it was read there."""
    if _OFFERED.get():
        backend = caches["default"]  # one look-up of the cache for the key and the decoding
        found, raw = take(backend.make_key(name))
        if found:
            return None if raw is None else backend.client.decode(raw)
    return cache.get(name)


def get_many(names: Iterable[str]) -> dict:
    """``cache.get_many(names)``, from the session's round trip when all of them were read there."""
    names = list(names)
    offered = _OFFERED.get()
    if offered:
        backend = caches["default"]
        keys = [backend.make_key(name) for name in names]
        if all(key in offered for key in keys):
            decode = backend.client.decode
            found = {name: offered.pop(key) for name, key in zip(names, keys, strict=True)}
            return {name: decode(raw) for name, raw in found.items() if raw is not None}
    return cache.get_many(names)
