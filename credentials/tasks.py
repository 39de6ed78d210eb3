"""Periodic housekeeping for credentials (Celery beat, see CELERY_BEAT_SCHEDULE)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from credentials.models import Presentation

KEEP_PRESENTATIONS = dt.timedelta(days=1)


@shared_task(name="credentials.purge_presentations")
def purge_presentations() -> int:
    """Drop presentations that expired more than a day ago. Their checks stay (the link is cleared):
    a nonce only has to be remembered while its token could still verify."""
    deleted, _ = Presentation.objects.filter(expires_at__lt=timezone.now() - KEEP_PRESENTATIONS).delete()
    return deleted
