"""Celery tasks: chunked, resumable recomputation; re-evaluation of statuses that are due; statistics."""

from __future__ import annotations

import datetime as dt
import time

from celery import shared_task
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from core.outbox import enqueue
from healthcode.evaluation import evaluate, evaluate_people, ruleset_in_force
from healthcode.models import DailyCount, HealthStatus, RecomputeJob, Stay
from identity.models import PopulationRecord

TIME_BUDGET_SECONDS = 30


def _people_in_chunk(job: RecomputeJob):
    people = PopulationRecord.objects.filter(id__gte=job.cursor, id__lt=job.cursor + job.chunk_size)
    if job.area_code:
        code = job.area_code
        touched = Stay.objects.filter(person_index=OuterRef("id_number_index")).filter(
            Q(area_code=code) | Q(city_code=code) | Q(province_code=code)
        )
        people = people.filter(Exists(touched))
    return people


@shared_task(name="healthcode.recompute", acks_late=True)
def recompute(job_id: int) -> str:
    """Work through a job chunk by chunk (id ranges of the population base). Each chunk is one upsert
    statement and the cursor moves in the same transaction, so a killed worker resumes where it
    stopped and a chunk done twice writes the same rows again (idempotent). After the time budget the
    task re-enqueues itself, so no task runs long and other work interleaves."""
    started = time.monotonic()
    job = RecomputeJob.objects.get(pk=job_id)
    if job.state in (RecomputeJob.State.DONE, RecomputeJob.State.FAILED):
        return job.state
    rules = ruleset_in_force()
    RecomputeJob.objects.filter(pk=job.pk, state=RecomputeJob.State.QUEUED).update(state=RecomputeJob.State.RUNNING)
    while job.cursor <= job.last_id:
        with transaction.atomic():
            job = RecomputeJob.objects.select_for_update(no_key=True).get(pk=job_id)
            if job.cursor > job.last_id:
                break
            written = evaluate(_people_in_chunk(job), rules=rules)
            in_chunk = PopulationRecord.objects.filter(id__gte=job.cursor, id__lt=job.cursor + job.chunk_size).count()
            RecomputeJob.objects.filter(pk=job.pk).update(
                cursor=F("cursor") + job.chunk_size, done=F("done") + in_chunk, changed=F("changed") + len(written)
            )
            job.cursor += job.chunk_size
        if time.monotonic() - started > TIME_BUDGET_SECONDS and job.cursor <= job.last_id:
            enqueue(recompute, job_id)
            return "continued"
    RecomputeJob.objects.filter(pk=job_id).update(state=RecomputeJob.State.DONE, finished_at=timezone.now())
    enqueue(snapshot_counts)
    return "done"


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
