"""The check journal's writers (see ``core.journal``) for 亮证: a shown code's presentation row and
its audit event (``PRESENTATION``); a clerk's verification row, its audit event (against the holder,
person or organisation) and the holder's notice, with the presentation marked used (``VERIFICATION``)
— looked up here, in bulk, rather than on the request path. A code is shown before it is scanned,
so its record precedes the scan's in the stream; each batch writes presentations first."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.journal import recorded_at, unstored, writer
from credentials.models import Credential, HolderKind, Presentation, Verification
from identity import masking
from identity.models import AuditEvent, Notice, Organisation, User
from identity.notices import named, notice_fields, words
from identity.services import audit_event

PRESENTATION = "credentials.presentation"
VERIFICATION = "credentials.verification"
_CONSUMED = {Verification.Reason.VALID, Verification.Reason.CREDENTIAL_SUSPENDED, Verification.Reason.CREDENTIAL_REVOKED,
             Verification.Reason.CREDENTIAL_EXPIRED}


@dataclass
class _Found:
    verifiers: dict
    presentations: dict
    people: dict
    organisations: dict

    def holders(self, credential) -> tuple[User | None, Organisation | None]:
        if credential.holder_kind == HolderKind.PERSON:
            return self.people.get(credential.holder_index), None
        return None, self.organisations.get(credential.holder_number)


def _look_up(fresh: list[dict]) -> _Found:
    verifiers = User.objects.select_related("service_hall", "department").only(
        "id", "name", "service_hall__name", "department__name").in_bulk({e["verifier"] for e in fresh})
    presentations = Presentation.objects.select_related("credential__type").in_bulk([uuid.UUID(e["presentation"]) for e in fresh if e["presentation"]])
    people, organisations = _people_and_organisations([p.credential for p in presentations.values()])
    return _Found(verifiers, presentations, people, organisations)


def _rows(entry: dict, found: _Found) -> tuple[Verification, AuditEvent, Notice | None]:
    verifier, at = found.verifiers[entry["verifier"]], recorded_at(entry)
    presentation = found.presentations.get(uuid.UUID(entry["presentation"])) if entry["presentation"] else None
    credential = presentation.credential if presentation else None
    place = verifier.service_hall or verifier.department
    where = place.name if place else ""
    row = Verification(journal_id=uuid.UUID(entry["id"]), credential=credential, presentation=presentation, verifier=verifier,
                       service_hall=verifier.service_hall, valid=entry["valid"], reason=entry["reason"], created_at=at)
    described = {"actor": verifier, "actor_description": f"{where} {masking.staff_name(verifier)}".strip(), "created_at": at, "source_ip": entry["ip"]}
    if presentation is None:  # a garbled, forged or unknown code: recorded against no one
        return row, audit_event(action=AuditEvent.Action.CREDENTIAL_VERIFIED, detail={"verdict": entry["reason"]}, **described), None
    subject, organisation = found.holders(credential)
    event = audit_event(action=AuditEvent.Action.CREDENTIAL_VERIFIED, subject=subject, subject_organisation=organisation,
                        detail={"credential": credential.type.name, "identifier": credential.identifier, "verdict": entry["reason"],
                                "disclosed": presentation.disclosed}, **described)
    notice = Notice(user_id=subject.pk if subject else presentation.presenter_id, kind="credential_verified", created_at=at, url="/wallet/checks/",
                    **notice_fields(title=words(gettext_lazy("%(where)s checked your %(type)s"), where=named(place) if place else gettext_lazy("A clerk"),
                                                type=named(credential.type)),
                                    body=words(Verification.Reason(entry["reason"]).label)))
    return row, event, notice


@writer(VERIFICATION)
def write_verifications(entries: list[dict]) -> None:
    fresh = unstored(entries, Verification)
    if not fresh:
        return
    found = _look_up(fresh)
    with translation.override(settings.LANGUAGE_CODE):  # the notice's stored text (each reader reads its message in their language)
        made = [_rows(entry, found) for entry in fresh]
    Verification.objects.bulk_create([row for row, _event, _notice in made])
    AuditEvent.objects.bulk_create([event for _row, event, _notice in made])
    Notice.objects.bulk_create([notice for _row, _event, notice in made if notice])
    consumed = [row.presentation_id for row in (r for r, _e, _n in made) if row.presentation_id and row.reason in _CONSUMED]
    if consumed:
        Presentation.objects.filter(pk__in=consumed, used_at__isnull=True).update(used_at=max(recorded_at(e) for e in fresh))


def _people_and_organisations(credentials) -> tuple[dict, dict]:
    people = User.objects.filter(id_number_index__in={c.holder_index for c in credentials if c.holder_kind == HolderKind.PERSON}).only(
        "id", "id_number_index")
    organisations = Organisation.objects.filter(credit_code__in={c.holder_number for c in credentials if c.holder_kind == HolderKind.ORGANISATION})
    return {u.id_number_index: u for u in people}, {o.credit_code: o for o in organisations}


@writer(PRESENTATION)
def write_presentations(entries: list[dict]) -> None:
    """The presentation rows (their id is the record's ``presentation``, so a replay is skipped) and
    their audit events: against the holder (a guardian's 代亮 names the guardian as actor)."""
    stored = set(Presentation.objects.filter(pk__in=[uuid.UUID(e["presentation"]) for e in entries]).values_list("pk", flat=True))
    fresh = {e["presentation"]: e for e in entries if uuid.UUID(e["presentation"]) not in stored}
    if not fresh:
        return
    entries = list(fresh.values())
    credentials = Credential.objects.select_related("type").in_bulk({e["credential"] for e in entries})
    presenters = User.objects.in_bulk({e["presenter"] for e in entries})
    people, organisations = _people_and_organisations(credentials.values())
    rows, events = [], []
    for entry in entries:
        credential, presenter = credentials[entry["credential"]], presenters[entry["presenter"]]
        rows.append(Presentation(id=uuid.UUID(entry["presentation"]), credential=credential, presenter=presenter, on_behalf=entry["on_behalf"],
                                 disclosed=entry["disclosed"], created_at=dt.datetime.fromisoformat(entry["created_at"]),
                                 expires_at=dt.datetime.fromisoformat(entry["expires_at"])))
        subject = people.get(credential.holder_index) if credential.holder_kind == HolderKind.PERSON else None
        organisation = organisations.get(credential.holder_number) if credential.holder_kind == HolderKind.ORGANISATION else None
        events.append(audit_event(action=AuditEvent.Action.CREDENTIAL_PRESENTED, actor=presenter, subject=subject, subject_organisation=organisation,
                                  actor_description=entry["actor_description"], detail=entry["detail"], created_at=recorded_at(entry),
                                  source_ip=entry["ip"]))
    Presentation.objects.bulk_create(rows)
    AuditEvent.objects.bulk_create(events)
