"""The recompute split into chunk tasks (issue 25): chunks cover everyone exactly once whatever the
ids, a retried chunk changes nothing, the job finishes once, two workers share it, and the result is
the one a single whole-population evaluation gives."""

import datetime as dt
import random
import threading
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import QueuedTask
from healthcode import tasks
from healthcode.evaluation import evaluate, evaluate_people
from healthcode.models import HealthStatus, Override, RecomputeChunk, RecomputeJob
from healthcode.models import TestResult as LabResult
from identity.models import PopulationRecord
from tests.factories import UserFactory


def _people(n: int, start: int = 0) -> list[str]:
    records = [PopulationRecord(id_number=f"chunk-{i}", id_number_index=f"{i:064x}", name="某", gender="M", birth_date=dt.date(1980, 1, 1),
                                area_code="370102") for i in range(start, start + n)]
    PopulationRecord.objects.bulk_create(records, batch_size=2000)
    return [record.id_number_index for record in records]


def _job(chunk_size: int, **fields) -> RecomputeJob:
    return RecomputeJob.objects.create(reason="test", rule_version=1, chunk_size=chunk_size, total=PopulationRecord.objects.count(), **fields)


def _plan(job: RecomputeJob) -> list[RecomputeChunk]:
    """The planner alone: its chunks' tasks are not sent (as if the bulk workers had not taken them yet)."""
    with mock.patch("healthcode.tasks.enqueue"):
        tasks.recompute(job.pk)
    return list(job.chunks.order_by("number"))


def _members(chunk: RecomputeChunk) -> list[int]:
    return list(tasks._in_chunk(chunk).values_list("id", flat=True))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(0, 40), removed=st.sets(st.integers(0, 39), max_size=25), chunk_size=st.integers(1, 12))
def test_chunks_cover_everyone_exactly_once_and_evenly(rules, size, removed, chunk_size):
    PopulationRecord.objects.all().delete()
    RecomputeJob.objects.all().delete()
    created = [record.id for record in PopulationRecord.objects.bulk_create(
        [PopulationRecord(id_number=f"p-{i}", id_number_index=f"p{i:063x}", name="某", gender="M", birth_date=dt.date(1980, 1, 1), area_code="370102")
         for i in range(size)])]
    PopulationRecord.objects.filter(id__in=[created[i] for i in removed if i < size]).delete()  # gaps in the ids
    everyone = sorted(PopulationRecord.objects.values_list("id", flat=True))
    chunks = _plan(_job(chunk_size))
    covered = [person for chunk in chunks for person in _members(chunk)]
    assert sorted(covered) == everyone  # everyone, once
    sizes = [len(_members(chunk)) for chunk in chunks]
    assert all(n == chunk_size for n in sizes[:-1]) and (not sizes or 1 <= sizes[-1] <= chunk_size)
    assert len(chunks) == -(-len(everyone) // chunk_size)


def test_no_people_means_no_chunks_and_the_job_is_done(rules):
    job = _job(10)
    with mock.patch("healthcode.tasks.enqueue") as sent:
        assert tasks.recompute(job.pk) == "done"
    job.refresh_from_db()
    assert (job.state, job.chunks_total, job.progress) == ("done", 0, 100) and not sent.called


def test_a_person_added_mid_run_is_in_the_last_chunk(rules):
    _people(25)
    job = _job(10)
    chunks = _plan(job)
    assert [chunk.next_first_id is None for chunk in chunks] == [False, False, True]
    tasks.recompute_chunk(job.pk, 0)
    newcomer = _people(1, start=1000)[0]  # registered while the job runs
    tasks.recompute_chunk(job.pk, 1)
    tasks.recompute_chunk(job.pk, 2)
    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 26)
    assert HealthStatus.objects.filter(person_index=newcomer).exists() and HealthStatus.objects.count() == 26


