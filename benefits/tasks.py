"""免申即享 tasks: the SMS for a run's new entitlements, and the payout to the confirmed card. Both
take ids, re-read state and are safe to run twice (the payout's number is its idempotency key at the
payment platform)."""

from __future__ import annotations

from celery import shared_task

from benefits.models import Entitlement, MatchRun, Payout
from core.usecases import SYSTEM, side_effect
from identity.sms import sms_send
from payments import platform

SMS_TEXT = "【齐鲁通】您符合{policy}，无需申请。请登录齐鲁通确认收款账户，也可以放弃或提出异议。"


@shared_task(name="benefits.notify_by_sms", acks_late=True, max_retries=3, soft_time_limit=600)
def notify_by_sms(run_id: int) -> int:
    return sms_for_run(run_id)


@side_effect
def sms_for_run(run_id: int) -> int:
    """One SMS per new entitlement of a person with a phone; a rerun skips those already texted (the SMS outbox is the record)."""
    run = MatchRun.objects.select_related("version__policy").get(pk=run_id)
    body = SMS_TEXT.format(policy=run.version.policy.name)
    sent = 0
    for entitlement in Entitlement.objects.filter(run=run, user__isnull=False, user__phone_index__isnull=False).select_related("user").iterator():
        sms_send(phone=entitlement.user.phone, body=body, purpose=f"benefit:{entitlement.pk}")
        sent += 1
    return sent


@shared_task(name="benefits.payout_send", acks_late=True, autoretry_for=(platform.PlatformError,), retry_backoff=True, max_retries=8,
             soft_time_limit=60)
def payout_send(payout_id: int) -> str:
    return transfer(payout_id)


@side_effect
def transfer(payout_id: int) -> str:
    """Ask the platform to transfer, keyed by the payout's number: a retried task (or a retried
    request) makes the same transfer, never a second one."""
    from benefits.services import payout_record

    payout = Payout.objects.select_related("entitlement__policy", "entitlement__user").get(pk=payout_id)
    if payout.status == Payout.Status.PAID:
        return payout.status
    entitlement = payout.entitlement
    answer = platform.transfer(out_trade_no=payout.number, amount_fen=payout.amount_fen, account_number=entitlement.account_number or "",
                               account_name=entitlement.user.name if entitlement.user else "", description=entitlement.policy.name[:128])
    payout_record(actor=SYSTEM, payout=payout, answer=answer)
    return payout.status
