"""Fees paid online through the payment platform (here the local simulator, paysim): one order per
application, charged once whatever is retried; notifications believed only when signed, recent,
for the right amount and in order — every refused one logged and changing nothing; a lost one found
by querying; refunds on rejection and withdrawal; an electronic receipt in the wallet; the nightly
reconciliation lists every difference.

The platform is reached through its real HTTP API and its notifications carry its real signature;
only the network between the two is Django's test client (``platform`` fixture), so each test decides
when (and whether) a notification arrives."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import pytest
from django.test import Client

from core.usecases import SYSTEM
from credentials.models import Credential
from identity.models import AuditEvent
from payments import platform as payment_platform
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import Order, PaymentEvent, Reconciliation
from paysim.models import Notification, Trade
from services.models import Application, ItemVersion, ServiceItem
from tests.services.test_lifecycle import apply

NOTIFY = "/api/v1/payments/notify/"


class Platform:
    """The simulator, reached over Django's test client; its notifications wait here until delivered."""

    def __init__(self):
        self.client = Client()
        self.waiting: list[int] = []

    def call(self, method, path, body=None):
        from django.conf import settings

        response = self.client.generic(method, "/paysim" + path, json.dumps(body) if body is not None else "", content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Bearer {settings.QILU_PAYMENT_MERCHANT_KEY}")
        if response.status_code >= 300:
            raise payment_platform.PlatformError(f"{response.status_code} {response.content[:200]!r}")
        return response.json()

    def deliver(self, notification_id=None, *, body=None, headers=None):
        """Send a waiting notification (or any body and headers) to our endpoint, as the platform does."""
        from paysim.signing import signed_headers

        if body is None:
            body = Notification.objects.get(pk=notification_id or self.waiting.pop(0)).body
        headers = headers if headers is not None else signed_headers(body)
        return self.client.post(NOTIFY, body, content_type="application/json", **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})

    def pay(self, pay_url: str):
        return self.client.post(pay_url[pay_url.index("/paysim/"):], {"action": "pay"})


@pytest.fixture
def platform(monkeypatch, settings):
    settings.PAYSIM_ENABLED = True
    simulated = Platform()
    monkeypatch.setattr(payment_platform, "transport", simulated.call)
    monkeypatch.setattr("paysim.tasks.deliver.delay", lambda pk: simulated.waiting.append(pk))
    return simulated


@pytest.fixture
def fee_item(db):
    """GA-002 (driving licence replacement) charging its 10-yuan 工本费."""
    item = ServiceItem.objects.get(code="GA-002")
    ItemVersion.objects.filter(pk=item.current_version_id).update(fee_fen=1000, fees="工本费10元")
    return item


def submit(holder_api, key="k-1"):
    return apply(holder_api, "GA-002", key=key, reason="丢失", delivery_address="济南市历下区泉城路100号")


def paid_application(holder_api, platform):
    body = submit(holder_api).json()
    checkout = holder_api.post(f"/api/v1/applications/{body['number']}/payment/", format="json").json()
    platform.pay(checkout["pay_url"])
    assert platform.deliver().status_code == 200
    return Application.objects.get(number=body["number"])


def test_a_fee_item_waits_for_payment_with_one_order_however_often_it_is_submitted(holder_api, fee_item, platform, reviewer_api):
    first = submit(holder_api)
    again = submit(holder_api)
    assert first.status_code == 201 and again.status_code == 200 and first.json()["number"] == again.json()["number"]
    assert first.json()["status"] == "awaiting_payment"
    order = Order.objects.get()
    assert (order.amount_fen, order.status, order.reference) == (1000, "pending", first.json()["number"])
    assert reviewer_api.get("/api/v1/workbench/").json()["count"] == 0  # nothing to review before the fee is paid
    payment = holder_api.get(f"/api/v1/applications/{order.reference}/payment/").json()
    assert payment["amount_fen"] == 1000 and payment["status"] == "pending" and payment["receipt"] is None


