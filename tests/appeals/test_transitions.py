"""Every (state, action) pair of the transition table: an allowed one succeeds with exactly one
timeline entry and one audit event and lands in the table's target state; every other one refuses
and writes nothing. Plus the role checks: another department's handler gets 404, a citizen may not
dispatch."""

import pytest

from appeals.actions import CASE_STEP
from appeals.models import CaseEvent, Status
from appeals.services import workflow
from appeals.transitions import TABLE, allowed_actions
from core.errors import Conflict, Forbidden, NotFound
from identity.models import AuditEvent


def _calls(dispatcher, handler, reporter, dept):
    return {
        "dispatch": lambda case: workflow.case_dispatch(actor=dispatcher, case=case, department=dept),
        "accept": lambda case: workflow.case_accept(actor=handler, case=case),
        "return": lambda case: workflow.case_return(actor=handler, case=case, reason="不属于本部门职责"),
        "keep": lambda case: workflow.case_keep(actor=dispatcher, case=case, note="属于贵部门"),
        "suspend": lambda case: workflow.case_suspend(actor=handler, case=case, reason="等待您补充照片"),
        "resume": lambda case: workflow.case_resume(actor=handler, case=case),
        "extend": lambda case: workflow.case_extend(actor=handler, case=case, days=3, reason="需现场勘查"),
        "reply": lambda case: workflow.case_reply(actor=handler, case=case, public_text="已修复", internal_note="电工班组"),
        "close": lambda case: workflow.case_callback(actor=reporter, case=case, solved=True, satisfied=True),
        "reopen": lambda case: workflow.case_callback(actor=reporter, case=case, solved=False, satisfied=False),
        "supervise": lambda case: workflow.case_supervise(actor=dispatcher, case=case, note="群众反映强烈"),
        "discard": lambda case: workflow.case_discard(actor=dispatcher, case=case, reason="重复诉求"),
    }


PAIRS = [(action, status) for action in TABLE for status in Status.values]


def test_the_table_names_every_action_once_and_only_known_states():
    assert set(TABLE) == {"dispatch", "accept", "return", "keep", "suspend", "resume", "extend", "reply", "close", "reopen", "supervise", "discard"}
    assert all(transition.sources <= set(Status.values) and transition.target in Status.values for transition in TABLE.values())


@pytest.mark.parametrize(("action", "status"), PAIRS)
def test_each_state_action_pair(action, status, make_case, dispatcher, handler, reporter, dept):
    case = make_case(status)
    events, audits = CaseEvent.objects.count(), AuditEvent.objects.filter(action=CASE_STEP).count()
    call = _calls(dispatcher, handler, reporter, dept)[action]
    if status in TABLE[action].sources:
        result = call(case)
        assert result.status == TABLE[action].target
        assert list(CaseEvent.objects.filter(case=case).values_list("action", "from_status", "to_status")) == [(action, status, TABLE[action].target)]
        assert AuditEvent.objects.filter(action=CASE_STEP).count() == audits + 1
    else:
        with pytest.raises((Conflict, NotFound)) as refused:
            call(case)
        # a handler cannot even see a case no department holds yet; whoever sees it hears the state is wrong
        assert refused.value.code == ("not_found" if case.department_id is None and TABLE[action].who == "department" else "wrong_state")
        assert (CaseEvent.objects.count(), AuditEvent.objects.filter(action=CASE_STEP).count()) == (events, audits)


def test_another_departments_handler_gets_not_found(make_case, other_handler):
    case = make_case(Status.DISPATCHED)
    with pytest.raises(NotFound):
        workflow.case_accept(actor=other_handler, case=case)
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_citizen_may_not_dispatch_their_own_case(make_case, reporter, dept):
    case = make_case(Status.NEW)
    with pytest.raises(Forbidden):
        workflow.case_dispatch(actor=reporter, case=case, department=dept)


def test_allowed_actions_follow_the_table_and_the_role(make_case, dispatcher, handler, reporter):
    assert allowed_actions(dispatcher, make_case(Status.NEW)) == ["dispatch", "discard"]
    assert allowed_actions(handler, make_case(Status.DISPATCHED)) == ["accept", "return"]
    assert allowed_actions(handler, make_case(Status.IN_PROGRESS)) == ["suspend", "extend", "reply"]
    assert allowed_actions(reporter, make_case(Status.IN_PROGRESS)) == []


def test_the_citizen_reads_public_texts_only(make_case, handler):
    case = make_case(Status.IN_PROGRESS)
    workflow.case_reply(actor=handler, case=case, public_text="已修复路灯", internal_note="费用从维修基金列支")
    event = CaseEvent.objects.get(case=case)
    assert (event.public_text, event.internal_note) == ("已修复路灯", "费用从维修基金列支")
    from appeals.api.serializers import CitizenCaseOutput

    shown = str(CitizenCaseOutput(case).data)
    assert "已修复路灯" in shown and "维修基金" not in shown
