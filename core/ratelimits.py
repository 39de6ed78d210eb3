"""Every rate limit and guessing limit, and what each does when Redis (the shared counter) is away.

One table (``LIMITS``) says it per limit; docs/configuration.md prints the same table and
tests/core/test_ratelimits.py checks the two agree and that every counting site in the code is listed.
The policies:

- ``LOCAL_FLOOR`` — fail open, but never unlimited: while Redis cannot count, each process counts
  alone with the same rates (``floor``), so the limit holds per process. Sign-in is here: a correct
  password must keep working when Redis is down, and a password guesser still meets a limit.
- ``CLOSED`` — a guess at a one-time secret is counted *before* the secret is compared
  (``count``); when the count cannot be made the guess is refused unanswered (HTTP 503, try again).
- ``DATABASE`` — the count lives in a database row (a session, a request record): Redis plays no part.
- ``OPEN`` — a flood limit on a registered, authenticated client: let through while Redis is away.

The cache is configured with ``IGNORE_EXCEPTIONS`` (a cache outage must not take the site down), so
``cache.get`` hides an outage; the functions here talk to the Redis client underneath, which raises.
A failure trips a per-process breaker for a few seconds (``shared_down``), so callers on the sign-in
path do not each wait for a connection that is not there.
"""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass


class WhenAway(enum.StrEnum):
    LOCAL_FLOOR = "local floor"
    CLOSED = "closed"
    DATABASE = "database"
    OPEN = "open"


@dataclass(frozen=True)
class Limit:
    name: str  # the limit's name in settings or code
    where: str  # the module that counts
    guards: str  # what it stops
    when_away: WhenAway


LIMITS: tuple[Limit, ...] = (
    Limit("login", "identity.ratelimits (allauth)", "sign-in requests per address", WhenAway.LOCAL_FLOOR),
    Limit("login_failed", "identity.ratelimits (allauth)", "password guessing per address and per account", WhenAway.LOCAL_FLOOR),
    Limit("signup", "identity.ratelimits (allauth)", "sign-ups per address", WhenAway.LOCAL_FLOOR),
    Limit("request_login_code", "identity.ratelimits (allauth)", "SMS sign-in codes sent per address and number", WhenAway.LOCAL_FLOOR),
    Limit("verify_phone", "identity.ratelimits (allauth)", "phone verification texts per address and number", WhenAway.LOCAL_FLOOR),
    Limit("reset_password", "identity.password_reset (allauth)", "password-reset texts per address and number", WhenAway.LOCAL_FLOOR),
    Limit("sms_code_attempts", "allauth code verification (session row)", "guesses at an SMS sign-in or phone code (3)",
          WhenAway.DATABASE),
    Limit("password_reset_attempts", "identity.services", "guesses at a password-reset code (3 per ticket)", WhenAway.CLOSED),
    Limit("family_code_attempts", "family.services", "guesses at a family-acting consent code (3 per request)", WhenAway.CLOSED),
    Limit("tx_code_attempts", "credentials.openid.oid4vci", "guesses at a wallet offer's transaction code (5 per offer)", WhenAway.CLOSED),
    Limit("presentation_once", "credentials.shown / core.journal / credentials.services", "a 亮证 QR used twice", WhenAway.DATABASE),
    Limit("lutong_code_once", "lutong.services", "a 鲁通码 read twice", WhenAway.DATABASE),
    Limit("presentation_request_attempts", "credentials.openid.oid4vp", "refused answers to a verifier's request (3)", WhenAway.DATABASE),
    Limit("creation_quotas", "core.quotas", "applications, presentations, credential copies, nonces, cases, feedback per person / token / address",
          WhenAway.LOCAL_FLOOR),
    Limit("base_records_sync", "identity.api.views (DRF)", "base-record pushes per registered API client", WhenAway.OPEN),
    # a tracking code is 12 random base-32 characters (60 bits), so guessing needs no counter; the throttle sheds load
    Limit("case_track", "appeals.api.views (DRF)", "look-ups of an anonymous case by number and tracking code per address", WhenAway.OPEN),
)

BREAKER_SECONDS = 5.0
_down_until = 0.0


class Unavailable(Exception):
    """Redis could not count a guess: the caller refuses it (``CLOSED``)."""


def shared_down() -> bool:
    """True for a few seconds after this process last found Redis unreachable."""
    return time.monotonic() < _down_until


def trip() -> None:
    global _down_until
    _down_until = time.monotonic() + BREAKER_SECONDS


def _redis_client():
    """The Redis client under the default cache, or None when the cache is not Redis (tests, make run)."""
    from django.core.cache import cache

    client = getattr(cache, "client", None)
    return client.get_client(write=True) if client is not None and hasattr(client, "get_client") else None


def probe() -> bool:
    """Does Redis answer now? (A failure trips the breaker.)"""
    try:
        client = _redis_client()
        if client is not None:
            client.ping()
    except Exception:  # noqa: BLE001 — any failure means away
        trip()
        return False
    return True


def count(key: str, seconds: int) -> int:
    """Add one to ``key``'s counter, which lives ``seconds`` from its first count, and return the
    new total; raise ``Unavailable`` when Redis cannot count (refused, read-only, timed out)."""
    from django.core.cache import cache

    try:
        client = _redis_client()
        if client is None:
            cache.add(key, 0, timeout=seconds)
            return cache.incr(key)
        name = cache.make_and_validate_key(key)
        pipe = client.pipeline()
        pipe.incr(name)
        pipe.expire(name, seconds, nx=True)
        used, _expiry = pipe.execute()
        return int(used)
    except Exception as exc:  # noqa: BLE001 — whatever kept the count from being made, the guess is not answered
        trip()
        raise Unavailable(key) from exc


def forget(key: str) -> None:
    from django.core.cache import cache

    cache.delete(key)


# --- the per-process floor ----------------------------------------------------------------------

_floor: dict[str, tuple[float, list[float]]] = {}  # key → (forget after, hit times newest first)
_floor_lock = threading.Lock()
FLOOR_KEYS = 50_000


def floor(key: str, amount: int, seconds: float, *, record: bool = True) -> bool:
    """A sliding window counted in this process alone: True (and, with ``record``, counted) when
    fewer than ``amount`` hits fell in the last ``seconds``."""
    now = time.monotonic()
    with _floor_lock:
        _forget_after, history = _floor.get(key, (0.0, []))
        history = [hit for hit in history if hit > now - seconds]
        allowed = len(history) < amount
        if allowed and record:
            history.insert(0, now)
        _floor[key] = (now + seconds, history)
        if len(_floor) > FLOOR_KEYS:
            for stale in [name for name, (until, _hits) in _floor.items() if until < now]:
                del _floor[stale]
    return allowed


def floor_release(key: str) -> None:
    """Undo the newest hit of ``key`` (a rolled-back usage)."""
    with _floor_lock:
        entry = _floor.get(key)
        if entry and entry[1]:
            entry[1].pop(0)


def floor_clear() -> None:
    with _floor_lock:
        _floor.clear()
