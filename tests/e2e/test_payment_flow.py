"""Paying a fee in a real browser, end to end over real HTTP: the citizen applies for an item with a
工本费, presses 去缴费, confirms on the payment platform's cashier (the simulator, at its own URLs),
and comes back; the platform's signed notification reaches us over the network, the application goes
to review and the receipt is in the wallet."""

from __future__ import annotations

import re

import pytest

from payments.models import Order
from services.models import Application, ItemVersion, ServiceItem
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(live_server, settings):
    from core.usecases import SYSTEM
    from credentials import seals
    from credentials.demo import seed_types
    from credentials.services import credential_issue
    from identity.models import Department
    from services.demo import seed_catalogue
    from tests.factories import UserFactory, fresh_signing_key

    # nothing configured: the simulator and our notify URL are at the live server's own origin (core.origins)
    settings.QILU_PAYMENT_BASE_URL = settings.QILU_PAYMENT_NOTIFY_URL = settings.QILU_PUBLIC_URL = ""
    fresh_signing_key()
    clients = seed_types()
    seed_catalogue()
    seals.authority_create(actor=SYSTEM)
    for department in Department.objects.all():
        seals.seal_issue(actor=SYSTEM, department=department)
    citizen = UserFactory(name="张三", roles=["citizen"], phone_number="13800000501")
    for type_code, record, fields in (
            ("id_card", "ID-9", {"gender": "男", "ethnicity": "汉", "birth_date": "1980-01-02", "address": "济南市历下区", "id_number": citizen.id_number,
                                 "issuing_authority": "济南市公安局"}),
            ("driving_licence", "DL-9", {"licence_number": citizen.id_number, "licence_class": "C1", "first_issued": "2012-07-16",
                                         "file_number": "370100123456"})):
        import datetime as dt

        credential_issue(actor=clients["SD-GAT"], data={"type": type_code, "record_id": record, "holder_number": citizen.id_number,
                                                         "holder_name": citizen.name, "fields": fields, "issued_on": dt.date.today() - dt.timedelta(days=30)})
    ItemVersion.objects.filter(pk=ServiceItem.objects.get(code="GA-002").current_version_id).update(fee_fen=1000, fees="工本费10元")
    return citizen


def test_apply_pay_at_the_cashier_and_the_notification_comes_back_over_the_network(live_server, page, world, shot):
    url = live_server.url
    sign_in(page, url, world.id_number)
    page.goto(url + "/services/items/GA-002/apply/")
    page.fill("[name=delivery_address]", "济南市历下区泉城路100号")
    page.fill("[name=reason]", "驾驶证遗失")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/services/applications/QL\d+/$"))
    assert page.inner_text("[data-testid=status]") == "待缴费"
    assert "¥10.00" in page.inner_text("[data-testid=payment]")
    page.click("[data-testid=pay]")
    page.wait_for_url(re.compile(r".*/paysim/pay/SIM\w+/$"))
    assert page.inner_text("[data-testid=amount]") == "¥10.00"
    shot("payment-cashier")
    page.click("[data-testid=confirm-pay]")
    page.wait_for_url(re.compile(r".*/services/applications/QL\d+/$"))
    order = Order.objects.get()
    for _ in range(50):  # the platform's notification is on its way (a task, then an HTTP POST to us)
        order.refresh_from_db()
        if order.status == "paid":
            break
        page.wait_for_timeout(100)
    assert order.status == "paid"
    page.reload()
    assert page.inner_text("[data-testid=status]") == "已提交" and page.inner_text("[data-testid=payment-status]") == "已支付"
    page.click("[data-testid=receipt]")
    assert "非税收入电子票据" in page.content() and "10.00" in page.content()
    shot("payment-receipt")
    assert Application.objects.get(number=order.reference).status == "submitted"
