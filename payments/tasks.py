"""Beat jobs: ask about orders whose notification has not come (every 2 minutes), and reconcile
yesterday with the platform's statement (every night)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from core.usecases import SYSTEM
from payments.services import pending_sweep, reconcile


@shared_task(name="payments.sweep_pending")
def sweep_pending() -> int:
    return pending_sweep(actor=SYSTEM)


@shared_task(name="payments.reconcile_yesterday")
def reconcile_yesterday() -> int:
    return len(reconcile(actor=SYSTEM, day=timezone.localdate() - dt.timedelta(days=1)).differences)
