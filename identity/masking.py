"""One masking policy: which of a person's fields each viewer sees in full. The API, the portal,
admin and the personal-data export all ask here; ``core.people`` does the masking itself.

| viewer | name | ID number | phone |
|---|---|---|---|
| the person themself (holder) | full | full | full |
| a reviewer of the department that owns their application | masked | masked | full (to reach them about it) |
| a window clerk after the person presented a code | full | as they chose to disclose it | masked |
| an auditor or admin in Django admin, an operator reading logs or the SMS outbox | masked | masked | masked |
| a card or screen others may glimpse (wallet card, card image, a dependant's entry, my account page) | full | masked | masked |
| a citizen seeing the staff member who acted on their data (checked, reviewed, served them) | masked | masked | masked |
| a checkpoint or venue scanning a health pass | masked | masked | masked |
| anyone else (an organisation's agents, a colleague's claim, a public page, a device's label) | masked | masked | masked |

The row "a citizen seeing staff" is the rule *staff names are masked to citizens*: the 查验人 on a
check, the reviewer in an application's timeline, the clerk in "who used my data".

A form answer is masked by what it holds, not only by its declared type: a plain text question
prefilled from ``identity.name`` (or ``.id_number``, ``.phone``) is a name (``answer_kind``).

Whatever is disclosed in a 亮证 code is decided by the citizen (``credentials.services.disclosed_view``);
this policy covers everything else a viewer reaches. Pages and serializers ask through
``identity.templatetags.masking_tags`` (``{{ person|name_for:"citizen" }}``) and
``identity.api.fields.Shown``; nothing else masks by hand (``tests/identity/test_masking_sites.py``).
"""

from __future__ import annotations

import enum

from core.fields import localised
from core.people import mask_bank_card, mask_id_number, mask_name, mask_phone
from core.usecases import SystemActor


class Viewer(enum.StrEnum):
    HOLDER = "holder"
    REVIEWER = "reviewer"
    CLERK = "clerk"
    AUDITOR = "auditor"
    DISPLAY = "display"
    CITIZEN = "citizen"  # a citizen seeing a staff member: staff names are masked to citizens
    CHECKER = "checker"
    OTHERS = "others"


MASKS = {"name": mask_name, "id_number": mask_id_number, "phone": mask_phone, "bank_card": mask_bank_card}  # a bank card: masked to every viewer
IN_FULL: dict[Viewer, frozenset[str]] = {
    Viewer.HOLDER: frozenset({"name", "id_number", "phone"}),
    Viewer.REVIEWER: frozenset({"phone"}),
    Viewer.CLERK: frozenset({"name"}),
    Viewer.AUDITOR: frozenset(),
    Viewer.DISPLAY: frozenset({"name"}),
    Viewer.CITIZEN: frozenset(),
    Viewer.CHECKER: frozenset(),
    Viewer.OTHERS: frozenset(),
}
PERSONAL_PREFILLS = {f"identity.{kind}": kind for kind in ("name", "id_number", "phone")}


def shown(kind: str | None, value, *, viewer: Viewer):
    """``value`` as ``viewer`` may see it; kinds without a mask (text, dates …) are shown as they are."""
    if kind not in MASKS or kind in IN_FULL[viewer] or not value:
        return value
    return MASKS[kind](str(value))


def person_field(person, kind: str, *, viewer: Viewer) -> str:
    """A person's ``name``, ``id_number`` or ``phone`` as ``viewer`` may see it. The platform acting
    itself (``core.usecases.SYSTEM``) is named as itself; nobody is an empty string."""
    if person is None:
        return ""
    if isinstance(person, SystemActor):
        return str(person.masked_name) if kind == "name" else ""
    return shown(kind, getattr(person, kind, "") or "", viewer=viewer) or ""


def name_of(person, *, viewer: Viewer) -> str:
    return person_field(person, "name", viewer=viewer)


def staff_name(staff) -> str:
    """A staff member (or the system) as the citizen whose data they used reads them: masked."""
    return name_of(staff, viewer=Viewer.CITIZEN)


def answer_kind(spec: dict) -> str | None:
    """What a form answer holds: its declared type, or the personal field it was prefilled from
    (a ``text`` question prefilled from ``identity.name`` holds a name)."""
    return PERSONAL_PREFILLS.get(spec.get("prefill", ""), spec.get("type"))


def shown_answers(schema: list[dict], data: dict, *, viewer: Viewer) -> list[tuple[str, str, object]]:
    """A form's answers as (key, label, value), each value as ``viewer`` may see it."""
    specs = {spec["key"]: spec for spec in schema}
    labelled = []
    for key, value in data.items():
        spec = specs.get(key, {})
        labelled.append((key, localised(spec).get("label") or key, shown(answer_kind(spec), value, viewer=viewer)))
    return labelled

