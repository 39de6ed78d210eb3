"""回访: a happy answer closes the case; the first unhappy answer reopens it (重办) with a new reply
deadline; the second issues 督办; after 督办 an answer closes it on record. The citizen hears of each
reply and closure in their messages."""

from appeals.models import Status
from appeals.services import workflow
from identity.models import Notice


def test_unhappy_reopens_once_then_supervision_then_closed(clock, make_case, handler, reporter):
    clock.at(2026, 11, 2, 9, 0)
    case = workflow.case_reply(actor=handler, case=make_case(Status.IN_PROGRESS), public_text="已派人修复")
    clock.at(2026, 11, 3, 9, 0)
    case = workflow.case_callback(actor=reporter, case=case, solved=False, satisfied=False, note="还是不亮")
    assert (case.status, case.reopened, case.supervised_at) == (Status.IN_PROGRESS, 1, None)
    assert timezone_iso(case.reply_due) == "2026-11-10T23:59:59+08:00"  # five working days from the 重办
    case = workflow.case_reply(actor=handler, case=case, public_text="更换了灯具")
    case = workflow.case_callback(actor=reporter, case=case, solved=False, satisfied=False)
    assert (case.status, case.reopened) == (Status.SUPERVISED, 1) and case.supervised_at is not None
    case = workflow.case_reply(actor=handler, case=case, public_text="督办后已彻底修复")
    case = workflow.case_callback(actor=reporter, case=case, solved=False, satisfied=False)
    assert (case.status, case.satisfied) == (Status.CLOSED, False)
    assert Notice.objects.filter(user=reporter, kind="case").count() == 4  # three replies and the closure


def test_a_happy_answer_closes(make_case, reporter):
    case = workflow.case_callback(actor=reporter, case=make_case(Status.REPLIED), solved=True, satisfied=True)
    assert (case.status, case.solved, case.satisfied) == (Status.CLOSED, True, True) and case.closed_at is not None


def timezone_iso(value):
    from django.utils import timezone

    return timezone.localtime(value).replace(microsecond=0).isoformat()
