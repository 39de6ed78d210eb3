"""A payment receipt in the wallet on a 390 px phone: its card image is drawn (not a blank box), its
long identifier is shown as code that wraps, and each fact appears once."""

import datetime as dt
import io

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import CredentialTypeFactory, issuer_client, licence_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receipt():
    from credentials.services import credential_issue
    from identity import demo
    from payments.receipts import SCHEMA

    citizen, _clerk, _licence, _issuer = licence_world()
    client, _token = issuer_client(name="山东省财政厅电子票据系统")
    ctype = CredentialTypeFactory(code="payment_receipt", name="非税收入电子票据", validity_years=None, field_schema=SCHEMA,
                                  type_code=demo.credit_code("370000", 29, "1", "1") + "901")
    ctype.issuers.add(client)
    credential = credential_issue(actor=client, data={
        "type": "payment_receipt", "record_id": "PAY2026120100000001", "holder_number": citizen.id_number, "holder_name": citizen.name,
        "issued_on": dt.date(2026, 12, 1), "fields": {"receipt_number": "PAY2026120100000001", "item": "机动车驾驶证补领 工本费10元",
                                                      "amount": "10.00", "paid_on": "2026-12-01", "reference": "QL2026120100000001"}}).credential
    return citizen, credential


def test_the_receipt_card_is_drawn_and_its_identifier_is_code(live_server, receipt, page, shot):
    from PIL import Image

    citizen, credential = receipt
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, citizen.id_number)
    page.goto(f"{live_server.url}/wallet/{credential.identifier}/")
    card = page.locator("img.credential-card")
    page.wait_for_function("() => { const i = document.querySelector('img.credential-card'); return i.complete && i.naturalWidth > 0; }")
    assert card.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [1000, 630]
    drawn = Image.open(io.BytesIO(card.screenshot())).convert("L")
    assert len(drawn.getcolors(maxcolors=65536) or []) > 16  # a card, not an empty box
    shot("wallet-receipt-phone")
    assert page.get_by_test_id("identifier").evaluate("e => [e.localName, e.hasAttribute('data-ident')]") == ["code", True]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    facts = page.get_by_test_id("fields").inner_text()
    assert facts.count("370102") == 1  # the holder number, once
