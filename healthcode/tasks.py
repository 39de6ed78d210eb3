"""Celery tasks: recomputation split into chunk tasks any number of bulk workers share; re-evaluation of statuses that are due; statistics."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from core.outbox import enqueue, enqueue_on_commit
from healthcode.evaluation import evaluate, evaluate_people, ruleset_in_force
from healthcode.models import DailyCount, HealthStatus, RecomputeChunk, RecomputeJob, Stay
from identity.models import PopulationRecord


def chunk_starts(chunk_size: int) -> list[int]:
    """The first id of every chunk: every ``chunk_size``-th id of the population base in id order, so
    chunks hold the same number of people whatever the gaps in the ids (one index-only scan)."""
    table = PopulationRecord._meta.db_table
    sql = (f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table}) AS numbered "  # noqa: S608 (our table name)
           "WHERE (n - 1) %% %s = 0 ORDER BY id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [chunk_size])
        return [row[0] for row in cursor.fetchall()]


def _in_chunk(chunk: RecomputeChunk):
    people = PopulationRecord.objects.filter(id__gte=chunk.first_id)
    return people if chunk.next_first_id is None else people.filter(id__lt=chunk.next_first_id)


def _to_evaluate(chunk: RecomputeChunk, area_code: str):
    people = _in_chunk(chunk)
    if area_code:
        touched = Stay.objects.filter(person_index=OuterRef("id_number_index")).filter(
            Q(area_code=area_code) | Q(city_code=area_code) | Q(province_code=area_code)
        )
        people = people.filter(Exists(touched))
    return people


@shared_task(name="healthcode.recompute", acks_late=True)
def recompute(job_id: int) -> str:
    """Split a job into chunks of ``chunk_size`` people (once: the chunks are rows) and queue one
    ``recompute_chunk`` task per chunk not done yet on the bulk queue, so every bulk worker takes
    chunks. Run again (a lost worker, a relay) it queues only the chunks still to do."""
    with transaction.atomic():
        job = RecomputeJob.objects.select_for_update().get(pk=job_id)
        if job.state in (RecomputeJob.State.DONE, RecomputeJob.State.FAILED):
            return job.state
        if job.chunks_total is None:
            starts = chunk_starts(job.chunk_size)
            RecomputeChunk.objects.bulk_create([
                RecomputeChunk(job=job, number=number, first_id=first, next_first_id=starts[number + 1] if number + 1 < len(starts) else None)
                for number, first in enumerate(starts)
            ])
            job.chunks_total, job.state = len(starts), RecomputeJob.State.RUNNING
            job.save(update_fields=["chunks_total", "state"])
        if job.chunks_done >= job.chunks_total:
            _finish(job_id)
            return "done"
        pending = list(job.chunks.filter(done_at__isnull=True).order_by("number").values_list("number", flat=True))
    for number in pending:  # after commit: a chunk's task finds its row
        enqueue(recompute_chunk, job_id, number)
    return f"{len(pending)} chunks queued"


@shared_task(name="healthcode.recompute_chunk", acks_late=True)
def recompute_chunk(job_id: int, number: int) -> str:
    """One chunk: its statuses (one set-based upsert writing only the changed rows), the chunk marked
    done and the job's counters moved, in one transaction. A chunk done twice (a redelivered task)
    finds its row done and writes nothing; the chunk that completes the job finishes it, once."""
    rules = ruleset_in_force()
    with transaction.atomic():
        chunk = RecomputeChunk.objects.select_for_update().get(job_id=job_id, number=number)
        area_code, state = RecomputeJob.objects.filter(pk=job_id).values_list("area_code", "state").get()
        if chunk.done_at is not None or state in (RecomputeJob.State.DONE, RecomputeJob.State.FAILED):
            return "already done"
        written = evaluate(_to_evaluate(chunk, area_code), rules=rules)
        people = _in_chunk(chunk).count()
        RecomputeChunk.objects.filter(pk=chunk.pk).update(done_at=timezone.now(), people=people, changed=len(written))
        # The job's row is locked from here to commit (milliseconds): chunks count in one at a time.
        RecomputeJob.objects.filter(pk=job_id).update(chunks_done=F("chunks_done") + 1, done=F("done") + people, changed=F("changed") + len(written))
        done, total = RecomputeJob.objects.filter(pk=job_id).values_list("chunks_done", "chunks_total").get()
        if done >= total:
            _finish(job_id)
    return f"{len(written)} of {people} changed"


def _finish(job_id: int) -> None:
    """Mark the job done and publish it (the day's counts) after commit; called once, under the job's lock."""
    RecomputeJob.objects.filter(pk=job_id).update(state=RecomputeJob.State.DONE, finished_at=timezone.now())
    enqueue_on_commit("healthcode.snapshot_counts")


@shared_task(name="healthcode.reevaluate", acks_late=True)
def reevaluate(person_indexes: list[str]) -> int:
    """Evaluate these people again (after a close contact was listed or released): idempotent."""
    return len(evaluate_people(person_indexes))


@shared_task(name="healthcode.reevaluate_due")
def reevaluate_due(limit: int = 50000) -> int:
    """Statuses whose time is up (a window ended, an override expired) are evaluated again."""
    due = list(HealthStatus.objects.filter(valid_until__lte=timezone.now()).values_list("person_index", flat=True)[:limit])
    for start in range(0, len(due), 10000):
        evaluate_people(due[start : start + 10000])
    return len(due)


@shared_task(name="healthcode.snapshot_counts")
def snapshot_counts(day: str | None = None) -> int:
    """Today's counts by city-level area and colour (one GROUP BY; rows = areas × colours)."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Left

    day = dt.date.fromisoformat(day) if day else timezone.localdate()
    rows = (
        HealthStatus.objects.annotate(city=Concat(Left("area_code", 4), Value("00")))
        .values("city", "colour")
        .annotate(n=Count("pk"))
    )
    counts = [DailyCount(day=day, area_code=row["city"], colour=row["colour"], count=row["n"]) for row in rows]
    with transaction.atomic():
        DailyCount.objects.filter(day=day).delete()
        DailyCount.objects.bulk_create(counts)
    return len(counts)
