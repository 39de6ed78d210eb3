"""Rate limits told in words: how long until allauth lets an action through again, and the sentence
that says so. A refused request is a 429 with this message, never a 500 (portal.middleware)."""

from __future__ import annotations

import contextlib
import math
import time

from allauth.core.exceptions import RateLimited
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache
from django.utils.translation import gettext as _

from core import ratelimits


def wait_seconds(request, *, action: str, key: str | None = None) -> int:
    """How long until ``action`` is allowed again for this address (and key): the longest wait
    among its rates that are full now, read from allauth's own counters."""
    now, wait = time.time(), 0.0
    for rate in get_rates(app="allauth.account", action=action):
        if rate.per == "user" or (rate.per == "key" and key is None):
            continue
        history = cache.get(get_cache_key(request, app="allauth.account", action=action, rate=rate, key=key), [])
        if len(history) >= rate.amount:
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return max(1, math.ceil(wait))


def wait_message(seconds: int) -> str:
    if seconds < 120:
        return _("操作过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": seconds}
    return _("操作过于频繁，请 %(minutes)d 分钟后再试。") % {"minutes": math.ceil(seconds / 60)}


def longest_window(action: str) -> int:
    """The longest per-key window of ``action`` (when the key is not at hand: the wait is at most this)."""
    return max((math.ceil(rate.duration) for rate in get_rates(app="allauth.account", action=action) if rate.per == "key"), default=60)


# --- when Redis is away (core.ratelimits: LOCAL_FLOOR) --------------------------------------------
#
# allauth counts in the default cache under a cache lock (``cache.add``). With Redis away the lock is
# never taken and allauth refuses everyone — a correct password answered 429. Installed at start-up
# (identity.apps), these two wrappers keep allauth's counting while Redis answers and, while it does
# not, count each rate in this process alone (core.ratelimits.floor): sign-in works, guessing still
# meets the same limit in every process.


class _FloorUsage:
    """A usage counted on the local floor: rolling it back releases the local hit, never the cache."""

    def __init__(self, cache_key: str):
        self.cache_key = cache_key

    def rollback(self) -> None:
        ratelimits.floor_release(self.cache_key)


def _guarded_cache_lock(original):
    @contextlib.contextmanager
    def cache_lock(cache_key: str):
        if ratelimits.shared_down():
            yield False  # no one-second wait for a lock Redis cannot give
            return
        with original(cache_key) as locked:
            if not locked:
                ratelimits.probe()
            yield locked

    return cache_lock


def _guarded_consume_single_rate(original):
    def consume_single_rate(request, *, app, action, rate, key=None, user=None, dry_run=False, raise_exception=False):
        usage = None
        if not ratelimits.shared_down():
            usage = original(request, app=app, action=action, rate=rate, key=key, user=user, dry_run=dry_run)
        if usage is None and ratelimits.shared_down():
            cache_key = allauth_ratelimit.get_cache_key(request, app=app, action=action, rate=rate, key=key, user=user)
            if ratelimits.floor(cache_key, rate.amount, rate.duration, record=not dry_run):
                usage = _FloorUsage(cache_key)
        if usage is None and raise_exception:
            raise RateLimited
        return usage

    return consume_single_rate


def install() -> None:
    """Wrap allauth's counting once (identity.apps.IdentityConfig.ready)."""
    if getattr(allauth_ratelimit, "qilu_guarded", False):
        return
    allauth_ratelimit.cache_lock = _guarded_cache_lock(allauth_ratelimit.cache_lock)
    allauth_ratelimit._consume_single_rate = _guarded_consume_single_rate(allauth_ratelimit._consume_single_rate)
    allauth_ratelimit.qilu_guarded = True
