"""The check journal's writer for 鲁通码 reads (see ``core.journal``): the read's row and its audit
event for the holder (who reads it in "who used my data" and in 谁查验了我的证照) — looked up here, in
bulk, rather than on the resolve's request path."""

from __future__ import annotations

import uuid

from core.journal import recorded_at, unstored, writer
from identity.models import AuditEvent, User
from identity.services import audit_event
from lutong.actions import CODE_READ
from lutong.models import Resolution, Terminal

RESOLUTION = "lutong.resolution"


@writer(RESOLUTION)
def write_resolutions(entries: list[dict]) -> None:
    fresh = unstored(entries, Resolution)
    if not fresh:
        return
    terminals = Terminal.objects.select_related("reader__relying_party", "reader__scenario").in_bulk({e["terminal"] for e in fresh})
    people = {u.id_number_index: u for u in User.objects.filter(id_number_index__in={e["person"] for e in fresh if e["person"]}).only(
        "id", "id_number_index")}
    rows, events = [], []
    for entry in fresh:
        terminal, at = terminals[entry["terminal"]], recorded_at(entry)
        reader = terminal.reader
        rows.append(Resolution(journal_id=uuid.UUID(entry["id"]), reader=reader, terminal=terminal, person_index=entry["person"],
                               transport=entry["transport"], answered=entry["reason"] == "valid", reason=entry["reason"],
                               fields=entry["fields"], created_at=at))
        events.append(audit_event(
            action=CODE_READ, subject=people.get(entry["person"]), created_at=at, source_ip=entry["ip"],
            actor_description=f"{reader.relying_party.name} · {terminal.name}", purpose=reader.relying_party.purpose,
            detail={"scenario": reader.scenario.name, "verdict": entry["reason"], "fields": entry["fields"]},
        ))
    Resolution.objects.bulk_create(rows)
    AuditEvent.objects.bulk_create(events)
