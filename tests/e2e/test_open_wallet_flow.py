"""The open-standard wallet in a real browser, with a wallet no one here wrote: the citizen adds a
credential to a wallet app (an OpenID4VCI offer QR and its transaction code), the npm holder
(@openid4vc/openid4vci) receives it; a window clerk makes a presentation request QR at the request
console, the npm holder (@openid4vc/openid4vp) answers it, and the console shows the verified fields;
the citizen then sees who their wallet showed what."""

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import RelyingPartyFactory, licence_world
from tests.interop.test_openid4vc_npm import node

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    citizen, clerk, licence, _issuer = licence_world("13800000211", "13800000212")
    RelyingPartyFactory(purpose="核对办事人驾驶资格", members=[clerk])
    return citizen, clerk, licence


def test_a_wallet_app_receives_a_credential_and_answers_a_window(live_server, world, page, shot, tmp_path):
    citizen, clerk, licence = world
    sign_in(page, live_server.url, citizen.id_number)
    page.goto(f"{live_server.url}/wallet/{licence.identifier}/")
    page.get_by_test_id("offer").click()
    page.get_by_test_id("offer-qr").locator("svg").wait_for()
    shot("wallet-offer")
    offer_uri = page.get_by_test_id("offer-link").get_attribute("href")
    tx_code = page.get_by_test_id("tx-code").inner_text()
    assert offer_uri.startswith("openid-credential-offer://") and tx_code not in offer_uri
    state = tmp_path / "wallet.json"
    received = node("receive", live_server.url, offer_uri, tx_code, state, 2)
    assert received["copies"] == 2 and received["verified"][0]["holder_name"] == "张三"

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, clerk.id_number)
    page.goto(f"{live_server.url}/verify/wallet/")
    form = page.get_by_test_id("request-form")
    form.locator("input[value=expires_on]").uncheck()
    page.get_by_test_id("request-create").click()
    page.get_by_test_id("request-qr").locator("svg").wait_for()
    shot("wallet-request")
    request_uri = page.get_by_test_id("request-link").get_attribute("href")
    answered = node("present", state, request_uri)
    assert answered["status"] == 200, answered
    page.wait_for_selector("[data-testid=wallet-request][data-status=verified]", timeout=15000)  # the console polls, then shows
    disclosed = page.get_by_test_id("disclosed").inner_text()
    assert "张三" in disclosed and "C1" in disclosed and "有效期至" not in disclosed
    shot("wallet-request-verified")

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, citizen.id_number)
    page.goto(f"{live_server.url}/wallet/checks/")
    shared = page.get_by_test_id("shared").inner_text()
    assert "历下区政务服务大厅窗口" in shared and "核对办事人驾驶资格" in shared


def test_the_register_page(live_server, world, page):
    page.goto(f"{live_server.url}/verifiers/")
    register = page.get_by_test_id("register").inner_text()
    assert "历下区政务服务大厅窗口" in register and "准驾车型" in register and "核对办事人驾驶资格" in register


def test_offer_and_request_qrs_are_large_on_a_desktop_and_open_a_wallet_on_this_phone(live_server, world, page, shot):
    """A desktop's QR must be scannable from a phone held at arm's length (≥ 240 CSS px); on a phone,
    the same page offers the link a wallet on that phone opens."""
    citizen, clerk, licence = world
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url, citizen.id_number)
    page.goto(f"{live_server.url}/wallet/{licence.identifier}/")
    assert "可添加到其他手机钱包" in page.content() and "OpenID4VCI" not in page.inner_text("main")
    page.get_by_test_id("offer").click()
    offer = page.get_by_test_id("offer-qr").locator("svg")
    assert offer.bounding_box()["width"] >= 240
    shot("wallet-offer-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    link = page.get_by_test_id("offer-link")
    assert link.is_visible() and link.inner_text() == "在本机钱包打开" and link.get_attribute("href").startswith("openid-credential-offer://")
    assert offer.bounding_box()["width"] <= 390 and page.evaluate("document.scrollingElement.scrollWidth") <= 390
    shot("wallet-offer-phone")

    page.click("header form button:has-text('退出')")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url, clerk.id_number)
    page.goto(f"{live_server.url}/verify/wallet/")
    page.get_by_test_id("request-create").click()
    request = page.get_by_test_id("request-qr").locator("svg")
    request.wait_for()
    assert request.bounding_box()["width"] >= 240
    assert page.get_by_test_id("request-link").get_attribute("href").startswith("openid4vp://")
    assert "holder_name" not in page.get_by_test_id("requested-fields").inner_text()
    shot("wallet-request-desktop")
