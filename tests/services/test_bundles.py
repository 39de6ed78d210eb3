"""一件事 end to end through the API: a bundle of three departments' items — JT-001 (秒批, its result
in the wallet), GA-002 (waits for JT-001's result, reviewed by a person) and GA-007 (reviewed, in
parallel) — asks each question and each material once, makes the parts in order, shows one timeline
and completes when every part has; a rejected part stops it with the reason and what to do."""

from __future__ import annotations

import pytest

from services.models import Application, Bundle, BundleApplication, BundlePart, ServiceItem
from services.selectors import bundle_form
from services.services.workflow import application_claim, application_review


@pytest.fixture
def bundle(db):
    bundle = Bundle.objects.create(code="vehicle-operator", name="营运车辆一件事", name_en="Start operating a vehicle")
    first = BundlePart.objects.create(bundle=bundle, item=ServiceItem.objects.get(code="JT-001"), position=0)
    BundlePart.objects.create(bundle=bundle, item=ServiceItem.objects.get(code="GA-002"), position=1, after=first)
    BundlePart.objects.create(bundle=bundle, item=ServiceItem.objects.get(code="GA-007"), position=2)
    return bundle


ANSWERS = {"plate_number": "鲁A·D12345", "vehicle_type": "小型新能源汽车", "operator": "张三", "seats": "5", "phone": "13800000101",
           "delivery_address": "济南市历下区泉城路100号", "reason": "驾驶证遗失", "purpose": "就业"}


def decide(reviewer, number, action):
    application = application_claim(actor=reviewer, application=Application.objects.get(number=number))
    return application_review(actor=reviewer, application=application, action=action, comment="材料不全" if action == "reject" else "")


def test_each_question_and_each_material_once(bundle, holder):
    form = bundle_form(bundle, holder)
    assert (form.questions_separately, len(form.fields)) == (9, 8)  # phone asked by GA-002 and GA-007: once
    assert (form.materials_separately, len(form.materials)) == (5, 3)  # the ID card serves all three
    assert all(material["held"] for material in form.materials)  # 免证办: all from the wallet
    assert next(f for f in form.fields if f["key"] == "phone")["parts"] == ["GA-002", "GA-007"]


def test_the_parts_run_in_order_and_the_bundle_completes_with_every_part(bundle, holder_api, reviewer):
    answer = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": ANSWERS}, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert answer.status_code == 201, answer.content
    again = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": ANSWERS}, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert again.status_code == 200 and again.json()["number"] == answer.json()["number"] and BundleApplication.objects.count() == 1
    lines = {line["item"]: line for line in answer.json()["parts"]}
    assert lines["JT-001"]["status"] == "completed"  # 秒批 at once, its filing proof now in the wallet
    assert lines["GA-002"]["status"] == "submitted" and lines["GA-007"]["status"] == "submitted"  # GA-002 started when JT-001 completed
    assert Application.objects.filter(bundle_application__number=answer.json()["number"]).count() == 3
    decide(reviewer, lines["GA-002"]["application"], "approve")
    assert holder_api.get(f"/api/v1/bundle-applications/{answer.json()['number']}/").json()["status"] == "in_progress"
    decide(reviewer, lines["GA-007"]["application"], "approve")
    done = holder_api.get(f"/api/v1/bundle-applications/{answer.json()['number']}/").json()
    assert done["status"] == "completed" and {line["status"] for line in done["parts"]} == {"completed"}
    filing = Application.objects.get(number=lines["JT-001"]["application"]).result_credential  # the 秒批 part's result, in the wallet
    assert filing is not None and holder_api.get(f"/api/v1/wallet/{filing.identifier}/").status_code == 200


def test_a_part_that_waits_starts_only_after_its_predecessor(bundle, holder_api, reviewer, monkeypatch):
    monkeypatch.setattr("services.services.applications.send_on_commit", lambda *a, **k: None)  # 秒批 not run yet
    body = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": ANSWERS}, format="json").json()
    lines = {line["item"]: line for line in body["parts"]}
    assert lines["GA-002"]["status"] == "waiting" and lines["GA-002"]["application"] is None and lines["GA-002"]["waits_for"] == "JT-001"


def test_a_rejected_part_stops_the_bundle_and_says_what_to_do(bundle, holder_api, reviewer):
    body = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": ANSWERS}, format="json").json()
    lines = {line["item"]: line for line in body["parts"]}
    decide(reviewer, lines["GA-007"]["application"], "reject")
    stopped = holder_api.get(f"/api/v1/bundle-applications/{body['number']}/").json()
    assert stopped["status"] == "stopped" and "材料不全" in stopped["note"] and "无犯罪记录证明开具" in stopped["note"]


def test_a_wrong_answer_makes_nothing(bundle, holder_api):
    answer = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": {**ANSWERS, "seats": "lots"}}, format="json")
    assert answer.status_code == 400 and "data.seats" in answer.json()["errors"]
    assert not BundleApplication.objects.exists() and not Application.objects.exists()


def test_bundles_are_listed_with_what_they_save_and_others_see_no_one_s(bundle, holder_api, other_api, api):
    listed = api.get("/api/v1/bundles/").json()
    entry = next(b for b in listed if b["code"] == bundle.code)
    assert [p["item"] for p in entry["parts"]] == ["JT-001", "GA-002", "GA-007"]
    body = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": ANSWERS}, format="json").json()
    assert other_api.get(f"/api/v1/bundle-applications/{body['number']}/").status_code == 404
    form = holder_api.get(f"/api/v1/bundles/{bundle.code}/form/").json()
    assert form["questions"] == 8 and form["questions_separately"] == 9 and form["materials"] == 3 and form["materials_separately"] == 5
