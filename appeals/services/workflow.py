"""The transition table applied (``apply``: the one function) and each transition as a use case: the
state check, the role check, the deadline effects, one timeline entry and one audit event, all in the
use case's transaction. Notices go to the reporter for what they should read (a reply, a 重办, a
closure) and to the department for what it must act on (a dispatch, a 督办)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals import deadlines, permissions
from appeals.actions import CASE_STEP
from appeals.models import Case, CaseCategory, CaseEvent, RoutingRule
from appeals.transitions import CALLBACK, TABLE, may_take
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.usecases import SystemActor, side_effect, step, use_case
from identity import masking
from identity.models import Department, User
from identity.notices import words
from identity.services import audit_record, notice_send
from services import workdays

Effect = Callable[[Case, dt.datetime], None]


def _actor_label(actor, case: Case) -> str:
    """Who acted, as the timeline stores it: the system, the reporter, or staff by post and masked name —
    in the catalogue's own words (``CaseEvent.actor_words`` reads them in the reader's language)."""
    if isinstance(actor, SystemActor) or actor is None:
        return "系统"
    if case.reporter_id is not None and actor.pk == case.reporter_id:
        return "诉求人"
    post = actor.department.name if actor.department_id else "12345 热线"
    return f"{post} {masking.staff_name(actor)}"[:128]


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(no_key=True, of=("self",)).select_related("reporter", "department", "category").get(pk=case.pk)


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


@step
def apply(case: Case, action: str, *, actor: User | SystemActor, public_text: str = "", internal_note: str = "",
          effect: Effect | None = None, by_callback: bool = False) -> Case:
    """Apply ``action`` of the transition table to ``case`` (locked here): who may, from which state,
    what it changes (``effect``), its timeline entry and its audit event. ``by_callback``: the action
    follows from a 回访 answer (a second unhappy one issues 督办), so whoever may call back may take it."""
    transition = TABLE[action] if not by_callback else dataclasses.replace(TABLE[action], who=CALLBACK)
    case = _locked(case)
    if not isinstance(actor, SystemActor) and not permissions.may_see(actor, case):
        raise NotFound()
    if not may_take(actor, case, transition):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if case.status not in transition.sources:
        raise Conflict(_("This case cannot be %(action)s now (it is %(status)s).") % {"action": transition.label, "status": case.get_status_display()},
                       code="wrong_state")
    now = timezone.now()
    if effect is not None:
        effect(case, now)
    source = case.status
    case.status = transition.target
    case.save()
    CaseEvent.objects.create(case=case, action=action, from_status=source, to_status=transition.target,
                             actor=actor if isinstance(actor, User) else None, actor_label=_actor_label(actor, case),
                             public_text=public_text, internal_note=internal_note, created_at=now)
    audit_record(action=CASE_STEP, actor=actor if isinstance(actor, User) else None, subject=case.reporter,
                 actor_description=_actor_label(actor, case), detail={"case": case.number, "step": action})
    return case


@side_effect
def tell_reporter(case: Case, title) -> None:
    notice_send(user=case.reporter, kind="case", title=title, url=f"/cases/{case.number}/")


@side_effect
def tell_department(case: Case, title, kind: str = "case_todo") -> None:
    for handler in permissions.handlers_of(case.department_id):
        notice_send(user=handler, kind=kind, title=title, url=f"/cases/staff/{case.number}/")


def _dispatch_effect(department: Department, category: CaseCategory | None, rule: RoutingRule | None) -> Effect:
    def effect(case: Case, now: dt.datetime) -> None:
        if category is not None:
            case.category = category
        limits = deadlines.limits_for(category=case.category, kind=case.kind, urgency=case.urgency, at=now)
        case.department, case.routing_rule, case.dispatched_at, case.accepted_at = department, rule, now, None
        case.reply_days, case.extension_max_days, case.return_days, case.deadline_rule = (
            limits.reply_days, limits.extension_max_days, limits.return_days, limits.rule)
        case.return_due = workdays.deadline(now, limits.return_days)
        deadlines.set_reply_due(case, workdays.deadline(now, limits.reply_days), now=now)
    return effect


@use_case(audit=CASE_STEP)
def case_dispatch(*, actor: User | SystemActor, case: Case, department: Department, category: CaseCategory | None = None,
                  rule: RoutingRule | None = None, note: str = "") -> Case:
    """Send a case to a department (a dispatcher, or the system for a routing rule's match — the
    case records the rule). The reply and return clocks start now."""
    case = apply(case, "dispatch", actor=actor, internal_note=note or (rule.name if rule else ""), effect=_dispatch_effect(department, category, rule))
    tell_department(case, words(gettext_lazy("A case to accept: %(number)s"), number=case.number))
    return case


@use_case(audit=CASE_STEP)
def case_accept(*, actor: User, case: Case) -> Case:
    """签收: the department takes the case on."""
    def effect(case: Case, now: dt.datetime) -> None:
        case.accepted_at = now
    return apply(case, "accept", actor=actor, effect=effect)


@use_case(audit=CASE_STEP)
def case_return(*, actor: User, case: Case, reason: str) -> Case:
    """退单: not this department's — within the return window only, with a reason for the dispatcher."""
    reason = _text(reason, "reason", _("Say why the case is not your department's."))

    def effect(case: Case, now: dt.datetime) -> None:
        if case.return_due is None or now > case.return_due:
            raise Conflict(_("The time to return this case has passed: handle it, or ask the dispatcher."), code="return_window_closed")
    return apply(case, "return", actor=actor, internal_note=reason, effect=effect)


