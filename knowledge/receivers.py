"""A published guide changes what the index reads: rebuild it after the publishing transaction commits.
A new index changes how the catalogue's searches are ranked: their cached answers go with the stamp."""

import time

from django.dispatch import receiver

from core.outbox import enqueue_on_commit
from knowledge.models import SearchIndex
from services.selectors import CATALOGUE
from services.signals import guide_published

CATALOGUE.watch(SearchIndex)


@receiver(guide_published)
def _guide_published(sender, version, **kwargs):
    enqueue_on_commit("knowledge.rebuild_index", time.time())
