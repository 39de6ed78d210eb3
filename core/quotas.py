"""Creation quotas: how many stored objects one person (or one address, or one access token) may
create in a window — applications, presentations, credential copies, nonces. A use case (or the
view in front of an anonymous endpoint) calls ``take(scope, who)`` before it writes; over the quota
it raises ``TooMany`` (HTTP 429 with Retry-After, a page message on the portal).

Windows are fixed, counted in Redis by ``core.ratelimits.count`` (INCR + EXPIRE NX in one round trip,
so two workers never both take the last slot). The limits are settings (``QILU_CREATION_QUOTAS``: scope →
``[count, seconds]``), with the defaults below. When Redis is away each process counts alone with the
same limits (``core.ratelimits``: a local floor, and no wait for Redis while its breaker is open):
these limits stop a flood, they do not guard a secret.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from core import ratelimits
from core.errors import DomainError, Kind

# scope: (how many, per how many seconds). Generous for a person, tight for a script.
DEFAULTS: dict[str, tuple[int, int]] = {
    "applications": (10, 60),
    "presentations": (20, 60),
    "credential_copies": (10, 3600),
    "nonces": (60, 60),
    "feedback": (20, 600),  # "was this answer useful?" (knowledge)
    "cases": (20, 3600),
    "family_requests": (10, 3600),  # 家庭代办 requests: each may text the adult a code
}


class TooMany(DomainError):
    kind = Kind.TOO_MANY

    def __init__(self, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        message = (
            _("操作过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": retry_after}
            if retry_after < 120
            else _("操作过于频繁，请 %(minutes)d 分钟后再试。") % {"minutes": minutes}
        )
        super().__init__(message, code="too_many_requests")
        self.retry_after = retry_after


def limit(scope: str) -> tuple[int, int]:
    configured = getattr(settings, "QILU_CREATION_QUOTAS", {}) or {}
    count, seconds = configured.get(scope, DEFAULTS[scope])
    return int(count), int(seconds)


def clock() -> float:
    """The wall clock the fixed windows are cut from; the tests pin it (tests/conftest.py), so a window
    turning over in the middle of a test cannot let a creation past its quota."""
    return time.time()


@dataclass(frozen=True)
class Window:
    """The fixed window a creation by ``who`` in a scope falls in now: its counter's key (before the
    cache's prefix), the limit, the window's length and the wait until it turns over."""

    key: str
    count: int
    seconds: int
    retry_after: int


def window(scope: str, who: object) -> Window:
    count, seconds = limit(scope)
    now = int(clock())
    start = now - now % seconds
    return Window(f"quota:{scope}:{who}:{start}", count, seconds, max(1, start + seconds - now))


def take(scope: str, who: object) -> None:
    """Count one creation for ``who`` (a user id, an address, a token digest) in ``scope``; raise
    ``TooMany`` when the window is full. (A caller may count in its own round trip instead, on
    ``window``'s key with ``seconds + 1`` to live, as ``credentials.shown.publish`` does.)"""
    slot = window(scope, who)
    used = None
    if not ratelimits.shared_down():  # Redis found away within seconds: no wait for it on every 亮证
        try:
            used = ratelimits.count(slot.key, slot.seconds + 1)  # one round trip (INCR + EXPIRE NX), as the guessing limits count
        except ratelimits.Unavailable:
            pass
    if used is None:  # Redis away: this process counts alone (core.ratelimits)
        used = 0 if ratelimits.floor(slot.key, slot.count, slot.seconds) else slot.count + 1
    if used > slot.count:
        raise TooMany(retry_after=slot.retry_after)
