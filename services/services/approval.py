"""秒批: rules as data, checked right after submission; all hold → approved with no staff."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.usecases import SystemActor, unchanged, use_case
from identity.models import AuditEvent
from identity.services import audit_record
from services.models import Application, Status
from services.selectors import failing_approval_rule
from services.services.results import complete
from services.services.steps import move, step_label


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
