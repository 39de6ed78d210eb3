"""Admin writes go through use cases: listing a close contact in admin is audited, shows in the
person's "who used my data", and re-evaluates their code after commit; releasing them too; saving a
risk area or a draft rule version is audited in the same transaction; neither a close contact nor a
risk area can be deleted (they are released or ended)."""

import datetime as dt

import pytest
from django.utils import timezone

from healthcode.models import CloseContact, RecomputeJob, RiskArea, RuleSet
from identity.models import AuditEvent
from tests.factories import api_as, sign_in_with_second_factor


def _when(moment) -> dict:
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


@pytest.fixture
def officer_client(client, officer):
    sign_in_with_second_factor(client, officer)
    return client


def test_listing_a_close_contact_in_admin_is_a_use_case_the_person_sees(officer_client, officer, person, django_capture_on_commit_callbacks):
    person_api = api_as(person)
    assert person_api.get("/api/v1/health/pass/").json()["colour"] == "green"
    listed = timezone.now() - dt.timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = officer_client.post("/admin/healthcode/closecontact/add/", {
            "id_number": person.id_number, "listed_at_0": _when(listed)["0"], "listed_at_1": _when(listed)["1"], "note": "同车"})

    assert answer.status_code == 302, answer.content.decode()[-2000:]
    assert callbacks  # the re-evaluation waits for the commit
    contact = CloseContact.objects.get()
    assert contact.entered_by == officer and contact.person_index == person.id_number_index
    event = AuditEvent.objects.get(action="close_contact_listed")
    assert event.subject == person and event.actor == officer and person.id_number not in str(event.detail)
    assert person_api.get("/api/v1/health/pass/").json()["colour"] == "red"
    mine = person_api.get("/api/v1/me/audit-events/?by_others=1").json()["results"]
    assert any(e["action"] == "close_contact_listed" and e["action_display"] == "列为密切接触者" for e in mine)