def test_paying_moves_the_application_to_review_and_puts_a_receipt_in_the_wallet(holder_api, holder, fee_item, platform, reviewer_api):
    body = submit(holder_api).json()
    checkout = holder_api.post(f"/api/v1/applications/{body['number']}/payment/", format="json").json()
    checkout_again = holder_api.post(f"/api/v1/applications/{body['number']}/payment/", format="json").json()  # a double click
    assert checkout["pay_url"] == checkout_again["pay_url"] and Trade.objects.count() == 1
    cashier = platform.client.get(checkout["pay_url"][checkout["pay_url"].index("/paysim/"):])
    assert "¥10.00" in cashier.content.decode()
    platform.pay(checkout["pay_url"])
    platform.pay(checkout["pay_url"])  # pressed twice: charged once
    assert len(platform.waiting) == 1
    answer = platform.deliver()
    assert answer.status_code == 200 and answer.json()["result"] == "paid", answer.content
    order = Order.objects.get()
    assert order.status == "paid" and order.provider_trade_no.startswith("SIM")
    assert Application.objects.get(number=body["number"]).status == "submitted"
    assert [a["number"] for a in reviewer_api.get("/api/v1/workbench/").json()["results"]] == [body["number"]]
    receipt = Credential.objects.get(type__code="payment_receipt")
    assert receipt.fields["amount"] == "10.00" and receipt.fields["reference"] == body["number"] and order.receipt == receipt
    assert holder_api.get(f"/api/v1/applications/{body['number']}/payment/").json()["receipt"] == receipt.identifier
    assert AuditEvent.objects.filter(action="payment", subject=holder, detail__step="paid").count() == 1


def test_the_same_notification_twice_is_acted_on_once(holder_api, fee_item, platform):
    application = paid_application(holder_api, platform)
    notification = Notification.objects.get()
    again = platform.deliver(notification.pk)
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert PaymentEvent.objects.filter(kind="paid").count() == 1 and Credential.objects.filter(type__code="payment_receipt").count() == 1
    assert Application.objects.get(pk=application.pk).status == "submitted"


def test_a_forged_notification_changes_nothing_and_is_logged(holder_api, fee_item, platform):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    body = submit(holder_api).json()
    order = Order.objects.get()
    forged = json.dumps({"event_id": "EVTFORGED", "event_type": "PAY.SUCCESS", "out_trade_no": order.number, "trade_no": "X", "amount_fen": 1000,
                         "at": "2026-12-01T00:00:00+08:00"})
    timestamp, nonce = str(int(time.time())), "n"
    signature = base64.b64encode(Ed25519PrivateKey.generate().sign(f"{timestamp}\n{nonce}\n{forged}\n".encode())).decode()
    answer = platform.deliver(body=forged, headers={"Paysim-Timestamp": timestamp, "Paysim-Nonce": nonce, "Paysim-Signature": signature})
    assert answer.status_code == 401
    assert Order.objects.get().status == "pending" and Application.objects.get(number=body["number"]).status == "awaiting_payment"
    assert PaymentEvent.objects.filter(kind="forged").count() == 1
    unsigned = platform.deliver(body=forged, headers={})
    assert unsigned.status_code == 401 and PaymentEvent.objects.filter(kind="forged").count() == 2


def test_a_notification_the_cipher_device_cannot_check_now_answers_503_and_its_resend_is_acted_on(holder_api, fee_item, platform, monkeypatch):
    """The device away: 503 with Retry-After (never a 500, never "forged"), nothing changed; the platform's resend pays."""
    from core import crypto

    body = submit(holder_api).json()
    checkout = holder_api.post(f"/api/v1/applications/{body['number']}/payment/", format="json").json()
    platform.pay(checkout["pay_url"])
    waiting = platform.waiting[0]

    class Away:
        def verify(self, *args):
            raise crypto.DeviceUnavailable("the cipher device does not answer")

    with monkeypatch.context() as away:
        away.setattr(payment_platform.crypto, "provider", lambda: Away())
        answer = platform.deliver(waiting)
    assert answer.status_code == 503 and answer["Retry-After"] and answer.json() == {"code": "FAIL", "result": "signature_check_unavailable"}
    assert Order.objects.get().status == "pending" and not PaymentEvent.objects.filter(kind="forged").exists()
    assert platform.deliver(waiting).json()["result"] == "paid"
    assert Application.objects.get(number=body["number"]).status == "submitted"


def test_a_replayed_notification_outside_its_window_changes_nothing(holder_api, fee_item, platform, monkeypatch):
    from paysim import signing

    submit(holder_api)
    order = Order.objects.get()
    body = json.dumps({"event_id": "EVTOLD", "event_type": "PAY.SUCCESS", "out_trade_no": order.number, "trade_no": "SIMX", "amount_fen": 1000,
                       "at": "2026-12-01T00:00:00+08:00"})
    an_hour_ago = time.time() - 3600
    monkeypatch.setattr(signing.time, "time", lambda: an_hour_ago)  # signed an hour ago
    old = signing.signed_headers(body)
    monkeypatch.undo()
    assert platform.deliver(body=body, headers=old).status_code == 401
    assert Order.objects.get().status == "pending" and PaymentEvent.objects.filter(kind="replayed").count() == 1


