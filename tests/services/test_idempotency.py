"""Every keyed write means the same (``core.idempotency``): the key's first request creates (201), a
retry with the same body answers the first result (200), another body under the key is refused (422
``idempotency_key_reused``), and a key over 128 characters is refused (400) — never cut short into
another request's key. Applications, window submissions, 一件事 bundles and fee orders."""

from __future__ import annotations

import pytest

from identity.models import AuditEvent
from payments.models import Order
from payments.services import order_open
from services.models import Application, BundleApplication
from tests.services.test_bundles import ANSWERS, bundle  # noqa: F401 — the bundle fixture
from tests.services.test_lifecycle import apply

LONG = "k" * 128


def _bundle(api, key, **answers):
    return api.post("/api/v1/bundle-applications/", {"bundle": "vehicle-operator", "data": {**ANSWERS, **answers}}, format="json",
                    HTTP_IDEMPOTENCY_KEY=key)


def test_an_application_key_of_128_characters_works_and_a_longer_one_is_refused(holder_api):
    assert apply(holder_api, "GA-002", key=LONG, reason="丢失", delivery_address="x").status_code == 201
    for key in (LONG + "a", LONG + "b"):  # once cut to 128 characters, both would have been LONG: the first application
        refused = apply(holder_api, "GA-002", key=key, reason="损坏", delivery_address="y")
        assert refused.status_code == 400 and refused.json()["code"] == "idempotency_key_too_long", refused.json()
    assert Application.objects.count() == 1


def test_a_bundle_retry_answers_the_first_and_another_body_is_refused(bundle, holder_api):  # noqa: F811
    first = _bundle(holder_api, "b-1")
    again = _bundle(holder_api, "b-1")
    other = _bundle(holder_api, "b-1", reason="驾驶证损坏")
    assert (first.status_code, again.status_code) == (201, 200) and again.json()["number"] == first.json()["number"]
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused", other.json()
    assert BundleApplication.objects.count() == 1


def test_a_bundle_key_over_128_characters_is_refused_not_truncated(bundle, holder_api):  # noqa: F811
    assert _bundle(holder_api, LONG).status_code == 201
    refused = _bundle(holder_api, LONG + "x", reason="驾驶证损坏")
    assert refused.status_code == 400 and refused.json()["code"] == "idempotency_key_too_long", refused.json()
    assert BundleApplication.objects.count() == 1


def test_the_bundle_view_leaves_the_table_to_the_use_case():
    import inspect

    from services.api import views

    assert ".objects." not in inspect.getsource(views.BundleApplyApi)  # 200 or 201 comes from the use case (created)


def test_a_fee_order_is_one_per_reference_however_often_it_is_opened(holder):
    first = order_open(actor=holder, purpose="application", reference="QL-1", amount_fen=1000, description="工本费")
    again = order_open(actor=holder, purpose="application", reference="QL-1", amount_fen=1000, description="工本费")
    assert first.pk == again.pk and Order.objects.count() == 1
    assert AuditEvent.objects.filter(action="payment", detail__step="opened").count() == 1  # a repeat changes nothing and writes nothing


@pytest.mark.parametrize("amount", [0, -1])
def test_an_order_for_nothing_is_a_programming_error(holder, amount):
    with pytest.raises(ValueError):
        order_open(actor=holder, purpose="application", reference="QL-2", amount_fen=amount, description="")