@use_case(audit=CASE_STEP)
def case_keep(*, actor: User, case: Case, note: str = "") -> Case:
    """The dispatcher refuses a return: the department handles the case (it counts as accepted)."""
    def effect(case: Case, now: dt.datetime) -> None:
        case.accepted_at = now
    case = apply(case, "keep", actor=actor, internal_note=note, effect=effect)
    tell_department(case, words(gettext_lazy("Your return was refused; please handle %(number)s"), number=case.number))
    return case


@use_case(audit=CASE_STEP)
def case_suspend(*, actor: User, case: Case, reason: str) -> Case:
    """Stop the clock (e.g. waiting for the citizen's material); the citizen reads the reason."""
    reason = _text(reason, "reason", _("Say what the case is waiting for."))

    def effect(case: Case, now: dt.datetime) -> None:
        case.suspended_at = now
    case = apply(case, "suspend", actor=actor, public_text=reason, effect=effect)
    tell_reporter(case, words(gettext_lazy("Your case %(number)s is waiting"), number=case.number))
    return case


@use_case(audit=CASE_STEP)
def case_resume(*, actor: User, case: Case) -> Case:
    """Restart the clock: the deadline moves by the working days spent suspended."""
    def effect(case: Case, now: dt.datetime) -> None:
        stopped = deadlines.suspended_working_days(case.suspended_at, now)
        deadlines.set_reply_due(case, workdays.deadline(case.reply_due, stopped), now=now)
        case.suspended_at = None
    return apply(case, "resume", actor=actor, effect=effect)


@use_case(audit=CASE_STEP)
def case_extend(*, actor: User, case: Case, days: int, reason: str) -> Case:
    """One extension, of at most the rule's limit (≤ 10 working days)."""
    reason = _text(reason, "reason", _("Say why more time is needed."))

    def effect(case: Case, now: dt.datetime) -> None:
        if case.extended_days:
            raise Conflict(_("This case has been extended once already."), code="already_extended")
        if not isinstance(days, int) or not 1 <= days <= case.extension_max_days:
            raise Invalid(_("Extend by 1 to %(max)d working days.") % {"max": case.extension_max_days}, code="invalid",
                          errors={"days": [_("Extend by 1 to %(max)d working days.") % {"max": case.extension_max_days}]})
        case.extended_days = days
        deadlines.set_reply_due(case, workdays.deadline(case.reply_due, days), now=now)
    return apply(case, "extend", actor=actor, public_text=reason, effect=effect)


