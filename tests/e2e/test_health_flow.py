"""The health pass in a real browser: colour and reasons, a QR that changes when it rotates, and a
checkpoint verifying it."""

import re

import pytest

from healthcode.demo import default_ruleset
from healthcode.models import SelfDeclaration
from identity.roles import sync_roles
from tests.e2e.conftest import ARTIFACTS, close, launch
from tests.e2e.test_wallet_flow import sign_in
from tests.factories import PopulationRecordFactory, UserFactory, fresh_signing_key, totp_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_pass_rotates_and_a_checkpoint_verifies_it(live_server, page, playwright, shot, settings):
    settings.QILU_HEALTH_PASS_TTL = 6
    sync_roles()
    fresh_signing_key()
    default_ruleset()
    citizen = UserFactory(name="张三", roles=["citizen"], phone_number="13800000301")
    PopulationRecordFactory(id_number=citizen.id_number, name=citizen.name)
    SelfDeclaration.objects.create(person_index=citizen.id_number_index, symptoms=True)
    checker = UserFactory(name="吴磊", roles=["checkpoint"], phone_number="13800000302")
    totp_for(checker)  # staff sign in with a second factor (identity.second_factor)

    checkpoint = launch(playwright)
    try:
        desk = checkpoint.new_page()
        sign_in(desk, live_server.url, checker)
        desk.goto(live_server.url + "/health/check/")

        sign_in(page, live_server.url, citizen)
        page.get_by_test_id("nav-health").click()
        card = page.get_by_test_id("health-pass")
        assert card.get_attribute("data-colour") == "yellow"
        assert page.get_by_test_id("colour-label").inner_text() == "黄码"
        assert "申报了发热" in page.get_by_test_id("reasons").inner_text()
        shot("health-pass")
        first = page.get_by_test_id("payload").input_value()
        first_qr = page.get_by_test_id("qr").inner_html()
        page.wait_for_function("p => document.querySelector('[data-testid=payload]').value !== p", arg=first, timeout=15000)
        assert page.get_by_test_id("qr").inner_html() != first_qr
        payload = page.get_by_test_id("payload").input_value()

        desk.fill("input[name=place]", "济南西站出站口")
        desk.fill("#payload", payload)
        desk.get_by_test_id("check").click()
        verdict = desk.get_by_test_id("verdict")
        assert verdict.get_attribute("data-valid") == "true" and verdict.get_attribute("data-colour") == "yellow"
        assert "张*" in verdict.inner_text()
        desk.screenshot(path=str(ARTIFACTS / "health-check.png"), full_page=True)
    finally:
        close(checkpoint)

    page.reload()
    assert "济南西站出站口" in page.get_by_test_id("pass-checks").inner_text()
    assert re.search(r"黄码", page.get_by_test_id("pass-checks").inner_text())
