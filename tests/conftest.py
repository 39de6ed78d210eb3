"""Shared fixtures: the actors, API clients for them, and a clean cache per test."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory, api_as


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def redis_journal(settings):
    """The check journal on the suite's real Redis (core.journal), emptied before and after."""
    from core import journal

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.fail("the check journal's tests need the Redis that make test starts (REDIS_URL)")
    settings.QILU_CHECK_JOURNAL = "redis"
    client = journal._redis()
    client.delete(journal.STREAM, journal.DEAD)
    yield client
    client.delete(journal.STREAM, journal.DEAD)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def citizen(db):
    return UserFactory(name="张三", roles=["citizen"], phone_number="13800000101")


@pytest.fixture
def other_citizen(db):
    return UserFactory(name="李四", roles=["citizen"], phone_number="13800000102")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def citizen_api(citizen):
    return api_as(citizen)


@pytest.fixture
def other_api(other_citizen):
    return api_as(other_citizen)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    checked = getattr(config, "qilu_use_cases_checked", None)
    if checked:
        terminalreporter.write_line(f"use-case contract: {checked[0]} use cases checked in {checked[1]} write modules")
