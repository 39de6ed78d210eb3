"""How one audit event reads to the person it is about ("who used my data"): who acted — their post
(department or hall) and masked name, or the system that did — and for what purpose. The portal page
and the API both ask here, so they say the same."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from identity import masking, roles
from identity.models import AuditEvent, User


@dataclass
class DataUse:
    event: AuditEvent
    by: str
    role: str
    organisation: str | None
    purpose: str


def describe(event: AuditEvent, *, viewer: User) -> DataUse:
    if event.actor_id is not None and event.actor_id == viewer.pk:
        by = _("本人")
    else:
        by = event.actor_description or masking.staff_name(event.actor) or _("系统")
    organisation = event.actor_organisation or event.subject_organisation
    purpose = str(event.detail.get("purpose", ""))  # stored as its Chinese msgid (gettext_noop), read in the reader's language
    return DataUse(event=event, by=by, role=_role(event, viewer), organisation=organisation.name if organisation else None,
                   purpose=_(purpose) if purpose else "")


def _role(event: AuditEvent, viewer: User) -> str:
    """The staff role the actor held (window clerk, reviewer …); nothing for the person themself."""
    if event.actor is None or event.actor_id == viewer.pk:
        return ""
    labels = [str(roles.LABELS[group.name]) for group in event.actor.groups.all() if group.name in roles.LABELS and group.name != roles.CITIZEN]
    return "、".join(labels)
