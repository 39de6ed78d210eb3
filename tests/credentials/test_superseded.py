"""Renewal supersedes: when a credential of a type a person holds once (a driving licence, an ID card)
is issued again, the older copy becomes "superseded" in the same use case — audited, out of the
wallet's main list, not presentable, and refused at the clerk's check as 已被新证替代, also for a code
made before the renewal. Types a person may hold several of are left alone."""

import datetime as dt

import pytest

from credentials.models import Credential
from credentials.services import credential_issue, credential_set_status, presentation_create
from identity.models import AuditEvent
from tests.factories import licence_data

VERIFY = "/api/v1/verifications/"


@pytest.fixture
def held_once(driving_type):
    driving_type.single_per_holder = True
    driving_type.save()
    return driving_type


def _renew(issuer, citizen, record_id="DL-2", issued_on=dt.date(2026, 1, 10)):
    return credential_issue(actor=issuer[0], data=licence_data(citizen, record_id=record_id, issued_on=issued_on,
                                                               expires_on=issued_on.replace(year=issued_on.year + 6))).credential


def test_a_renewal_supersedes_the_old_licence_in_the_same_use_case(held_once, issuer, licence, citizen):
    renewed = _renew(issuer, citizen)
    licence.refresh_from_db()
    assert (licence.status, licence.superseded_by, licence.get_effective_status_display()) == ("superseded", renewed, "已被新证替代")
    assert renewed.status == "valid"
    event = AuditEvent.objects.filter(subject=citizen, action="credential_status_changed").get()
    assert event.detail["status"] == "superseded" and event.detail["superseded_by"] == renewed.identifier


def test_the_wallet_lists_only_the_new_one_and_keeps_the_old_in_history(held_once, issuer, licence, citizen, citizen_api, client):
    renewed = _renew(issuer, citizen)
    assert [c["identifier"] for c in citizen_api.get("/api/v1/wallet/").json()] == [renewed.identifier]
    client.force_login(citizen)
    page = client.get("/wallet/").content.decode()
    main, history = page.split('data-testid="history"')
    assert renewed.identifier in main and licence.identifier not in main
    assert licence.identifier in history and "历史证照" in history and "已被新证替代" in history
    assert "2032-01-10" in main  # the list tells a licence by its validity


def test_the_old_licence_cannot_be_presented_and_its_earlier_code_is_refused(held_once, issuer, licence, citizen, citizen_api, clerk_api):
    earlier = presentation_create(actor=citizen, credential=licence, disclose=["licence_class"]).token
    _renew(issuer, citizen)
    refused = citizen_api.post(f"/api/v1/wallet/{licence.identifier}/presentations/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "credential_superseded"
    verdict = clerk_api.post(VERIFY, {"payload": earlier}, format="json").json()
    assert (verdict["valid"], verdict["reason"], verdict["message"]) == (False, "credential_superseded", "已被新证替代")


def test_a_back_filled_older_record_is_superseded_at_once(held_once, issuer, licence, citizen):
    older = _renew(issuer, citizen, record_id="DL-0", issued_on=dt.date(2018, 1, 10))
    licence.refresh_from_db()
    assert (older.status, older.superseded_by, licence.status) == ("superseded", licence, "valid")


def test_types_held_more_than_once_are_left_alone(issuer, licence, citizen):
    _renew(issuer, citizen)
    assert set(Credential.objects.values_list("status", flat=True)) == {"valid"}


def test_a_superseded_licence_cannot_be_reinstated_by_its_issuer(held_once, issuer, licence, citizen):
    from core.errors import Conflict

    _renew(issuer, citizen)
    with pytest.raises(Conflict):
        credential_set_status(actor=issuer[0], record_id=licence.issuer_record_id, status="valid")
