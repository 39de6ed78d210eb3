"""Fee payment use cases: open an order, act on the platform's notifications (verified, idempotent),
recover a lost notification by querying, refund, reconcile each night.

What never happens, whatever the client or the platform retries:
- a second live order for the same application (a partial unique constraint backs the check);
- a notification acted on twice (the order row is locked; a paid order stays paid);
- a forged, replayed, out-of-order or wrong-amount notification changing anything: each is logged as
  a ``PaymentEvent`` (kept even though the answer is a refusal) and answered with a 4xx.

``order_paid`` and ``order_refunded`` (``payments/signals.py``) are sent inside the transaction that
records them; the services app moves the application on (``services/receivers.py``). Reads are in
``payments/selectors.py``; what a notification's outcome answers over HTTP, in ``payments/views.py``.

The platform is never called inside a transaction that writes: a refund is decided and committed
(``order_refund``: 退款处理中), sent after commit (``refund_send``, a task through the outbox) and its
answer recorded by its own use case (``refund_record``). A refund the platform could not take stays
refunding and is sent again by ``pending_sweep`` — the beat's, every two minutes; with tasks
in-process (``make run``) a later request's (``payments/receivers.py``). Under SQLite the simulator's
own write and its notification to us then never wait for a lock our request holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urljoin

from django.utils import timezone
from django.utils.translation import gettext as _

from core import idempotency, references
from core.errors import Conflict, NotFound, Unavailable
from core.outbox import enqueue_on_commit
from core.usecases import SYSTEM, SystemActor, side_effect, unchanged, use_case
from family.permissions import may_act
from identity.models import AuditEvent, User
from identity.services import audit_record
from payments import platform, receipts
from payments.models import LIVE, Order, PaymentEvent, Reconciliation
from payments.signals import order_paid, order_refunded

PENDING_QUERY_AFTER = dt.timedelta(minutes=2)


def _number() -> str:
    return references.drawn("PAY", 10)


def _audit(order: Order, step: str, actor: User | SystemActor | None = None, **detail) -> None:
    person = actor if getattr(actor, "pk", None) else None
    audit_record(action=AuditEvent.Action.PAYMENT, actor=person, actor_description="" if person else _("Payment platform"), subject=order.payer,
                 detail={"order": order.number, "reference": order.reference, "amount_fen": order.amount_fen, "step": step, **detail})


@use_case(audit=AuditEvent.Action.PAYMENT)
def order_open(*, actor: User, purpose: str, reference: str, amount_fen: int, description: str) -> Order:
    """The one live order for ``reference`` (an application number), paid by ``actor``: the existing
    one, or a new one (``core.idempotency``: the reference is the key, unique among live orders)."""
    if amount_fen <= 0:
        raise ValueError("an order charges something")  # the caller opens one only for a fee
    once = idempotency.keyed(Order.objects.filter(purpose=purpose, status__in=LIVE), reference, key_field="reference", fingerprint_field=None)
    keyed = idempotency.get_or_create(once, lambda: references.insert_numbered(
        Order(purpose=purpose, reference=reference, payer=actor, amount_fen=amount_fen, description=description[:128]), _number))
    if keyed.created:
        _audit(keyed.row, "opened", actor)
    return keyed.row


@side_effect
def order_checkout(*, actor: User, order: Order, return_url: str) -> str:
    """Where the payer pays: the platform's cashier for this order (created there once; the platform's
    create is idempotent). The platform is asked outside any transaction of ours (under SQLite a
    transaction holds the write lock the simulator's own write waits for); its answer is recorded
    by ``checkout_record``."""
    if order.payer_id != actor.pk and not may_act(actor=actor, dependant=order.payer, act="services.pay"):  # 家庭代办: a guardian pays
        raise NotFound()
    if order.status != Order.Status.PENDING:
        raise Conflict(_("This order is %(status)s.") % {"status": order.get_status_display()}, code="not_payable")
    try:
        trade = platform.create(out_trade_no=order.number, amount_fen=order.amount_fen, description=order.description, return_url=return_url)
    except platform.PlatformError:
        raise Unavailable(_("The payment platform cannot be reached; please try again shortly."), code="payment_platform_unavailable") from None
    checkout_record(actor=actor, order=order)
    return urljoin(platform.base_url() + "/", trade["pay_url"])


@use_case(audit=AuditEvent.Action.PAYMENT)
def checkout_record(*, actor: User, order: Order) -> Order:
    """The payer was sent to the platform's cashier for this order."""
    _audit(order, "checkout", actor)
    return order


def _mark_paid(order: Order, trade_no: str, *, via: str, notification_id: str = "") -> None:
    order.status, order.paid_at, order.provider_trade_no = Order.Status.PAID, timezone.now(), trade_no
    order.save(update_fields=["status", "paid_at", "provider_trade_no"])
    PaymentEvent.objects.create(order=order, kind=PaymentEvent.Kind.PAID, notification_id=notification_id, detail={"via": via, "trade_no": trade_no})
    order.receipt = receipts.issue(order)
    order.save(update_fields=["receipt"])
    _audit(order, "paid", via=via)
    order_paid.send(sender=Order, order=order)


def _mark_refunded(order: Order, *, via: str, notification_id: str = "") -> None:
    order.status, order.refunded_at = Order.Status.REFUNDED, timezone.now()
    order.save(update_fields=["status", "refunded_at"])
    PaymentEvent.objects.create(order=order, kind=PaymentEvent.Kind.REFUNDED, notification_id=notification_id, detail={"via": via})
    if order.receipt_id:
        receipts.void(order)
    _audit(order, "refunded", via=via)
    order_refunded.send(sender=Order, order=order)


DONE = ("paid", "refunded", "duplicate")


@dataclass(frozen=True)
class Received:
    """What became of a notification: ``kind`` is ``paid``, ``refunded`` or ``duplicate`` when it is
    done with (the platform stops resending), else why it was refused (a ``PaymentEvent.Kind``). The
    notification view answers the platform accordingly (``payments/views.py``)."""

    kind: str

    @property
    def done(self) -> bool:
        return self.kind in DONE


def _refused(kind: str, notification_id: str = "", order: Order | None = None, **detail) -> Received:
    PaymentEvent.objects.create(order=order, kind=kind, notification_id=notification_id, detail=detail)
    if order is not None:
        _audit(order, kind)
    else:
        audit_record(action=AuditEvent.Action.PAYMENT, actor_description=_("Payment platform"), detail={"step": kind, **detail})
    return Received(kind)


def _duplicate(order: Order, notification_id: str) -> Received:
    """Already acted on: answered as done (so the platform stops resending), logged, nothing changed."""
    PaymentEvent.objects.create(order=order, kind=PaymentEvent.Kind.DUPLICATE, notification_id=notification_id, detail={})
    _audit(order, "duplicate")
    return Received("duplicate")


@use_case(audit=AuditEvent.Action.PAYMENT)
def notification_receive(*, actor: SystemActor, headers, body: bytes) -> Received:
    """The platform tells us an order was paid or refunded. Believed only when signed and recent;
    acted on once; anything else is logged and changes nothing."""
    try:
        notice = platform.verify(headers, body)
    except platform.BadNotification as refused:
        return _refused(refused.kind, reason=str(refused))
    order = Order.objects.select_for_update(no_key=True).filter(number=notice.out_trade_no).first()
    if order is None:
        return _refused(PaymentEvent.Kind.UNKNOWN_ORDER, notice.event_id, out_trade_no=notice.out_trade_no)
    if PaymentEvent.objects.filter(notification_id=notice.event_id, kind__in=(PaymentEvent.Kind.PAID, PaymentEvent.Kind.REFUNDED)).exists():
        return _duplicate(order, notice.event_id)
    if notice.amount_fen != order.amount_fen:
        return _refused(PaymentEvent.Kind.MISMATCH, notice.event_id, order, notified_fen=notice.amount_fen)
    if notice.event_type == "PAY.SUCCESS":
        if order.status == Order.Status.PENDING:
            _mark_paid(order, notice.trade_no, via="notification", notification_id=notice.event_id)
            return Received("paid")
        if order.status in (Order.Status.PAID, Order.Status.REFUNDING, Order.Status.REFUNDED):
            return _duplicate(order, notice.event_id)
    if notice.event_type == "REFUND.SUCCESS" and order.status == Order.Status.REFUNDING:
        _mark_refunded(order, via="notification", notification_id=notice.event_id)
        return Received("refunded")
    if notice.event_type == "REFUND.SUCCESS" and order.status == Order.Status.REFUNDED:
        return _duplicate(order, notice.event_id)
    # paid for a closed order, refunded before we knew it was paid …: nothing changes; the query sweep
    # and the reconciliation bring the two sides together, and the finance office reads the log
    return _refused(PaymentEvent.Kind.OUT_OF_ORDER, notice.event_id, order, event_type=notice.event_type, status=order.status)


@side_effect
def order_sync(*, actor: User | SystemActor, order: Order) -> Order:
    """Ask the platform about one order (a notification may have been lost), outside any transaction,
    and catch up through ``order_catch_up``. A refund the platform has not taken yet is sent again
    (the platform's refund is idempotent: one already done answers as done)."""
    if order.status == Order.Status.REFUNDING and not order.events.filter(kind=PaymentEvent.Kind.REFUND_SENT).exists():
        return refund_send(order.pk)
    try:
        trade = platform.query(order.number)
    except platform.PlatformError:
        return order
    order = order_catch_up(actor=actor, order=order, trade=trade)
    if order.status == Order.Status.REFUNDING and trade.get("status") == "SUCCESS":
        order = refund_send(order.pk)
    return order


@use_case(audit=AuditEvent.Action.PAYMENT)
def order_catch_up(*, actor: User | SystemActor, order: Order, trade: dict) -> Order:
    """What the platform says of an order (its query answer), acted on as its notification would be."""
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if trade["status"] == "SUCCESS" and order.status == Order.Status.PENDING:
        if int(trade["amount_fen"]) != order.amount_fen:
            _refused(PaymentEvent.Kind.MISMATCH, "", order, notified_fen=int(trade["amount_fen"]), via="query")
            return order
        _mark_paid(order, trade["trade_no"], via="query")
    elif trade["status"] == "REFUND" and order.status in (Order.Status.REFUNDING, Order.Status.PAID):
        _mark_refunded(order, via="query")
    else:
        unchanged()
    return order


@use_case(audit=AuditEvent.Action.PAYMENT)
def order_refund(*, actor: User | SystemActor, order: Order, reason: str) -> Order:
    """Give the money back (the application was rejected or withdrawn after payment), or close an
    unpaid order. The refund is decided here (退款处理中) and sent to the platform after commit
    (``refund_send``); asking twice refunds once: the platform's refund is idempotent and so is ours."""
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if order.status == Order.Status.PENDING:
        order.status = Order.Status.CLOSED
        order.save(update_fields=["status"])
        PaymentEvent.objects.create(order=order, kind=PaymentEvent.Kind.CLOSED, detail={"reason": reason})
        _audit(order, "closed", actor, reason=reason)
        return order
    if order.status != Order.Status.PAID:
        unchanged()
        return order
    order.status = Order.Status.REFUNDING
    order.save(update_fields=["status"])
    PaymentEvent.objects.create(order=order, kind=PaymentEvent.Kind.REFUND_REQUESTED, detail={"reason": reason})
    _audit(order, "refund_requested", actor, reason=reason)
    enqueue_on_commit("payments.send_refund", order.pk)
    return order


@side_effect
def refund_send(order_pk: int) -> Order:
    """After commit (a task): ask the platform to refund a refunding order, outside any transaction,
    and record its answer. A platform that cannot be reached leaves the order refunding, recorded, for
    ``pending_sweep`` to send again; nothing raises into the request that withdrew."""
    order = Order.objects.get(pk=order_pk)
    if order.status != Order.Status.REFUNDING:
        return order
    try:
        answer = platform.refund(out_trade_no=order.number, amount_fen=order.amount_fen)
    except platform.PlatformError as error:
        return refund_record(actor=SYSTEM, order=order, accepted=False, detail=str(error)[:200])
    return refund_record(actor=SYSTEM, order=order, accepted=True, detail=str(answer.get("status", "")))


@use_case(audit=AuditEvent.Action.PAYMENT)
def refund_record(*, actor: SystemActor, order: Order, accepted: bool, detail: str) -> Order:
    """The platform's answer to a refund request: taken (the money is on its way; its notification
    follows, and may have come already) or not reached (retried later)."""
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    kind = PaymentEvent.Kind.REFUND_SENT if accepted else PaymentEvent.Kind.REFUND_FAILED
    PaymentEvent.objects.create(order=order, kind=kind, detail={"platform": detail})
    _audit(order, kind)
    return order


@side_effect
def pending_sweep(*, actor: SystemActor) -> int:
    """Beat (and, with tasks in-process, a later request): orders pending a while, and every refund not
    yet confirmed, are asked about (lost notifications); refunds the platform never took are sent
    again. Returns how many orders changed."""
    since = timezone.now() - PENDING_QUERY_AFTER
    waiting = list(Order.objects.filter(status=Order.Status.PENDING, created_at__lt=since, created_at__gt=timezone.now() - dt.timedelta(days=2))[:500])
    waiting += list(Order.objects.filter(status=Order.Status.REFUNDING).order_by("pk")[:500])
    changed = 0
    for order in waiting:
        before = order.status
        changed += order_sync(actor=actor, order=order).status != before
    return changed


@use_case(audit=AuditEvent.Action.PAYMENT)
def reconcile(*, actor: User | SystemActor, day: dt.date) -> Reconciliation:
    """Compare the platform's statement for ``day`` with our orders; list every difference."""
    try:
        lines = platform.statement(day.isoformat())
    except platform.PlatformError:
        raise Unavailable(_("The payment platform cannot be reached; please try again shortly."), code="payment_platform_unavailable") from None
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    ours = {("PAY", o.number): o.amount_fen for o in Order.objects.filter(paid_at__gte=start, paid_at__lt=end)}
    ours |= {("REFUND", o.number): o.amount_fen for o in Order.objects.filter(refunded_at__gte=start, refunded_at__lt=end)}
    theirs = {(line["kind"], line["out_trade_no"]): int(line["amount_fen"]) for line in lines}
    differences = [{"kind": kind, "order": number, "ours_fen": ours.get((kind, number)), "theirs_fen": theirs.get((kind, number))}
                   for kind, number in sorted(set(ours) | set(theirs)) if ours.get((kind, number)) != theirs.get((kind, number))]
    net = lambda rows: sum(v if k[0] == "PAY" else -v for k, v in rows.items())  # noqa: E731
    report, _created = Reconciliation.objects.update_or_create(day=day, defaults={"ours_fen": net(ours), "theirs_fen": net(theirs),
                                                                                   "differences": differences, "checked_at": timezone.now()})
    audit_record(action=AuditEvent.Action.PAYMENT, actor_description=_("System"), detail={"step": "reconciled", "day": day.isoformat(),
                                                                                         "differences": len(differences)})
    return report
