"""The beat sweep: a yellow card from the start of the last working day before the due day, a red
card once overdue (which issues 督办), one notice per change, and a second run changes nothing. A
suspended case's clock stands still. A bad 好差评 whose rectification went overdue is escalated."""

from appeals.models import Card, CaseEvent, Status
from appeals.services import workflow
from appeals.services.sweep import cases_sweep
from core.usecases import SYSTEM
from identity.models import Notice


def _dispatched(clock, make_case, dispatcher, handler, dept, **fields):
    clock.at(2026, 9, 30, 10, 0)  # due 13 October, yellow from 12 October
    return workflow.case_accept(actor=handler, case=workflow.case_dispatch(actor=dispatcher, case=make_case(Status.NEW, **fields), department=dept))


def test_yellow_then_red_once_each_with_one_notice_per_change(clock, make_case, dispatcher, handler, dept):
    case = _dispatched(clock, make_case, dispatcher, handler, dept)
    notices = Notice.objects.filter(user=handler, kind="case_card")
    clock.at(2026, 10, 10, 12, 0)  # the 调休 Saturday: two working days left
    assert cases_sweep(actor=SYSTEM).yellow == 0
    clock.at(2026, 10, 12, 8, 0)
    first, again = cases_sweep(actor=SYSTEM), cases_sweep(actor=SYSTEM)
    case.refresh_from_db()
    assert (first.yellow, again.yellow, case.card, notices.count()) == (1, 0, Card.YELLOW, 1)
    clock.at(2026, 10, 14, 0, 0, 1)
    first, again = cases_sweep(actor=SYSTEM), cases_sweep(actor=SYSTEM)
    case.refresh_from_db()
    assert (first.red, again.red, case.card, notices.count()) == (1, 0, Card.RED, 2)
    assert case.status == Status.SUPERVISED and case.supervised_at is not None  # a red card issues 督办
    assert list(CaseEvent.objects.filter(case=case, action__in=("card", "supervise")).values_list("action", flat=True)) == ["card", "card", "supervise"]


def test_a_suspended_case_gets_no_card(clock, make_case, dispatcher, handler, dept):
    case = _dispatched(clock, make_case, dispatcher, handler, dept)
    workflow.case_suspend(actor=handler, case=case, reason="等待您补充材料")
    clock.at(2026, 10, 20, 9, 0)
    report = cases_sweep(actor=SYSTEM)
    assert (report.yellow, report.red) == (0, 0)


def test_a_moved_deadline_lifts_the_card_and_a_later_one_is_a_new_change(clock, make_case, dispatcher, handler, dept):
    case = _dispatched(clock, make_case, dispatcher, handler, dept)
    clock.at(2026, 10, 12, 8, 0)
    cases_sweep(actor=SYSTEM)
    case = workflow.case_extend(actor=handler, case=case, days=5, reason="需要协调")
    assert case.card == Card.NONE
    clock.at(2026, 10, 19, 8, 0)  # due 20 October now
    assert cases_sweep(actor=SYSTEM).yellow == 1


def test_a_bad_rating_whose_rectification_went_overdue_is_escalated_once(reporter, dept):
    from django.utils import timezone

    from services.models import Rating, Rectification

    rating = Rating.objects.create(rater=reporter, department=dept, channel="window", level=1, comment="窗口态度差")
    Rectification.objects.create(rating=rating, department=dept, callback_due=timezone.now(), rectify_due=timezone.now(), overdue=True)
    first, again = cases_sweep(actor=SYSTEM), cases_sweep(actor=SYSTEM)
    assert (first.escalated, again.escalated) == (1, 0)
    assert rating.case.channel == "rating" and rating.case.kind == "complaint"
