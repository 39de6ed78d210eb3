"""The "acting for" switch (为家人办): the portal remembers, in the session, which family link the
signed-in person chose to act through. Every request re-asks ``family.permissions`` — a revoked link
or an 18th birthday ends the switch on the next page — and every page shows whose name is used."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from core.errors import NotFound
from family import permissions
from family.models import FamilyLink
from identity.models import User

SESSION_KEY = "family_acting_for"


def acting_link(request) -> FamilyLink | None:
    """The link the person switched to, if it still lets them act now; else None, and a link that no
    longer lets them act (revoked, expired, an 18th birthday) drops the switch."""
    pk = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    user = getattr(request, "user", None)
    if not pk or user is None or not user.is_authenticated:
        return None
    link = FamilyLink.objects.filter(pk=pk, guardian=user).select_related("dependant").first()
    if link is None or not permissions.is_live(link):
        request.session.pop(SESSION_KEY, None)  # revoked, expired, 18 today: the switch ends
        return None
    return link


def acting_for(request, act: str) -> User | None:
    """The dependant the signed-in person acts for on ``act`` now, or None when acting for themself.
    Switched to someone who did not allow ``act``: ``NotFound`` — nothing of theirs is shown, and
    nothing is done in the wrong name while the banner shows theirs."""
    link = acting_link(request)
    if link is None:
        return None
    if permissions.link_for(actor=request.user, dependant=link.dependant, act=act) is None:
        raise NotFound()
    return link.dependant


def acting_context(request) -> dict:
    """Templates: ``acting_for`` — the link whose name the banner shows (read only if a page asks)."""
    if not (hasattr(request, "session") and request.session.get(SESSION_KEY)):
        return {"acting_for": None}
    return {"acting_for": SimpleLazyObject(lambda: acting_link(request))}
