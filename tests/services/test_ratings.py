"""好差评 with working-day deadlines, and the working-day calendar itself (调休 included); and the
reads a citizen and a reviewer share (an application, its result, a file), which need the reviewer's
second factor."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from core.errors import NotFound
from core.usecases import SYSTEM
from identity.models import AuditEvent, Notice
from services import workdays
from services.models import Application, CalendarOverride, Rating, Rectification
from services.services.ratings import rating_revise, rating_submit, rectification_callback, rectification_reply, rectifications_mark_overdue
from services.services.workflow import application_claim, application_review
from tests.factories import app_session_token
from tests.services.test_lifecycle import _png_file, apply

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: str, hour=10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), SHANGHAI)


# --- the calendar ---------------------------------------------------------------------------------

def test_the_calendar_knows_2026_s_holidays_and_adjusted_working_days(db):
    assert workdays.is_working_day(dt.date(2026, 2, 14))  # Saturday, worked for the Spring Festival (调休)
    assert not workdays.is_working_day(dt.date(2026, 2, 16))  # Spring Festival
    assert not workdays.is_working_day(dt.date(2026, 10, 1)) and workdays.is_working_day(dt.date(2026, 10, 10))  # National Day; Saturday worked
    assert not workdays.is_working_day(dt.date(2026, 3, 7))  # an ordinary Saturday


def test_the_library_agrees_with_an_independent_one_on_every_day_of_2026(db):
    chinese_calendar = pytest.importorskip("chinese_calendar")
    day, disagree = dt.date(2026, 1, 1), []
    while day.year == 2026:
        if workdays.is_working_day(day) != chinese_calendar.is_workday(day):
            disagree.append(day)
        day += dt.timedelta(days=1)
    assert disagree == []


def test_the_kept_calendar_table_is_still_the_library_s_answer_for_every_day():
    """services/workdays-cn.json spares each web worker the library (~17 MiB); it must say what the library says."""
    import json

    assert json.loads(workdays.TABLE.read_text()) == workdays.library_table(*workdays.TABLE_YEARS)
    years, off, on = workdays._table()
    assert dt.date(2026, 2, 16) in off and dt.date(2026, 2, 14) in on and 2041 not in years


def test_a_year_outside_the_table_asks_the_library(db):
    assert not workdays.is_working_day(dt.date(2041, 10, 1)) and workdays.is_working_day(dt.date(2041, 10, 8))  # National Day; a Tuesday


def test_working_days_skip_the_spring_festival_and_count_its_adjusted_saturdays(db):
    # Friday 13 February 2026: 14th (Sat, worked) is the 1st; the festival runs 15th–23rd; the 28th (Sat) is worked
    assert workdays.add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    assert workdays.add_working_days(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 24)
    assert workdays.add_working_days(dt.date(2026, 2, 13), 15) == dt.date(2026, 3, 12)
    assert workdays.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 3, 12)) == 15
    assert workdays.deadline(at("2026-02-13", 16), 1) == dt.datetime(2026, 2, 14, 23, 59, 59, 999999, SHANGHAI)


def test_an_override_from_the_state_council_s_notice_wins_over_the_library(db, django_capture_on_commit_callbacks):
    assert workdays.is_working_day(dt.date(2027, 3, 3))
    with django_capture_on_commit_callbacks(execute=True):
        CalendarOverride.objects.create(day=dt.date(2027, 3, 3), working=False, note="示例：临时休假")
    assert not workdays.is_working_day(dt.date(2027, 3, 3))


def test_an_application_s_legal_time_limit_is_in_working_days(holder_api, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at("2026-02-13"))
    body = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()
    application = Application.objects.get(number=body["number"])
    limit = application.version.time_limit_days
    assert application.due_at == workdays.deadline(at("2026-02-13"), limit)
    assert application.due_at.date() > (at("2026-02-13") + dt.timedelta(days=limit)).date()  # the festival is not counted


# --- ratings --------------------------------------------------------------------------------------

@pytest.fixture
def decided(holder_api, holder, reviewer):
    body = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()
    application = Application.objects.get(number=body["number"])
    application_claim(actor=reviewer, application=application)
    application = application_review(actor=reviewer, application=application, action="reject", comment="照片不符合要求")
    return application


def test_a_good_rating_is_recorded_once_and_opens_no_case(holder_api, decided):
    answer = holder_api.post(f"/api/v1/applications/{decided.number}/rating/", {"level": 5, "tags": ["fast", "no_trip"], "comment": "很快"},
                             format="json")
    assert answer.status_code == 201 and answer.json()["level"] == 5 and answer.json()["rectification"] is None
    again = holder_api.post(f"/api/v1/applications/{decided.number}/rating/", {"level": 1}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert not Rectification.objects.exists()
    assert AuditEvent.objects.filter(action="service_rated", subject=decided.applicant).count() == 1


def test_bad_input_and_undecided_applications_are_refused(holder_api, holder, decided):
    body = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()
    answer = holder_api.post(f"/api/v1/applications/{body['number']}/rating/", {"level": 5}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "not_decided"
    with pytest.raises(ValidationError):
        rating_submit(actor=holder, application=decided, level=9)
    with pytest.raises(ValidationError):
        rating_submit(actor=holder, application=decided, level=5, tags=["bribe"])
    answer = holder_api.post(f"/api/v1/applications/{decided.number}/rating/", {"level": 0, "tags": ["bribe"]}, format="json")
    assert answer.status_code == 400 and set(answer.json()["errors"]) == {"level", "tags"}
    assert not Rating.objects.exists()


def test_someone_else_s_application_answers_404(decided, other_api):
    answer = other_api.post(f"/api/v1/applications/{decided.number}/rating/", {"level": 1}, format="json")
    assert answer.status_code == 404


def test_a_rating_is_never_changed_or_deleted(decided, holder):
    rating = rating_submit(actor=holder, application=decided, level=4)
    rating.level = 5
    with pytest.raises(ValidationError):
        rating.save()
    with pytest.raises(ValidationError):
        rating.delete()
    assert Rating.objects.get().level == 4


def test_a_bad_rating_s_call_back_and_rectification_run_on_working_days_across_the_festival(decided, holder, reviewer, reviewer_api, holder_api,
                                                                                          monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at("2026-02-13", 16))  # Friday before the Spring Festival
    rating = rating_submit(actor=holder, application=decided, level=1, tags=["slow", "many_trips"], comment="跑了三次")
    case = rating.rectification
    assert case.callback_due == dt.datetime(2026, 2, 14, 23, 59, 59, 999999, SHANGHAI)  # the adjusted Saturday
    assert case.rectify_due == dt.datetime(2026, 3, 12, 23, 59, 59, 999999, SHANGHAI)
    assert Notice.objects.filter(user=reviewer, kind="bad_rating").exists()

    monkeypatch.setattr(timezone, "now", lambda: at("2026-02-16", 9))  # a festival day: the call-back is late
    assert rectifications_mark_overdue(actor=SYSTEM) == 1
    case.refresh_from_db()
    assert case.overdue

    queue = reviewer_api.get("/api/v1/rectifications/").json()["results"]
    assert [entry["id"] for entry in queue] == [case.pk] and queue[0]["overdue"] and queue[0]["rating"]["level"] == 1
    refused = holder_api.post(f"/api/v1/applications/{decided.number}/rating/revise/", {"level": 4}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "not_rectified"
    assert reviewer_api.post(f"/api/v1/rectifications/{case.pk}/reply/", {"reply": "已改进"}, format="json").json()["code"] == "wrong_state"
    assert reviewer_api.post(f"/api/v1/rectifications/{case.pk}/callback/", {"note": ""}, format="json").status_code == 400
    assert reviewer_api.post(f"/api/v1/rectifications/{case.pk}/callback/", {"note": "已电话回访，群众反映需多次到现场"}, format="json").status_code == 200
    replied = reviewer_api.post(f"/api/v1/rectifications/{case.pk}/reply/", {"reply": "已开通网上提交照片，无需到现场"}, format="json")
    assert replied.status_code == 200 and replied.json()["status"] == "rectified"

    mine = holder_api.get(f"/api/v1/applications/{decided.number}/rating/").json()
    assert mine["rectification"]["reply"] == "已开通网上提交照片，无需到现场" and mine["revision"] is None
    revised = holder_api.post(f"/api/v1/applications/{decided.number}/rating/revise/", {"level": 4, "comment": "改进了"}, format="json")
    assert revised.status_code == 201 and revised.json()["level"] == 4
    again = holder_api.post(f"/api/v1/applications/{decided.number}/rating/revise/", {"level": 5}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert list(Rating.objects.order_by("id").values_list("level", flat=True)) == [1, 4]  # the first stays as it was
    steps = list(AuditEvent.objects.filter(subject=holder, action__in=["service_rated", "rectification_step"]).order_by("id")
                 .values_list("detail__step", flat=True))
    assert steps == ["rated", "overdue", "called_back", "rectified", "re-rated"]


def test_another_department_s_reviewer_sees_no_case(decided, holder):
    from tests.factories import api_as
    from tests.services.conftest import staff

    rating = rating_submit(actor=holder, application=decided, level=2)
    outsider = api_as(staff("reviewer", "SD-JTT"))
    assert outsider.get("/api/v1/rectifications/").json()["results"] == []
    assert outsider.post(f"/api/v1/rectifications/{rating.rectification.pk}/callback/", {"note": "x"}, format="json").status_code == 404
    with pytest.raises(NotFound):
        rectification_callback(actor=staff("reviewer", "SD-JTT"), case=rating.rectification, note="x")


def test_public_scores_per_item_and_the_department_ranking(decided, holder, api, other_citizen):
    rating_submit(actor=holder, application=decided, level=2)
    items = api.get("/api/v1/ratings/items/").json()
    entry = next(row for row in items if row["code"] == "GA-001")
    assert (entry["ratings"], entry["bad"], entry["average"]) == (1, 1, 2.0)
    ranking = api.get("/api/v1/ratings/departments/").json()
    gat = next(row for row in ranking if row["code"] == "SD-GAT")
    assert (gat["ratings"], gat["bad"], gat["bad_rate"]) == (1, 1, 1.0)
    page = Client().get("/services/ratings/").content.decode()
    assert "山东省公安厅" in page


def test_rectify_reply_reaches_the_citizen(decided, holder, reviewer):
    rating = rating_submit(actor=holder, application=decided, level=1)
    rectification_callback(actor=reviewer, case=rating.rectification, note="已回访")
    rectification_reply(actor=reviewer, case=rating.rectification, reply="已整改")
    assert Notice.objects.filter(user=holder, kind="rating_answered").exists()
    with pytest.raises(ValidationError):
        rating_revise(actor=holder, rating=rating, level=6)


# --- reads a reviewer shares with the citizen need the second factor --------------------------------

def test_a_reviewer_without_a_second_factor_reads_no_application_result_or_file(holder_api, reviewer, password):
    upload = holder_api.post("/api/v1/uploads/", {"file": _png_file()}, format="multipart").json()
    body = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()
    application = Application.objects.get(number=body["number"])
    application_claim(actor=reviewer, application=application)
    application_review(actor=reviewer, application=application, action="supplement", comment="请上传身体条件证明")
    material = application.version.materials.get(name="身体条件证明")
    resubmitted = holder_api.post(f"/api/v1/applications/{body['number']}/resubmit/", {"uploads": {str(material.pk): upload["id"]}}, format="json")
    assert resubmitted.status_code == 200
    from tests.services.conftest import staff

    colleague = staff("reviewer", "SD-GAT", phone_number="13800000498")
    token = app_session_token(colleague, password)  # a reviewer of the department, by password only
    for path in (f"/api/v1/applications/{body['number']}/", f"/api/v1/applications/{body['number']}/result.pdf", f"/api/v1/uploads/{upload['id']}/"):
        answer = Client().get(path, HTTP_X_SESSION_TOKEN=token)
        assert answer.status_code == 403 and answer.json()["code"] == "second_factor_required", path
    assert holder_api.get(f"/api/v1/applications/{body['number']}/").status_code == 200  # the citizen's own: no factor asked


# --- a counter visit that made no application -------------------------------------------------------

@pytest.fixture
def visit(holder):
    from credentials.models import Credential, Verification
    from credentials.services import presentation_create, presentation_verify
    from identity.models import Department, ServiceHall
    from tests.factories import UserFactory

    department = Department.objects.get_or_create(code="SD-ZWFW", defaults={"name": "山东省政务服务中心"})[0]
    hall = ServiceHall.objects.create(department=department, name="历下区政务服务大厅")
    clerk = UserFactory(name="赵敏", roles=["clerk"], service_hall=hall)
    card = Credential.objects.get(type__code="id_card", holder_index=holder.id_number_index)
    presentation_verify(actor=clerk, token=presentation_create(actor=holder, credential=card, disclose=["gender"]).token)
    return Verification.objects.get(credential=card)


def test_a_counter_visit_is_rated_once_and_a_bad_one_opens_a_case_for_the_hall(holder_api, holder, visit, other_api):
    from identity.models import Department
    from tests.factories import api_as
    from tests.services.conftest import staff

    checks = holder_api.get("/api/v1/wallet/checks/").json()["results"]
    assert [check["id"] for check in checks] == [visit.pk]
    assert other_api.post(f"/api/v1/visits/{visit.pk}/rating/", {"level": 1}, format="json").status_code == 404
    rated = holder_api.post(f"/api/v1/visits/{visit.pk}/rating/", {"level": 1, "tags": ["discourteous"], "comment": "等了很久"}, format="json")
    assert rated.status_code == 201 and "历下区政务服务大厅" in rated.json()["application"] and rated.json()["rectification"]["status"] == "open"
    again = holder_api.post(f"/api/v1/visits/{visit.pk}/rating/", {"level": 5}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    case = Rectification.objects.get()
    assert case.department == Department.objects.get(code="SD-ZWFW") and case.rating.item is None
    hall_reviewer = api_as(staff("reviewer", "SD-ZWFW"))
    queue = hall_reviewer.get("/api/v1/rectifications/").json()["results"]
    assert [entry["id"] for entry in queue] == [case.pk] and queue[0]["item"] == "窗口服务"
    page = Client()
    page.force_login(holder)
    assert "评价窗口服务" in page.get("/wallet/checks/").content.decode()
    assert "不满意" in page.get(f"/services/visits/{visit.pk}/rate/").content.decode()


def test_a_visit_is_rated_within_seven_days_and_only_at_a_window(holder_api, visit):
    from credentials.models import Verification

    Verification.objects.filter(pk=visit.pk).update(created_at=visit.created_at - dt.timedelta(days=8))
    late = holder_api.post(f"/api/v1/visits/{visit.pk}/rating/", {"level": 4}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "rating_window_closed"
    Verification.objects.filter(pk=visit.pk).update(created_at=visit.created_at, service_hall=None)
    nowhere = holder_api.post(f"/api/v1/visits/{visit.pk}/rating/", {"level": 4}, format="json")
    assert nowhere.status_code == 409 and nowhere.json()["code"] == "not_a_counter_visit"
