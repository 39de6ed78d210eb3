"""The fee of my application over the API: see the order; get the cashier's address to pay it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from payments import selectors, services
from payments.api.serializers import CheckoutSerializer, PaymentSerializer


class PaymentApi(APIView):
    """The fee of my application: see the order; get the cashier's address to pay it (any number of
    times: one order, charged once). Another person's application answers 404: the order is read
    scoped to its payer."""

    @extend_schema(responses=PaymentSerializer, summary="The fee order of my application")
    def get(self, request, number: str):
        return Response(PaymentSerializer(selectors.order_for(request.user, purpose="application", reference=number)).data)

    @extend_schema(request=None, responses=CheckoutSerializer, summary="Pay the fee: the payment platform's cashier for this order")
    def post(self, request, number: str):
        order = selectors.order_for(request.user, purpose="application", reference=number)
        url = services.order_checkout(actor=request.user, order=order, return_url=f"/services/applications/{number}/")
        return Response(CheckoutSerializer({"pay_url": url, "order": order}).data)
