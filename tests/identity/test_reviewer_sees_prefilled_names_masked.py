"""A reviewer sees a prefilled personal answer through the masking table: a plain text question
prefilled from the applicant's name (道路运输车辆备案's 经营者) shows the name masked to the reviewer,
on the API and on the workbench page, and in full to the applicant."""

from django.test import Client

from core.people import mask_name
from services.models import Application
from tests.factories import api_as, sign_in_with_second_factor
from tests.services import conftest as services_fixtures
from tests.services.conftest import staff

# the services suite's fixtures: the demo catalogue and a citizen holding its credentials
catalogue, holder, run_on_commit_callbacks = services_fixtures.catalogue, services_fixtures.holder, services_fixtures.run_on_commit_callbacks


def _apply_with_prefill(holder) -> Application:
    api = api_as(holder)
    form = api.get("/api/v1/items/JT-001/form/").json()
    answers = {f["key"]: f["value"] for f in form["fields"]} | {"seats": "5"}
    assert answers["operator"] == holder.name  # prefilled from identity.name into a plain text question
    response = api.post("/api/v1/applications/", {"item": "JT-001", "data": answers}, format="json")
    assert response.status_code == 201, response.json()
    return Application.objects.get(number=response.json()["number"])


def test_a_reviewer_sees_a_prefilled_name_masked_on_both_fronts(holder):
    application = _apply_with_prefill(holder)
    reviewer = staff("reviewer", "SD-JTT")

    api_data = api_as(reviewer).get(f"/api/v1/applications/{application.number}/").json()["data"]
    client = Client()
    sign_in_with_second_factor(client, reviewer)
    page = client.get(f"/services/workbench/{application.number}/").content.decode()

    assert api_data["operator"] == mask_name(holder.name)
    assert mask_name(holder.name) in page and holder.name not in page


def test_the_applicant_still_sees_their_own_answer_in_full(holder):
    application = _apply_with_prefill(holder)

    assert api_as(holder).get(f"/api/v1/applications/{application.number}/").json()["data"]["operator"] == holder.name
