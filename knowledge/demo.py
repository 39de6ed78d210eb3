"""The demo knowledge base (``seed_demo``): the articles of ``knowledge/demo_data.py``, written by the
item admin and reviewed by another person, published, and the search index built from them and the
demo catalogue's guides. Idempotent: articles already there are left alone."""

from __future__ import annotations

from django.utils import timezone

from core.usecases import SYSTEM
from identity.models import User
from knowledge.demo_data import ARTICLES
from knowledge.models import Article
from knowledge.services import index_rebuild
from services.models import ServiceItem


def seed_knowledge(*, author: User | None, reviewer: User | None) -> int:
    """Load the demo articles (those not there yet) and rebuild the index; returns how many were added."""
    items = {item.code: item for item in ServiceItem.objects.all()}
    now = timezone.now()
    added = 0
    for slug, code, section, topic, question, phrasings, answer, source in ARTICLES:
        if Article.objects.filter(slug=slug).exists() or (code and code not in items):
            continue
        item = items.get(code)
        Article.objects.create(slug=slug, question=question, phrasings="\n".join(phrasings), answer=answer, topic=topic, item=item,
                               guide_section=section, source=source.format(item=item.name if item else ""), status=Article.Status.PUBLISHED,
                               author=author, reviewer=reviewer, reviewed_at=now, published_at=now)
        added += 1
    index_rebuild(actor=SYSTEM)
    return added
