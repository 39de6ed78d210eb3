"""Read-side queries, always scoped to what the caller may see (other people's data answers 404)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound
from identity.models import AgentAuthorisation, AuditEvent, Notice, Organisation, PopulationRecord, User, id_number_indexes


def audit_events_about(user: User) -> QuerySet[AuditEvent]:
    """Events about this person's data or account, newest first ("who used my data")."""
    return AuditEvent.objects.filter(subject=user).select_related("actor", "actor_organisation", "subject_organisation").prefetch_related(
        "actor__groups")


def data_use_by_others(user: User) -> QuerySet[AuditEvent]:
    """Uses of this person's data by someone else (clerks, reviewers, officers)."""
    return audit_events_about(user).exclude(actor=user)


def organisations_for(user: User) -> QuerySet[Organisation]:
    """Organisations the user represents or is currently an agent of."""
    now = timezone.now()
    return (
        Organisation.objects.filter(
            Q(legal_representative=user)
            | Q(agents__agent=user, agents__revoked_at__isnull=True, agents__valid_from__lte=now, agents__valid_until__gt=now)
        )
        .distinct()
        .order_by("name")
    )


def organisation_for(user: User, credit_code: str) -> Organisation:
    organisation = organisations_for(user).filter(credit_code=credit_code.strip().upper()).first()
    if organisation is None:
        raise NotFound()
    return organisation


def agents_of(organisation: Organisation) -> QuerySet[AgentAuthorisation]:
    return organisation.agents.select_related("agent").order_by("-granted_at")


def agents_visible_to(user: User, organisation: Organisation) -> QuerySet[AgentAuthorisation]:
    """The legal representative sees every authorisation; an agent sees only their own."""
    agents = agents_of(organisation)
    return agents if organisation.legal_representative_id == user.pk else agents.filter(agent=user)


def agent_authorisation_for(user: User, organisation: Organisation, pk: int) -> AgentAuthorisation:
    """Only the legal representative sees and manages the organisation's authorisations."""
    if organisation.legal_representative_id != user.pk:
        raise NotFound()
    authorisation = agents_of(organisation).filter(pk=pk).first()
    if authorisation is None:
        raise NotFound()
    return authorisation


def notices_of(user: User, *, unread: bool = False) -> QuerySet[Notice]:
    """My in-app notices (消息), newest first: the portal's message centre and the API's inbox."""
    notices = Notice.objects.filter(user=user).order_by("-created_at", "-id")
    return notices.filter(read_at__isnull=True) if unread else notices


def notice_for(user: User, pk: int) -> Notice:
    """One of my notices; anyone else's answers 404."""
    notice = notices_of(user).filter(pk=pk).first()
    if notice is None:
        raise NotFound()
    return notice


def unread_notice_count(user: User) -> int:
    """One COUNT over the (user, -created_at) index: the header's unread badge."""
    return notices_of(user, unread=True).count()


# --- sign-up checks (reads of the population base and the accounts) ------------------------------


def real_name_matches(*, id_number: str, name: str) -> bool:
    """Whether name + ID number match a living record of the population base."""
    record = PopulationRecord.objects.filter(id_number_index__in=id_number_indexes(id_number)).first()
    return bool(record and record.status == PopulationRecord.Status.NORMAL and record.name == name.strip())


def registration_check(*, id_number: str, name: str) -> None:
    """Raise ValidationError unless this person may open an account.

    The real-name check comes first, and "no such record" and "name differs" share one message, so
    the form reveals nothing about the base records or who is registered to someone who does not
    already know the pair.
    """
    if not real_name_matches(id_number=id_number, name=name):
        raise ValidationError(_("The name and ID number do not match the population register."), code="real_name_mismatch")
    if User.objects.filter(id_number_index__in=id_number_indexes(id_number)).exists():
        raise ValidationError(
            _("An account already exists for this ID number. Sign in, or reset the password."), code="already_registered"
        )
