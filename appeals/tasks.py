"""Celery tasks for cases (beat): the yellow/red card sweep and anonymisation after retention."""

from __future__ import annotations

from celery import shared_task

from appeals.services.privacy import cases_anonymise
from appeals.services.sweep import cases_sweep
from core.usecases import SYSTEM


@shared_task(name="appeals.sweep", soft_time_limit=300)
def sweep() -> dict:
    report = cases_sweep(actor=SYSTEM)
    return {"yellow": report.yellow, "red": report.red, "escalated": report.escalated}


@shared_task(name="appeals.anonymise", soft_time_limit=600)
def anonymise() -> int:
    return cases_anonymise(actor=SYSTEM)
