"""With tasks in-process (``make run``: no worker, no beat) a refund the platform could not take would
wait for a beat that never comes. Here a later request, once it has been answered, runs the beat's
sweep — at most every ``QILU_PAYMENT_RETRY_ON_REQUEST_SECONDS`` (0: never, as in tests and production,
where the beat does it)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import connection

logger = logging.getLogger("qilu.payments")
_CLAIM = "payments.retry_on_request"


def retry_after_request(sender=None, **kwargs) -> None:
    every = settings.QILU_PAYMENT_RETRY_ON_REQUEST_SECONDS
    if not every or not cache.add(_CLAIM, 1, every):  # one request in the period claims the sweep
        return
    from core.usecases import SYSTEM
    from payments.models import Order
    from payments.services import pending_sweep

    try:
        if Order.objects.filter(status__in=(Order.Status.PENDING, Order.Status.REFUNDING)).exists():
            pending_sweep(actor=SYSTEM)
    except Exception:  # the answer is already sent: a failed sweep is logged and tried again next period
        logger.exception("payment sweep after a request failed")
    finally:
        if not connection.in_atomic_block:
            connection.close()  # this thread's own connection, opened after Django closed the request's


def connect() -> None:
    request_finished.connect(retry_after_request, dispatch_uid="payments.retry_after_request")
