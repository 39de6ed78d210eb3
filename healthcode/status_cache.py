"""The status cache (Redis in production): one key per person, dropped by whoever writes a status.
Only the evaluation writes statuses, so only it and ``statuses`` touch this module."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

CACHE_SECONDS = 300
BATCH = 5000

log = logging.getLogger(__name__)


def key(person_index: str) -> str:
    return f"hs:{person_index}"


CHANGED_KEY = "hs:changed"  # when a status last changed: until a replica has surely caught up, misses read the primary


def forget_statuses(person_indexes) -> None:
    person_indexes = list(person_indexes)
    cache.set(CHANGED_KEY, time.time(), None)
    if not person_indexes:
        return
    redis, prefix = _redis_and_prefix()
    if redis is None:
        for start in range(0, len(person_indexes), BATCH):
            cache.delete_many([key(index) for index in person_indexes[start : start + BATCH]])
        return
    # A rule publish drops every written person's key (1,000,000 of them): the cache's per-key
    # make_key cost ~10 µs a key, the Redis commands themselves ~1 µs. So the full keys are made by
    # concatenation (checked against make_key in _redis_and_prefix) and sent as UNLINKs of BATCH
    # keys in one pipeline (UNLINK frees memory off Redis's main thread).
    try:
        with redis.pipeline(transaction=False) as pipe:
            for start in range(0, len(person_indexes), BATCH):
                pipe.unlink(*[prefix + index for index in person_indexes[start : start + BATCH]])
            pipe.execute()
    except Exception:  # noqa: BLE001 — as the cache's IGNORE_EXCEPTIONS: a Redis outage must not fail a write
        log.warning("status cache: dropping %d keys failed", len(person_indexes), exc_info=True)


def _redis_and_prefix():
    """The raw Redis client and the prefix ``make_key`` puts before ``hs:…``, when the cache is
    django-redis with a key function that is plain concatenation; else (None, "")."""
    client = getattr(cache, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None, ""
    prefix = str(cache.make_key(key("")))
    if str(cache.make_key(key("probe"))) != prefix + "probe":
        return None, ""
    return client.get_client(write=True), prefix
