"""The knowledge app's task: rebuild the search index after something published changed."""

from __future__ import annotations

from celery import shared_task

from core.usecases import SYSTEM
from knowledge.services import index_rebuild


@shared_task(name="knowledge.rebuild_index", acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5, soft_time_limit=600)
def rebuild_index(requested_at: float | None = None) -> int | None:
    """Safe to run twice: a request older than the newest index is already served."""
    index = index_rebuild(actor=SYSTEM, requested_at=requested_at)
    return index.pk if index is not None else None
