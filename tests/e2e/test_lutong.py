"""鲁通码 on a 390 px phone (zh): from the signed-in home to the code; an independent decoder reads the
QR from a screenshot; a metro gate's terminal resolves what it read and is answered its one field;
the holder then sees the read on the page."""

from __future__ import annotations

import io

import pytest

from tests.e2e.conftest import ARTIFACTS, close, launch
from tests.e2e.test_wallet_flow import sign_in
from tests.factories import UserFactory
from tests.lutong.conftest import reader_api, seed_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_showing_my_lutong_code_on_a_phone(live_server, playwright):
    import zxingcpp
    from PIL import Image

    citizen = UserFactory(name="张三", roles=["citizen"], phone_number="13800000401")
    terminals = seed_world(citizen)
    context = launch(playwright)  # a 390 px phone, zh-CN
    try:
        page = context.new_page()
        sign_in(page, live_server.url, citizen)
        page.get_by_test_id("shortcut-lutong").click()
        assert page.locator("h1").first.inner_text() == "鲁通码"
        qr = page.get_by_test_id("qr").locator("svg")
        qr.wait_for()
        qr.scroll_into_view_if_needed()
        screenshot = page.screenshot()
        [seen] = zxingcpp.read_barcodes(Image.open(io.BytesIO(screenshot)).convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
        assert seen.text == page.get_by_test_id("payload").input_value() and seen.text.startswith("QL1:")
        assert "法定场景，不可关闭" in page.get_by_test_id("scenario-government_window").inner_text()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lutong-phone.png"), full_page=True)

        answer = reader_api(terminals["metro_gate"]).post("/api/v1/lutong/resolve/",
                                                           {"code": seen.text, "transport": "nfc"}, format="json").json()
        assert answer["valid"] is True and [(f["label"], f["value"]) for f in answer["fields"]] == [("出生", "1990-03-07")]

        page.reload()
        reads = page.get_by_test_id("lutong-reads").inner_text()
        assert "济南轨道交通闸机" in reads and "地铁闸机" in reads and "有效" in reads
    finally:
        close(context)
