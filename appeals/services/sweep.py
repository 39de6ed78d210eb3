"""The overdue sweep (Celery beat, every 15 minutes): a yellow card from the start of the last working
day before a case's reply is due, a red card once it is overdue — and a red card issues 督办. Index
scans over the stored ``yellow_at``/``reply_due``; a case already carrying the card is skipped, so a
second run changes nothing and each change sends exactly one notice. It also escalates bad 好差评
whose rectification went overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy

from appeals.actions import CASES_CARDED
from appeals.models import Card, Case, CaseEvent
from appeals.services.intake import rating_escalate
from appeals.services.workflow import case_supervise, tell_department
from appeals.transitions import RUNNING, TABLE
from core.usecases import SystemActor, unchanged, use_case
from identity.notices import words
from identity.services import audit_record
from services.models import Rectification


@dataclass
class SweepReport:
    yellow: int = 0
    red: int = 0
    escalated: int = 0


def _card(case: Case, card: str, now: dt.datetime) -> None:
    Case.objects.filter(pk=case.pk).update(card=card)
    case.card = card
    CaseEvent.objects.create(case=case, action="card", from_status=case.status, to_status=case.status, actor_label="系统",
                             internal_note=str(Card(card).label), created_at=now)
    audit_record(action=CASES_CARDED, subject=case.reporter, actor_description="系统", detail={"case": case.number, "card": card})
    title = (words(gettext_lazy("Yellow card: %(number)s is due tomorrow"), number=case.number) if card == Card.YELLOW
             else words(gettext_lazy("Red card: %(number)s is overdue"), number=case.number))
    tell_department(case, title, kind="case_card")


@use_case(audit=CASES_CARDED)
def cases_sweep(*, actor: SystemActor, now: dt.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    locked = Case.objects.select_for_update(skip_locked=True, no_key=True, of=("self",)).select_related("reporter")
    for case in locked.filter(status__in=RUNNING, reply_due__lt=now).exclude(card=Card.RED):
        _card(case, Card.RED, now)
        report.red += 1
        if case.status in TABLE["supervise"].sources and case.supervised_at is None:
            case_supervise(actor=actor, case=case, note=str(Card.RED.label))
    for case in locked.filter(status__in=RUNNING, card=Card.NONE, yellow_at__lte=now, reply_due__gte=now):
        _card(case, Card.YELLOW, now)
        report.yellow += 1
    for rectification in Rectification.objects.filter(overdue=True, rating__case__isnull=True).select_related("rating__rater", "rating__item")[:100]:
        rating_escalate(actor=actor, rating=rectification.rating)
        report.escalated += 1
    if not (report.yellow or report.red or report.escalated):
        unchanged()
    return report
