"""Sending SMS through a small interface.

``OutboxSmsSender`` (default): records the message in the SMS outbox table (visible in admin; the
tests read codes from it) and logs a line with the masked number. It is the local backend for
development and tests: no message leaves the machine.
``HttpGatewaySender``: posts JSON to an operator's SMS gateway (QILU_SMS_GATEWAY_URL, bearer token
QILU_SMS_GATEWAY_TOKEN). Every message also goes to the outbox, so the record is the same. The post
happens in a task (``identity.sms_deliver``), never in the request: a sign-in or reset answer must take
as long for a number we text as for one we do not (no enumeration by timing).

Codes go only to numbers registered here (``identity.adapter``, ``identity.services.password_reset_code_send``).
"""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from core.numbers import normalize_phone
from identity import masking
from identity.models import SmsMessage, phone_index

logger = logging.getLogger("qilu.sms")


class SmsSender:
    name = "base"

    def send(self, *, phone: str, body: str, purpose: str) -> SmsMessage:
        number = normalize_phone(phone)
        message = SmsMessage.objects.create(
            phone=number,
            phone_masked=masking.shown("phone", number, viewer=masking.Viewer.AUDITOR),
            phone_index=phone_index(number),
            body=body,
            purpose=purpose,
            backend=self.name,
        )
        self.dispatch(message)
        logger.info("sms %s to %s (%s)", purpose, message.phone_masked, self.name)
        return message

    def dispatch(self, message: SmsMessage) -> None:
        """Deliver now (a backend whose delivery is instant) or hand the delivery to a task."""
        self.deliver_and_mark(message)

    def deliver_and_mark(self, message: SmsMessage) -> None:
        self.deliver(number=message.phone, body=message.body)
        message.sent_at = timezone.now()
        message.save(update_fields=["sent_at"])

    def deliver(self, *, number: str, body: str) -> None:
        raise NotImplementedError


class OutboxSmsSender(SmsSender):
    name = "outbox"

    def deliver(self, *, number: str, body: str) -> None:
        """The outbox row is the delivery; nothing leaves the machine."""


class HttpGatewaySender(SmsSender):
    name = "http-gateway"

    def dispatch(self, message: SmsMessage) -> None:
        from core.outbox import enqueue_on_commit

        enqueue_on_commit("identity.sms_deliver", message.pk)

    def deliver(self, *, number: str, body: str) -> None:
        if not settings.QILU_SMS_GATEWAY_URL.startswith(("https://", "http://")):
            raise RuntimeError("QILU_SMS_GATEWAY_URL must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 — scheme checked above
            settings.QILU_SMS_GATEWAY_URL,
            data=json.dumps({"phone": number, "body": body}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.QILU_SMS_GATEWAY_TOKEN}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 — operator-configured URL
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def get_sender() -> SmsSender:
    return import_string(settings.QILU_SMS_BACKEND)()


def sms_send(*, phone: str, body: str, purpose: str) -> SmsMessage:
    return get_sender().send(phone=phone, body=body, purpose=purpose)
