"""One step of the transition table from what a front received (the staff page's form, the API's body):
the use case for the action with its fields. Both fronts call ``take``; the rules are the use cases'."""

from __future__ import annotations

from collections.abc import Mapping

from appeals import selectors
from appeals.models import Case
from appeals.services import workflow


def take(actor, case: Case, action: str, fields: Mapping) -> Case:
    """Run ``action`` on ``case`` with ``fields`` (department, category, reason, note, days, public_text,
    internal_note, solved, satisfied — each only where the action reads it). KeyError for an action
    that is no step (the fronts check the name first: ``ACTIONS``)."""
    text = {key: str(fields.get(key) or "") for key in ("reason", "note", "public_text", "internal_note")}
    calls = {
        "dispatch": lambda: workflow.case_dispatch(actor=actor, case=case, department=selectors.department_by_code(str(fields.get("department") or "")),
                                                   category=selectors.category_by_id(fields.get("category") or None), note=text["note"]),
        "accept": lambda: workflow.case_accept(actor=actor, case=case),
        "return": lambda: workflow.case_return(actor=actor, case=case, reason=text["reason"]),
        "keep": lambda: workflow.case_keep(actor=actor, case=case, note=text["note"]),
        "suspend": lambda: workflow.case_suspend(actor=actor, case=case, reason=text["reason"]),
        "resume": lambda: workflow.case_resume(actor=actor, case=case),
        "extend": lambda: workflow.case_extend(actor=actor, case=case, days=fields.get("days") or 0, reason=text["reason"]),
        "reply": lambda: workflow.case_reply(actor=actor, case=case, public_text=text["public_text"], internal_note=text["internal_note"]),
        "supervise": lambda: workflow.case_supervise(actor=actor, case=case, note=text["note"]),
        "discard": lambda: workflow.case_discard(actor=actor, case=case, reason=text["reason"]),
        "callback": lambda: workflow.case_callback(actor=actor, case=case, solved=bool(fields.get("solved")),
                                                   satisfied=bool(fields.get("satisfied")), note=text["note"]),
    }
    return calls[action]()


ACTIONS = ("dispatch", "accept", "return", "keep", "suspend", "resume", "extend", "reply", "supervise", "discard", "callback")
