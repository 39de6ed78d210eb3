"""One masking policy: which of a person's fields each viewer sees in full. The API, the portal,
admin and the personal-data export all ask here; ``core.people`` does the masking itself.

| viewer | name | ID number | phone |
|---|---|---|---|
| the person themself (holder) | full | full | full |
| a reviewer of the department that owns their application | masked | masked | full (to reach them about it) |
| a window clerk after the person presented a code | full | as they chose to disclose it | masked |
| an auditor or admin in Django admin | masked | masked | masked |
| a card or screen others may glimpse (wallet card, card image, a dependant's entry) | full | masked | masked |

Whatever is disclosed in a 亮证 code is decided by the citizen (``credentials.services.disclosed_view``);
this policy covers everything else a viewer reaches.
"""

from __future__ import annotations

import enum

from core.fields import localised
from core.people import mask_id_number, mask_name, mask_phone


class Viewer(enum.StrEnum):
    HOLDER = "holder"
    REVIEWER = "reviewer"
    CLERK = "clerk"
    AUDITOR = "auditor"
    DISPLAY = "display"


MASKS = {"name": mask_name, "id_number": mask_id_number, "phone": mask_phone}
IN_FULL: dict[Viewer, frozenset[str]] = {
    Viewer.HOLDER: frozenset({"name", "id_number", "phone"}),
    Viewer.REVIEWER: frozenset({"phone"}),
    Viewer.CLERK: frozenset({"name"}),
    Viewer.AUDITOR: frozenset(),
    Viewer.DISPLAY: frozenset({"name"}),
}


def shown(kind: str | None, value, *, viewer: Viewer):
    """``value`` as ``viewer`` may see it; kinds without a mask (text, dates …) are shown as they are."""
    if kind not in MASKS or kind in IN_FULL[viewer] or not value:
        return value
    return MASKS[kind](str(value))


def shown_answers(schema: list[dict], data: dict, *, viewer: Viewer) -> list[tuple[str, str, object]]:
    """A form's answers as (key, label, value), each value as ``viewer`` may see it."""
    specs = {spec["key"]: spec for spec in schema}
    labelled = []
    for key, value in data.items():
        spec = specs.get(key, {})
        labelled.append((key, localised(spec).get("label") or key, shown(spec.get("type"), value, viewer=viewer)))
    return labelled