def test_releasing_a_close_contact_in_admin_is_audited_and_re_evaluated(officer_client, person, officer, django_capture_on_commit_callbacks):
    from healthcode import services

    with django_capture_on_commit_callbacks(execute=True):
        contact = services.close_contact_list(actor=officer, id_number=person.id_number, listed_at=timezone.now() - dt.timedelta(hours=2))
    assert api_as(person).get("/api/v1/health/pass/").json()["colour"] == "red"
    released = timezone.now() - dt.timedelta(minutes=5)

    with django_capture_on_commit_callbacks(execute=True):
        answer = officer_client.post(f"/admin/healthcode/closecontact/{contact.pk}/change/", {
            "released_at_0": _when(released)["0"], "released_at_1": _when(released)["1"], "note": "核酸阴性，解除"})

    assert answer.status_code == 302, answer.content.decode()[-2000:]
    assert AuditEvent.objects.filter(action="close_contact_changed", subject=person).exists()
    assert officer_client.post(f"/admin/healthcode/closecontact/{contact.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CloseContact.objects.filter(pk=contact.pk).exists()


def test_saving_a_risk_area_in_admin_is_audited_with_its_recomputation(officer_client, officer, rules):
    now = timezone.now()
    answer = officer_client.post("/admin/healthcode/riskarea/add/", {"area_code": "济南市历下区", "name": "某小区", "level": "high",
                                                                     "starts_at_0": _when(now)["0"], "starts_at_1": _when(now)["1"]})

    assert answer.status_code == 302, answer.content.decode()[-2000:]
    area = RiskArea.objects.get()
    event = AuditEvent.objects.get(action="risk_area_changed")
    assert event.actor == officer and event.detail["area"] == "370102" and event.detail["step"] == "declared"
    assert RecomputeJob.objects.filter(area_code="370102").exists()
    assert officer_client.post(f"/admin/healthcode/riskarea/{area.pk}/delete/", {"post": "yes"}).status_code == 403


def test_saving_a_draft_rule_version_in_admin_is_audited(officer_client, officer, rules):
    answer = officer_client.post("/admin/healthcode/ruleset/add/", {
        "version": "9", "note": "草稿", "rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "0", "rules-MIN_NUM_FORMS": "0", "rules-MAX_NUM_FORMS": "1000",
        "rules-0-code": "close_contact", "rules-0-kind": "close_contact", "rules-0-colour": "red", "rules-0-days": "14", "rules-0-hours": "72",
        "rules-0-level": "high", "rules-0-explanation": "密切接触者", "rules-0-explanation_en": "Close contact"})

    assert answer.status_code == 302, answer.content.decode()[-3000:]
    draft = RuleSet.objects.get(version=9)
    assert draft.created_by == officer and draft.rules.count() == 1
    assert AuditEvent.objects.filter(action="health_rules_changed", actor=officer, detail__step="draft_created").exists()


def test_the_use_cases_refuse_someone_without_the_right(citizen, person):
    from core.errors import Forbidden
    from healthcode import services

    before = AuditEvent.objects.count()
    with pytest.raises(Forbidden):
        services.close_contact_list(actor=citizen, id_number=person.id_number, listed_at=timezone.now())
    with pytest.raises(Forbidden):
        services.risk_area_save(actor=citizen, area=RiskArea(area_code="370102", name="x", level="high", starts_at=timezone.now()))
    assert AuditEvent.objects.count() == before and not CloseContact.objects.exists()


def test_trust_in_an_issuer_ends_by_an_audited_deactivation_never_a_deletion(officer_client, officer):
    from healthcode import services
    from healthcode.models import TrustedIssuer

    issuer = TrustedIssuer.objects.create(issuer_id="CN-44", name="广东省", jwks={"keys": []}, valid_from=timezone.now(),
                                          valid_until=timezone.now() + dt.timedelta(days=365))

    services.trusted_issuer_set_active(actor=officer, issuer=issuer, active=False)

    assert not TrustedIssuer.objects.get(pk=issuer.pk).is_active
    assert AuditEvent.objects.filter(action="trusted_issuer_changed", actor=officer, detail__active=False).exists()
    assert officer_client.post(f"/admin/healthcode/trustedissuer/{issuer.pk}/delete/", {"post": "yes"}).status_code == 403


def test_an_issuer_trusted_in_admin_is_written_only_inside_the_use_cases(officer_client, officer, monkeypatch):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from core import usecases
    from healthcode.models import TrustedIssuer
    from tests.healthcode.test_pass_and_checks import Province

    outside = []
    real_save = TrustedIssuer.save

    def save(self, *args, **kwargs):
        if not usecases._frames.get():
            outside.append(self.issuer_id)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(TrustedIssuer, "save", save)
    now = timezone.now()
    answer = officer_client.post("/admin/healthcode/trustedissuer/add/", {
        "issuer_id": "CN-35", "name": "福建省", "source_url": "",
        "jwks_file": SimpleUploadedFile("k.json", json.dumps(Province().jwks).encode()),
        "valid_from_0": _when(now)["0"], "valid_from_1": _when(now)["1"],
        "valid_until_0": _when(now + dt.timedelta(days=30))["0"], "valid_until_1": _when(now)["1"], "is_active": "on"})

    assert answer.status_code == 302, answer.content.decode()[-2000:]  # (was: "already exists", the row clean() had just written)
    assert TrustedIssuer.objects.get(issuer_id="CN-35").is_active and outside == []
    assert AuditEvent.objects.filter(action="trusted_issuer_changed", actor=officer, detail__issuer="CN-35").exists()


def test_a_draft_rule_version_deleted_in_admin_is_audited_and_overrides_and_appeals_are_never_deleted(client, officer, rules):
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    from healthcode.models import Appeal, Override
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    sign_in_with_second_factor(client, admin)
    draft = RuleSet.objects.create(version=42, note="草稿")

    assert client.post(f"/admin/healthcode/ruleset/{draft.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not RuleSet.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(action="admin_record_changed", actor=admin, detail__model="healthcode.ruleset", detail__step="deleted").exists()
    published = RuleSet.objects.filter(published_at__isnull=False).first()
    if published is not None:
        assert client.post(f"/admin/healthcode/ruleset/{published.pk}/delete/", {"post": "yes"}).status_code == 403
    request = RequestFactory().get("/")
    request.user = admin
    assert not django_admin.site._registry[Override].has_delete_permission(request)
    assert not django_admin.site._registry[Appeal].has_delete_permission(request)
