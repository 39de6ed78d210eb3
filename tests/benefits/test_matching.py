"""Drafting, the dry run, four-eyes publishing and matching: the dry run writes nothing; publishing
needs a second person; a rerun inserts nothing; the notice, the audit event and the entitlement are
written in one transaction (and the SMS after it); a death registered today revokes an unpaid
entitlement and sends a paid one to a person; the evidence is encrypted and "why" reproducible."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection

from benefits import matching, selectors, services
from benefits.models import Entitlement, MatchRun, ReviewItem
from core.errors import Forbidden, Invalid
from core.usecases import SYSTEM
from identity import audit
from identity.models import AuditEvent, Notice, SmsMessage, User
from identity.selectors import audit_events_about
from tests.benefits.conftest import DAY, draft, person


def _rows() -> dict[str, int]:
    tables = [model for model in apps.get_models() if model._meta.app_label in ("benefits", "identity", "appeals", "core")]
    return {model._meta.label: model.objects.count() for model in tables}


def test_drafting_refuses_a_rule_reading_an_undeclared_field(policy, drafter):
    with pytest.raises(Invalid) as refused:
        draft(policy, drafter, fields=["age"])  # the rule also reads status
    assert refused.value.code == "rule_refused" and "'status' is not declared" in refused.value.message


def test_a_dry_run_counts_by_area_and_band_diffs_the_previous_version_and_writes_nothing(published, policy, drafter):
    for born, area in ((dt.date(1960, 1, 1), "370102"), (dt.date(1950, 1, 1), "370102"), (dt.date(1940, 1, 1), "370103"), (dt.date(1970, 1, 1), "370102")):
        person(born, area)
    person(dt.date(1930, 1, 1), status="cancelled")
    stricter = draft(policy, drafter, rule={"and": [{"==": [{"var": "status"}, "normal"]}, {">=": [{"var": "age"}, 70]}]})
    before = _rows()

    report = matching.dry_run(stricter, DAY)

    assert _rows() == before  # nothing written anywhere
    assert (report.period, report.total) == ("2026-Q4", 2)
    assert report.by_area == [("370102", 1), ("370103", 1)] and report.by_band == [(150, 1), (180, 1)]
    assert (report.previous, report.newly_in, report.dropped, report.amount_changed) == (3, 0, 1, 0)
    assert report.samples[0]["explanation"][1] == ("年龄 ≥ 70", True) and "name" not in report.samples[0]["facts"]


def test_publishing_needs_a_second_person(policy, drafter, publisher):
    version = draft(policy, publisher)
    with pytest.raises(Forbidden) as refused:
        services.version_publish(actor=publisher, version=version)
    assert refused.value.code == "four_eyes"
    with pytest.raises(Forbidden):
        services.version_publish(actor=drafter, version=draft(policy, drafter))  # a drafter without the publish permission
    mine = draft(policy, drafter)
    assert services.version_publish(actor=publisher, version=mine).status == "published"
    assert list(policy.versions.values_list("number", "status")) == [(3, "published"), (2, "draft"), (1, "draft")]


def test_matching_writes_entitlement_notice_and_audit_together_and_a_rerun_inserts_nothing(published, policy, run_on_commit_callbacks):
    elder = person(dt.date(1950, 6, 1), account=True, phone="13900000001")
    person(dt.date(1970, 6, 1), account=True)
    person(dt.date(1955, 6, 1))  # eligible, no account: entitled, told when they sign up

    run = services.match_run(actor=SYSTEM, policy=policy, day=DAY)
    again = services.match_run(actor=SYSTEM, policy=policy, day=DAY)

    assert (run.inserted, again.inserted) == (2, 0) and Entitlement.objects.count() == 2
    user = User.objects.get(id_number_index=elder.id_number_index)
    entitlement = Entitlement.objects.get(user=user)
    assert (entitlement.period, entitlement.amount_fen, entitlement.status) == ("2026-Q4", 150 * 3 * 100, "notified")
    notice = Notice.objects.get(user=user)
    assert notice.title == "您符合老年综合津贴，无需申请" and notice.url == f"/benefits/{entitlement.pk}/"
    [event] = audit_events_about(user).filter(action=services.BENEFIT_MATCHED)
    assert audit.describe(event, viewer=user).purpose.startswith("老年综合津贴") and event.detail["entitlement"] == entitlement.pk
    [sms] = SmsMessage.objects.filter(purpose=f"benefit:{entitlement.pk}")
    assert "您符合老年综合津贴，无需申请" in sms.body and sms.phone == "13900000001"
    assert Notice.objects.count() == 1 and SmsMessage.objects.filter(purpose__startswith="benefit:").count() == 1  # the rerun told nobody again


def test_a_failure_after_the_insert_leaves_no_entitlement_notice_or_audit(published, policy, monkeypatch):
    person(dt.date(1950, 6, 1), account=True)

    def broken(**kwargs):
        raise RuntimeError("the audit store is away")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.match_run(actor=SYSTEM, policy=policy, day=DAY)
    assert (Entitlement.objects.count(), Notice.objects.count(), MatchRun.objects.count()) == (0, 0, 0)
    assert not AuditEvent.objects.filter(action=services.BENEFIT_MATCHED).exists()


def test_a_death_registered_today_revokes_an_unpaid_entitlement_and_sends_a_paid_one_to_a_person(published, policy):
    unpaid, paid, moved = person(dt.date(1950, 6, 1), account=True), person(dt.date(1945, 6, 1), account=True), person(dt.date(1948, 6, 1))
    services.match_run(actor=SYSTEM, policy=policy, day=DAY)
    Entitlement.objects.filter(person_index=paid.id_number_index).update(status="paid")
    for record in (unpaid, paid):
        record.status = "cancelled"
        record.save()
    newcomer = person(dt.date(1960, 1, 1))  # moved in today, aged 66

    run = services.delta_run(actor=SYSTEM, policy=policy, day=DAY)

    assert (run.kind, run.inserted, run.revoked, run.queued) == ("delta", 1, 1, 1)
    status = dict(Entitlement.objects.values_list("person_index", "status"))
    assert status == {unpaid.id_number_index: "revoked", paid.id_number_index: "review", moved.id_number_index: "notified",
                      newcomer.id_number_index: "notified"}
    [item] = ReviewItem.objects.all()
    assert (item.reason, item.outcome, item.entitlement.person_index) == ("paid_then_ineligible", "", paid.id_number_index)
    assert services.delta_run(actor=SYSTEM, policy=policy, day=DAY).inserted == 0


def test_the_evidence_is_encrypted_and_why_is_reproduced_after_the_base_data_changes(published, policy):
    record = person(dt.date(1950, 6, 1), account=True)
    services.match_run(actor=SYSTEM, policy=policy, day=DAY)
    entitlement = Entitlement.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT evidence FROM benefits_entitlement WHERE id = %s", [entitlement.pk])
        stored = bytes(cursor.fetchone()[0])
    assert b"normal" not in stored and b"age" not in stored
    record.status = "cancelled"
    record.save()

    why = selectors.why(Entitlement.objects.get())

    assert why.eligible and why.conditions == [("户籍状态 = 正常", True), ("年龄 ≥ 65", True)]
    assert why.facts == [("年龄", "76"), ("户籍状态", "正常")] and why.day == "2026-10-01"
    user = User.objects.get(id_number_index=record.id_number_index)
    not_now = selectors.why_not_me(user, policy)
    assert not not_now.eligible and ("户籍状态 = 正常", False) in not_now.conditions
