"""The one answer to "may A act for B on X now" (家庭代办). Every view and use case that lets someone
act for a family member asks here: applying, paying, rating and tracking applications, holding and
showing (代亮) credentials, seeing the health pass. Nothing else decides it.

A link lets its guardian act when it is confirmed (``active``), not revoked, includes the act, and
has not ended: an adult's authorisation ends at ``valid_until``; a minor's ends on their 18th
birthday (``core.people.is_minor``, the one age rule)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from core import people
from core.errors import NotFound
from family.models import ACTS, FamilyLink
from identity.models import User

VERIFY = "family.verify_familylink"


def _live(link: FamilyLink, act: str | None, at: dt.datetime) -> bool:
    if link.status != FamilyLink.Status.ACTIVE or (act is not None and act not in link.acts):
        return False
    if link.kind == FamilyLink.Kind.MINOR:
        return people.is_minor(link.dependant_born, timezone.localtime(at).date())
    return link.valid_until is not None and at < link.valid_until


def is_live(link: FamilyLink, at: dt.datetime | None = None) -> bool:
    """Whether the link lets its guardian do anything now (confirmed, not revoked, not ended)."""
    return _live(link, None, at or timezone.now())


def link_for(*, actor: User, act: str, dependant: User | None = None, dependant_index: str | None = None,
             at: dt.datetime | None = None) -> FamilyLink | None:
    """The link that lets ``actor`` do ``act`` for ``dependant`` (or for the person with the blind
    index ``dependant_index``, as credentials name their holders) now, or None."""
    if act not in ACTS:
        raise ValueError(f"unknown family act {act!r}")
    if not getattr(actor, "is_authenticated", False) or (dependant is None and not dependant_index):
        return None
    at = at or timezone.now()
    whose = Q(dependant=dependant) if dependant is not None else Q(dependant__id_number_index=dependant_index)
    for link in FamilyLink.objects.filter(whose, guardian=actor, status=FamilyLink.Status.ACTIVE).select_related("dependant"):
        if _live(link, act, at):
            return link
    return None


def may_act(*, actor: User, dependant: User, act: str, at: dt.datetime | None = None) -> bool:
    return link_for(actor=actor, dependant=dependant, act=act, at=at) is not None


def require(*, actor: User, dependant: User, act: str) -> FamilyLink:
    """The link, or ``NotFound``: someone who may not act for a person learns nothing about them."""
    link = link_for(actor=actor, dependant=dependant, act=act)
    if link is None:
        raise NotFound()
    return link


def may_verify(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VERIFY))
