"""Staff processing: claim, accept, ask for more, approve (result issued), reject; the overdue sweep."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound
from core.people import mask_id_number
from identity.models import AuditEvent, User
from identity.services import audit_record
from services.models import OPEN_STATUSES, Application
from services.services.results import complete
from services.services.steps import move, step_label


def _staff_check(reviewer: User, application: Application, *, claimed: bool = True) -> None:
    if not reviewer.has_perm("services.review_application") or reviewer.department_id != application.department_id:
        raise NotFound(_("Not found."), code="not_found")
    if claimed and application.assigned_to_id != reviewer.pk:
        raise Conflict(_("Claim the application first."), code="not_claimed")


def application_claim(*, reviewer: User, application: Application) -> Application:
    _staff_check(reviewer, application, claimed=False)
    claimed = Application.objects.filter(pk=application.pk, assigned_to__isnull=True).update(assigned_to=reviewer)
    application.refresh_from_db()
    if not claimed and application.assigned_to_id != reviewer.pk:
        raise Conflict(_("Someone else has claimed this application."), code="claimed_by_other")
    return application


def application_review(*, reviewer: User, application: Application, action: str, comment: str = "") -> Application:
    """accept, supplement (say what is missing), approve (issues the result), or reject (with reason)."""
    if action not in ("accept", "supplement", "approve", "reject"):
        raise ValidationError({"action": [_("Unknown action.")]})
    _staff_check(reviewer, application)
    if action in ("supplement", "reject") and not comment.strip():
        raise ValidationError({"comment": [_("Say what is missing or why.")]})
    audit_record(action=AuditEvent.Action.APPLICATION_VIEWED, actor=reviewer, subject=application.applicant,
                 actor_description=f"{reviewer.department} {reviewer.masked_name}", detail={"application": application.number, "step": action})
    application = move(application, action, actor=reviewer, label=step_label(reviewer, _("审核")), comment=comment.strip())
    if action == "approve":
        application = complete(application)
    return application


def mark_overdue() -> int:
    """Flag open applications past their promised time and tell their department's reviewers."""
    from identity.services import notice_send

    now = timezone.now()
    late = list(Application.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now, overdue=False).select_related("assigned_to"))
    Application.objects.filter(pk__in=[a.pk for a in late]).update(overdue=True)
    for application in late:
        reviewers = [application.assigned_to] if application.assigned_to else User.objects.filter(
            department=application.department_id, groups__permissions__codename="review_application").distinct()
        for reviewer in reviewers:
            notice_send(user=reviewer, kind="application_overdue", title=_("Overdue: %(number)s") % {"number": application.number},
                        url=f"/services/workbench/{application.number}/")
    return len(late)


def masked_applicant(application: Application) -> str:
    return f"{application.applicant.masked_name} {mask_id_number(application.applicant.id_number)}"
