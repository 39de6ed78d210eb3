"""The check journal's writer for clerks' verifications (see ``core.journal``): the verification row,
its audit event (against the holder, person or organisation) and the holder's notice, with the
presentation marked used — looked up here, in bulk, rather than on the scan's request path."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.journal import recorded_at, writer
from credentials.models import HolderKind, Presentation, Verification
from identity.models import AuditEvent, Notice, Organisation, User
from identity.services import audit_event

VERIFICATION = "credentials.verification"
_CONSUMED = {Verification.Reason.VALID, Verification.Reason.CREDENTIAL_SUSPENDED, Verification.Reason.CREDENTIAL_REVOKED,
             Verification.Reason.CREDENTIAL_EXPIRED}


@writer(VERIFICATION)
def write_verifications(entries: list[dict]) -> None:
    stored = set(Verification.objects.filter(journal_id__in=[uuid.UUID(e["id"]) for e in entries]).values_list("journal_id", flat=True))
    fresh = [e for e in entries if uuid.UUID(e["id"]) not in stored]
    if not fresh:
        return
    verifiers = User.objects.select_related("service_hall", "department").only(
        "id", "name", "service_hall__name", "department__name").in_bulk({e["verifier"] for e in fresh})
    presentations = Presentation.objects.select_related("credential__type").in_bulk([uuid.UUID(e["presentation"]) for e in fresh if e["presentation"]])
    credentials = [p.credential for p in presentations.values()]
    people = {u.id_number_index: u for u in User.objects.filter(
        id_number_index__in={c.holder_index for c in credentials if c.holder_kind == HolderKind.PERSON}).only("id", "id_number_index")}
    organisations = {o.credit_code: o for o in Organisation.objects.filter(
        credit_code__in={c.holder_number for c in credentials if c.holder_kind == HolderKind.ORGANISATION})}
    rows, events, notices, consumed = [], [], [], []
    with translation.override(settings.LANGUAGE_CODE):  # the holder's notice, whatever the clerk's language
        for entry in fresh:
            verifier, at = verifiers[entry["verifier"]], recorded_at(entry)
            presentation = presentations.get(uuid.UUID(entry["presentation"])) if entry["presentation"] else None
            credential = presentation.credential if presentation else None
            where = verifier.service_hall.name if verifier.service_hall else (verifier.department.name if verifier.department else "")
            rows.append(Verification(journal_id=uuid.UUID(entry["id"]), credential=credential, presentation=presentation, verifier=verifier,
                                     service_hall=verifier.service_hall, valid=entry["valid"], reason=entry["reason"], created_at=at))
            described = {"actor": verifier, "actor_description": f"{where} {verifier.masked_name}".strip(), "created_at": at, "source_ip": entry["ip"]}
            if presentation is None:  # a garbled, forged or unknown code: recorded against no one
                events.append(audit_event(action=AuditEvent.Action.CREDENTIAL_VERIFIED, detail={"verdict": entry["reason"]}, **described))
                continue
            subject = people.get(credential.holder_index) if credential.holder_kind == HolderKind.PERSON else None
            events.append(audit_event(
                action=AuditEvent.Action.CREDENTIAL_VERIFIED, subject=subject,
                subject_organisation=organisations.get(credential.holder_number) if credential.holder_kind == HolderKind.ORGANISATION else None,
                detail={"credential": credential.type.name, "identifier": credential.identifier, "verdict": entry["reason"],
                        "disclosed": presentation.disclosed},
                **described,
            ))
            notices.append(Notice(user_id=subject.pk if subject else presentation.presenter_id, kind="credential_verified", created_at=at,
                                  title=_("%(where)s checked your %(type)s") % {"where": where or _("A clerk"), "type": credential.type.name},
                                  body=str(Verification.Reason(entry["reason"]).label), url="/wallet/checks/"))
            if entry["reason"] in _CONSUMED:
                consumed.append(presentation.pk)
    Verification.objects.bulk_create(rows)
    AuditEvent.objects.bulk_create(events)
    Notice.objects.bulk_create(notices)
    if consumed:
        Presentation.objects.filter(pk__in=consumed, used_at__isnull=True).update(used_at=max(recorded_at(e) for e in fresh))
