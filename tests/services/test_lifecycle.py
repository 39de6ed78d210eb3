"""Applications end to end: 秒批 and staff review, supplement and resubmission, withdrawal,
idempotency, 免证办 counting, guide versions, results that verify with the published keys,
notifications exactly once, overdue marking and search."""

import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter
from rest_framework.test import APIClient

from core.models import QueuedTask
from core.usecases import SYSTEM
from credentials import signing
from credentials.models import Credential
from credentials.services import PRESENTATION_KIND, presentation_create
from identity.models import AuditEvent, Notice, SmsMessage
from services.models import Application, ItemVersion, ServiceItem, Transition
from services.services import catalogue, workflow
from services.tasks import send_transition_notice
from tests.factories import UserFactory, api_as, sign_in_with_second_factor
from tests.services.conftest import staff


def form_for(api, code, **overrides):
    body = api.get(f"/api/v1/items/{code}/form/").json()
    return {f["key"]: f["value"] for f in body["fields"]} | overrides


def apply(api, code, key=None, **overrides):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post("/api/v1/applications/", {"item": code, "data": form_for(api, code, **overrides)}, format="json", **headers)


def test_chinese_keywords_find_items(api):
    found = [item["code"] for item in api.get("/api/v1/items/", {"q": "驾驶证"}).json()["results"]]
    assert "GA-001" in found and "JT-001" not in found
    assert [i["code"] for i in api.get("/api/v1/items/", {"q": "公积金 租房"}).json()["results"]] == ["GJ-001"]
    assert api.get("/api/v1/items/", {"q": "出生"}).json()["count"] >= 2
    assert api.get("/api/v1/items/GA-001/").json()["guide"]["materials"][1]["kind"] == "credential"
    assert api.get("/api/v1/items/", {"category": "结婚"}).json()["count"] >= 1


