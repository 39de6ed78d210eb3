"""Recomputation at scale on PostgreSQL: 100,000 people, chunked Celery job, exact counts; and a status
read during a recomputation sees the old row or the new one, never none."""

import datetime as dt
import hashlib
import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from core.usecases import SYSTEM
from healthcode import services
from healthcode.evaluation import evaluate_people
from healthcode.models import HealthStatus, RecomputeJob, RiskArea, SelfDeclaration, Stay
from healthcode.models import TestResult as LabResult
from identity.models import PopulationRecord

pytestmark = pytest.mark.slow


def _require_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("scale and concurrency tests run on PostgreSQL (make test)")


def _index(i: int) -> str:
    return hashlib.sha256(f"person-{i}".encode()).hexdigest()


def _people(n: int) -> list[str]:
    indexes = [_index(i) for i in range(n)]
    PopulationRecord.objects.bulk_create(
        [PopulationRecord(id_number=f"synthetic-{i}", id_number_index=indexes[i], name="某", gender="M", birth_date=dt.date(1980, 1, 1),
                          area_code=("370102", "370203", "370602")[i % 3]) for i in range(n)],
        batch_size=5000,
    )
    return indexes


def _sources(indexes: list[str], now) -> dict:
    """Known subsets: 1% positive (red); 2% stayed in a high-risk area, half of them cleared by a
    negative test 80 h after leaving (so 1% yellow); 0.5% declared symptoms (yellow)."""
    RiskArea.objects.create(area_code="370203", name="市北区", level="high", starts_at=now - dt.timedelta(days=20))
    left = now - dt.timedelta(days=5)
    tests, stays, declarations = [], [], []
    for i, index in enumerate(indexes):
        if i % 100 == 0:
            tests.append(LabResult(person_index=index, source="lab", external_id=f"P{i}", kind="antigen", result="positive",
                                    sampled_at=now - dt.timedelta(days=2), reported_at=now - dt.timedelta(days=2)))
        if i % 50 == 1:
            stays.append(Stay(person_index=index, area_code="370203", city_code="370200", province_code="370000", arrived_at=left - dt.timedelta(days=1),
                              left_at=left, source="import"))
            if i % 100 == 1:
                tests.append(LabResult(person_index=index, source="lab", external_id=f"N{i}", kind="nucleic_acid", result="negative",
                                        sampled_at=left + dt.timedelta(hours=80), reported_at=left + dt.timedelta(hours=86)))
        if i % 200 == 2:
            declarations.append(SelfDeclaration(person_index=index, symptoms=True, declared_at=now - dt.timedelta(days=1)))
    LabResult.objects.bulk_create(tests, batch_size=5000)
    Stay.objects.bulk_create(stays, batch_size=5000)
    SelfDeclaration.objects.bulk_create(declarations, batch_size=5000)
    n = len(indexes)
    red = len(range(0, n, 100))
    yellow = len([i for i in range(n) if i % 100 == 51]) + len(range(2, n, 200))
    return {"red": red, "yellow": yellow, "green": n - red - yellow}


def test_recompute_100k_people_in_chunks(rules, django_capture_on_commit_callbacks, capsys):
    _require_postgres()
    now = timezone.now()
    indexes = _people(100_000)
    expected = _sources(indexes, now)
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.recompute_start(actor=SYSTEM, reason="test: 100k", chunk_size=20_000)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.progress) == ("done", 100_000, 100_000, 100)
    counts = {row["colour"]: row["n"] for row in HealthStatus.objects.values("colour").annotate(n=Count("pk"))}
    assert counts == expected
    # Spot checks: the reasons name the rules.
    assert HealthStatus.objects.get(person_index=indexes[0]).reason_codes == ["positive-test"]
    assert HealthStatus.objects.get(person_index=indexes[51]).reason_codes == ["high-risk-area"]
    assert HealthStatus.objects.get(person_index=indexes[1]).colour == "green"  # cleared by the 80 h test
    # Running it again is idempotent.
    with django_capture_on_commit_callbacks(execute=True):
        services.recompute_start(actor=SYSTEM, reason="test: again", chunk_size=20_000)
    assert HealthStatus.objects.count() == 100_000
    with capsys.disabled():
        print(f"\n  recompute of 100,000 people: {elapsed:.1f} s ({100_000 / elapsed:,.0f} people/s)")


def test_a_killed_job_resumes_with_the_chunks_left(rules):
    _require_postgres()
    indexes = _people(3000)
    from healthcode.tasks import recompute

    job = RecomputeJob.objects.create(reason="resume", rule_version=1, chunk_size=1000, total=3000)
    from unittest import mock

    with mock.patch("healthcode.tasks.enqueue"):  # as if the worker died right after planning
        recompute(job.pk)
    assert job.chunks.count() == 3
    job.chunks.filter(number__lt=2).update(done_at=timezone.now(), people=1000)  # …and two chunks were done before it died
    RecomputeJob.objects.filter(pk=job.pk).update(chunks_done=2, done=2000)
    recompute(job.pk)  # redelivered: queues (here, runs) only the chunk left
    job.refresh_from_db()
    assert (job.state, job.chunks_done, job.done) == ("done", 3, 3000)
    assert HealthStatus.objects.count() == 1000  # only the last chunk was left to do
    assert HealthStatus.objects.filter(person_index=indexes[-1]).exists()


@pytest.mark.django_db(transaction=True)
def test_a_read_during_recomputation_sees_old_or_new_never_nothing():
    _require_postgres()
    from healthcode.demo import default_ruleset

    default_ruleset()
    indexes = _people(200)
    evaluate_people(indexes)
    assert HealthStatus.objects.get(person_index=indexes[7]).colour == "green"
    LabResult.objects.create(person_index=indexes[7], source="lab", external_id="X", kind="antigen", result="positive",
                              sampled_at=timezone.now(), reported_at=timezone.now())
    written, may_commit = threading.Event(), threading.Event()

    def recompute_in_another_transaction():
        try:
            with transaction.atomic():
                evaluate_people(indexes)
                written.set()
                may_commit.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=recompute_in_another_transaction)
    worker.start()
    assert written.wait(10)
    # Mid-recomputation (rows rewritten, not yet committed): every status is still there, the old one.
    assert HealthStatus.objects.filter(person_index__in=indexes).count() == 200
    assert HealthStatus.objects.get(person_index=indexes[7]).colour == "green"
    may_commit.set()
    worker.join(10)
    assert HealthStatus.objects.get(person_index=indexes[7]).colour == "red"


@pytest.mark.django_db(transaction=True)
def test_readers_never_miss_a_status_while_a_job_runs():
    _require_postgres()
    from django.core.cache import cache

    from healthcode.demo import default_ruleset
    from healthcode.statuses import status_for
    from healthcode.tasks import recompute

    default_ruleset()
    indexes = _people(20_000)
    evaluate_people(indexes)
    job = RecomputeJob.objects.create(reason="concurrent", rule_version=1, chunk_size=2_000, total=20_000)
    missing, reads = [], [0]
    stop = threading.Event()

    def read():
        try:
            while not stop.is_set():
                for index in indexes[::997]:
                    cache.delete(f"hs:{index}")
                    if not HealthStatus.objects.filter(person_index=index).exists():
                        missing.append(index)
                    status_for(index)
                    reads[0] += 1
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    reader.start()
    recompute(job.pk)
    stop.set()
    reader.join(10)
    assert reads[0] > 0 and missing == []
