"""The application state machine: which step may follow which, each step locked and recorded on the
timeline, its notice sent after commit (exactly once, by the outbox)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.outbox import enqueue_on_commit
from core.usecases import pure, step
from identity import masking
from identity.models import User
from services.models import OPEN_STATUSES, Application, Status, Transition


@pure
def step_label(user: User | None, role: str) -> str:
    if user is None:
        return _("System (秒批)")
    return f"{role} {masking.staff_name(user)}"


@step
def record_step(application: Application, to_status: str, *, actor: User | None, label: str, comment: str = "",
                notify: bool = True) -> Transition:
    """``notify=False``: the caller's own task sends this step's notice (a 秒批 submission's one task
    notifies "submitted", then approves), so no task of its own is queued."""
    transition = Transition.objects.create(application=application, from_status=application.status if application.pk else "",
                                           to_status=to_status, actor=actor, actor_label=label, comment=comment)
    if notify:
        enqueue_on_commit("services.send_transition_notice", transition.pk)
    return transition


ALLOWED = {
    "accept": ((Status.SUBMITTED, Status.RESUBMITTED), Status.ACCEPTED),
    "supplement": ((Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED), Status.SUPPLEMENT),
    "resubmit": ((Status.SUPPLEMENT,), Status.RESUBMITTED),
    "approve": ((Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED), Status.APPROVED),
    "reject": ((Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED), Status.REJECTED),
    "withdraw": (OPEN_STATUSES, Status.WITHDRAWN),  # after payment: the fee is refunded
    "cancel": ((Status.AWAITING_PAYMENT,), Status.WITHDRAWN),  # before payment: the order is closed
    "paid": ((Status.AWAITING_PAYMENT,), Status.SUBMITTED),
    "complete": ((Status.APPROVED,), Status.COMPLETED),
}


# What the applicant may do, each allowed exactly when the step it takes is (``pay`` moves nothing
# itself: the platform's notification does, by "paid").
APPLICANT_ACTIONS = {"pay": "paid", "cancel": "cancel", "withdraw": "withdraw", "resubmit": "resubmit"}
REVIEWER_ACTIONS = ("accept", "supplement", "approve", "reject")


@pure
def allowed_actions(application: Application, *, by: str = "applicant") -> frozenset[str]:
    """The one owner of "may this be done now": views, API and templates ask here, never the status."""
    if by == "reviewer":
        return frozenset(action for action in REVIEWER_ACTIONS if application.status in ALLOWED[action][0])
    return frozenset(action for action, step_name in APPLICANT_ACTIONS.items() if application.status in ALLOWED[step_name][0])


@step
def move(application: Application, action: str, *, actor: User | None, label: str, comment: str = "") -> Application:
    sources, target = ALLOWED[action]
    with transaction.atomic():
        locked = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
        if locked.status not in sources:
            raise Conflict(_("This application is %(status)s; that step is not possible now.") % {"status": locked.get_status_display()},
                               code="wrong_state")
        record_step(locked, target, actor=actor, label=label, comment=comment)
        locked.status = target
        if target in (Status.APPROVED, Status.REJECTED):
            locked.decided_at = timezone.now()
        locked.save()
    return locked
