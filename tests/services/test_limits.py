"""A person cannot flood the platform with stored objects: over the per-person creation quota
(``core.quotas``, scope ``applications``) the next application or 一件事 answers 429 with
Retry-After, and nothing is stored. A retry of one already made (same Idempotency-Key) is no new
creation. The portal's bundle page answers 404, not 500, for a number that is not mine."""

from __future__ import annotations

import pytest
from django.test import Client

from services.models import Application, BundleApplication
from tests.services.test_bundles import ANSWERS, bundle  # noqa: F401 — the bundle fixture
from tests.services.test_lifecycle import apply

QUOTA = 3


@pytest.fixture
def quota(settings):
    settings.QILU_CREATION_QUOTAS = {"applications": [QUOTA, 60]}


def test_the_application_after_the_quota_is_refused_with_429(holder_api, quota):
    for n in range(QUOTA):
        assert apply(holder_api, "GA-002", key=f"q-{n}", reason="丢失", delivery_address="x").status_code == 201
    assert apply(holder_api, "GA-002", key="q-0", reason="丢失", delivery_address="x").status_code == 200  # a retry is no new creation
    refused = apply(holder_api, "GA-002", key="q-over", reason="丢失", delivery_address="x")
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests" and int(refused["Retry-After"]) > 0
    assert Application.objects.count() == QUOTA


def test_the_bundle_after_the_quota_is_refused_with_429(bundle, holder_api, quota):  # noqa: F811
    for n in range(QUOTA):
        made = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": ANSWERS}, format="json", HTTP_IDEMPOTENCY_KEY=f"b-{n}")
        assert made.status_code == 201, made.content  # its parts are counted once, as the bundle
    refused = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": ANSWERS}, format="json", HTTP_IDEMPOTENCY_KEY="b-over")
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
    assert BundleApplication.objects.count() == QUOTA


def test_the_bundle_page_of_a_number_that_is_not_mine_is_404(bundle, holder_api, other_citizen):  # noqa: F811
    number = holder_api.post("/api/v1/bundle-applications/", {"bundle": bundle.code, "data": ANSWERS}, format="json").json()["number"]
    stranger = Client()
    stranger.force_login(other_citizen)
    assert stranger.get(f"/services/bundle-applications/{number}/").status_code == 404
    assert stranger.get("/services/bundle-applications/YJS2099010100000000/").status_code == 404
