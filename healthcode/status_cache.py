"""The status cache (Redis in production): one key per person, dropped by whoever writes a status.
Only the evaluation writes statuses, so only it and ``statuses`` touch this module."""

from __future__ import annotations

import time

from django.core.cache import cache

CACHE_SECONDS = 300


def key(person_index: str) -> str:
    return f"hs:{person_index}"


CHANGED_KEY = "hs:changed"  # when a status last changed: until a replica has surely caught up, misses read the primary


def forget_statuses(person_indexes) -> None:
    person_indexes = list(person_indexes)
    cache.set(CHANGED_KEY, time.time(), None)
    for start in range(0, len(person_indexes), 5000):
        cache.delete_many([key(index) for index in person_indexes[start : start + 5000]])