@use_case(audit=CASE_STEP)
def case_reply(*, actor: User, case: Case, public_text: str, internal_note: str = "") -> Case:
    """答复: the public text the citizen reads, and an internal note they never see."""
    public_text = _text(public_text, "public_text", _("Write the answer the citizen will read."))
    internal_note = (internal_note or "").strip()

    def effect(case: Case, now: dt.datetime) -> None:
        case.replied_at, case.reply_public, case.reply_internal = now, public_text, internal_note
    case = apply(case, "reply", actor=actor, public_text=public_text, internal_note=internal_note, effect=effect)
    tell_reporter(case, words(gettext_lazy("Your case %(number)s has been answered"), number=case.number))
    return case


def _callback_effect(solved: bool, satisfied: bool) -> Effect:
    def effect(case: Case, now: dt.datetime) -> None:
        case.called_back_at, case.solved, case.satisfied = now, solved, satisfied
    return effect


@use_case(audit=CASE_STEP)
def case_callback(*, actor: User, case: Case, solved: bool, satisfied: bool, note: str = "") -> Case:
    """回访: solved? satisfied? A happy answer closes the case; the first unhappy one reopens it (重办,
    a new reply deadline); a second one issues 督办 — and an unhappy answer after 督办 closes it on
    record as unsatisfied."""
    current = Case.objects.only("status", "reopened", "supervised_at").get(pk=case.pk)
    happy = bool(solved) and bool(satisfied)
    base = _callback_effect(bool(solved), bool(satisfied))
    if happy or current.supervised_at is not None:
        def close(case: Case, now: dt.datetime) -> None:
            base(case, now)
            case.closed_at = now
        case = apply(case, "close", actor=actor, public_text=note, effect=close)
        tell_reporter(case, words(gettext_lazy("Your case %(number)s is closed"), number=case.number))
        return case
    if current.reopened == 0:
        def reopen(case: Case, now: dt.datetime) -> None:
            base(case, now)
            case.reopened += 1
            case.replied_at = None
            deadlines.set_reply_due(case, workdays.deadline(now, case.reply_days), now=now)
        case = apply(case, "reopen", actor=actor, public_text=note, effect=reopen)
        tell_department(case, words(gettext_lazy("The citizen was not satisfied: handle %(number)s again"), number=case.number), kind="case_reopened")
        return case
    return _supervise(case, actor=actor, note=note, effect=base, by_callback=True)


def _supervise(case: Case, *, actor, note: str, effect: Effect | None = None, by_callback: bool = False) -> Case:
    def supervise(case: Case, now: dt.datetime) -> None:
        if effect is not None:
            effect(case, now)
        case.supervised_at = now
    case = apply(case, "supervise", actor=actor, internal_note=note, effect=supervise, by_callback=by_callback)
    tell_department(case, words(gettext_lazy("督办: %(number)s"), number=case.number), kind="case_supervised")
    return case


@use_case(audit=CASE_STEP)
def case_supervise(*, actor: User | SystemActor, case: Case, note: str = "") -> Case:
    """督办: the dispatcher (or the sweep, for a red card) puts the case under supervision."""
    return _supervise(case, actor=actor, note=note)


@use_case(audit=CASE_STEP)
def case_discard(*, actor: User, case: Case, reason: str) -> Case:
    """No case to handle (spam, not a government matter): closed with a reason the citizen reads."""
    reason = _text(reason, "reason", _("Say why the case is not taken up."))

    def effect(case: Case, now: dt.datetime) -> None:
        case.closed_at = now
    case = apply(case, "discard", actor=actor, public_text=reason, effect=effect)
    tell_reporter(case, words(gettext_lazy("Your case %(number)s is closed"), number=case.number))
    return case
