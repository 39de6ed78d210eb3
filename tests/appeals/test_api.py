"""The cases' API: an anonymous visitor reports and follows the case by its tracking code; a citizen
submits, a dispatcher routes, the department accepts and replies, the citizen calls back — each as
the documented operation; another department's handler gets 404; a staff look at the case is in the
reporter's "who used my data"; the 12345 platform's client imports tickets once; public categories
and scores."""

from rest_framework.test import APIClient

from appeals import tracking
from appeals.actions import CASE_VIEWED
from appeals.models import Case, CaseCategory, Status
from identity.models import AuditEvent
from tests.factories import api_as, issuer_client


def test_an_anonymous_report_and_its_tracking_code(db):
    api = APIClient()
    answer = api.post("/api/v1/cases/", {"kind": "report", "text": "工地夜间施工扰民", "anonymous": True, "contact_phone": "13700000001"}, format="json")
    assert answer.status_code == 201 and answer.json()["tracking_code"]
    body = answer.json()
    tracked = api.post("/api/v1/cases/track/", {"number": body["number"], "tracking_code": body["tracking_code"]}, format="json")
    assert tracked.status_code == 200 and tracked.json()["status"] == "new" and "contact" not in tracked.json()
    assert api.post("/api/v1/cases/track/", {"number": body["number"], "tracking_code": "AAAA-BBBB-CCCC"}, format="json").status_code == 404
    assert api.post("/api/v1/cases/", {"kind": "report", "text": "不匿名也不登录"}, format="json").json()["code"] == "sign_in_or_anonymous"


def test_submit_dispatch_accept_reply_callback(reporter, dispatcher, handler, other_handler, dept):
    category = CaseCategory.objects.create(name="市政设施", default_department=dept)
    citizen = api_as(reporter)
    number = citizen.post("/api/v1/cases/", {"kind": "complaint", "title": "路灯不亮", "text": "小区门口路灯坏了"}, format="json").json()["number"]
    desk = api_as(dispatcher)
    assert [row["number"] for row in desk.get("/api/v1/cases/queue/dispatch/").json()["results"]] == [number]
    routed = desk.post(f"/api/v1/cases/{number}/steps/", {"action": "dispatch", "department": dept.code, "category": category.pk}, format="json")
    assert routed.status_code == 200 and routed.json()["status"] == "dispatched"
    staff = api_as(handler)
    assert [row["number"] for row in staff.get("/api/v1/cases/queue/department/").json()["results"]] == [number]
    assert api_as(other_handler).get(f"/api/v1/cases/staff/{number}/").status_code == 404
    assert api_as(handler).get(f"/api/v1/cases/{number}/").status_code == 404  # not the handler's own case
    assert api_as(other_handler).post(f"/api/v1/cases/{number}/steps/", {"action": "accept"}, format="json").status_code == 404
    opened = staff.get(f"/api/v1/cases/staff/{number}/").json()
    assert opened["actions"] == ["accept", "return"] and opened["contact"]["phone"] == "13800000201"
    assert staff.post(f"/api/v1/cases/{number}/steps/", {"action": "reply", "public_text": "x"}, format="json").json()["code"] == "wrong_state"
    staff.post(f"/api/v1/cases/{number}/steps/", {"action": "accept"}, format="json")
    staff.post(f"/api/v1/cases/{number}/steps/", {"action": "reply", "public_text": "已修复", "internal_note": "班组 3"}, format="json")
    mine = citizen.get(f"/api/v1/cases/{number}/").json()
    assert mine["reply_public"] == "已修复" and "班组 3" not in str(mine) and mine["may_call_back"]
    closed = citizen.post(f"/api/v1/cases/{number}/callback/", {"solved": True, "satisfied": True}, format="json")
    assert closed.json()["status"] == "closed"
    assert AuditEvent.objects.filter(action=CASE_VIEWED, subject=reporter, actor=handler).count() == 1


def test_the_12345_client_imports_once(db):
    _client, token = issuer_client(name="12345 热线平台", scopes=("cases.import",))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    tickets = {"tickets": [{"external_id": "12345-9", "kind": "咨询", "text": "社保卡丢了怎么补办", "phone": "13600000001"}]}
    first, again = api.post("/api/v1/cases/import/", tickets, format="json").json(), api.post("/api/v1/cases/import/", tickets, format="json").json()
    assert (first["created"], again["created"], again["already"]) == (1, 0, 1)
    assert Case.objects.get().channel == "hotline" and Case.objects.get().status == Status.NEW


def test_public_categories_and_scores(db):
    CaseCategory.objects.create(name="交通出行")
    api = APIClient()
    assert [row["name"] for row in api.get("/api/v1/cases/categories/").json()] == ["交通出行"]
    assert api.get("/api/v1/cases/scores/?month=2026-11").status_code == 200
    assert api.get("/api/v1/cases/scores/?month=11-2026").json()["code"] == "invalid"


def test_the_callback_api_is_the_reporters_alone_and_says_so(make_case, reporter, dispatcher, handler):
    """A dispatcher calls back on the portal, behind the second factor; the API's 回访 is the reporter's.
    ``may_call_back`` is true only for who may: not the handler, not an anonymous tracker."""
    case = make_case(Status.REPLIED, reply_public="已修好。")
    assert api_as(dispatcher).post(f"/api/v1/cases/{case.number}/callback/", {"solved": True, "satisfied": True}, format="json").status_code == 404
    assert api_as(handler).get(f"/api/v1/cases/staff/{case.number}/").status_code == 200
    assert api_as(reporter).get(f"/api/v1/cases/{case.number}/").json()["may_call_back"] is True
    Case.objects.filter(pk=case.pk).update(reporter=None, tracking_digest=tracking.digest("AAAA-BBBB-CCCC"))
    tracked = APIClient().post("/api/v1/cases/track/", {"number": case.number, "tracking_code": "AAAA-BBBB-CCCC"}, format="json").json()
    assert tracked["status"] == "replied" and tracked["may_call_back"] is False


def test_answers_seen_keep_our_own_pages_only(reporter):
    answer = api_as(reporter).post("/api/v1/cases/", {"kind": "consult", "text": "驾照快到期了怎么换", "knowledge_candidates": [
        {"title": "办事指南", "url": "/services/GA-001/"}, {"title": "钓鱼", "url": "javascript:alert(1)"}, {"title": "外站", "url": "//evil.example/"}]},
        format="json")
    assert answer.status_code == 201
    assert Case.objects.get().knowledge_candidates == [{"title": "办事指南", "url": "/services/GA-001/"}]


def test_a_tracking_code_is_found_however_it_was_typed(db):
    api = APIClient()
    body = api.post("/api/v1/cases/", {"kind": "report", "text": "工地夜间施工扰民", "anonymous": True, "contact_phone": "13700000001"}, format="json").json()
    for typed in (body["tracking_code"], body["tracking_code"].replace("-", ""), body["tracking_code"].lower().replace("-", " ")):
        assert api.post("/api/v1/cases/track/", {"number": body["number"], "tracking_code": typed}, format="json").status_code == 200, typed
