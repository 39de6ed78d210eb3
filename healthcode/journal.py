"""The check journal's writer for checkpoint scans (see ``core.journal``): the check row and an audit
event for the holder and for each guardian holding their pass — found here, in bulk, rather than on
the scan's request path."""

from __future__ import annotations

import uuid

from core.journal import recorded_at, unstored, writer
from healthcode.models import Dependant, PassCheck
from identity import masking
from identity.models import AuditEvent, User
from identity.services import audit_event

PASS_CHECK = "healthcode.pass_check"


@writer(PASS_CHECK)
def write_pass_checks(entries: list[dict]) -> None:
    fresh = unstored(entries, PassCheck)
    if not fresh:
        return
    checkers = User.objects.select_related("service_hall").only("id", "name", "service_hall__name").in_bulk({e["checker"] for e in fresh})
    people = {e["person"] for e in fresh if e["person"]}
    subjects = {u.id_number_index: u for u in User.objects.filter(id_number_index__in=people).only("id", "id_number_index")}
    guardians: dict[str, list[User]] = {}
    for link in Dependant.objects.filter(person_index__in=people, revoked_at__isnull=True).select_related("guardian").only("person_index", "guardian__id"):
        guardians.setdefault(link.person_index, []).append(link.guardian)
    checks, events = [], []
    for entry in fresh:
        checker, at = checkers[entry["checker"]], recorded_at(entry)
        check = PassCheck(journal_id=uuid.UUID(entry["id"]), person_index=entry["person"] or "", checker=checker,
                          place=entry["place"][:128] or (checker.service_hall.name if checker.service_hall else ""),
                          issuer=entry["issuer"][:64], valid=entry["valid"], reason=entry["reason"], colour=entry["colour"][:8], created_at=at)
        checks.append(check)
        subject = subjects.get(entry["person"])
        for person in ([subject] if subject else []) + guardians.get(entry["person"], []) or [None]:
            # a foreign or refused pass, or nobody here to tell: recorded against no one
            events.append(audit_event(
                action=AuditEvent.Action.HEALTH_PASS_CHECKED, actor=checker, subject=person, created_at=at, source_ip=entry["ip"],
                actor_description=f"{check.place} {masking.staff_name(checker)}".strip(),
                detail={"verdict": check.reason, "colour": check.colour, "place": check.place, "issuer": check.issuer,
                        "dependant": person is not None and person is not subject},
            ))
    PassCheck.objects.bulk_create(checks)
    AuditEvent.objects.bulk_create(events)
