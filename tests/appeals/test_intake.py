"""Cases arrive from every channel through one door: the same person's same complaint from the app,
a window and a 12345 import is one case with three sources; re-importing the file creates nothing;
the first matching routing rule dispatches and is recorded; what no rule routes waits for a
dispatcher with a suggested category (never dispatched silently); an anonymous report keeps its
contact encrypted and gives a tracking code; a bad 好差评 is escalated once."""

import pytest
from django.db import connection

from appeals import selectors
from appeals.models import Case, CaseCategory, CaseSource, Channel, RoutingRule, Status
from appeals.services.intake import Intake, case_record, case_submit, cases_import, rating_escalate
from core.usecases import SYSTEM

COMPLAINT = "小区门口的路灯坏了一个月，晚上很黑。"


def _rows():
    return [{"external_id": "12345-0001", "received_at": "2026-11-02T09:00:00", "kind": "投诉", "title": "路灯不亮",
             "text": "小区门口的路灯 坏了一个月，晚上很黑！", "area": "历下区", "phone": "13800000201", "name": "张三"},
            {"external_id": "12345-0002", "kind": "咨询", "text": "公积金怎么提取？", "phone": "13900000009", "name": "李四"}]


def test_the_same_complaint_from_app_window_and_12345_is_one_case(reporter, clerk):
    first = case_submit(actor=reporter, intake=Intake(kind="complaint", title="路灯不亮", text=COMPLAINT, area="历下区"))
    second = case_record(actor=clerk, intake=Intake(kind="complaint", title="路灯", text=COMPLAINT, contact_phone="138 0000 0201"))
    report = cases_import(actor=SYSTEM, rows=_rows())
    assert first.created and not second.created and second.case == first.case
    assert (report.created, report.merged, report.already, report.errors) == (1, 1, 0, [])
    assert sorted(CaseSource.objects.filter(case=first.case).values_list("channel", flat=True)) == ["app", "hotline", "window"]
    assert Case.objects.count() == 2  # the complaint, and the other ticket's question
    again = cases_import(actor=SYSTEM, rows=_rows())
    assert (again.created, again.merged, again.already) == (0, 0, 2)
    assert (Case.objects.count(), CaseSource.objects.count()) == (2, 4)


def test_a_closed_case_does_not_swallow_a_new_complaint(reporter):
    first = case_submit(actor=reporter, intake=Intake(kind="complaint", title="路灯不亮", text=COMPLAINT)).case
    Case.objects.filter(pk=first.pk).update(status=Status.CLOSED)
    assert case_submit(actor=reporter, intake=Intake(kind="complaint", title="路灯不亮", text=COMPLAINT)).created


def test_the_first_matching_rule_dispatches_and_is_recorded(reporter, dept, other_dept):
    RoutingRule.objects.create(position=1, name="住建：物业", keyword="物业", department=other_dept)
    lights = RoutingRule.objects.create(position=2, name="路灯归城管", keyword="路灯", department=dept)
    RoutingRule.objects.create(position=3, name="全部投诉", kind="complaint", department=other_dept)
    case = case_submit(actor=reporter, intake=Intake(kind="complaint", title="路灯不亮", text=COMPLAINT)).case
    assert (case.status, case.department, case.routing_rule) == (Status.DISPATCHED, dept, lights)
    assert case.timeline.last().actor_label == "系统" and case.timeline.last().internal_note == "路灯归城管"


def test_no_rule_leaves_a_suggestion_for_the_dispatcher(reporter, dispatcher, dept):
    category = CaseCategory.objects.create(name="市政设施", keywords="路灯 井盖", default_department=dept)
    case = case_submit(actor=reporter, intake=Intake(kind="complaint", title="路灯不亮", text=COMPLAINT)).case
    assert (case.status, case.department, case.suggested_category) == (Status.NEW, None, category)
    assert list(selectors.dispatch_queue(dispatcher)) == [case]


def test_an_anonymous_report_keeps_its_contact_encrypted_and_gives_a_tracking_code(db):
    received = case_submit(actor=None, intake=Intake(kind="report", title="噪音扰民", text="工地夜间施工", contact_phone="13700000001", anonymous=True))
    assert received.tracking_code and received.case.reporter is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM appeals_case WHERE id = %s", [received.case.pk])
        stored = bytes(cursor.fetchone()[0])
    assert b"13700000001" not in stored
    assert selectors.case_tracked(received.case.number, received.tracking_code.lower()) == received.case
    with pytest.raises(Exception):  # noqa: B017,PT011 — a wrong code finds nothing
        selectors.case_tracked(received.case.number, "AAAA-BBBB-CCCC")


def test_a_signed_out_visitor_must_report_anonymously(db):
    from core.errors import Forbidden

    with pytest.raises(Forbidden):
        case_submit(actor=None, intake=Intake(kind="complaint", title="x", text="y"))


def test_the_knowledge_candidates_the_citizen_saw_are_kept(reporter):
    seen = [{"title": "驾驶证期满换证", "url": "/services/items/GA-005/"}]
    case = case_submit(actor=reporter, intake=Intake(kind="consult", title="驾照到期", text="驾照快到期了怎么换", knowledge_candidates=seen)).case
    assert case.knowledge_candidates == seen and case.channel == Channel.APP


@pytest.mark.django_db
def test_a_bad_rating_is_escalated_once(reporter, dept, dispatcher):
    from services.models import Rating

    rating = Rating.objects.create(rater=reporter, department=dept, channel="window", level=1, comment="窗口态度差")
    first = rating_escalate(actor=dispatcher, rating=rating)
    again = rating_escalate(actor=dispatcher, rating=rating)
    assert first.created and not again.created and again.case == first.case
    assert (first.case.kind, first.case.channel, first.case.about_department, first.case.reporter) == ("complaint", "rating", dept, reporter)


def test_the_12345_file_imports_from_csv_and_json_once(db, tmp_path, capsys):
    import json

    from django.core.management import call_command

    csv_file = tmp_path / "tickets.csv"
    csv_file.write_text("external_id,kind,text,phone,name\n12345-A,投诉,噪音扰民,13600000002,王五\n12345-B,不存在,x,,\n", encoding="utf-8")
    json_file = tmp_path / "tickets.json"
    json_file.write_text(json.dumps([{"external_id": "12345-A", "kind": "投诉", "text": "噪音扰民", "phone": "13600000002"}]), encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("import_12345", str(csv_file))
    printed = capsys.readouterr().out
    assert "created 1," in printed and "row 2: kind" in printed
    call_command("import_12345", str(json_file))
    assert "created 0, joined an open case 0, imported before 1" in capsys.readouterr().out
    assert Case.objects.count() == 1
