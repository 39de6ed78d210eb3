from __future__ import annotations

from rest_framework import serializers


class PaymentSerializer(serializers.Serializer):
    """The fee order of an application (amounts in fen, integers)."""

    number = serializers.CharField(help_text="Our order number (the platform's out_trade_no)")
    amount_fen = serializers.IntegerField()
    description = serializers.CharField()
    status = serializers.CharField(help_text="pending, paid, refunding, refunded or closed")
    paid_at = serializers.DateTimeField(allow_null=True)
    refunded_at = serializers.DateTimeField(allow_null=True)
    receipt = serializers.CharField(source="receipt.identifier", allow_null=True, default=None,
                                    help_text="The electronic receipt (非税收入电子票据) in the wallet, once paid")


class CheckoutSerializer(serializers.Serializer):
    pay_url = serializers.URLField(help_text="The payment platform's cashier for this order; open it in a browser")
    order = PaymentSerializer()
