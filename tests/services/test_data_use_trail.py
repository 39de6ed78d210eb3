"""Every newly audited use of a person's data by someone else shows in their "who used my data" —
on the API and on the portal page alike — with who did it."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from credentials.models import Credential
from credentials.services import credential_set_status, presentation_create
from healthcode import services as health
from healthcode.demo import default_ruleset
from tests.factories import UserFactory, api_as
from tests.healthcode.conftest import with_record
from tests.services.conftest import staff
from tests.services.test_lifecycle import _png_file, form_for

NEW_ACTIONS = {"credential_status_changed", "health_override", "dependant_revoked", "application_viewed", "material_downloaded",
               "counter_lookup", "credential_verified", "application_submitted_for"}


def test_each_new_kind_of_use_shows_in_the_persons_trail_on_both_fronts(holder, catalogue):
    default_ruleset()
    with_record(holder)
    holder_api = api_as(holder)
    # An issuer suspends a credential.
    licence = Credential.objects.get(holder_index=holder.id_number_index, type__code="vehicle_licence")
    credential_set_status(actor=licence.issuer, record_id=licence.issuer_record_id, status="suspended", reason="年检逾期")
    # A health officer sets an override.
    officer = UserFactory(roles=["health_officer"])
    health.override_set(actor=officer, person_index=holder.id_number_index, colour="green", expires_at=timezone.now() + dt.timedelta(days=1),
                        note="复核")
    # A guardian stops holding the person's pass.
    guardian = UserFactory()
    dependant = health.dependant_add(actor=guardian, id_number=holder.id_number, name=holder.name, relation="子女", consent="in_person",
                                     consent_note="社区见证")
    health.dependant_revoke(actor=guardian, dependant=dependant)
    # A window clerk identifies the person by the code they show, and applies for them with an upload.
    clerk = UserFactory(roles=["clerk"])
    id_card = Credential.objects.get(holder_index=holder.id_number_index, type__code="id_card")
    token = presentation_create(actor=holder, credential=id_card, disclose=[]).token
    data = form_for(holder_api, "GA-001", delivery_address="济南市")
    upload = holder_api.post("/api/v1/uploads/", {"file": _png_file()}, format="multipart").json()["id"]
    material = next(m for m in holder_api.get("/api/v1/items/GA-001/form/").json()["materials"] if not m["held"])["id"]
    number = api_as(clerk).post("/api/v1/workbench/on-behalf/", {"item": "GA-001", "presentation": token, "data": data, "uploads": {str(material): upload}},
                                format="json").json()["number"]
    # A reviewer opens the application and downloads its material.
    reviewer = staff("reviewer", "SD-GAT")
    assert api_as(reviewer).get(f"/api/v1/applications/{number}/").status_code == 200
    assert api_as(reviewer).get(f"/api/v1/uploads/{upload}/").status_code == 200

    by_others = holder_api.get("/api/v1/me/audit-events/", {"by_others": 1, "page_size": 100}).json()["results"]
    assert NEW_ACTIONS <= {event["action"] for event in by_others}
    assert all(event["actor"] and event["actor"] != "本人" for event in by_others)
    roles = {event["action"]: event["role"] for event in by_others}
    assert roles["counter_lookup"] == "窗口人员" and roles["application_viewed"] == "部门审核人员" and roles["health_override"] == "卫健人员"
    client = Client()
    client.force_login(holder)
    page = client.get("/account/").content.decode()
    for action in NEW_ACTIONS:
        assert f'data-action="{action}"' in page, action
