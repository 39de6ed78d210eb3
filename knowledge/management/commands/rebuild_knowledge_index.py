"""Build the 智能问答 search index now (after a deploy, or with KNOWLEDGE_DENSE newly switched on)."""

from django.core.management.base import BaseCommand

from core.usecases import SYSTEM
from knowledge.services import index_rebuild


class Command(BaseCommand):
    help = "Build the knowledge search index from the published articles and item guides, and store it."

    def handle(self, *args, **options):
        index = index_rebuild(actor=SYSTEM)
        self.stdout.write(f"index #{index.pk}: {index.documents} documents, {len(index.data):,} bytes")
