"""Refunds sent after commit; beat jobs: ask about orders whose notification has not come and send again
refunds the platform never took (every 2 minutes), and reconcile yesterday with the platform's
statement (every night)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from core.usecases import SYSTEM
from payments.services import pending_sweep, reconcile, refund_send


@shared_task(name="payments.sweep_pending")
def sweep_pending() -> int:
    return pending_sweep(actor=SYSTEM)


@shared_task(name="payments.send_refund", time_limit=60)
def send_refund(order_pk: int) -> str:
    """After a refund is decided (the outbox sends this on commit). Never raises: a platform that
    cannot be reached is recorded and the sweep sends the refund again."""
    return refund_send(order_pk).status


@shared_task(name="payments.reconcile_yesterday")
def reconcile_yesterday() -> int:
    return len(reconcile(actor=SYSTEM, day=timezone.localdate() - dt.timedelta(days=1)).differences)
