"""Periodic housekeeping for credentials (Celery beat, see CELERY_BEAT_SCHEDULE)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from credentials.models import CredentialOffer, Presentation, PresentationRequest

KEEP_PRESENTATIONS = dt.timedelta(days=1)


@shared_task(name="credentials.purge_presentations")
def purge_presentations() -> int:
    """Drop presentations that expired more than a day ago. Their checks stay (the link is cleared):
    a nonce only has to be remembered while its token could still verify."""
    deleted, _ = Presentation.objects.filter(expires_at__lt=timezone.now() - KEEP_PRESENTATIONS).delete()
    return deleted + forget_wallet_traffic()


KEEP_DISCLOSED = dt.timedelta(hours=1)


def forget_wallet_traffic() -> int:
    """What a holder disclosed to a relying party is kept an hour for its console or system to read,
    then cleared (the verdict, fields asked for and the audit event stay); offers go a day after
    they expired, used or not."""
    now = timezone.now()
    cleared = PresentationRequest.objects.filter(answered_at__lt=now - KEEP_DISCLOSED, disclosed_json__isnull=False).update(disclosed_json=None)
    offers, _ = CredentialOffer.objects.filter(expires_at__lt=now - KEEP_PRESENTATIONS).delete()
    return cleared + offers


@shared_task(name="credentials.id_card_issue_on_sign_up", soft_time_limit=30)
def id_card_issue_on_sign_up(user_id: int) -> bool:
    """The e-ID card for a newly registered person (credentials.receivers); safe to run twice — the
    use case issues none to someone who holds one. A refusal is logged, never raised into sign-up."""
    import logging

    from django.core.exceptions import ValidationError

    from core.errors import DomainError
    from credentials.services import id_card_issue_on_sign_up as issue
    from identity.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    try:
        return issue(actor=user) is not None
    except (DomainError, ValidationError) as exc:
        logging.getLogger("qilu.credentials").warning("e-ID card at sign-up refused for user %s: %s", user_id, exc)
        return False
