"""Celery tasks for identity: SMS delivery through the operator's gateway, outside the request."""

from __future__ import annotations

from celery import shared_task

from identity.models import SmsMessage


@shared_task(name="identity.sms_deliver", acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5, soft_time_limit=30)
def sms_deliver(message_id: int) -> bool:
    """Send one outbox message through the configured backend; a message already sent is left alone."""
    from identity.sms import get_sender

    message = SmsMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return False
    get_sender().deliver_and_mark(message)
    return True