def test_a_notification_for_another_amount_changes_nothing(holder_api, fee_item, platform):
    submit(holder_api)
    order = Order.objects.get()
    body = json.dumps({"event_id": "EVTAMOUNT", "event_type": "PAY.SUCCESS", "out_trade_no": order.number, "trade_no": "SIMX", "amount_fen": 1,
                       "at": "2026-12-01T00:00:00+08:00"})
    answer = platform.deliver(body=body)
    assert answer.status_code == 409
    assert Order.objects.get().status == "pending" and PaymentEvent.objects.get(kind="mismatch").detail == {"notified_fen": 1}


def test_a_notification_out_of_order_or_for_no_order_changes_nothing(holder_api, fee_item, platform):
    submit(holder_api)
    order = Order.objects.get()
    refund_first = json.dumps({"event_id": "EVTREFUND", "event_type": "REFUND.SUCCESS", "out_trade_no": order.number, "trade_no": "SIMX",
                               "amount_fen": 1000, "at": "2026-12-01T00:00:00+08:00"})
    assert platform.deliver(body=refund_first).status_code == 409
    nobody = json.dumps({"event_id": "EVTNONE", "event_type": "PAY.SUCCESS", "out_trade_no": "PAY0000", "trade_no": "SIMX", "amount_fen": 1000,
                         "at": "2026-12-01T00:00:00+08:00"})
    assert platform.deliver(body=nobody).status_code == 404
    assert Order.objects.get().status == "pending"
    assert set(PaymentEvent.objects.values_list("kind", flat=True)) == {"out_of_order", "unknown_order"}


def test_a_lost_notification_is_recovered_by_asking_the_platform(holder_api, fee_item, platform, monkeypatch):
    from django.utils import timezone

    body = submit(holder_api).json()
    checkout = holder_api.post(f"/api/v1/applications/{body['number']}/payment/", format="json").json()
    platform.pay(checkout["pay_url"])
    platform.waiting.clear()  # the notification never arrives
    assert payments.pending_sweep(actor=SYSTEM) == 0  # too early to ask
    later = timezone.now() + dt.timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert payments.pending_sweep(actor=SYSTEM) == 1
    assert Order.objects.get().status == "paid" and Application.objects.get(number=body["number"]).status == "submitted"
    assert PaymentEvent.objects.get(kind="paid").detail["via"] == "query"


