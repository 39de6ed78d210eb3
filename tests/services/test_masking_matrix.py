"""One masking policy decides what each viewer sees of a person's answers: walked through every role
on both fronts (API and portal), the same fields are masked or shown in full."""

import pytest
from django.test import Client

from core.people import mask_id_number
from services.models import Application
from tests.factories import UserFactory, api_as, sign_in_with_second_factor
from tests.services.conftest import staff

PHONE = "13912345678"


@pytest.fixture
def application(holder):
    api = api_as(holder)
    body = api.get("/api/v1/items/GA-001/form/").json()
    answers = {f["key"]: f["value"] for f in body["fields"]} | {"phone": PHONE, "delivery_address": "济南市历下区"}
    response = api.post("/api/v1/applications/", {"item": "GA-001", "data": answers}, format="json")
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    return Application.objects.get(number=number)


def _api_answers(user, number):
    return api_as(user).get(f"/api/v1/applications/{number}/").json()["data"]


def _portal_page(user, number):
    client = Client()
    if user.department_id:
        sign_in_with_second_factor(client, user)
    else:
        client.force_login(user)
    url = f"/services/workbench/{number}/" if user.department_id else f"/services/applications/{number}/"
    page = client.get(url)
    assert page.status_code == 200
    return page.content.decode()


def _seen(holder, user, number) -> dict:
    """What one viewer sees of the licence number (an ID-number field) and the phone, per front."""
    api = _api_answers(user, number)
    page = _portal_page(user, number)
    full, masked = holder.id_number, mask_id_number(holder.id_number)
    return {
        "api": {"licence_number": "full" if api["licence_number"] == full else "masked" if api["licence_number"] == masked else "?",
                "phone": "full" if api["phone"] == PHONE else "masked"},
        "portal": {"licence_number": "full" if full in page else "masked" if masked in page else "?",
                   "phone": "full" if PHONE in page else "masked"},
    }


EXPECTED = {
    "holder": {"licence_number": "full", "phone": "full"},
    "reviewer": {"licence_number": "masked", "phone": "full"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_the_same_fields_masked_on_the_api_and_the_portal(holder, application, role):
    viewer = holder if role == "holder" else staff("reviewer", "SD-GAT")
    seen = _seen(holder, viewer, application.number)
    assert seen["api"] == seen["portal"] == EXPECTED[role]


def test_anyone_else_sees_nothing(holder, application):
    stranger = UserFactory()
    assert api_as(stranger).get(f"/api/v1/applications/{application.number}/").status_code == 404
    other_department = staff("reviewer", "SD-JTT")
    assert api_as(other_department).get(f"/api/v1/applications/{application.number}/").status_code == 404


def test_the_clerk_who_filed_it_sees_the_number_masked_in_the_answer(holder, catalogue):
    from credentials.models import Credential
    from credentials.services import presentation_create

    clerk = UserFactory(roles=["clerk"])
    id_card = Credential.objects.get(holder_index=holder.id_number_index, type__code="id_card")
    token = presentation_create(actor=holder, credential=id_card, disclose=[]).token
    body = api_as(holder).get("/api/v1/items/GA-001/form/").json()
    answers = {f["key"]: f["value"] for f in body["fields"]} | {"phone": PHONE, "delivery_address": "济南市历下区"}
    filed = api_as(clerk).post("/api/v1/workbench/on-behalf/", {"item": "GA-001", "presentation": token, "data": answers}, format="json").json()
    assert filed["data"]["licence_number"] == mask_id_number(holder.id_number)
    assert filed["data"]["phone"] == PHONE[:3] + "****" + PHONE[-4:]
