"""免申即享 tasks: the SMS for a run's new entitlements, and the payout to the confirmed card. Both
take ids, re-read state and are safe to run twice (the payout's number is its idempotency key at the
payment platform)."""

from __future__ import annotations

from celery import shared_task

from benefits.services import payout_transfer, sms_for_run
from payments import platform


@shared_task(name="benefits.notify_by_sms", acks_late=True, max_retries=3, soft_time_limit=600)
def notify_by_sms(run_id: int) -> int:
    return sms_for_run(run_id)


@shared_task(name="benefits.payout_send", acks_late=True, autoretry_for=(platform.PlatformError,), retry_backoff=True, max_retries=8,
             soft_time_limit=60)
def payout_send(payout_id: int) -> str:
    return payout_transfer(payout_id)
