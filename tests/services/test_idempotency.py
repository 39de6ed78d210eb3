"""Every keyed write means the same (``core.idempotency``): the key's first request creates (201), a
retry with the same body answers the first result (200), another body under the key is refused (422
``idempotency_key_reused``), and a key over 128 characters is refused (400) — never cut short into
another request's key. Applications and 一件事 bundles here; fee orders in tests/payments."""

from __future__ import annotations

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
