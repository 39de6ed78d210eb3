"""Reads of orders: a payer's own order (``NotFound`` for anyone else's), the order an ending
application settles, and where a refund stands in words."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import NotFound
from identity.models import User
from payments.models import Order, PaymentEvent


def order_for(user: User, *, purpose: str, reference: str) -> Order:
    """My latest order for ``reference`` (an application number); anyone else's is ``NotFound``."""
    order = Order.objects.filter(purpose=purpose, reference=reference, payer=user).order_by("-created_at").first()
    if order is None:
        raise NotFound()
    return order


def order_to_settle(*, purpose: str, reference: str) -> Order | None:
    """The order an ending application settles: unpaid (to close) or paid (to refund), if any."""
    return Order.objects.filter(purpose=purpose, reference=reference, status__in=(Order.Status.PENDING, Order.Status.PAID)).first()


def refund_progress(order: Order) -> str:
    """Where a refund stands, in words for the payer (empty when the order is not being refunded)."""
    if order.status == Order.Status.REFUNDED:
        return _("已退款 ¥%(amount)s，已原路退回。") % {"amount": order.yuan}
    if order.status != Order.Status.REFUNDING:
        return ""
    attempts = (PaymentEvent.Kind.REFUND_SENT, PaymentEvent.Kind.REFUND_FAILED)
    last = order.events.filter(kind__in=attempts).order_by("-created_at", "-pk").values_list("kind", flat=True).first()
    if last == PaymentEvent.Kind.REFUND_FAILED:
        return _("退款处理中：支付平台暂时无法连接，系统会自动重试，无需再次操作。")
    if last == PaymentEvent.Kind.REFUND_SENT:
        return _("退款处理中：支付平台已受理，款项将原路退回。")
    return _("退款处理中：正在向支付平台申请退款。")
