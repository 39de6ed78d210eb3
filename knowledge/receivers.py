"""A published guide changes what the index reads: rebuild it after the publishing transaction commits."""

import time

from django.dispatch import receiver

from core.outbox import enqueue_on_commit
from services.signals import guide_published


@receiver(guide_published)
def _guide_published(sender, version, **kwargs):
    enqueue_on_commit("knowledge.rebuild_index", time.time())
