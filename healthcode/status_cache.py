"""The status cache (Redis in production): one key per person, dropped by whoever writes a status.
Only the evaluation writes statuses, so only it and ``statuses`` touch this module."""

from __future__ import annotations

from django.core.cache import cache

CACHE_SECONDS = 300


def key(person_index: str) -> str:
    return f"hs:{person_index}"


def forget_statuses(person_indexes) -> None:
    person_indexes = list(person_indexes)
    for start in range(0, len(person_indexes), 5000):
        cache.delete_many([key(index) for index in person_indexes[start : start + 5000]])
