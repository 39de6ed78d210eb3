"""The simulated payment platform's own records (the "bank side"): trades and their notifications."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Trade(models.Model):
    class Status(models.TextChoices):
        NOTPAY = "NOTPAY", "未支付"
        SUCCESS = "SUCCESS", "支付成功"
        REFUND = "REFUND", "已退款"
        CLOSED = "CLOSED", "已关闭"

    trade_no = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=8, default="PAY")  # PAY: a payer pays the merchant; TRANSFER: the merchant pays a person (代发)
    merchant_id = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=64)
    amount_fen = models.PositiveBigIntegerField()
    description = models.CharField(max_length=128)
    notify_url = models.URLField(max_length=500)
    return_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NOTPAY)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_fen = models.PositiveBigIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("模拟支付交易")
        verbose_name_plural = _("模拟支付交易")
        constraints = [models.UniqueConstraint(fields=["merchant_id", "out_trade_no"], name="paysim_one_trade_per_merchant_order")]

    def __str__(self) -> str:
        return self.trade_no


class Notification(models.Model):
    """One asynchronous notification to the merchant, retried until answered 2xx."""

    event_id = models.CharField(max_length=40, unique=True)
    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="notifications")
    body = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("模拟支付通知")
        verbose_name_plural = _("模拟支付通知")

    def __str__(self) -> str:
        return self.event_id
