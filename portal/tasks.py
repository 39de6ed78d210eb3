from celery import shared_task
from celery.signals import worker_ready


@shared_task(name="portal.relay_queued_tasks")
def relay_queued_tasks() -> int:
    from core.outbox import relay

    return relay()


@worker_ready.connect
def _relay_on_start(**_kwargs):
    from core.outbox import relay

    relay()