def test_a_retried_chunk_changes_nothing_and_the_job_finishes_once(rules):
    indexes = _people(30)
    job = _job(10)
    _plan(job)
    finished = []
    real_finish = tasks._finish
    with mock.patch("healthcode.tasks._finish", side_effect=lambda job_id: (finished.append(job_id), real_finish(job_id))):
        for number in [2, 0, 2, 1, 0, 1]:  # out of order, every chunk delivered twice
            tasks.recompute_chunk(job.pk, number)
    job.refresh_from_db()
    assert (job.state, job.chunks_done, job.done, job.changed, job.progress) == ("done", 3, 30, 30, 100)
    assert finished == [job.pk]
    assert QueuedTask.objects.filter(name="healthcode.snapshot_counts").count() <= 1  # sent on commit (eager here), never twice
    before = {row.person_index: (row.colour, row.reasons, row.valid_until, row.evaluated_at) for row in HealthStatus.objects.all()}
    # The same chunk's statement again, as a worker killed before its commit would run it: same rows, none written.
    chunk = job.chunks.get(number=1)
    assert evaluate(tasks._to_evaluate(chunk, "")) == []
    # A new result for one person: the rerun writes exactly that row.
    LabResult.objects.create(person_index=indexes[12], source="lab", external_id="R", kind="antigen", result="positive",
                             sampled_at=timezone.now(), reported_at=timezone.now())
    assert evaluate(tasks._to_evaluate(chunk, "")) == [indexes[12]]
    after = {row.person_index: (row.colour, row.reasons, row.valid_until, row.evaluated_at) for row in HealthStatus.objects.all()}
    assert {index for index in before if before[index] != after[index]} == {indexes[12]}
    assert after[indexes[12]][0] == "red"


def test_a_due_status_is_written_again_though_unchanged(rules):
    index = _people(1)[0]
    evaluate_people([index])
    HealthStatus.objects.filter(person_index=index).update(valid_until=timezone.now() - dt.timedelta(seconds=1))
    assert evaluate_people([index]) == [index]
    assert HealthStatus.objects.get(person_index=index).valid_until > timezone.now()