def test_instant_approval_path_issues_the_result_into_the_wallet(holder_api, holder, client):
    response = apply(holder_api, "JT-001", seats="5")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "completed"
    assert [t["to_status"] for t in body["timeline"]] == ["submitted", "accepted", "approved", "completed"]
    assert (body["materials_saved"], body["materials_total"]) == (2, 2)  # both materials came from the wallet
    result = Credential.objects.get(identifier=body["result_credential"])
    assert result.type.code == "transport_filing" and result.fields["plate_number"] == "鲁A·D12345"
    assert [c["identifier"] for c in holder_api.get("/api/v1/wallet/").json()].count(result.identifier) == 1
    # The result's 亮证 code verifies with nothing but the published key set (a QL1: signed reference).
    shown = presentation_create(actor=holder, credential=result, disclose=["plate_number"])
    keys = signing.keys_from_jwks(client.get("/.well-known/jwks.json").content.decode())
    assert signing.verify_compact_with(shown.token, kind=PRESENTATION_KIND, keys=keys)["jti"] == shown.presentation.pk.hex
    pdf = holder_api.get(f"/api/v1/applications/{body['number']}/result.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from credentials.seals import verify_pdf

    [seal] = verify_pdf(pdf.content)  # sealed by the department that decided (tests/credentials/test_seals.py checks it with pdfsig too)
    assert seal.valid and seal.timestamped and "山东省交通运输厅" in seal.signer


def test_a_failing_rule_sends_it_to_the_department_queue_named(holder_api):
    body = apply(holder_api, "JT-001", seats="12").json()
    assert body["status"] == "submitted" and body["failing_rule"] == "核定座位数不超过9座"


def test_staff_review_path_with_supplement(holder_api, holder, reviewer_api, reviewer):
    body = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()
    number = body["number"]
    assert body["status"] == "submitted" and body["data"]["licence_class"] == "C1"  # pre-filled from the wallet
    queue = reviewer_api.get("/api/v1/workbench/").json()["results"]
    assert [a["number"] for a in queue] == [number]
    assert reviewer_api.post(f"/api/v1/workbench/{number}/accept/", {}, format="json").json()["code"] == "not_claimed"
    assert reviewer_api.post(f"/api/v1/workbench/{number}/claim/", {}, format="json").status_code == 200
    other = staff("reviewer", "SD-GAT")
    other_api = api_as(other)
    assert other_api.post(f"/api/v1/workbench/{number}/claim/", {}, format="json").json()["code"] == "claimed_by_other"
    assert reviewer_api.post(f"/api/v1/workbench/{number}/supplement/", {}, format="json").status_code == 400  # say what is missing
    reviewer_api.post(f"/api/v1/workbench/{number}/supplement/", {"comment": "请上传身体条件证明"}, format="json")
    upload = holder_api.post("/api/v1/uploads/", {"file": _png_file()}, format="multipart").json()
    material = ServiceItem.objects.get(code="GA-001").current_version.materials.get(name="身体条件证明")
    resubmitted = holder_api.post(f"/api/v1/applications/{number}/resubmit/", {"uploads": {str(material.pk): upload["id"]}}, format="json")
    assert resubmitted.json()["status"] == "resubmitted"
    done = reviewer_api.post(f"/api/v1/workbench/{number}/approve/", {"comment": "同意换证"}, format="json").json()
    assert done["status"] == "completed" and done["result_credential"]
    steps = [(t["to_status"], t["comment"]) for t in holder_api.get(f"/api/v1/applications/{number}/").json()["timeline"]]
    assert steps[:3] == [("submitted", ""), ("supplement", "请上传身体条件证明"), ("resubmitted", "")]
    assert [s for s, _c in steps[3:]] == ["approved", "completed"]
    assert reviewer_api.post(f"/api/v1/workbench/{number}/reject/", {"comment": "x"}, format="json").json()["code"] == "wrong_state"
    # The applicant sees each step staff took, and each time staff opened the application.
    assert AuditEvent.objects.filter(subject=holder, actor=reviewer, action="application_step").count() == 3  # claim, supplement, approve
    assert not AuditEvent.objects.filter(subject=holder, actor=reviewer, action="application_viewed").exists()
    assert reviewer_api.get(f"/api/v1/applications/{number}/").status_code == 200
    assert AuditEvent.objects.filter(subject=holder, actor=reviewer, action="application_viewed").count() == 1


def test_reject_needs_a_reason_and_withdraw_by_the_applicant(holder_api, reviewer_api):
    number = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    reviewer_api.post(f"/api/v1/workbench/{number}/claim/", {}, format="json")
    assert reviewer_api.post(f"/api/v1/workbench/{number}/reject/", {"comment": ""}, format="json").status_code == 400
    assert reviewer_api.post(f"/api/v1/workbench/{number}/reject/", {"comment": "材料不符"}, format="json").json()["status"] == "rejected"
    second = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    assert holder_api.post(f"/api/v1/applications/{second}/withdraw/", {}, format="json").json()["status"] == "withdrawn"
    assert holder_api.post(f"/api/v1/applications/{second}/withdraw/", {}, format="json").status_code == 409


def test_one_idempotency_key_one_application(holder_api):
    first = apply(holder_api, "GA-002", key="tap-1", reason="丢失", delivery_address="x")
    again = apply(holder_api, "GA-002", key="tap-1", reason="丢失", delivery_address="x")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"] and Application.objects.count() == 1
    assert apply(holder_api, "GA-002", key="tap-2", reason="丢失", delivery_address="x").status_code == 201


def test_an_idempotency_key_reused_for_a_different_request_is_refused(holder_api):
    """As payment APIs answer: one key names one request. A different body under the same key is 422,
    never silently the first application — whether the key is remembered in the cache or only in the database."""
    from django.core.cache import cache

    first = apply(holder_api, "GA-002", key="tap-3", reason="丢失", delivery_address="x")
    other = apply(holder_api, "GA-002", key="tap-3", reason="损坏", delivery_address="x")
    cache.clear()
    other_again = apply(holder_api, "GA-002", key="tap-3", reason="损坏", delivery_address="x")
    assert first.status_code == 201
    for refused in (other, other_again):
        assert refused.status_code == 422 and refused.json()["code"] == "idempotency_key_reused", refused.json()
    assert apply(holder_api, "GA-002", key="tap-3", reason="丢失", delivery_address="x").json()["number"] == first.json()["number"]
    assert Application.objects.count() == 1


def test_a_retry_answers_the_first_application_even_without_the_marker_or_the_item(holder_api):
    """The cache marker is a shortcut; the unique constraint is the guarantee. A retry after the marker
    is lost, or after the item was withdrawn from online service, still answers the first application."""
    from django.core.cache import cache

    first = apply(holder_api, "GA-002", key="tap-9", reason="丢失", delivery_address="x")
    cache.clear()
    again = apply(holder_api, "GA-002", key="tap-9", reason="丢失", delivery_address="x")
    ServiceItem.objects.filter(code="GA-002").update(online=False)
    cache.clear()
    offline = apply(holder_api, "GA-002", key="tap-9", reason="丢失", delivery_address="x")
    assert (first.status_code, again.status_code, offline.status_code) == (201, 200, 200)
    assert first.json()["number"] == again.json()["number"] == offline.json()["number"] and Application.objects.count() == 1
    assert apply(holder_api, "GA-002", key="tap-10", reason="丢失", delivery_address="x").json()["code"] == "offline_only"


def test_the_submit_answer_matches_the_stored_application(holder_api):
    """The answer is built from the rows just written; it must read the same as the application read back."""
    created = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()
    stored = holder_api.get(f"/api/v1/applications/{created['number']}/").json()
    for key in ("materials", "timeline", "data", "materials_total", "materials_saved", "status", "item", "department"):
        assert created[key] == stored[key], key


def test_form_errors_are_per_field(holder_api):
    response = apply(holder_api, "JT-001", seats="abc", operator="")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"data.seats", "data.operator"}
    unknown = holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": {**form_for(holder_api, "JT-001", seats="5"), "hack": 1}}, format="json")
    assert "data.hack" in unknown.json()["errors"]
    assert Application.objects.count() == 0


