"""家庭代办 reads, scoped to the two people of a link (anyone else: 404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.errors import NotFound
from family.models import FamilyLink
from identity.models import AuditEvent, User


def _links() -> QuerySet[FamilyLink]:
    return FamilyLink.objects.select_related("guardian", "dependant")


def dependants_of(user: User) -> QuerySet[FamilyLink]:
    """The family members I asked to act for (open ones: pending or active)."""
    return _links().filter(guardian=user).exclude(status=FamilyLink.Status.REVOKED)


def guardians_of(user: User) -> QuerySet[FamilyLink]:
    """Who may act, or asked to act, for me."""
    return _links().filter(dependant=user).exclude(status=FamilyLink.Status.REVOKED)


def asking_me(user: User) -> QuerySet[FamilyLink]:
    """An adult's authorisations waiting for their answer: the home's 待办."""
    return guardians_of(user).filter(kind=FamilyLink.Kind.ADULT, status=FamilyLink.Status.PENDING).order_by("requested_at")


def link_for(user: User, pk: int) -> FamilyLink:
    """A link one of its two people may see."""
    link = _links().filter(Q(guardian=user) | Q(dependant=user), pk=pk).first()
    if link is None:
        raise NotFound()
    return link


def pending_minor_links() -> QuerySet[FamilyLink]:
    """Declared parent–child links waiting for a clerk to see the 户口簿 (the caller checks the clerk's permission)."""
    return _links().filter(kind=FamilyLink.Kind.MINOR, status=FamilyLink.Status.PENDING).order_by("requested_at")


def acts_for(link: FamilyLink) -> QuerySet[AuditEvent]:
    """What the guardian did with the dependant's data: shown to both on the 家人 page."""
    return AuditEvent.objects.filter(actor=link.guardian, subject=link.dependant).order_by("-created_at")
