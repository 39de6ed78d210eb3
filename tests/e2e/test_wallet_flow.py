"""亮证 in a real browser: a citizen opens the wallet and shows a credential; a clerk pastes the
payload into the console and sees "valid"; the citizen then sees the check."""


import pytest

from tests.e2e.conftest import sign_in as portal_sign_in
from tests.factories import licence_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    """A citizen with a driving licence, and a clerk at a service hall."""
    citizen, clerk, licence, _issuer = licence_world()
    return citizen, clerk, licence


def sign_in(page, url, user):
    portal_sign_in(page, url, user.id_number)


def test_show_a_credential_and_a_clerk_verifies_it(live_server, world, page, shot):
    citizen, clerk, _credential = world

    sign_in(page, live_server.url, citizen)
    page.get_by_test_id("nav-wallet").click()
    page.get_by_test_id("credential-link").first.click()
    shot("wallet-credential")
    form = page.get_by_test_id("present-form")
    form.locator("input[value=file_number]").uncheck()

    page.get_by_test_id("present").click()
    page.get_by_test_id("qr").locator("svg").wait_for()
    shot("present")
    assert "档案编号" not in page.get_by_test_id("disclosed").inner_text()
    first_payload = page.get_by_test_id("payload").input_value()
    # "立即刷新" fetches a new one-time code for the same fields without leaving the page.
    page.click("#refresh button")
    page.wait_for_function("p => document.querySelector('[data-testid=payload]').value !== p", arg=first_payload)
    payload = page.get_by_test_id("payload").input_value()
    assert payload != first_payload
    assert int(page.get_by_test_id("countdown").inner_text()) <= 120

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, clerk)
    page.get_by_test_id("nav-verify").click()
    page.fill("#payload", payload)
    page.get_by_test_id("verify").click()
    verdict = page.get_by_test_id("verdict")
    shot("verify-valid")
    assert verdict.get_attribute("data-valid") == "true"
    assert "有效" in verdict.inner_text() and "C1" in verdict.inner_text()
    assert "370100123456" not in page.content()  # the file number was not disclosed
    assert citizen.id_number not in page.content()  # ID numbers stay masked unless chosen
    # The first code was never scanned but has been replaced; the used one cannot be replayed.
    page.fill("#payload", payload)
    page.get_by_test_id("verify").click()
    assert page.get_by_test_id("verdict").get_attribute("data-valid") == "false"
    assert "已被使用" in page.get_by_test_id("verdict-reason").inner_text()

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, citizen)
    page.goto(live_server.url + "/wallet/")
    checks = page.get_by_test_id("checks").inner_text()
    shot("wallet-checks")
    assert "历下区政务服务大厅" in checks and "赵*" in checks and "有效" in checks


def _y4m(png: bytes, path, size=720) -> None:
    """A still video (YUV4MPEG2, 4:2:0) of the QR image, for Chromium's fake camera."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    frame = Image.new("L", (size, size), 255)
    image = image.resize((size - 40, size - 40), Image.NEAREST)
    frame.paste(image, (20, 20))
    chroma = bytes([128]) * ((size // 2) * (size // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


def test_the_console_scans_a_qr_with_the_camera(live_server, world, playwright, tmp_path):
    """The locally served jsQR decoder reads the code from the (fake) camera and submits it."""
    from credentials import rendering
    from credentials.services import presentation_create
    from tests.e2e.conftest import close, launch

    citizen, clerk, credential = world
    shown = presentation_create(actor=citizen, credential=credential, disclose=["licence_class"])
    video = tmp_path / "qr.y4m"
    _y4m(rendering.qr_png(shown.token), video)

    camera = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
    context = launch(playwright, camera)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, clerk)
        page.goto(live_server.url + "/verify/")
        page.click("#scan-start")
        verdict = page.get_by_test_id("verdict")
        verdict.wait_for(timeout=20000)
        assert verdict.get_attribute("data-valid") == "true"
        assert "C1" in verdict.inner_text()
    finally:
        close(context)


def test_the_present_qr_scans_from_a_phone_screenshot(live_server, world, page, shot):
    """The 亮证 QR on a 390 px phone: zbar (not the encoder's library) reads it from a screenshot,
    zxing-cpp reports its version and error correction, and the modules are ≥ 4 CSS px; what it read
    verifies at the clerk's console."""
    import io

    import zxingcpp
    from PIL import Image
    from pyzbar import pyzbar

    citizen, clerk, _credential = world
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, citizen)
    page.get_by_test_id("nav-wallet").click()
    page.get_by_test_id("credential-link").first.click()
    page.get_by_test_id("present").click()  # every licence field and the photo: the most a code can disclose
    qr = page.get_by_test_id("qr").locator("svg")
    qr.wait_for()
    qr.scroll_into_view_if_needed()
    shot("present-phone")
    screenshot = Image.open(io.BytesIO(page.screenshot())).convert("L")  # device scale 1: one image pixel is one CSS px

    [read] = pyzbar.decode(screenshot, symbols=[pyzbar.ZBarSymbol.QRCODE])
    text = read.data.decode("ascii")
    assert text == page.get_by_test_id("payload").input_value() and text.startswith("QL1:")
    [seen] = zxingcpp.read_barcodes(screenshot, formats=zxingcpp.BarcodeFormat.QRCode)
    version = int(seen.extra["Version"])
    modules = 17 + 4 * version
    assert seen.text == text and version <= 12 and seen.ec_level == "M"
    assert read.rect.width / modules >= 4, (read.rect.width, modules)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, clerk)
    page.goto(live_server.url + "/verify/")
    page.fill("#payload", text)
    page.get_by_test_id("verify").click()
    assert page.get_by_test_id("verdict").get_attribute("data-valid") == "true"