def test_materials_not_held_must_be_uploaded(api, other_citizen):
    other_api = APIClient()
    other_api.force_authenticate(other_citizen)
    response = apply(other_api, "GA-002", reason="丢失", delivery_address="x")
    assert response.status_code == 400 and len(response.json()["errors"]) == 2  # ID card and driving licence: not in this wallet


def test_a_new_guide_version_leaves_old_applications_on_theirs(holder_api):
    item = ServiceItem.objects.get(code="GA-002")
    old = item.current_version
    number = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    with pytest.raises(ValidationError):
        old.time_limit_days = 1
        old.save()
    admin_user = UserFactory()
    draft = catalogue.item_version_copy(actor=admin_user, version=ItemVersion.objects.get(pk=old.pk))
    draft.time_limit_days = 1
    draft.save()
    catalogue.item_version_publish(actor=admin_user, version=draft)
    assert AuditEvent.objects.filter(actor=admin_user, action="item_version_changed").count() == 2
    newer = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()
    assert Application.objects.get(number=number).version_id == old.pk
    assert newer["version"] == 2


def test_notifications_are_sent_after_commit_once_and_retried(holder_api, holder):
    holder.set_phone("13800000101", verified=True)
    holder.save()
    number = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    transition = Transition.objects.get(application__number=number)
    assert transition.notified_at is not None
    assert Notice.objects.filter(user=holder, kind="application").count() == 1
    assert SmsMessage.objects.filter(purpose="application").count() == 1
    assert send_transition_notice(transition.pk) is False  # never twice

    second = Transition.objects.create(application=transition.application, from_status="submitted", to_status="accepted", actor_label="x")
    with mock.patch("services.tasks.sms_send", side_effect=ConnectionError("gateway down")), pytest.raises(ConnectionError):
        send_transition_notice.run(second.pk)
    second.refresh_from_db()
    assert second.notified_at is None and Notice.objects.filter(user=holder, kind="application").count() == 1  # rolled back
    assert send_transition_notice.run(second.pk) is True
    assert Notice.objects.filter(user=holder, kind="application").count() == 2


