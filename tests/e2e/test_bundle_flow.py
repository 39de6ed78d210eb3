"""一件事 in a real browser: a citizen opens a bundle from the catalogue, sees each question and each
material once (the wallet's already attached), submits once, and follows one timeline over the parts."""

from __future__ import annotations

import re

import pytest

from services.models import Bundle, BundlePart, ServiceItem
from tests.e2e.conftest import sign_in
from tests.e2e.test_payment_flow import world  # noqa: F401 — the same citizen, catalogue, wallet and seals

pytestmark = pytest.mark.django_db(transaction=True)


def test_apply_for_a_bundle_once_and_follow_its_parts(live_server, page, world, shot):  # noqa: F811
    bundle = Bundle.objects.create(code="licence-and-record", name="驾驶证补领与无犯罪记录证明一件事")
    first = BundlePart.objects.create(bundle=bundle, item=ServiceItem.objects.get(code="GA-007"), position=0)
    BundlePart.objects.create(bundle=bundle, item=ServiceItem.objects.get(code="GA-002"), position=1, after=first)
    url = live_server.url
    sign_in(page, url, world.id_number)
    page.goto(url + "/services/")
    page.click("[data-testid=bundles-link]")
    page.click(f"[data-bundle='{bundle.code}'] a")
    assert "4" in page.inner_text("[data-testid=savings]") and "5" in page.inner_text("[data-testid=savings]")  # 4 questions instead of 5
    page.select_option("#f-purpose", "就业")
    page.fill("#f-delivery_address", "济南市历下区泉城路100号")
    page.fill("#f-reason", "驾驶证遗失")
    shot("bundle-apply")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/services/bundle-applications/YJS\d+/$"))
    parts = page.inner_text("[data-testid=bundle-parts]")
    assert "无犯罪记录证明开具" in parts and "待前序事项办结" in parts
    shot("bundle-timeline")
