"""Prometheus metrics: django-prometheus (requests, latency, database, cache) plus Celery queue
lengths and tasks waiting in the database outbox. Only for the addresses in QILU_METRICS_ALLOWED_IPS."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponseForbidden
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily

QUEUES = list(settings.CELERY_TASK_QUEUES_BY_WORKLOAD)


logger = logging.getLogger("qilu.metrics")


def _families():
    return (
        GaugeMetricFamily("qilu_celery_queue_length", "Tasks waiting in a Celery queue", labels=["queue"]),
        GaugeMetricFamily("qilu_task_outbox_length", "Tasks kept in the database while the broker was unreachable"),
    )


class QueueCollector:
    def describe(self):  # lets the registry learn the names without collecting (no I/O at start-up)
        return list(_families())

    def collect(self):
        lengths, outbox = _families()
        try:
            from kombu import Connection

            options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "socket_timeout": 0.5, "socket_connect_timeout": 0.5}
            with Connection(settings.CELERY_BROKER_URL, connect_timeout=0.5, transport_options=options) as conn:
                client = conn.default_channel.client  # the broker's Redis (through the sentinels when they name it)
                for queue in QUEUES:
                    lengths.add_metric([queue], client.llen(queue))
        except Exception as exc:  # noqa: BLE001 — no broker (dev) or broker down: report nothing rather than fail the scrape
            logger.debug("queue lengths unavailable: %s", type(exc).__name__)
        try:
            from core.models import QueuedTask

            outbox.add_metric([], QueuedTask.objects.count())
        except Exception as exc:  # noqa: BLE001 — database down: the scrape still answers
            logger.debug("outbox length unavailable: %s", type(exc).__name__)
        yield lengths
        yield outbox


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(QueueCollector())
        _registered = True


def metrics_view(request):
    from core.middleware import client_address

    # The client as resolved from the trusted-proxy setting, never a header a direct client sent.
    if (getattr(request, "client_ip", None) or client_address(request)) not in settings.QILU_METRICS_ALLOWED_IPS:
        return HttpResponseForbidden("metrics are for the monitoring network")
    return ExportToDjangoView(request)
