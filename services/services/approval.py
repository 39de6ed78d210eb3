"""秒批: rules as data, checked right after submission; all hold → approved with no staff."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core import people
from core.usecases import SystemActor, pure, unchanged, use_case
from credentials.selectors import valid_credential
from identity.models import AuditEvent
from identity.services import audit_record
from services.models import Application, Material, Status
from services.services.applications import held_materials, holder_of
from services.services.results import complete
from services.services.steps import move, step_label


def _compare(value, op: str, expected) -> bool:
    checks = {
        "eq": lambda: value == expected, "ne": lambda: value != expected, "in": lambda: value in (expected or []),
        "lte": lambda: float(value) <= float(expected), "gte": lambda: float(value) >= float(expected),
        "lt": lambda: float(value) < float(expected), "gt": lambda: float(value) > float(expected),
    }
    try:
        return bool(checks[op]())
    except (TypeError, ValueError, KeyError):
        return False


@pure
def failing_approval_rule(application: Application) -> str | None:
    """The name of the first 秒批 rule that does not hold, or None when all hold."""
    kind, number, _name = holder_of(application.applicant, application.organisation)
    data = application.data
    for rule in application.version.approval_rules:
        if rule["kind"] == "credential_valid":
            holds = valid_credential(holder_kind=kind, holder_number=number, type_code=rule["type"]) is not None
        elif rule["kind"] == "field":
            holds = _compare(data.get(rule["field"]), rule.get("op", "eq"), rule.get("value"))
        elif rule["kind"] == "applicant_age":
            holds = _compare(people.age(application.applicant.id_number, timezone.localdate()), rule.get("op", "gte"), rule.get("value"))
        elif rule["kind"] == "all_materials_held":
            holds = all(credential is not None or not material.required for material, credential in held_materials(application.version,
                        application.applicant, application.organisation) if material.kind == Material.Kind.CREDENTIAL)
        else:
            holds = False
        if not holds:
            return rule["name"]
    return None


@use_case(audit=AuditEvent.Action.APPLICATION_STEP)
def instant_approve(*, actor: SystemActor, application: Application) -> Application:
    """秒批: when every rule holds, approve with no staff; otherwise name the failing rule and leave
    the application in its department's queue. The platform acts (``actor=SYSTEM``)."""
    if application.status != Status.SUBMITTED:
        unchanged()
        return application
    failing = failing_approval_rule(application)
    audit_record(action=AuditEvent.Action.APPLICATION_STEP, actor_description=_("System (秒批)"), subject=application.applicant,
                 detail={"application": application.number, "step": "instant_approval", "failing_rule": failing or ""})
    if failing:
        Application.objects.filter(pk=application.pk).update(failing_rule=failing[:255])
        application.failing_rule = failing
        return application
    label = step_label(None, "")
    application = move(application, "accept", actor=None, label=label)
    application = move(application, "approve", actor=None, label=label, comment=_("All approval rules hold."))
    return complete(application)
