"""Monthly partitions of the append-only tables (core/partitions.py) on the suite's PostgreSQL:
next month is ready, a query by subject and month reads one partition, a row outside every month
still lands (in the default partition), and retention detaches what is older than it keeps."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from core import partitions
from core.usecases import SYSTEM
from identity.models import AuditEvent
from identity.services import retention_apply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("partitions are a PostgreSQL feature: make test runs on PostgreSQL")


def test_every_append_only_table_is_partitioned_with_next_month_ready():
    today = timezone.now().date()
    for table in partitions.tables():
        assert partitions.is_partitioned(table), table
        names = partitions.partitions(table)
        for shift in (0, 1):
            assert partitions.partition_name(table, partitions.month_start(today, shift)) in names
        assert f"{table}_default" in names


def test_ensure_creates_months_ahead_once():
    later = dt.date(2031, 5, 17)
    created = partitions.ensure(later)
    assert created[:3] == ["identity_auditevent_p203105", "identity_auditevent_p203106", "identity_auditevent_p203107"]
    assert partitions.ensure(later) == []


def test_a_query_by_subject_and_month_reads_one_partition(citizen):
    AuditEvent.objects.create(action="sign_in", actor=citizen, subject=citizen)
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    plan = AuditEvent.objects.filter(subject=citizen, created_at__gte=start, created_at__lt=end).explain()
    scanned = set(re.findall(r" on (identity_auditevent_\w+)", plan))
    assert scanned == {f"identity_auditevent_p{start:%Y%m}"}, plan


def test_a_row_outside_every_month_lands_in_the_default_partition(citizen):
    event = AuditEvent.objects.create(action="sign_in", subject=citizen, created_at=timezone.now() + dt.timedelta(days=3650))
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM identity_auditevent WHERE id = %s", [event.pk])
        assert cursor.fetchone()[0] == "identity_auditevent_default"


def test_retention_detaches_old_months_keeps_their_rows_and_is_audited(citizen):
    long_ago = dt.date(2019, 3, 1)
    with connection.cursor() as cursor:
        partitions._create_month(cursor, "identity_auditevent", long_ago)
        partitions._create_month(cursor, "healthcode_passcheck", long_ago)
    old = AuditEvent.objects.create(action="sign_in", subject=citizen, created_at=dt.datetime(2019, 3, 5, tzinfo=dt.UTC))
    recent = AuditEvent.objects.create(action="sign_in", subject=citizen)

    detached = retention_apply(actor=SYSTEM)
    assert detached == ["identity_auditevent_p201903", "healthcode_passcheck_p201903"]
    assert "identity_auditevent_p201903" not in partitions.partitions("identity_auditevent")
    assert list(AuditEvent.objects.filter(subject=citizen, action="sign_in")) == [recent]  # gone from the live table …
    with connection.cursor() as cursor:  # … and kept, for archiving
        cursor.execute("SELECT id FROM identity_auditevent_p201903")
        assert cursor.fetchall() == [(old.pk,)]
    event = AuditEvent.objects.get(action="retention_applied")
    assert event.detail["detached"] == detached
    assert retention_apply(actor=SYSTEM) == []  # nothing more to do: no second event
    assert AuditEvent.objects.filter(action="retention_applied").count() == 1


def test_retention_keeps_months_inside_the_window():
    today = timezone.now().date()
    kept = partitions.month_start(today, -partitions.tables()["healthcode_passcheck"])
    with connection.cursor() as cursor:
        partitions._create_month(cursor, "healthcode_passcheck", kept)
    assert ("healthcode_passcheck", partitions.partition_name("healthcode_passcheck", kept)) not in partitions.expired(today)
