"""A case's deadlines, in working days with 调休 (``services.workdays``, the one calendar).

- Which limits apply: the ``DeadlineRule`` for the case's category × kind × urgency — the most
  specific key first (a category rule covers its sub-categories), and for one key the newest version
  already in force. Without one: Shandong's 12345 rules (reply within 5 working days, one extension
  of at most 10, a department may return a case within 2).
- Reply due: the close of the ``reply_days``-th working day after dispatch (or after a 重办).
- Yellow card: from the start of the last working day before the due day; red: once the due moment
  has passed. Both are stored on the case so the sweep is an index scan.
- A suspension stops the clock: on resuming, the due day moves by the working days spent suspended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from appeals.models import Case, CaseCategory, DeadlineRule
from services import workdays

DEFAULT_REPLY_DAYS = 5
DEFAULT_EXTENSION_MAX_DAYS = 10
DEFAULT_RETURN_DAYS = 2


@dataclass(frozen=True)
class Limits:
    reply_days: int = DEFAULT_REPLY_DAYS
    extension_max_days: int = DEFAULT_EXTENSION_MAX_DAYS
    return_days: int = DEFAULT_RETURN_DAYS
    rule: DeadlineRule | None = None


def _specificity(rule: DeadlineRule, lineage: list[int]) -> tuple:
    depth = len(lineage) - lineage.index(rule.category_id) if rule.category_id in lineage else 0  # a nearer category is more specific
    return (depth, bool(rule.kind), bool(rule.urgency), rule.valid_from, rule.pk)


def limits_for(*, category: CaseCategory | None, kind: str, urgency: str, at: dt.datetime | None = None) -> Limits:
    """The limits in force at ``at`` (now) for this key."""
    lineage = category.lineage() if category else []
    candidates = (DeadlineRule.objects.filter(valid_from__lte=at or timezone.now())
                  .filter(Q(category__isnull=True) | Q(category__in=lineage))
                  .filter(Q(kind="") | Q(kind=kind)).filter(Q(urgency="") | Q(urgency=urgency)))
    rules = sorted(candidates, key=lambda rule: _specificity(rule, lineage), reverse=True)
    if not rules:
        return Limits()
    best = rules[0]
    return Limits(reply_days=best.reply_days, extension_max_days=min(best.extension_max_days, DEFAULT_EXTENSION_MAX_DAYS),
                  return_days=best.return_days, rule=best)


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def previous_working_day(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not workdays.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def set_reply_due(case: Case, due: dt.datetime, *, now: dt.datetime) -> None:
    """Store the due moment, its yellow moment, and the card they mean now (a moved deadline may lift one)."""
    case.reply_due = due
    case.yellow_at = start_of(previous_working_day(timezone.localtime(due).date()))
    case.card = card_at(case, now)


def card_at(case: Case, now: dt.datetime) -> str:
    if case.reply_due is None:
        return ""
    if now > case.reply_due:
        return "red"
    return "yellow" if now >= case.yellow_at else ""


def suspended_working_days(since: dt.datetime, until: dt.datetime) -> int:
    """Working days the clock stood still: from the suspension's day to the resumption's, counting
    the day it resumed only when the suspension began before it (a same-day suspension costs nothing)."""
    return workdays.working_days_between(timezone.localtime(since).date(), timezone.localtime(until).date())
