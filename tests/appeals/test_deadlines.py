"""Deadlines in working days with 调休 (services.workdays): a case dispatched the day before
National Day 2026 is due five working days later counting the adjusted Saturday 10 October; the rule
for a category × kind × urgency applies (most specific, newest version); a suspension moves the due
day by the working days it lasted; one extension of at most the limit; a return after its window is
refused."""

import datetime as dt

import pytest
from django.utils import timezone

from appeals import deadlines
from appeals.models import CaseCategory, DeadlineRule, Status
from appeals.services import workflow
from core.errors import Conflict, Invalid


def _local(value):
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def test_five_working_days_across_national_day_and_a_tiaoxiu_saturday(clock, make_case, dispatcher, dept):
    clock.at(2026, 9, 30, 10, 0)
    case = workflow.case_dispatch(actor=dispatcher, case=make_case(Status.NEW), department=dept)
    # 1 Oct–7 Oct are holidays; 8, 9, Sat 10 (调休), 12, 13 October are the five working days
    assert _local(case.reply_due) == "2026-10-13T23:59:59+08:00"
    assert _local(case.return_due) == "2026-10-09T23:59:59+08:00"
    assert _local(case.yellow_at) == "2026-10-12T00:00:00+08:00"
    assert (case.reply_days, case.extension_max_days, case.return_days) == (5, 10, 2)


def test_the_yellow_day_is_the_tiaoxiu_saturday_when_due_on_monday(clock, make_case, dispatcher, dept):
    clock.at(2026, 9, 30, 10, 0)
    DeadlineRule.objects.create(reply_days=4, valid_from=timezone.now() - dt.timedelta(days=1))
    case = workflow.case_dispatch(actor=dispatcher, case=make_case(Status.NEW), department=dept)
    assert _local(case.reply_due) == "2026-10-12T23:59:59+08:00"
    assert _local(case.yellow_at) == "2026-10-10T00:00:00+08:00"


def test_the_most_specific_then_newest_rule_wins(clock, db):
    clock.at(2026, 11, 2, 9, 0)
    parent = CaseCategory.objects.create(name="交通出行")
    child = CaseCategory.objects.create(name="驾驶证", parent=parent)
    earlier = timezone.now() - dt.timedelta(days=30)
    DeadlineRule.objects.create(reply_days=9, valid_from=earlier)
    DeadlineRule.objects.create(category=parent, reply_days=7, valid_from=earlier)
    DeadlineRule.objects.create(category=parent, kind="complaint", urgency="urgent", reply_days=2, valid_from=earlier)
    DeadlineRule.objects.create(category=parent, kind="complaint", urgency="urgent", reply_days=1, valid_from=earlier + dt.timedelta(days=1))
    DeadlineRule.objects.create(category=parent, kind="complaint", urgency="urgent", reply_days=3, valid_from=timezone.now() + dt.timedelta(days=1))
    assert deadlines.limits_for(category=child, kind="complaint", urgency="urgent").reply_days == 1  # newest in force
    assert deadlines.limits_for(category=child, kind="consult", urgency="normal").reply_days == 7
    assert deadlines.limits_for(category=None, kind="consult", urgency="normal").reply_days == 9
    assert deadlines.limits_for(category=child, kind="consult", urgency="normal", at=earlier - dt.timedelta(days=1)).reply_days == 5


def test_a_suspension_moves_the_deadline_by_the_working_days_it_lasted(clock, make_case, dispatcher, handler, dept):
    clock.at(2026, 9, 30, 10, 0)
    case = workflow.case_accept(actor=handler, case=workflow.case_dispatch(actor=dispatcher, case=make_case(Status.NEW), department=dept))
    clock.at(2026, 10, 9, 9, 0)
    workflow.case_suspend(actor=handler, case=case, reason="等待您补充照片")
    clock.at(2026, 10, 13, 15, 0)  # suspended Fri 9 → Tue 13: Sat 10 (调休), Mon 12 and Tue 13 are three working days
    case = workflow.case_resume(actor=handler, case=case)
    assert _local(case.reply_due) == "2026-10-16T23:59:59+08:00"
    assert case.suspended_at is None and case.status == Status.IN_PROGRESS


def test_one_extension_within_the_limit(clock, make_case, dispatcher, handler, dept):
    clock.at(2026, 11, 2, 9, 0)  # Monday: due Monday 9 November
    case = workflow.case_accept(actor=handler, case=workflow.case_dispatch(actor=dispatcher, case=make_case(Status.NEW), department=dept))
    with pytest.raises(Invalid):
        workflow.case_extend(actor=handler, case=case, days=11, reason="需现场勘查")
    case = workflow.case_extend(actor=handler, case=case, days=10, reason="需现场勘查")
    assert _local(case.reply_due) == "2026-11-23T23:59:59+08:00"
    with pytest.raises(Conflict) as refused:
        workflow.case_extend(actor=handler, case=case, days=1, reason="还要更久")
    assert refused.value.code == "already_extended"


def test_a_return_after_its_window_is_refused(clock, make_case, dispatcher, handler, dept):
    clock.at(2026, 11, 2, 9, 0)
    case = workflow.case_dispatch(actor=dispatcher, case=make_case(Status.NEW), department=dept)
    clock.at(2026, 11, 5, 0, 0, 1)  # the window closed at the end of Wednesday 4 November
    with pytest.raises(Conflict) as refused:
        workflow.case_return(actor=handler, case=case, reason="不属于本部门")
    assert refused.value.code == "return_window_closed"
    clock.at(2026, 11, 4, 23, 0)
    assert workflow.case_return(actor=handler, case=case, reason="不属于本部门").status == Status.RETURNED
