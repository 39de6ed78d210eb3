"""Rate limits told in words: how long until allauth lets an action through again, and the sentence
that says so. A refused request is a 429 with this message, never a 500 (portal.middleware)."""

from __future__ import annotations

import math
import time

from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache
from django.utils.translation import gettext as _


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
