"""Staff processing: claim, accept, ask for more, approve (result issued), reject; the overdue sweep."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.errors import Conflict, NotFound
from core.usecases import SystemActor, unchanged, use_case
from identity import masking
from identity.models import AuditEvent, User
from identity.notices import words
from identity.services import audit_record, notice_send
from services import permissions
from services.models import OPEN_STATUSES, Application
from services.services import bundles
from services.services.applications import settle_fee
from services.services.results import complete
from services.services.steps import move, step_label


def _staff_check(reviewer: User, application: Application, *, claimed: bool = True) -> None:
    if not permissions.is_reviewer_of(reviewer, application.department_id):
        raise NotFound(_("Not found."), code="not_found")
    if claimed and application.assigned_to_id != reviewer.pk:
        raise Conflict(_("Claim the application first."), code="not_claimed")


@use_case(audit=AuditEvent.Action.APPLICATION_VIEWED)
def application_open(*, actor: User, application: Application) -> Application:
    """Someone opens an application (portal or API). The applicant's own look is not recorded; a
    reviewer's is, and the applicant sees it in "who used my data"."""
    if application.applicant_id == actor.pk:
        unchanged()
        return application
    reviewer = actor
    _staff_check(reviewer, application, claimed=False)
    audit_record(action=AuditEvent.Action.APPLICATION_VIEWED, actor=reviewer, subject=application.applicant,
                 subject_organisation=application.organisation, actor_description=f"{reviewer.department} {masking.staff_name(reviewer)}",
                 detail={"application": application.number, "step": "opened"}, purpose=gettext_noop("审核办件"))
    return application


@use_case(audit=AuditEvent.Action.APPLICATION_STEP)
def application_claim(*, actor: User, application: Application) -> Application:
    _staff_check(actor, application, claimed=False)
    claimed = Application.objects.filter(pk=application.pk, assigned_to__isnull=True).update(assigned_to=actor)
    application.refresh_from_db()
    if not claimed and application.assigned_to_id != actor.pk:
        raise Conflict(_("Someone else has claimed this application."), code="claimed_by_other")
    audit_record(action=AuditEvent.Action.APPLICATION_STEP, actor=actor, subject=application.applicant,
                 actor_description=f"{actor.department} {masking.staff_name(actor)}", detail={"application": application.number, "step": "claim"})
    return application


@use_case(audit=AuditEvent.Action.APPLICATION_STEP)
def application_review(*, actor: User, application: Application, action: str, comment: str = "") -> Application:
    """accept, supplement (say what is missing), approve (issues the result), or reject (with reason)."""
    if action not in ("accept", "supplement", "approve", "reject"):
        raise ValidationError({"action": [_("Unknown action.")]})
    _staff_check(actor, application)
    if action in ("supplement", "reject") and not comment.strip():
        raise ValidationError({"comment": [_("Say what is missing or why.")]})
    audit_record(action=AuditEvent.Action.APPLICATION_STEP, actor=actor, subject=application.applicant,
                 actor_description=f"{actor.department} {masking.staff_name(actor)}", detail={"application": application.number, "step": action})
    application = move(application, action, actor=actor, label=step_label(actor, _("审核")), comment=comment.strip())
    if action == "approve":
        application = complete(application)
    elif action == "reject":
        settle_fee(application, actor=actor, reason="rejected")
        bundles.stop(application, comment.strip())
    return application


@use_case(audit=AuditEvent.Action.APPLICATION_STEP)
def mark_overdue(*, actor: SystemActor) -> int:
    """Flag open applications past their promised time and tell their department's reviewers (beat)."""
    now = timezone.now()
    late = list(Application.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
                .filter(status__in=OPEN_STATUSES, due_at__lt=now, overdue=False).select_related("assigned_to", "applicant"))
    if not late:
        unchanged()
        return 0
    Application.objects.filter(pk__in=[a.pk for a in late]).update(overdue=True)
    for application in late:
        audit_record(action=AuditEvent.Action.APPLICATION_STEP, actor_description=_("System"), subject=application.applicant,
                     detail={"application": application.number, "step": "overdue"})
        reviewers = [application.assigned_to] if application.assigned_to else permissions.reviewers_of(application.department_id)
        for reviewer in reviewers:
            notice_send(user=reviewer, kind="application_overdue", title=words(gettext_lazy("Overdue: %(number)s"), number=application.number),
                        url=f"/services/workbench/{application.number}/")
    return len(late)
