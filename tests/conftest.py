"""Shared fixtures: the actors, API clients for them, and a clean cache per test."""

import os
from collections import OrderedDict

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import summaries
from tests.factories import PASSWORD, UserFactory, api_as


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English (LocaleMiddleware activates its language and never resets it) does not leave
    English on for the next test of the same process."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# An instant 30 s into a minute and an hour: the creation quotas' fixed windows (core.quotas) never turn over
# within a test, whatever the wall clock does. A test of the turning over moves quotas.clock itself.
PINNED_QUOTA_CLOCK = 1_800_000_030.0


@pytest.fixture(autouse=True)
def _pinned_quota_clock(monkeypatch):
    from core import quotas

    monkeypatch.setattr(quotas, "clock", lambda: PINNED_QUOTA_CLOCK)


@pytest.fixture(autouse=True)
def _redis_breaker_closed(monkeypatch):
    """Each test starts with this process's Redis breaker closed (``core.ratelimits.trip``): a test that makes
    Redis fail trips it for a few seconds, and the next test on the same worker would otherwise find the
    shared limits "away" and take the local floor — passing or failing by timing, not by its own code."""
    from core import ratelimits

    monkeypatch.setattr(ratelimits, "_down_until", 0.0)


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
def migrated_back_and_forth():
    """For a test that migrates an app backwards: afterwards, pass or fail, every app is at its latest
    migration again (going back unapplies other apps' dependants, which the app's own leaf does not
    bring back), so the tests after it on the same worker see the whole schema."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


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


def _transactional_marker(item):
    """The django_db marker of a transactional test (live server, browser, production stack), or None."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return marker
    if "transactional_db" in fixtures or "live_server" in fixtures:
        return marker or pytest.mark.django_db(transaction=True).mark
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A transactional test empties the database when it ends, and with it the roles and reference data
    the migrations wrote. In one process pytest-django runs them last; make test runs on two pytest-xdist
    workers, where a worker may run a plain test after one — so every transactional test rolls back to
    the migrated contents (Django's serialized rollback) and the order no longer matters."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # one process: pytest-django runs the transactional tests last, after every plain one
    for item in items:
        marker = _transactional_marker(item)
        if marker is not None:
            item.add_marker(pytest.mark.django_db(*marker.args, **{**marker.kwargs, "transaction": True, "serialized_rollback": True}), append=False)


@pytest.fixture(scope="session", autouse=True)
def _migrated_snapshot(request):
    """Every connection of a pytest-xdist worker carries the migrated contents (``_test_serialized_contents``).

    Django keeps a connection per thread, and — through asgiref — a *different* one while an asyncio
    loop is marked running in that thread. Playwright's sync API marks its loop running in the test's
    own thread between calls, from a browser test's first page on for the rest of the session: the
    connections made then carry no snapshot, so a transactional test's flush re-ran post_migrate (new
    content types the next restore then duplicated) and restored nothing, and the plain tests after it
    found no roles. One process runs the browser tests last and never met it; a worker runs plain tests
    after them. So the snapshot is taken here, first (autouse, before any browser starts), and every
    connection made afterwards, in whichever storage, is given it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connections

    snapshots = {c.alias: c._test_serialized_contents for c in connections.all() if getattr(c, "_test_serialized_contents", None)}
    create = connections.create_connection

    def create_connection(alias):
        connection = create(alias)
        if alias in snapshots:
            connection._test_serialized_contents = snapshots[alias]
        return connection

    connections.create_connection = create_connection
    yield
    del connections.create_connection
    from pytest_django.plugin import blocking_manager_key

    with request.config.stash[blocking_manager_key].unblock():
        _end_other_sessions(connections)


def _end_other_sessions(connections):
    """A connection left open in another asgiref storage or thread kept the worker's test database from
    being dropped ("is being accessed by other users"): end every other session on it first."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Django restores the migrated contents when the next *transactional* test starts; a plain test
    after one (which only pytest-xdist's scheduling produces) finds them restored here instead."""
    yield
    if nextitem is not None and _transactional_marker(item) is not None and _transactional_marker(nextitem) is None:
        from django.db import connections
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            restored = []
            for connection in connections.all():
                contents = getattr(connection, "_test_serialized_contents", None)
                if contents:
                    connection.creation.deserialize_db_from_string(contents)
                    restored.append(connection.alias)
            if os.environ.get("PYTEST_XDIST_WORKER"):  # one process runs no plain test after a transactional one on purpose
                _migrated_contents_are_back(item, restored)


def _migrated_contents_are_back(item, restored):
    """Loud, and naming the transactional test, when the roles the migrations wrote are not back after it:
    the plain tests after it would otherwise fail far away (a clerk's 403, a missing finance department)."""
    from django.contrib.auth.models import Group

    from identity.roles import PERMISSIONS

    granting = {role for role, perms in PERMISSIONS.items() if perms}
    missing = granting - set(Group.objects.filter(name__in=granting, permissions__isnull=False).values_list("name", flat=True))
    if missing:
        pytest.fail(f"after {item.nodeid} the migrated contents are not back (restored: {restored or 'nothing, no snapshot on the connection'};"
                    f" roles without permissions: {sorted(missing)})", pytrace=False)


# The production-stack tests each start a whole stack (gunicorn, Celery, PgBouncer, a replica, Patroni,
# Sentinel): two at once on two cores starve each other (the Redis failover test's sign-ins timed out).
# Under `--dist loadfile` tests/production is one work unit — its files run one after another on one
# worker — and it is handed out first, so the other worker's files run beside it instead of after it.
HEAVY = "tests/production/"


class _HeavyFirst(OrderedDict):
    def __setitem__(self, scope, work):
        super().__setitem__(scope, work)
        if scope == HEAVY:
            self.move_to_end(scope, last=False)


def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def __init__(self, config, log=None):
            super().__init__(config, log)
            self.workqueue = _HeavyFirst()

        def _split_scope(self, nodeid):
            return HEAVY if nodeid.startswith(HEAVY) else super()._split_scope(nodeid)

    return Scheduling(config, log)


def pytest_sessionfinish(session):
    summaries.to_worker(session.config)


def pytest_testnodedown(node, error):  # pytest-xdist: a worker's figures reach the controller
    summaries.from_worker(node.config, node)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    figures = summaries.figures(config)
    if "use_cases" in figures:
        checked = figures["use_cases"]
        terminalreporter.write_line(f"use-case contract: {checked[0]} use cases checked in {checked[1]} write modules")
    if "page_check" in figures:
        terminalreporter.write_line(summaries.page_check_line(figures["page_check"]))
