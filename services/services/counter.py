"""The window counter (窗口代办): a clerk applies for a walk-in citizen only after that citizen shows a
亮证 code. The code's verification is the consent; what it disclosed is all the clerk sees and all
that pre-fills the form. No ID number is typed, and none travels in a URL."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import NotFound
from core.usecases import pure, use_case
from credentials.services import holder_user, presentation_verify
from identity import masking
from identity.models import AuditEvent, User
from identity.services import audit_record
from services import permissions
from services.models import ItemVersion


@dataclass
class WalkIn:
    """A citizen identified at the counter by their own presentation, and what they disclosed."""

    applicant: User
    credential_type: str
    holder_name: str
    holder_number: str  # in full only when the citizen chose to disclose it, else masked
    fields: dict = field(default_factory=dict)  # the disclosed fields

    def as_session(self) -> dict:
        return {"applicant": self.applicant.pk, "type": self.credential_type, "name": self.holder_name, "number": self.holder_number,
                "fields": self.fields}


@dataclass
class Identified:
    """The answer to a code shown at the counter: the walk-in citizen, or why not (the check is
    recorded either way, as every verification is)."""

    walk_in: WalkIn | None
    reason: str
    message: str


@use_case(audit=AuditEvent.Action.COUNTER_LOOKUP)
def counter_identify(*, actor: User, token: str) -> Identified:
    """Verify the citizen's 亮证 code (one-time, recorded and shown to them like any check) and take
    them as the applicant, seeing only what the code disclosed."""
    if not actor.has_perm(permissions.SUBMIT_ON_BEHALF):
        raise NotFound()
    verdict = presentation_verify(actor=actor, token=token)
    if not verdict.valid:
        return Identified(None, verdict.reason, verdict.message)
    applicant = holder_user(verdict.presentation.credential)
    if applicant is None:
        return Identified(None, "no_account", _("This person has no account yet: help them register first."))
    shown = verdict.credential
    audit_record(action=AuditEvent.Action.COUNTER_LOOKUP, actor=actor, subject=applicant,
                 actor_description=f"{actor.service_hall or ''} {masking.staff_name(actor)}".strip(),
                 detail={"credential": shown["type_name"], "disclosed": verdict.presentation.disclosed}, purpose=gettext_noop("窗口代办"))
    walk_in = WalkIn(applicant=applicant, credential_type=shown["type"], holder_name=shown["holder_name"], holder_number=shown["holder_number"],
                     fields=shown["fields"])
    return Identified(walk_in, verdict.reason, verdict.message)


@pure
def walk_in_prefill(version: ItemVersion, walk_in: dict) -> dict:
    """Form values from what the citizen disclosed, and nothing else: their name, their number if they
    chose to show it, and fields of the presented credential they chose to show."""
    values = {}
    for spec in version.form_schema:
        source = spec.get("prefill", "")
        if source == "identity.name":
            values[spec["key"]] = walk_in["name"]
        elif source == "identity.id_number" and "*" not in walk_in["number"]:
            values[spec["key"]] = walk_in["number"]
        elif source.startswith("credential:"):
            type_code, _dot, key = source[len("credential:"):].partition(".")
            if type_code == walk_in["type"] and key in walk_in["fields"] and "*" not in str(walk_in["fields"][key]):
                values[spec["key"]] = walk_in["fields"][key]
    return values
