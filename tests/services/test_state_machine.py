"""The application state machine has one owner, ``services.services.steps.allowed_actions``: in every
status the portal offers the applicant exactly the actions the API lists (and allows), and the
reviewer exactly the steps the API accepts — 撤回 included for an application awaiting payment only
when the API allows it (it offers 取消 there)."""

import re

import pytest
from django.test import Client

from services.models import Application, ItemVersion, ServiceItem, Status
from services.services.steps import REVIEWER_ACTIONS, allowed_actions
from tests.factories import sign_in_with_second_factor
from tests.services.test_lifecycle import apply

APPLICANT_BUTTON = re.compile(r'data-testid="(pay|cancel|withdraw|resubmit)"')
REVIEWER_BUTTON = re.compile(r'<button name="action" value="(accept|approve|supplement|reject)"')


@pytest.fixture
def fee_item(db):
    item = ServiceItem.objects.get(code="GA-002")
    ItemVersion.objects.filter(pk=item.current_version_id).update(fee_fen=1000, fees="工本费10元")
    return item


def _in_status(holder_api, status: str) -> Application:
    number = apply(holder_api, "GA-002", key=f"state-{status}", reason="丢失", delivery_address="济南市历下区泉城路100号").json()["number"]
    Application.objects.filter(number=number).update(status=status)
    return Application.objects.get(number=number)


@pytest.mark.parametrize("status", Status.values)
def test_the_portal_offers_the_applicant_what_the_api_allows(status, holder, holder_api, fee_item):
    application = _in_status(holder_api, status)
    portal = Client()
    portal.force_login(holder)
    page = portal.get(f"/services/applications/{application.number}/").content.decode()
    listed = set(holder_api.get(f"/api/v1/applications/{application.number}/").json()["actions"])
    assert set(APPLICANT_BUTTON.findall(page)) == listed == allowed_actions(application)
    if status == Status.AWAITING_PAYMENT:
        assert listed == {"pay", "cancel"}


@pytest.mark.parametrize("status", Status.values)
def test_the_workbench_offers_the_reviewer_what_the_api_accepts(status, holder_api, reviewer, reviewer_api, fee_item):
    application = _in_status(holder_api, status)
    Application.objects.filter(pk=application.pk).update(assigned_to=reviewer)
    portal = Client()
    sign_in_with_second_factor(portal, reviewer)
    offered = set(REVIEWER_BUTTON.findall(portal.get(f"/services/workbench/{application.number}/").content.decode()))
    assert offered == allowed_actions(Application.objects.get(pk=application.pk), by="reviewer")
    for action in sorted(set(REVIEWER_ACTIONS) - offered):  # what the page does not offer, the API refuses (and nothing moves)
        refused = reviewer_api.post(f"/api/v1/workbench/{application.number}/{action}/", {"comment": "理由"}, format="json")
        assert refused.status_code == 409 and refused.json()["code"] == "wrong_state", (action, refused.content)
    assert Application.objects.get(pk=application.pk).status == status
