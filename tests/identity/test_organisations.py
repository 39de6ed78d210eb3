"""Organisations bound to their legal representative, agents with scope and expiry, and 404 for
anyone else's data."""

import datetime as dt

import pytest
from django.utils import timezone

from identity.models import AgentScope, AuditEvent
from identity.permissions import may_act_for
from tests.factories import LegalEntityRecordFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def in_days(days):
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def test_the_legal_representative_registers_the_organisation(citizen, citizen_api):
    record = LegalEntityRecordFactory(representative=citizen)
    response = citizen_api.post("/api/v1/organisations/", {"credit_code": record.credit_code.lower()}, format="json")
    assert response.status_code == 201
    assert response.json()["is_legal_representative"] is True
    assert citizen_api.get("/api/v1/organisations/").json()[0]["credit_code"] == record.credit_code


def test_someone_else_cannot_register_the_organisation(citizen, other_api):
    record = LegalEntityRecordFactory(representative=citizen)
    response = other_api.post("/api/v1/organisations/", {"credit_code": record.credit_code}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_legal_representative"


def test_an_invalid_credit_code_is_a_clear_400(citizen_api):
    response = citizen_api.post("/api/v1/organisations/", {"credit_code": "91110000600037341M"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "credit_code_checksum" not in response.json()["message"]


def test_agent_authorisation_with_scope_and_expiry(citizen, citizen_api, other_citizen):
    organisation = OrganisationFactory(legal_representative=citizen)
    response = citizen_api.post(
        f"/api/v1/organisations/{organisation.credit_code}/agents/",
        {"agent_name": other_citizen.name, "agent_id_number": other_citizen.id_number, "scopes": ["services.apply"], "valid_until": in_days(30)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["agent_id_number"] == other_citizen.masked_id_number
    assert may_act_for(user=other_citizen, organisation=organisation, scope=AgentScope.APPLY)
    assert not may_act_for(user=other_citizen, organisation=organisation, scope=AgentScope.PRESENT_CREDENTIALS)
    later = timezone.now() + dt.timedelta(days=31)
    assert not may_act_for(user=other_citizen, organisation=organisation, scope=AgentScope.APPLY, at=later)
    event = AuditEvent.objects.get(action="agent_authorised")
    assert (event.actor, event.actor_organisation, event.subject) == (citizen, organisation, other_citizen)


def test_an_agent_sees_the_organisation_until_revoked(citizen, citizen_api, other_citizen, other_api):
    organisation = OrganisationFactory(legal_representative=citizen)
    created = citizen_api.post(
        f"/api/v1/organisations/{organisation.credit_code}/agents/",
        {"agent_name": other_citizen.name, "agent_id_number": other_citizen.id_number, "scopes": ["credentials.view"], "valid_until": in_days(5)},
        format="json",
    ).json()
    assert other_api.get(f"/api/v1/organisations/{organisation.credit_code}/").status_code == 200
    revoke = citizen_api.post(f"/api/v1/organisations/{organisation.credit_code}/agents/{created['id']}/revoke/")
    assert revoke.status_code == 200 and revoke.json()["active"] is False
    assert other_api.get(f"/api/v1/organisations/{organisation.credit_code}/").status_code == 404
    assert not may_act_for(user=other_citizen, organisation=organisation, scope=AgentScope.VIEW_CREDENTIALS)


def test_an_agent_cannot_authorise_or_revoke(citizen, other_citizen, other_api):
    organisation = OrganisationFactory(legal_representative=citizen)
    third = UserFactory()
    from identity.models import AgentAuthorisation

    own = AgentAuthorisation.objects.create(
        organisation=organisation, agent=other_citizen, scopes=["services.apply"], valid_until=timezone.now() + dt.timedelta(days=3), granted_by=citizen
    )
    response = other_api.post(
        f"/api/v1/organisations/{organisation.credit_code}/agents/",
        {"agent_name": third.name, "agent_id_number": third.id_number, "scopes": ["services.apply"], "valid_until": in_days(3)},
        format="json",
    )
    assert response.status_code == 403
    assert other_api.post(f"/api/v1/organisations/{organisation.credit_code}/agents/{own.pk}/revoke/").status_code == 404


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"scopes": ["services.apply"], "valid_until_days": -1}, "invalid_validity"),
        ({"scopes": ["services.apply"], "valid_until_days": 5000}, "invalid_validity"),
        ({"scopes": ["services.apply"], "valid_until_days": 5, "agent_name": "别人"}, "agent_not_found"),
    ],
)
def test_bad_authorisations_are_refused(citizen, citizen_api, other_citizen, payload, code):
    organisation = OrganisationFactory(legal_representative=citizen)
    body = {
        "agent_name": payload.get("agent_name", other_citizen.name),
        "agent_id_number": other_citizen.id_number,
        "scopes": payload["scopes"],
        "valid_until": in_days(payload["valid_until_days"]),
    }
    response = citizen_api.post(f"/api/v1/organisations/{organisation.credit_code}/agents/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_other_peoples_organisations_and_events_answer_404(citizen, other_api, other_citizen):
    organisation = OrganisationFactory(legal_representative=citizen)
    assert other_api.get(f"/api/v1/organisations/{organisation.credit_code}/").status_code == 404
    assert other_api.get(f"/api/v1/organisations/{organisation.credit_code}/agents/").status_code == 404
    assert other_api.get("/api/v1/organisations/").json() == []


def test_who_used_my_data_lists_only_my_events(citizen, citizen_api, other_citizen, other_api):
    from identity.services import audit_record

    clerk = UserFactory(name="窗口甲")
    audit_record(action=AuditEvent.Action.CREDENTIAL_VERIFIED, actor=clerk, subject=citizen)
    audit_record(action=AuditEvent.Action.CREDENTIAL_VERIFIED, actor=clerk, subject=other_citizen)
    mine = citizen_api.get("/api/v1/me/audit-events/?by_others=1").json()
    assert mine["count"] == 1
    assert mine["results"][0]["actor"] == "窗*甲"
    assert other_api.get("/api/v1/me/audit-events/?by_others=1").json()["count"] == 1


def test_the_profile_is_masked(citizen_api, citizen):
    body = citizen_api.get("/api/v1/me/").json()
    assert body["id_number"] == citizen.masked_id_number
    assert citizen.id_number not in str(body)


def test_unauthenticated_api_calls_get_401_with_a_code(api):
    response = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "Please sign in first.", "errors": {}}
