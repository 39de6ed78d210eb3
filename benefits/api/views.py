"""My benefits over the API: list, why, confirm the card, decline, object. Someone else's answers 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from benefits import selectors, services
from benefits.api.serializers import ConfirmSerializer, EntitlementSerializer, ObjectSerializer, WhySerializer


class EntitlementListApi(APIView):
    @extend_schema(responses=EntitlementSerializer(many=True), summary="My benefits pushed without application (免申即享)")
    def get(self, request):
        return Response(EntitlementSerializer(selectors.my_entitlements(request.user), many=True).data)


class EntitlementWhyApi(APIView):
    @extend_schema(responses=WhySerializer, summary="Why I am entitled: the rule's conditions on the field values read when matched")
    def get(self, request, pk: int):
        return Response(WhySerializer(selectors.why(selectors.my_entitlement(request.user, pk))).data)


class EntitlementConfirmApi(APIView):
    @extend_schema(request=ConfirmSerializer, responses=EntitlementSerializer, summary="Confirm the card the benefit is paid to")
    def post(self, request, pk: int):
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entitlement = services.entitlement_confirm(actor=request.user, entitlement=selectors.my_entitlement(request.user, pk), **data.validated_data)
        return Response(EntitlementSerializer(entitlement).data)


class EntitlementDeclineApi(APIView):
    @extend_schema(request=None, responses=EntitlementSerializer, summary="Decline the benefit")
    def post(self, request, pk: int):
        entitlement = services.entitlement_decline(actor=request.user, entitlement=selectors.my_entitlement(request.user, pk))
        return Response(EntitlementSerializer(entitlement).data)


class EntitlementObjectApi(APIView):
    @extend_schema(request=ObjectSerializer, responses=EntitlementSerializer, summary="Object: opens a 投诉 case with the evidence; a person decides")
    def post(self, request, pk: int):
        data = ObjectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.entitlement_object(actor=request.user, entitlement=selectors.my_entitlement(request.user, pk), reason=data.validated_data["reason"])
        return Response(EntitlementSerializer(selectors.my_entitlement(request.user, item.entitlement_id)).data)
