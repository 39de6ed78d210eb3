"""Withdraw and cancel on a phone (390×844), in a real browser over real HTTP, with the payment
simulator at the live server's own origin (nothing configured: its port is not 8000): the citizen
applies for an item with a fee, pays at the cashier, withdraws (and confirms), and sees the refund on
the application and the receipt written off in the wallet. And an application still awaiting its fee
is cancelled, again only after the question."""

from __future__ import annotations

import re

import pytest

from payments.models import Order, PaymentEvent
from paysim.models import Trade
from services.models import Application
from tests.e2e.conftest import sign_in
from tests.e2e.test_payment_flow import world  # noqa: F401 — the citizen, the catalogue and GA-002's 10-yuan fee

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], page.url


def _apply(page, url: str) -> str:
    page.goto(url + "/services/items/GA-002/")
    page.click("[data-testid=apply]")
    page.fill("[name=delivery_address]", "济南市历下区泉城路100号")
    page.fill("[name=reason]", "驾驶证遗失")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/services/applications/QL\d+/$"))
    assert page.inner_text("[data-testid=status]") == "待缴费"
    return page.url.rstrip("/").rsplit("/", 1)[1]


def _until(check, page, tries=50):
    for _ in range(tries):
        if check():
            return True
        page.wait_for_timeout(100)
    return check()


def test_pay_withdraw_confirm_and_the_refund_shows_on_the_application_and_in_the_wallet(live_server, page, world, settings, shot):  # noqa: F811
    settings.QILU_PAYMENT_BASE_URL = settings.QILU_PAYMENT_NOTIFY_URL = settings.QILU_PUBLIC_URL = ""
    url = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, url, world.id_number)
    number = _apply(page, url)
    page.click("[data-testid=pay]")
    page.wait_for_url(re.compile(re.escape(url) + r"/paysim/pay/SIM\w+/$"))  # the cashier on this instance's own port
    page.click("[data-testid=confirm-pay]")
    page.wait_for_url(re.compile(r".*/services/applications/QL\d+/$"))
    order = Order.objects.get(reference=number)
    assert _until(lambda: Order.objects.get(pk=order.pk).status == "paid", page)
    page.reload()
    assert page.inner_text("[data-testid=status]") == "已提交" and page.locator("[data-testid=receipt]").count() == 1
    assert page.locator("[data-testid=cancel]").count() == 0

    page.click("[data-testid=withdraw]")  # a link to the question, not a one-tap POST
    page.wait_for_url(re.compile(r".*/withdraw/$"))
    question = page.inner_text("[data-testid=confirm-ending]")
    assert "确定撤回这件申请吗？" in question and "已缴的 ¥10.00 将原路退回" in question
    assert Application.objects.get(number=number).status == "submitted"  # asking changed nothing
    _fits(page)
    shot("withdraw-confirm-phone")
    page.fill("#ending-comment", "信息填错，重新申请")
    page.click("[data-testid=confirm]")
    page.wait_for_url(re.compile(r".*/services/applications/QL\d+/$"))
    assert page.inner_text("[data-testid=status]") == "已撤回"
    assert _until(lambda: Order.objects.get(pk=order.pk).status == "refunded", page)
    page.reload()
    assert page.inner_text("[data-testid=payment-status]") == "已退款"
    assert page.inner_text("[data-testid=refund-progress]") == "已退款 ¥10.00，已原路退回。"
    assert page.locator("[data-testid=withdraw]").count() == 0
    _fits(page)
    shot("withdraw-refunded-phone")
    trade = Trade.objects.get(out_trade_no=order.number)
    assert trade.status == "REFUND" and trade.notify_url == url + "/api/v1/payments/notify/"
    assert {"refund_requested", "refund_sent", "refunded"} <= set(PaymentEvent.objects.filter(order=order).values_list("kind", flat=True))

    page.click("[data-testid=receipt]")
    assert page.inner_text("[data-testid=status]") == "已注销"
    assert page.inner_text("[data-testid=status-reason]").startswith("已退款 ¥10.00")
    _fits(page)
    shot("withdraw-receipt-written-off-phone")


def test_an_application_awaiting_its_fee_is_cancelled_after_the_question(live_server, page, world, settings, shot):  # noqa: F811
    settings.QILU_PAYMENT_BASE_URL = settings.QILU_PAYMENT_NOTIFY_URL = settings.QILU_PUBLIC_URL = ""
    url = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, url, world.id_number)
    number = _apply(page, url)
    assert page.locator("[data-testid=withdraw]").count() == 0
    page.click("[data-testid=cancel]")
    page.wait_for_url(re.compile(r".*/cancel/$"))
    assert "确定取消这件申请吗？" in page.inner_text("h1")
    _fits(page)
    shot("cancel-confirm-phone")
    page.click("text=返回，不取消")  # changed their mind: nothing happened
    page.wait_for_url(re.compile(r".*/services/applications/QL\d+/$"))
    assert page.inner_text("[data-testid=status]") == "待缴费"
    page.click("[data-testid=cancel]")
    page.click("[data-testid=confirm]")
    page.wait_for_url(re.compile(r".*/services/applications/QL\d+/$"))
    assert page.inner_text("[data-testid=status]") == "已撤回" and page.inner_text("[data-testid=payment-status]") == "已关闭"
    assert page.locator("[data-testid=pay]").count() == 0 and page.locator("[data-testid=cancel]").count() == 0
    assert Order.objects.get(reference=number).status == "closed"
    shot("cancelled-phone")
