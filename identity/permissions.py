"""Who may act for whom: the one owner of "may this person act for this organisation, in this scope"."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from identity.models import AgentAuthorisation, Organisation, User


def may_act_for(*, user: User, organisation: Organisation, scope: str, at: dt.datetime | None = None) -> bool:
    """Whether ``user`` may act for ``organisation`` within ``scope`` now: the legal representative
    always may; an agent only with an active authorisation that includes the scope."""
    if organisation.legal_representative_id == user.pk:
        return True
    at = at or timezone.now()
    return any(
        scope in auth.scopes
        for auth in AgentAuthorisation.objects.filter(
            organisation=organisation, agent=user, revoked_at__isnull=True, valid_from__lte=at, valid_until__gt=at
        )
    )
