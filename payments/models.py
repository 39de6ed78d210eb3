"""Fees paid online (非税收入统缴): our orders, every notification or query we acted on or refused, and
the nightly reconciliation with the platform's statement. Amounts are integers in fen."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credentials.models import Credential
from identity.models import User

LIVE = ("pending", "paid", "refunding")


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")
        REFUNDING = "refunding", _("退款中")
        REFUNDED = "refunded", _("已退款")
        CLOSED = "closed", _("已关闭")

    number = models.CharField(_("订单号"), max_length=32, unique=True)
    purpose = models.CharField(_("用途"), max_length=16)
    reference = models.CharField(_("业务编号"), max_length=64)
    payer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="payment_orders", verbose_name=_("缴款人"))
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    description = models.CharField(_("收费项目"), max_length=128)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    provider_trade_no = models.CharField(_("平台交易号"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)
    receipt = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("电子票据"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("缴费订单")
        verbose_name_plural = _("缴费订单")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["purpose", "reference"], condition=models.Q(status__in=LIVE), name="one_live_order_per_reference")]

    def __str__(self) -> str:
        return self.number

    @property
    def yuan(self) -> str:
        return f"{self.amount_fen // 100}.{self.amount_fen % 100:02d}"


class PaymentEvent(models.Model):
    """What happened to an order, and every notification we refused (forged, replayed, out of order,
    another amount): the log the finance office reads."""

    class Kind(models.TextChoices):
        PAID = "paid", _("支付成功")
        REFUNDED = "refunded", _("退款成功")
        DUPLICATE = "duplicate", _("重复通知")
        FORGED = "forged", _("签名无效")
        REPLAYED = "replayed", _("重放")
        MISMATCH = "mismatch", _("金额不符")
        OUT_OF_ORDER = "out_of_order", _("状态不符")
        UNKNOWN_ORDER = "unknown_order", _("无此订单")
        QUERIED = "queried", _("主动查询")
        REFUND_REQUESTED = "refund_requested", _("申请退款")
        REFUND_SENT = "refund_sent", _("平台已受理退款")
        REFUND_FAILED = "refund_failed", _("退款请求未送达")
        CLOSED = "closed", _("关闭订单")

    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("订单"))
    kind = models.CharField(_("事件"), max_length=16, choices=Kind.choices)
    notification_id = models.CharField(_("通知编号"), max_length=64, blank=True, db_index=True)
    detail = models.JSONField(_("详情"), default=dict)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("缴费事件")
        verbose_name_plural = _("缴费事件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order_id or ''}"


class Reconciliation(models.Model):
    day = models.DateField(_("对账日"), unique=True)
    ours_fen = models.BigIntegerField(_("我方净额（分）"))
    theirs_fen = models.BigIntegerField(_("平台净额（分）"))
    differences = models.JSONField(_("差异"), default=list)
    checked_at = models.DateTimeField(_("对账时间"), default=timezone.now)

    class Meta:
        verbose_name = _("对账")
        verbose_name_plural = _("对账")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)
