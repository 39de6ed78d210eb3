"""Celery tasks for applications: 秒批 right after submission, notifications (after commit, retried,
never twice), and the overdue sweep (beat)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.usecases import SYSTEM
from identity.notices import named, words
from identity.services import notice_send
from identity.sms import sms_send
from services.models import Application, Status, Transition
from services.services.approval import instant_approve
from services.services.ratings import rectifications_mark_overdue
from services.services.workflow import mark_overdue as sweep

RESEND_AFTER_SECONDS = 60  # a 秒批 task not run this long after its commit is sent again (resend_instant_approvals)


# Retries outlast a database failover (about 20-40 s with Patroni): 12 tries, backoff capped at 30 s.
@shared_task(name="services.instant_approval", acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=30, max_retries=12)
def instant_approval(application_id: int, notice: int | None = None) -> str:
    """秒批, and first the notice of the step ``notice`` ("submitted"): a submission queues this one task,
    not a notice task beside it. The notice is exactly-once on its own (``send_transition_notice``),
    so a retry after a failed approval does not send it twice."""
    if notice is not None:
        send_transition_notice.run(notice)
    application = Application.objects.select_related("version", "applicant", "organisation", "department").get(pk=application_id)
    return instant_approve(actor=SYSTEM, application=application).status


@shared_task(name="services.resend_instant_approvals")
def resend_instant_approvals() -> int:
    """Beat, every minute: the 秒批 tasks a lost send missed (the broker down at the submission's commit,
    or the process gone before it sent) — a 秒批 submission keeps no outbox row, its unnotified
    "submitted" step says the task is owed. Sent again; the task is safe twice (its notice is
    exactly-once, and an application no longer submitted is left as it is)."""
    from core.outbox import enqueue
    from services.selectors import unsent_instant_approvals

    owed = unsent_instant_approvals(older_than=timedelta(seconds=RESEND_AFTER_SECONDS))
    for application_id, notice in owed:
        enqueue(instant_approval, application_id, notice)
    return len(owed)


def unnotified_transition(transition_id: int) -> Transition | None:
    """The step, locked for its notification. Only the step's own row is locked, and not against
    foreign-key checks (FOR NO KEY UPDATE OF): locking the joined applicant and item too would block —
    and deadlock with — every submission inserting rows that reference them."""
    return (Transition.objects.select_for_update(no_key=True, of=("self",)).select_related("application__applicant", "application__item")
            .filter(pk=transition_id, notified_at__isnull=True).first())


@shared_task(name="services.send_transition_notice", acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def send_transition_notice(transition_id: int) -> bool:
    """In-app notice and SMS for one timeline step. The row lock and ``notified_at`` make it
    exactly-once across retries and concurrent workers; a failure rolls back and is retried."""
    with transaction.atomic():
        transition = unnotified_transition(transition_id)
        if transition is None:
            return False
        application = transition.application
        title = words(gettext_lazy("%(item)s: %(status)s"), item=named(application.item), status=Status(transition.to_status).label)
        body = transition.comment
        # a step the applicant took (submitting, resubmitting, withdrawing) is a receipt, not news: it raises no unread badge
        notice_send(user=application.applicant, kind="application", title=title, body=body, url=f"/services/applications/{application.number}/",
                    read=transition.actor_id == application.applicant_id)
        applicant = application.applicant
        if applicant.phone and applicant.phone_verified:
            sms_send(phone=applicant.phone, body=_("【齐鲁通】您的办件 %(number)s %(title)s") % {"number": application.number, "title": str(title)},
                     purpose="application")
        transition.notified_at = timezone.now()
        transition.save(update_fields=["notified_at"])
    return True


@shared_task(name="services.mark_overdue")
def mark_overdue() -> int:
    """Applications past their promised time, and bad-rating cases past their call-back or
    rectification deadline (both in working days)."""
    return sweep(actor=SYSTEM) + rectifications_mark_overdue(actor=SYSTEM)