def test_rejection_after_payment_refunds_and_withdrawal_before_payment_closes_the_order(holder_api, holder, fee_item, platform, reviewer):
    from services.services.workflow import application_claim, application_review

    application = paid_application(holder_api, platform)
    application_claim(actor=reviewer, application=application)
    application_review(actor=reviewer, application=Application.objects.get(pk=application.pk), action="reject", comment="材料不符")
    order = Order.objects.get(reference=application.number)
    assert order.status == "refunding" and Trade.objects.get(out_trade_no=order.number).status == "REFUND"
    assert platform.deliver().json()["result"] == "refunded"
    assert Order.objects.get(pk=order.pk).status == "refunded"

    second = submit(holder_api, key="k-2").json()
    assert second["actions"] == ["cancel", "pay"]
    refused = holder_api.post(f"/api/v1/applications/{second['number']}/withdraw/", {"comment": "不办了"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "wrong_state"  # unpaid: it is cancelled, not withdrawn
    cancelled = holder_api.post(f"/api/v1/applications/{second['number']}/cancel/", {"comment": "不办了"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "withdrawn" and cancelled.json()["actions"] == []
    assert Order.objects.get(reference=second["number"]).status == "closed"
    assert payments.order_refund(actor=SYSTEM, order=Order.objects.get(reference=second["number"]), reason="again").status == "closed"


def test_the_nightly_reconciliation_lists_what_the_two_sides_disagree_on(holder_api, fee_item, platform):
    from django.utils import timezone

    paid_application(holder_api, platform)
    today = timezone.localdate()
    clean = payments.reconcile(actor=SYSTEM, day=today)
    assert clean.differences == [] and clean.ours_fen == clean.theirs_fen == 1000
    lost = submit(holder_api, key="k-3").json()
    checkout = holder_api.post(f"/api/v1/applications/{lost['number']}/payment/", format="json").json()
    platform.pay(checkout["pay_url"])  # paid at the platform; its notification not yet here
    report = payments.reconcile(actor=SYSTEM, day=today)
    order = Order.objects.get(reference=lost["number"])
    assert report.differences == [{"kind": "PAY", "order": order.number, "ours_fen": None, "theirs_fen": 1000}]
    assert Reconciliation.objects.count() == 1 and report.theirs_fen - report.ours_fen == 1000


def test_withdrawal_after_payment_refunds_in_full_once(holder_api, fee_item, platform):
    application = paid_application(holder_api, platform)
    holder_api.post(f"/api/v1/applications/{application.number}/withdraw/", {"comment": "不办了"}, format="json")
    order = Order.objects.get(reference=application.number)
    assert order.status == "refunding" and Trade.objects.get(out_trade_no=order.number).refunded_fen == 1000
    assert payments.order_refund(actor=SYSTEM, order=order, reason="asked again").status == "refunding"  # asking twice refunds once
    assert len(platform.waiting) == 1 and platform.deliver().json()["result"] == "refunded"
    assert Order.objects.get(pk=order.pk).status == "refunded" and PaymentEvent.objects.filter(kind="refund_requested").count() == 1


def test_the_refund_is_sent_after_the_withdrawal_commits_and_its_answer_recorded(holder_api, holder, fee_item, platform, monkeypatch):
    from django.db import connection

    application = paid_application(holder_api, platform)
    sent_inside = []
    real = platform.call

    def call(method, path, body=None):
        if path == "/api/refunds":
            sent_inside.append(len(connection.savepoint_ids))  # the test's own transaction aside: inside no use case
        return real(method, path, body)

    monkeypatch.setattr(payment_platform, "transport", call)
    monkeypatch.setattr(payments, "enqueue_on_commit", lambda name, pk: sent.append(pk))  # hold the task: what has committed?
    sent, outside = [], len(connection.savepoint_ids)
    holder_api.post(f"/api/v1/applications/{application.number}/withdraw/", {}, format="json")
    order = Order.objects.get(reference=application.number)
    assert sent == [order.pk] and sent_inside == [] and Trade.objects.get(out_trade_no=order.number).status == "SUCCESS"
    assert order.status == "refunding" and payment_selectors.refund_progress(order) == "退款处理中：正在向支付平台申请退款。"
    payments.refund_send(order.pk)  # the task, as the outbox runs it after commit
    assert sent_inside == [outside] and Trade.objects.get(out_trade_no=order.number).status == "REFUND"
    assert PaymentEvent.objects.filter(order=order, kind="refund_sent").count() == 1
    assert payment_selectors.refund_progress(Order.objects.get(pk=order.pk)) == "退款处理中：支付平台已受理，款项将原路退回。"
    assert platform.deliver().json()["result"] == "refunded"
    order.refresh_from_db()
    assert order.status == "refunded" and order.receipt.status == "revoked" and "已退款 ¥10.00" in order.receipt.status_reason


def test_a_refund_while_the_platform_is_down_is_shown_truthfully_and_retried_until_done(holder_api, holder, fee_item, platform, monkeypatch):
    application = paid_application(holder_api, platform)
    real = platform.call

    def down(method, path, body=None):
        raise payment_platform.PlatformError("503 database is locked")

    monkeypatch.setattr(payment_platform, "transport", down)
    answer = holder_api.post(f"/api/v1/applications/{application.number}/withdraw/", {"comment": "不办了"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"  # the withdrawal stands; the refund waits
    order = Order.objects.get(reference=application.number)
    assert order.status == "refunding" and PaymentEvent.objects.filter(order=order, kind="refund_failed").count() == 1
    assert "自动重试" in payment_selectors.refund_progress(order)
    client = Client()
    client.force_login(holder)
    page = client.get(f"/services/applications/{application.number}/").content.decode()
    assert "退款处理中：支付平台暂时无法连接，系统会自动重试" in page and "退款中" in page
    assert payments.pending_sweep(actor=SYSTEM) == 0  # still down: tried again, recorded, nothing changed
    assert PaymentEvent.objects.filter(order=order, kind="refund_failed").count() == 2
    monkeypatch.setattr(payment_platform, "transport", real)  # the platform is back
    payments.pending_sweep(actor=SYSTEM)
    assert Trade.objects.get(out_trade_no=order.number).status == "REFUND" and platform.deliver().json()["result"] == "refunded"
    payments.pending_sweep(actor=SYSTEM)  # nothing left to send: refunded once
    assert Order.objects.get(pk=order.pk).status == "refunded" and Trade.objects.get(out_trade_no=order.number).refunded_fen == 1000
    assert PaymentEvent.objects.filter(order=order, kind="refund_sent").count() == 1
    assert "已退款 ¥10.00" in client.get(f"/services/applications/{application.number}/").content.decode()


def test_with_tasks_in_process_a_later_request_retries_the_refund(holder_api, holder, fee_item, platform, monkeypatch, settings):
    from django.core.cache import cache

    from payments.receivers import _CLAIM

    application = paid_application(holder_api, platform)
    real = platform.call
    monkeypatch.setattr(payment_platform, "transport", lambda *a, **k: (_ for _ in ()).throw(payment_platform.PlatformError("down")))
    holder_api.post(f"/api/v1/applications/{application.number}/withdraw/", {}, format="json")
    monkeypatch.setattr(payment_platform, "transport", real)
    settings.QILU_PAYMENT_RETRY_ON_REQUEST_SECONDS = 30  # make run's setting: no beat, tasks in-process
    cache.delete(_CLAIM)
    holder_api.get("/api/v1/applications/")  # any request, once answered
    order = Order.objects.get(reference=application.number)
    assert Trade.objects.get(out_trade_no=order.number).status == "REFUND" and PaymentEvent.objects.filter(order=order, kind="refund_sent").exists()
    assert platform.deliver().json()["result"] == "refunded"


def test_the_payment_urls_follow_the_origin_the_instance_is_served_at(holder_api, fee_item, platform, settings):
    settings.QILU_PAYMENT_BASE_URL = settings.QILU_PAYMENT_NOTIFY_URL = settings.QILU_PUBLIC_URL = ""
    body = submit(holder_api).json()
    checkout = holder_api.post(f"/api/v1/applications/{body['number']}/payment/", format="json", HTTP_HOST="localhost:8123").json()
    assert checkout["pay_url"].startswith("http://localhost:8123/paysim/pay/SIM")
    assert Trade.objects.get().notify_url == "http://localhost:8123/api/v1/payments/notify/"
    settings.QILU_PUBLIC_URL = "https://qilu.example.gov.cn"  # configured: it wins over the request's host
    assert payment_platform.notify_url() == "https://qilu.example.gov.cn/api/v1/payments/notify/"
    assert payment_platform.base_url() == "https://qilu.example.gov.cn/paysim"
    settings.QILU_PAYMENT_BASE_URL = "https://pay.example.gov.cn/api"
    assert payment_platform.base_url() == "https://pay.example.gov.cn/api"


def test_withdraw_and_cancel_ask_for_confirmation_in_the_portal(holder_api, holder, fee_item, platform):
    unpaid = submit(holder_api, key="k-unpaid").json()["number"]
    client = Client()
    client.force_login(holder)
    detail = client.get(f"/services/applications/{unpaid}/").content.decode()
    assert f'href="/services/applications/{unpaid}/cancel/"' in detail and "/withdraw/" not in detail
    asked = client.get(f"/services/applications/{unpaid}/cancel/")
    assert asked.status_code == 200 and "确定取消这件申请吗？" in asked.content.decode() and 'name="confirmed"' in asked.content.decode()
    one_tap = client.post(f"/services/applications/{unpaid}/cancel/", {"comment": "x"})  # a POST that skipped the question only asks it
    assert one_tap.status_code == 200 and Application.objects.get(number=unpaid).status == "awaiting_payment"
    done = client.post(f"/services/applications/{unpaid}/cancel/", {"confirmed": "yes", "comment": "不办了"})
    assert done.status_code == 302 and Application.objects.get(number=unpaid).status == "withdrawn"
    assert Order.objects.get(reference=unpaid).status == "closed"

    paid = paid_application(holder_api, platform).number
    asked = client.get(f"/services/applications/{paid}/withdraw/").content.decode()
    assert "确定撤回这件申请吗？" in asked and "已缴的 ¥10.00 将原路退回" in asked
    assert client.get(f"/services/applications/{paid}/cancel/").status_code == 302  # paid: cancel is not on offer
    client.post(f"/services/applications/{paid}/withdraw/", {"confirmed": "yes"})
    assert Application.objects.get(number=paid).status == "withdrawn" and Order.objects.get(reference=paid).status == "refunding"