def test_the_chunked_result_equals_one_evaluation_of_everyone(rules):
    indexes = _people(60)
    now = timezone.now()
    for i in range(0, 60, 7):
        LabResult.objects.create(person_index=indexes[i], source="lab", external_id=f"E{i}", kind="antigen", result="positive",
                                 sampled_at=now - dt.timedelta(days=1), reported_at=now - dt.timedelta(days=1))
    Override.objects.create(person_index=indexes[3], colour="yellow", note="test", starts_at=now - dt.timedelta(hours=1),
                            expires_at=now + dt.timedelta(days=2), officer=UserFactory())
    evaluate(PopulationRecord.objects.all(), now=now)  # the single whole-population statement
    whole = {row.person_index: (row.colour, row.reasons, row.rule_version, row.override_id) for row in HealthStatus.objects.all()}
    HealthStatus.objects.all().delete()
    job = _job(7)
    for chunk in reversed(_plan(job)):
        tasks.recompute_chunk(job.pk, chunk.number)
    chunked = {row.person_index: (row.colour, row.reasons, row.rule_version, row.override_id) for row in HealthStatus.objects.all()}
    assert chunked == whole and len(whole) == 60
    assert {colour for colour, *_ in whole.values()} == {"green", "red", "yellow"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_chunks_and_one_finishes_the_job():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers need PostgreSQL")
    from healthcode.demo import default_ruleset

    default_ruleset()
    _people(400)
    job = _job(20)
    numbers = [chunk.number for chunk in _plan(job)]
    queue = numbers + random.Random(7).sample(numbers, 8)  # some redelivered
    finished, errors, lock = [], [], threading.Lock()
    real_finish = tasks._finish

    def worker():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    number = queue.pop(0)
                tasks.recompute_chunk(job.pk, number)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    with mock.patch.object(tasks, "_finish", side_effect=lambda job_id: (finished.append(job_id), real_finish(job_id))):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    job.refresh_from_db()
    assert errors == []
    assert (job.state, job.chunks_done, job.done) == ("done", 20, 400) and finished == [job.pk]
    assert HealthStatus.objects.count() == 400


def test_the_two_level_statement_gives_the_reference_rows(rules):
    """``status_sql`` (PostgreSQL's statement) row for row equals ``status_select`` (the reference)
    on every kind of source: tests, contacts (released or not), risk-area stays (cleared or not),
    symptoms declared then withdrawn, overrides."""
    if connection.vendor != "postgresql":
        pytest.skip("status_sql is PostgreSQL's")
    from healthcode.evaluation import ruleset_in_force, status_select, status_sql
    from healthcode.models import CloseContact, RiskArea, SelfDeclaration, Stay

    indexes = _people(40)
    now = timezone.now()
    day = dt.timedelta(days=1)
    RiskArea.objects.create(area_code="370203", name="市北区", level="high", starts_at=now - 20 * day)
    for i, index in enumerate(indexes):
        kind = i % 8
        if kind == 1:
            LabResult.objects.create(person_index=index, source="lab", external_id=f"P{i}", kind="antigen", result="positive",
                                     sampled_at=now - (i % 5) * day, reported_at=now)
        elif kind == 2:
            CloseContact.objects.create(person_index=index, listed_at=now - 2 * day, released_at=now - day if i % 16 == 2 else None)
        elif kind in (3, 4):
            left = now - 4 * day
            Stay.objects.create(person_index=index, area_code="370203", city_code="370200", province_code="370000", arrived_at=left - day,
                                left_at=left, source="import")
            if kind == 4:
                LabResult.objects.create(person_index=index, source="lab", external_id=f"N{i}", kind="nucleic_acid", result="negative",
                                         sampled_at=left + 3 * day, reported_at=left + 3 * day)
        elif kind == 5:
            SelfDeclaration.objects.create(person_index=index, symptoms=True, declared_at=now - 2 * day)
            if i % 16 == 5:
                SelfDeclaration.objects.create(person_index=index, symptoms=False, declared_at=now - day)
        elif kind == 6:
            Override.objects.create(person_index=index, colour="green" if i % 16 == 6 else "red", note="t", starts_at=now - day,
                                    expires_at=now + 3 * day, officer=UserFactory())
            LabResult.objects.create(person_index=index, source="lab", external_id=f"O{i}", kind="antigen", result="positive",
                                     sampled_at=now - day, reported_at=now)
    ruleset, rule_list = ruleset_in_force()
    people = PopulationRecord.objects.all()
    reference = set(status_select(ruleset, rule_list, people, now))
    sql, params = status_sql(ruleset, rule_list, people, now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = set(cursor.fetchall())
    assert rows == reference and len(rows) == 40
    assert {row[1] for row in rows} == {"green", "yellow", "red"} and any(row[4] for row in rows)
    assert len({row[2] for row in rows}) >= 4  # several different reasons


def test_the_officer_sees_progress_by_chunk_in_admin(rules):
    from django.contrib import admin

    _people(30)
    job = _job(10)
    model_admin = admin.site._registry[RecomputeJob]
    assert model_admin.chunks_display(job) == "—"  # not split yet
    _plan(job)
    tasks.recompute_chunk(job.pk, 1)
    job.refresh_from_db()
    assert (model_admin.chunks_display(job), job.progress, model_admin.progress_display(job)) == ("1/3", 33, "33% (10/30)")


def _subplan_loops(plan: dict) -> list[int]:
    loops = [plan["Actual Loops"]] if plan.get("Parent Relationship") == "SubPlan" else []
    for child in plan.get("Plans", []):
        loops += _subplan_loops(child)
    return loops


def test_people_no_rule_can_apply_to_get_the_reference_status_without_a_probe(rules):
    """Most people have no triggering row: ``status_sql`` gives them green with no reason by an anti-join
    against the people the rules' rows and overrides are for, without a rule's probe — the same row,
    reason and explanation the full evaluation gives, including for people whose rows trigger nothing
    (a negative test, a positive one out of the window or in the future, symptoms withdrawn, a stay
    in a safe area or cleared by a test, a released contact)."""
    if connection.vendor != "postgresql":
        pytest.skip("status_sql is PostgreSQL's")
    from healthcode import selectors, statuses
    from healthcode.evaluation import COLUMNS, _candidates, ruleset_in_force, status_select, status_sql
    from healthcode.models import CloseContact, RiskArea, SelfDeclaration, Stay

    indexes = _people(30)
    now = timezone.now()
    day = dt.timedelta(days=1)
    RiskArea.objects.create(area_code="370203", name="市北区", level="high", starts_at=now - 20 * day)

    def lab(i, result, when):
        LabResult.objects.create(person_index=indexes[i], source="lab", external_id=f"Q{i}{result}", kind="antigen", result=result,
                                 sampled_at=when, reported_at=when)

    def stay(i, area, left):
        Stay.objects.create(person_index=indexes[i], area_code=area, city_code=area[:4] + "00", province_code=area[:2] + "0000",
                            arrived_at=left - day, left_at=left, source="import")

    lab(0, "negative", now - day)
    lab(1, "positive", now - 20 * day)  # out of the window
    lab(2, "positive", now + day)  # not yet
    SelfDeclaration.objects.create(person_index=indexes[3], symptoms=True, declared_at=now - 3 * day)
    SelfDeclaration.objects.create(person_index=indexes[3], symptoms=False, declared_at=now - day)
    stay(4, "370102", now - 2 * day)  # no risk there
    stay(5, "370203", now - 5 * day)
    lab(5, "negative", now - 2 * day)  # 72 h after leaving: cleared
    CloseContact.objects.create(person_index=indexes[6], listed_at=now - 3 * day, released_at=now - day)
    lab(7, "positive", now - day)  # red
    Override.objects.create(person_index=indexes[8], colour="yellow", note="t", starts_at=now - day, expires_at=now + day, officer=UserFactory())
    stay(9, "370203", now - 2 * day)  # yellow: not cleared yet
    ruleset, rule_list = ruleset_in_force()
    candidates_sql, params = _candidates(rule_list, now)
    with connection.cursor() as cursor:
        cursor.execute(candidates_sql, params)
        assert {row[0] for row in cursor.fetchall()} == {indexes[7], indexes[8], indexes[9]}

    people = PopulationRecord.objects.all()
    reference = {row[0]: row for row in status_select(ruleset, rule_list, people, now)}
    sql, params = status_sql(ruleset, rule_list, people, now)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    loops = _subplan_loops(plan[0]["Plan"] if isinstance(plan, list) else plan)
    assert loops and max(loops) <= 3  # probed for the three candidates only, not for 30 people

    evaluate(people, now=now)
    written = {row[0]: row for row in HealthStatus.objects.values_list(*[c if c != "override_id" else "override" for c in COLUMNS])}
    assert written == reference and len(written) == 30
    assert {index: row[1] for index, row in written.items() if row[1] != "green"} == {indexes[7]: "red", indexes[8]: "yellow", indexes[9]: "yellow"}
    for i in [0, 1, 2, 3, 4, 5, 6, 10, 29]:
        status = statuses.status_for(indexes[i])
        assert (status["colour"], [reason["code"] for reason in selectors.explain(status)]) == ("green", ["none"])
        assert written[indexes[i]][7] == now + dt.timedelta(days=1)
    assert [reason["code"] for reason in selectors.explain(statuses.status_for(indexes[7]))] == ["positive-test"]


def test_written_peoples_cached_statuses_are_dropped_in_pipelined_batches_and_no_other(settings):
    """The keys of everyone written go (more than one batch of them), others' stay; the same with a
    cache that is not Redis (the plain delete_many path) — and a Redis error does not fail the write."""
    from django.core.cache import cache

    from healthcode import status_cache

    written, kept = [f"w{i:063x}" for i in range(status_cache.BATCH + 7)], [f"k{i:063x}" for i in range(5)]
    cache.set_many({status_cache.key(index): {"colour": "green"} for index in written + kept}, 60)
    status_cache.forget_statuses(written)
    assert cache.get_many([status_cache.key(index) for index in written]) == {}
    assert len(cache.get_many([status_cache.key(index) for index in kept])) == 5
    assert cache.get(status_cache.CHANGED_KEY) is not None
    redis, prefix = status_cache._redis_and_prefix()
    if redis is not None:  # Redis: the fast path, its keys the cache's own
        assert prefix + written[0] == str(cache.make_key(status_cache.key(written[0])))
        with mock.patch.object(type(redis), "pipeline", side_effect=ConnectionError("down")):
            status_cache.forget_statuses(kept)  # logged, not raised
        with mock.patch.object(cache, "make_key", side_effect=lambda k, version=None: f"custom/{k[::-1]}"):
            assert status_cache._redis_and_prefix() == (None, "")  # a key function that is not prefix + key: the slow path
    with mock.patch.object(status_cache, "_redis_and_prefix", return_value=(None, "")):
        status_cache.forget_statuses(kept)
    assert cache.get_many([status_cache.key(index) for index in kept]) == {}
