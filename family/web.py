"""The "acting for" switch (为家人办): the portal remembers, in the session, which family link the
signed-in person chose to act through. Every request re-asks ``family.permissions`` — a revoked link
or an 18th birthday ends the switch on the next page — and every page shows whose name is used."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from family import permissions
from family.models import FamilyLink
from identity.models import User

SESSION_KEY = "family_acting_for"


def acting_link(request, act: str = "services.track") -> FamilyLink | None:
    """The link the person switched to, if it still lets them do ``act`` now; else None (and the
    switch is dropped when the link no longer lets them act at all)."""
    pk = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    user = getattr(request, "user", None)
    if not pk or user is None or not user.is_authenticated:
        return None
    link = FamilyLink.objects.filter(pk=pk, guardian=user).select_related("dependant").first()
    live = link is not None and permissions.link_for(actor=user, dependant=link.dependant, act=act) is not None
    if not live and (link is None or permissions.link_for(actor=user, dependant=link.dependant, act="services.track") is None):
        request.session.pop(SESSION_KEY, None)
    return link if live else None


def acting_for(request, act: str) -> User | None:
    """The dependant the signed-in person acts for on ``act`` now, or None (acting for themself)."""
    link = acting_link(request, act)
    return link.dependant if link else None


def acting_context(request) -> dict:
    """Templates: ``acting_for`` — the link whose name the banner shows (read only if a page asks)."""
    if not (hasattr(request, "session") and request.session.get(SESSION_KEY)):
        return {"acting_for": None}
    return {"acting_for": SimpleLazyObject(lambda: acting_link(request))}