def test_overdue_applications_are_marked_and_reviewers_told(holder_api, reviewer):
    number = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    Application.objects.filter(number=number).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert workflow.mark_overdue(actor=SYSTEM) == 1
    assert Application.objects.get(number=number).overdue
    assert Notice.objects.filter(user=reviewer, kind="application_overdue").exists()
    assert workflow.mark_overdue(actor=SYSTEM) == 0


def _png_file(name="photo.png", size=(40, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(out, "PNG")
    out.seek(0)
    out.name = name
    return out


def _bytes_file(content: bytes, name: str):
    out = io.BytesIO(content)
    out.name = name
    return out


def test_bad_uploads_are_rejected(holder_api, settings):
    assert holder_api.post("/api/v1/uploads/", {"file": _bytes_file(b"just text, not a picture", "fake.png")}, format="multipart").status_code == 400
    bomb = io.BytesIO()
    Image.new("L", (10000, 10000)).save(bomb, "PNG")  # ~100 KB on disk, 100 M pixels decoded
    response = holder_api.post("/api/v1/uploads/", {"file": _bytes_file(bomb.getvalue(), "bomb.png")}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF"
    assert holder_api.post("/api/v1/uploads/", {"file": _bytes_file(big, "big.pdf")}, format="multipart").status_code == 400
    truncated = holder_api.post("/api/v1/uploads/", {"file": _bytes_file(_png_file().getvalue()[:60], "cut.png")}, format="multipart")
    assert truncated.status_code == 400
    # A file that only starts like a PDF is refused; a real one (with a hostile name) is taken.
    fake = holder_api.post("/api/v1/uploads/", {"file": _bytes_file(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "fake.pdf")}, format="multipart")
    assert fake.status_code == 400 and "file" in fake.json()["errors"]
    ok = holder_api.post("/api/v1/uploads/", {"file": _bytes_file(_pdf_bytes(), "../../etc/passwd.pdf")}, format="multipart")
    assert ok.status_code == 201 and ok.json()["name"] == "passwd.pdf" and ok.json()["content_type"] == "application/pdf"


def _pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_uploads_are_encrypted_at_rest_and_served_decrypted_to_their_owner(holder_api, settings):
    from services.models import Upload
    from services.services.uploads import _upload_path

    content = _png_file().getvalue()
    upload_id = holder_api.post("/api/v1/uploads/", {"file": _bytes_file(content, "x.png")}, format="multipart").json()["id"]
    on_disk = _upload_path(Upload.objects.get(pk=upload_id)).read_bytes()
    assert content[:16] not in on_disk and content[-16:] not in on_disk and b"PNG" not in on_disk  # none of the file in clear
    assert holder_api.get(f"/api/v1/uploads/{upload_id}/").content == content


def test_people_see_only_their_own_applications_and_files(holder_api, other_api, reviewer_api, holder):
    number = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    upload = holder_api.post("/api/v1/uploads/", {"file": _png_file()}, format="multipart").json()["id"]
    for url in (f"/api/v1/applications/{number}/", f"/api/v1/uploads/{upload}/"):
        assert other_api.get(url).status_code == 404
    assert other_api.post(f"/api/v1/applications/{number}/withdraw/", {}, format="json").status_code == 404
    assert holder_api.get(f"/api/v1/uploads/{upload}/").status_code == 200
    # A reviewer of another department sees neither the application nor its queue.
    transport = api_as(staff("reviewer", "SD-JTT"))
    assert transport.get("/api/v1/workbench/").json()["count"] == 0
    assert transport.get(f"/api/v1/applications/{number}/").status_code == 404
    assert transport.post(f"/api/v1/workbench/{number}/claim/", {}, format="json").status_code == 404
    assert reviewer_api.get(f"/api/v1/applications/{number}/").status_code == 200
    assert other_api.get("/api/v1/workbench/").status_code == 403


def _shown_id_card(holder, disclose=()):
    id_card = Credential.objects.get(holder_index=holder.id_number_index, type__code="id_card")
    return presentation_create(actor=holder, credential=id_card, disclose=list(disclose)).token


def test_a_window_clerk_applies_for_a_walk_in_citizen_who_shows_a_code_and_it_is_audited(holder, holder_api):
    clerk = UserFactory(name="赵敏", roles=["clerk"])
    clerk_api = api_as(clerk)
    data = form_for(holder_api, "GA-002", reason="丢失", delivery_address="x")
    token = _shown_id_card(holder)
    response = clerk_api.post("/api/v1/workbench/on-behalf/", {"item": "GA-002", "presentation": token, "data": data}, format="json")
    assert response.status_code == 201 and response.json()["channel"] == "window"
    assert holder_api.get("/api/v1/applications/").json()[0]["number"] == response.json()["number"]
    mine = {e["action"] for e in holder_api.get("/api/v1/me/audit-events/?by_others=1").json()["results"]}
    assert {"credential_verified", "counter_lookup", "application_submitted_for"} <= mine
    # The code is one-time: shown again, it is refused (and that check is recorded too); nobody types a number.
    again = clerk_api.post("/api/v1/workbench/on-behalf/", {"item": "GA-002", "presentation": token, "data": data}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "presentation_already_used"
    assert AuditEvent.objects.filter(actor=clerk, action="credential_verified").count() == 2
    garbage = clerk_api.post("/api/v1/workbench/on-behalf/", {"item": "GA-002", "presentation": "not a code", "data": data}, format="json")
    assert garbage.status_code == 400 and Application.objects.filter(applicant=holder).count() == 1
    assert holder_api.post("/api/v1/workbench/on-behalf/", {"item": "GA-002", "presentation": _shown_id_card(holder), "data": data},
                           format="json").status_code == 403


def test_offline_items_and_organisation_items(holder_api):
    assert apply(holder_api, "GA-003", phone="13800000101").json()["code"] == "offline_only"
    assert "organisation" in holder_api.post("/api/v1/applications/", {"item": "SC-002", "data": {"new_name": "x"}}, format="json").json()["errors"]


def test_portal_pages_render(client, holder, reviewer):
    client.force_login(holder)
    assert "机动车驾驶证期满换证" in client.get("/services/?q=驾驶证").content.decode()
    assert client.get("/services/items/GA-001/").status_code == 200
    page = client.get("/services/items/GA-001/apply/").content.decode()
    assert 'data-testid="auto-attached"' in page and "<option selected>C1</option>" in page  # pre-filled from the wallet
    sign_in_with_second_factor(client, reviewer)
    assert client.get("/services/workbench/").status_code == 200


def test_saved_materials_ratio_is_counted(holder_api):
    from services.selectors import saved_materials_ratio

    apply(holder_api, "JT-001", seats="5")
    apply(holder_api, "GA-002", reason="丢失", delivery_address="x")
    assert saved_materials_ratio() == {"total": 4, "saved": 4, "ratio": 1.0}



@pytest.mark.real_on_commit
def test_notifications_and_instant_approval_wait_for_the_commit(holder_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        body = apply(holder_api, "JT-001", seats="5").json()
    assert body["status"] == "submitted" and Notice.objects.filter(kind="application").count() == 0
    assert len(callbacks) == 1
    # one task per submission (issue 25): the 秒批 task sends the notice of "submitted" itself, then approves
    assert not QueuedTask.objects.exists()  # no outbox row: the unnotified "submitted" step says the task is owed (issue 25)
    assert Application.objects.get(number=body["number"]).timeline.get().notified_at is None
    for callback in callbacks:
        callback()
    application = Application.objects.get(number=body["number"])
    assert application.status == "completed"
    steps = list(application.timeline.order_by("id"))
    assert [step.to_status for step in steps] == ["submitted", "accepted", "approved", "completed"]
    assert steps[0].notified_at is not None  # "submitted": the receipt, sent by the one task before it approved
    # (the approval's own steps queue their notices after its commit, outside this capture)
    assert Notice.objects.filter(kind="application").count() == sum(1 for step in steps if step.notified_at) >= 1


def test_items_export_and_import_as_spreadsheets():
    import tablib

    from services.admin import ServiceItemResource

    exported = ServiceItemResource().export()
    assert len(exported) == ServiceItem.objects.count() >= 30
    xlsx = exported.export("xlsx")
    dataset = tablib.Dataset().load(xlsx, format="xlsx")
    row = dataset.headers.index("name")
    rows = [list(r) for r in dataset]
    rows[0][row] = rows[0][row] + "（试点）"
    rows.append([*rows[1][: dataset.headers.index("code")], "GA-999", *rows[1][dataset.headers.index("code") + 1 :]])
    rows[-1][row] = "新增事项"
    changed = tablib.Dataset(*rows, headers=dataset.headers)
    result = ServiceItemResource().import_data(changed, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    assert ServiceItem.objects.get(code=rows[0][dataset.headers.index("code")]).name.endswith("（试点）")
    assert ServiceItem.objects.get(code="GA-999").name == "新增事项"


def test_the_personal_data_export_covers_every_capability(holder_api, holder):
    number = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    document = json.loads(holder_api.get("/api/v1/me/export/").content)
    assert {"identity", "credentials", "health", "applications", "audit_events", "notices"} <= set(document)
    assert document["applications"][0]["number"] == number and document["applications"][0]["answers"]["reason"] == "丢失"
    assert len(document["credentials"]["credentials"]) == 3


def test_the_window_counter_shows_nothing_of_a_person_before_they_present_and_only_what_they_disclosed_after(client, holder):
    clerk = UserFactory(name="赵敏", roles=["clerk"])
    sign_in_with_second_factor(client, clerk)
    before = client.get("/services/counter/").content.decode()
    assert holder.id_number not in before and holder.name not in before and 'data-testid="identify"' in before
    typed = client.get("/services/counter/", {"applicant_id_number": holder.id_number, "item": "GA-002"}).content.decode()
    assert holder.name not in typed and 'data-testid="walk-in"' not in typed  # a typed number finds no one
    assert not AuditEvent.objects.filter(subject=holder, actor=clerk).exists()
    # The citizen shows their ID card disclosing nothing but what every code shows (name, masked number).
    assert client.post("/services/counter/", {"step": "identify", "item": "GA-002", "presentation": _shown_id_card(holder)}).status_code == 302
    page = client.get("/services/counter/").content.decode()
    assert holder.masked_name in page and 'data-testid="auto-attached"' in page  # their wallet supplies the materials
    assert holder.id_number not in page and holder.phone not in page  # not disclosed, so not pre-filled
    assert AuditEvent.objects.filter(subject=holder, actor=clerk, action="counter_lookup").count() == 1
    response = client.post("/services/counter/", {"step": "submit", "idempotency_key": "w1", "phone": "13800000101", "delivery_address": "x",
                                                  "reason": "丢失"})
    assert response.status_code == 302
    assert Application.objects.get(applicant=holder).channel == "window"
    assert 'data-testid="identify"' in client.get("/services/counter/").content.decode()  # the next citizen starts afresh


def test_a_refused_code_at_the_counter_says_why_and_identifies_no_one(client, holder):
    clerk = UserFactory(name="赵敏", roles=["clerk"])
    sign_in_with_second_factor(client, clerk)
    page = client.post("/services/counter/", {"step": "identify", "item": "GA-002", "presentation": "forged"}, follow=True).content.decode()
    assert 'data-testid="identify"' in page and 'data-testid="walk-in"' not in page


def test_no_result_document_before_completion(holder_api):
    number = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    response = holder_api.get(f"/api/v1/applications/{number}/result.pdf")
    assert response.status_code == 409 and response.json()["code"] == "not_completed"


def test_the_portal_apply_form_takes_uploaded_materials(client, other_citizen):
    """The portal's multipart form stores each file and attaches it (免证办 falls back to uploads)."""
    client.force_login(other_citizen)
    version = ServiceItem.objects.get(code="GA-002").current_version
    files = {f"material_{m.pk}": _png_file(f"m{m.pk}.png") for m in version.materials.all()}
    answers = {"reason": "丢失", "delivery_address": "济南市历下区", "phone": "13800138000"}
    response = client.post("/services/items/GA-002/apply/", {**answers, **files})
    assert response.status_code == 302
    application = Application.objects.get(applicant=other_citizen)
    assert application.attachments.filter(upload__owner=other_citizen).count() == len(files)


def test_a_submission_reads_the_item_from_the_cache_and_costs_a_bounded_number_of_queries(holder_api, monkeypatch):
    from celery import current_app
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)  # as in production: the 秒批 runs in a worker
    data = form_for(holder_api, "JT-001", seats="5")
    assert holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json").status_code == 201  # warms the item
    with CaptureQueriesContext(connection) as queries:
        response = holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json", HTTP_IDEMPOTENCY_KEY="q-1")
    assert response.status_code == 201 and response.json()["status"] == "submitted"
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert not [sql for sql in statements if 'FROM "services_serviceitem"' in sql or 'FROM "services_material"' in sql], statements
    # the newest held credential of each type the materials name (one statement, one row per type: not the Redis copy of
    # the whole wallet, which grows with every 秒批 result — tests/services/test_history_bound.py); application, materials,
    # step, audit; no outbox row (the unnotified step says the 秒批 task is owed, issue 25). The idempotency key is a
    # cache read, the answer's materials and timeline the rows just written.
    assert len(statements) == 5, "\n".join(s[:100] for s in statements)
    assert [sql.split()[0].strip("(") for sql in statements] == ["SELECT", "INSERT", "INSERT", "INSERT", "INSERT"]
    body = response.json()
    assert len(body["materials"]) == 2 and [step["to_status"] for step in body["timeline"]] == ["submitted"]
    assert not [sql for sql in statements if "portal_queuedtask" in sql]


def test_the_result_notice_names_the_applicant_in_full_and_its_qr_opens_its_check(holder_api, holder, client, tmp_path):
    """The notice is the applicant's own document: their name in full, and the QR it promises — a
    public check page (the applicant masked there, as anyone may scan it) that a forged number cannot open."""
    import subprocess

    import zxingcpp
    from pypdf import PdfReader

    number = apply(holder_api, "JT-001", seats="5").json()["number"]
    pdf = holder_api.get(f"/api/v1/applications/{number}/result.pdf").content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert holder.name in text and "扫码核验本通知书" in text
    (tmp_path / "notice.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "notice.pdf"), str(tmp_path / "page")], check=True)
    [decoded] = zxingcpp.read_barcodes(Image.open(next(tmp_path.glob("page*.png"))), formats=zxingcpp.BarcodeFormat.QRCode)
    assert decoded.text.startswith("http://testserver/services/notices/")
    page = client.get(decoded.text.removeprefix("http://testserver")).content.decode()
    assert number in page and "有效" in page and holder.name not in page and holder.masked_name in page
    assert client.get(f"/services/notices/{number}:forged/").status_code == 404
