"""Acting for a family member (家庭代办) through the portal: apply and track, 亮证 marked 代亮, the
health pass; revocation ends it; nobody else reaches the dependant's data (docs/family.md)."""

import pytest
from django.urls import reverse

from core.errors import NotFound
from credentials.models import Presentation
from credentials.services import presentation_verify
from family import services as family_services
from identity.models import AuditEvent
from identity.selectors import data_use_by_others
from services.models import Application, ServiceItem
from services.services.applications import application_submit
from tests.services.conftest import catalogue, issue  # noqa: F401 — the demo catalogue (autouse) and its issuer

pytestmark = pytest.mark.django_db
ADDRESS = "济南市历下区泉城路 1 号"


@pytest.fixture
def child_id_card(catalogue, child):  # noqa: F811
    return issue(catalogue, child, "id_card", "ID-C1", {"gender": "女", "ethnicity": "汉", "birth_date": "2016-06-01", "address": "济南市历下区",
                                                         "id_number": child.id_number, "issuing_authority": "济南市公安局"})


@pytest.fixture
def acting_parent(client, parent, parent_of_child):
    client.force_login(parent)
    assert client.post(reverse("family-act", args=[parent_of_child.pk])).status_code == 302
    return client


def test_a_guardian_applies_for_a_child_and_tracks_it(acting_parent, parent, child, child_id_card):
    form = acting_parent.get(reverse("services-apply", args=["RS-003"]))
    assert "正在为 李小雨（女儿）代办" in form.content.decode()  # whose name is being used, on the page itself

    answer = acting_parent.post(reverse("services-apply", args=["RS-003"]), {"phone": "13800000611", "delivery_address": ADDRESS})

    application = Application.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/services/applications/{application.number}/")
    assert (application.applicant, application.submitted_by, application.channel) == (child, parent, "online")
    assert application.materials_saved == 1  # the child's ID card, held: 免证办
    assert acting_parent.get(reverse("application-detail", args=[application.number])).status_code == 200
    assert application.number in acting_parent.get(reverse("my-applications")).content.decode()
    event = AuditEvent.objects.get(action="application_submitted", subject=child)
    assert event.actor == parent and event.detail["family"] is True
    assert event in data_use_by_others(child)  # the child's "who used my data"
    assert AuditEvent.objects.get(action="family_viewed", subject=child).detail["viewed"] == application.number  # opening it, too


def test_a_guardian_presents_a_childs_credential_marked_daliang(acting_parent, parent, child, child_id_card):
    from tests.factories import UserFactory

    wallet = acting_parent.get(reverse("wallet")).content.decode()
    assert child_id_card.identifier in wallet

    page = acting_parent.post(reverse("wallet-present", args=[child_id_card.identifier]), {"disclose": ["gender"]})

    assert page.status_code == 200 and 'data-testid="daliang"' in page.content.decode()
    presentation = Presentation.objects.get()
    assert (presentation.presenter, presentation.on_behalf) == (parent, True)
    clerk = UserFactory(roles=["clerk"])
    verdict = presentation_verify(actor=clerk, token=page.context["shown"]["payload"])
    assert verdict.valid and verdict.on_behalf  # the verifier is told: 代亮
    assert AuditEvent.objects.filter(action="credential_presented", actor=parent, subject=child).exists()


def test_a_guardian_sees_the_childs_health_pass(acting_parent, parent, child):
    from healthcode.demo import default_ruleset
    from healthcode.selectors import _RULE_WORDS

    _RULE_WORDS.clear()  # this database starts again from rule version 1
    default_ruleset()
    page = acting_parent.get(reverse("health-pass")).content.decode()
    assert "李*雨" in page  # the pass names the child (masked as a checkpoint sees it), not the parent
    assert AuditEvent.objects.filter(action="family_viewed", actor=parent, subject=child).exists()


def test_revocation_ends_acting_and_the_childs_data_answers_404(acting_parent, parent, child, child_id_card, parent_of_child):
    acting_parent.post(reverse("services-apply", args=["RS-003"]), {"phone": "13800000611", "delivery_address": ADDRESS})
    number = Application.objects.get().number

    family_services.family_link_revoke(actor=child, link=parent_of_child)  # either side may end it

    assert acting_parent.get(reverse("application-detail", args=[number])).status_code == 404
    assert acting_parent.post(reverse("wallet-present", args=[child_id_card.identifier])).status_code == 404
    assert child_id_card.identifier not in acting_parent.get(reverse("wallet")).content.decode()
    assert "正在为" not in acting_parent.get(reverse("services-catalogue")).content.decode()  # the switch is gone


def test_someone_without_a_link_gets_404_for_the_childs_data(client, other_citizen, child, child_id_card, parent_of_child):
    with pytest.raises(NotFound):
        application_submit(actor=other_citizen, item=ServiceItem.objects.get(code="RS-003"), data={"delivery_address": ADDRESS}, for_person=child)
    client.force_login(other_citizen)
    assert client.get(reverse("wallet-credential", args=[child_id_card.identifier])).status_code == 404
    assert client.post(reverse("family-act", args=[parent_of_child.pk])).status_code == 404


def test_a_guardian_pays_for_and_rates_a_childs_application(acting_parent, parent, child, child_id_card, monkeypatch, settings, client):
    from payments.models import Order
    from services.models import ItemVersion, Rating
    from tests.payments.test_payments import Platform

    settings.PAYSIM_ENABLED = True
    monkeypatch.setattr("payments.platform.transport", Platform().call)
    item = ServiceItem.objects.get(code="RS-003")
    ItemVersion.objects.filter(pk=item.current_version_id).update(fee_fen=1000, fees="工本费10元")
    acting_parent.post(reverse("services-apply", args=["RS-003"]), {"phone": "13800000611", "delivery_address": ADDRESS})
    application = Application.objects.get()
    assert (application.status, Order.objects.get().payer) == ("awaiting_payment", child)  # the child's order

    paying = acting_parent.post(reverse("application-action", args=[application.number, "pay"]))

    assert paying.status_code == 302 and "/paysim/pay/" in paying["Location"]
    assert AuditEvent.objects.filter(action="payment", actor=parent, subject=child, detail__step="checkout").exists()

    Application.objects.filter(pk=application.pk).update(status="completed")
    acting_parent.post(reverse("application-action", args=[application.number, "rate"]), {"level": 5, "comment": "很方便"})
    rating = Rating.objects.get()
    assert rating.rater == child  # the child's rating, given by the parent
    assert AuditEvent.objects.get(action="service_rated", subject=child).actor == parent
    assert acting_parent.post(reverse("application-action", args=[application.number, "withdraw"]), {"confirmed": "yes"}).status_code == 404
