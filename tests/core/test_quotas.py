"""Creation quotas: the window fills, the next creation is refused with a wait, other people and
other scopes are not affected, and the API answers 429 with Retry-After."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from core import quotas
from core.api import exception_handler


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@override_settings(QILU_CREATION_QUOTAS={"applications": [3, 60]})
def test_the_quota_refuses_the_creation_past_the_limit_for_that_person_only():
    for _ in range(3):
        quotas.take("applications", 1)
    with pytest.raises(quotas.TooMany) as refused:
        quotas.take("applications", 1)
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.code == "too_many_requests"
    quotas.take("applications", 2)  # someone else
    quotas.take("presentations", 1)  # another scope


@override_settings(QILU_CREATION_QUOTAS={"applications": [1, 60]})
def test_the_api_answers_429_with_retry_after():
    quotas.take("applications", 7)
    with pytest.raises(quotas.TooMany) as refused:
        quotas.take("applications", 7)
    response = exception_handler(refused.value, {})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.data["code"] == "too_many_requests"


@override_settings(QILU_CREATION_QUOTAS={"applications": [3, 60]})
def test_a_minute_turning_over_mid_test_lets_nothing_past_the_quota(monkeypatch):
    """The wall clock crossing a minute boundary between two creations (as it may on a slow run) does not
    open a new window: the quotas read the pinned clock, not time.time."""
    boundary = 1_800_000_060.0
    ticks = iter([boundary - 0.5, boundary - 0.5, boundary + 0.5, boundary + 0.5])
    monkeypatch.setattr(quotas.time, "time", lambda: next(ticks, boundary + 1))
    for _ in range(3):
        quotas.take("applications", 1)
    with pytest.raises(quotas.TooMany):
        quotas.take("applications", 1)


@override_settings(QILU_CREATION_QUOTAS={"applications": [1, 60]})
def test_the_next_window_opens_when_the_clock_moves_past_it(monkeypatch):
    quotas.take("applications", 1)
    with pytest.raises(quotas.TooMany) as refused:
        quotas.take("applications", 1)
    assert refused.value.retry_after == 30  # the pinned instant is 30 s into its minute
    monkeypatch.setattr(quotas, "clock", lambda: 1_800_000_060.0)
    quotas.take("applications", 1)
