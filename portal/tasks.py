from celery import shared_task
from celery.signals import worker_ready


@shared_task(name="portal.relay_queued_tasks")
def relay_queued_tasks() -> int:
    from core.outbox import relay

    return relay()


@shared_task(name="portal.maintain_partitions")
def maintain_partitions() -> dict:
    """Daily: next months' partitions ready, expired ones detached (core/partitions.py)."""
    from core import partitions
    from core.usecases import SYSTEM
    from identity.services import retention_apply

    return {"created": partitions.ensure(), "detached": retention_apply(actor=SYSTEM)}


@worker_ready.connect
def _relay_on_start(**_kwargs):
    from core.outbox import relay

    relay()
