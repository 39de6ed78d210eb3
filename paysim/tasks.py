"""Notifications to the merchant, after commit, retried with backoff until answered 2xx (a lost
one is what the merchant's order query recovers)."""

from __future__ import annotations

import json
import secrets
import urllib.request

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from paysim.models import Notification, Trade


def notify_later(trade: Trade, event_type: str) -> Notification:
    paid = event_type in ("PAY.SUCCESS", "TRANSFER.SUCCESS")
    at = trade.paid_at if paid else trade.refunded_at
    body = json.dumps({"event_id": "EVT" + secrets.token_hex(12).upper(), "event_type": event_type, "out_trade_no": trade.out_trade_no,
                       "trade_no": trade.trade_no, "amount_fen": trade.amount_fen if paid else trade.refunded_fen,
                       "at": at.isoformat()}, separators=(",", ":"))
    notification = Notification.objects.create(event_id=json.loads(body)["event_id"], trade=trade, body=body)
    transaction.on_commit(lambda: deliver.delay(notification.pk))
    return notification


@shared_task(name="paysim.deliver", autoretry_for=(OSError,), retry_backoff=5, retry_backoff_max=600, max_retries=8)
def deliver(notification_pk: int) -> bool:
    from paysim.signing import signed_headers

    notification = Notification.objects.select_related("trade").get(pk=notification_pk)
    if notification.delivered_at:
        return True
    Notification.objects.filter(pk=notification.pk).update(attempts=notification.attempts + 1)
    if not notification.trade.notify_url.startswith(("https://", "http://")):
        return False  # never delivered: the merchant gave no web address
    request = urllib.request.Request(notification.trade.notify_url, data=notification.body.encode(), method="POST",  # noqa: S310 — checked
                                     headers={"Content-Type": "application/json", **signed_headers(notification.body)})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — a non-2xx raises (HTTPError is an OSError): retried
        if 200 <= response.status < 300:
            Notification.objects.filter(pk=notification.pk).update(delivered_at=timezone.now())
    return True
