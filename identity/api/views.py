"""Identity API: profile, organisations, agents, "who used my data", and the base-record sync."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from core.api import ImportReportSerializer, ReplicaReads
from identity import password_reset, selectors, services
from identity.api.authentication import ApiClientAuthentication, ClientHasScope
from identity.api.serializers import (
    AgentAuthoriseSerializer,
    AgentSerializer,
    AuditEventSerializer,
    BaseRecordsSyncSerializer,
    NoticeSerializer,
    OrganisationRegisterSerializer,
    OrganisationSerializer,
    ProfileSerializer,
)
from identity.models import User


class ProfileApi(APIView):
    @extend_schema(responses=ProfileSerializer, summary="My profile (masked)")
    def get(self, request):
        return Response(ProfileSerializer(request.user, context={"request": request}).data)


@extend_schema(summary="Who used my data: events about my data and account, newest first", parameters=[
    OpenApiParameter("by_others", bool, description="`1` or `true`: only uses of my data by someone else (a clerk's check, a reviewer's look)")])
class AuditEventListApi(ReplicaReads, generics.ListAPIView):
    """Events about my data and account. ``?by_others=1`` keeps only uses by someone else."""

    serializer_class = AuditEventSerializer

    def get_queryset(self):
        user: User = self.request.user
        if self.request.query_params.get("by_others") in ("1", "true"):
            return selectors.data_use_by_others(user)
        return selectors.audit_events_about(user)


class OrganisationListApi(APIView):
    @extend_schema(responses=OrganisationSerializer(many=True), summary="Organisations I represent or act for")
    def get(self, request):
        organisations = selectors.organisations_for(request.user)
        return Response(OrganisationSerializer(organisations, many=True, context={"request": request}).data)

    @extend_schema(request=OrganisationRegisterSerializer, responses={201: OrganisationSerializer}, summary="Register my organisation")
    def post(self, request):
        data = OrganisationRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organisation = services.organisation_register(actor=request.user, **data.validated_data)
        return Response(OrganisationSerializer(organisation, context={"request": request}).data, status=status.HTTP_201_CREATED)


class OrganisationDetailApi(APIView):
    @extend_schema(responses=OrganisationSerializer)
    def get(self, request, credit_code: str):
        organisation = selectors.organisation_for(request.user, credit_code)
        return Response(OrganisationSerializer(organisation, context={"request": request}).data)


class AgentListApi(APIView):
    def _organisation(self, request, credit_code):
        return selectors.organisation_for(request.user, credit_code)

    @extend_schema(responses=AgentSerializer(many=True), summary="The organisation's agents (all for the legal representative, own for an agent)")
    def get(self, request, credit_code: str):
        organisation = self._organisation(request, credit_code)
        return Response(AgentSerializer(selectors.agents_visible_to(request.user, organisation), many=True).data)

    @extend_schema(request=AgentAuthoriseSerializer, responses={201: AgentSerializer}, summary="Authorise an agent")
    def post(self, request, credit_code: str):
        organisation = self._organisation(request, credit_code)
        data = AgentAuthoriseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.AgentGrant(**data.validated_data)
        authorisation = services.agent_authorise(actor=request.user, organisation=organisation, grant=grant)
        return Response(AgentSerializer(authorisation).data, status=status.HTTP_201_CREATED)


class AgentRevokeApi(APIView):
    @extend_schema(request=None, responses=AgentSerializer, summary="Revoke an agent's authorisation")
    def post(self, request, credit_code: str, pk: int):
        organisation = selectors.organisation_for(request.user, credit_code)
        authorisation = selectors.agent_authorisation_for(request.user, organisation, pk)
        services.agent_revoke(actor=request.user, authorisation=authorisation)
        return Response(AgentSerializer(authorisation).data)


class BaseRecordsSyncApi(APIView):
    """For the data-sharing platform: upsert population (``people``) or legal-entity (``entities``)
    records. Bad rows are reported with reasons; good rows are kept."""

    authentication_classes = [ApiClientAuthentication]
    permission_classes = [ClientHasScope]
    required_scope = "base_records.sync"
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "base_records_sync"

    @extend_schema(
        request=BaseRecordsSyncSerializer,
        responses=ImportReportSerializer,
        summary="Push population or legal-entity records (upsert by ID number / credit code)",
    )
    def post(self, request, kind: str):
        data = BaseRecordsSyncSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.base_records_import(actor=request.user, kind=kind, rows=data.validated_data["records"])
        return Response(report.as_dict())


@extend_schema(summary="My inbox, newest first", parameters=[OpenApiParameter("unread", bool, description="`1` or `true`: only unread notices")])
class NoticeListApi(generics.ListAPIView):
    """My in-app inbox, newest first. ``?unread=1`` keeps the unread ones."""

    serializer_class = NoticeSerializer

    def get_queryset(self):
        return selectors.notices_of(self.request.user, unread=self.request.query_params.get("unread") in ("1", "true"))


class NoticeReadApi(APIView):
    @extend_schema(request=None, responses={200: inline_serializer("NoticesMarked", {"marked": serializers.IntegerField()})},
                   summary="Mark one notice (or, with pk 0, all) as read")
    def post(self, request, pk: int):
        return Response({"marked": services.notice_mark_read(actor=request.user, pk=pk or None)})


EXPORT_SCHEMA = {
    "type": "object",
    "required": ["exported_at", "format"],
    "properties": {"exported_at": {"type": "string", "format": "date-time"}, "format": {"type": "string", "enum": ["qilu-personal-data/1"]}},
    "additionalProperties": {"description": "One section per part of the platform (account, wallet, health, applications …)"},
    "example": {"exported_at": "2026-12-01T09:30:00+08:00", "format": "qilu-personal-data/1",
                "account": {"name": "张三", "id_number": "370102199003071238", "phone": "13800000001"}, "wallet": [], "applications": []},
}


class PersonalDataExportApi(APIView):
    @extend_schema(responses={(200, "application/json"): OpenApiResponse(response=EXPORT_SCHEMA, description="A JSON file (Content-Disposition: attachment)")},
                   summary="Download everything held about me (a JSON file)",
                   description="One document with every section each part of the platform holds about me; the export itself is recorded "
                               "and shows in \"who used my data\".")
    def get(self, request):
        from django.core.serializers.json import DjangoJSONEncoder
        from django.http import HttpResponse

        document = services.personal_data_export(actor=request.user)
        response = HttpResponse(json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="qilu-my-data.json"'
        response["Cache-Control"] = "private, no-store"
        return response


class PasswordResetThrottle(BaseThrottle):
    """allauth's limits for reset codes (per address, per number: identity.password_reset), as a DRF
    throttle, so a refusal is the API's 429 with the wait and the schema declares it."""

    def allow_request(self, request, view) -> bool:
        login = request.data.get("login") if isinstance(request.data, dict) else None
        self.seconds = password_reset.rate_limited(request, str(login or ""))
        return not self.seconds

    def wait(self) -> int:
        return self.seconds


class PasswordResetRequestApi(APIView):
    """忘记密码, step 1: the same answer for every number (no enumeration); a code goes only to an
    account's verified phone. Rate-limited per address and per number like sign-in codes (429 with the wait)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetThrottle]

    class PasswordResetRequestSerializer(serializers.Serializer):
        login = serializers.CharField(max_length=32, help_text="Resident ID number or mainland mobile number")

    class PasswordResetTicketSerializer(serializers.Serializer):
        ticket = serializers.CharField(help_text="Opaque; send it back with the code")
        message = serializers.CharField()

    @extend_schema(request=PasswordResetRequestSerializer, responses={202: PasswordResetTicketSerializer},
                   summary="Forgot password: text a reset code", tags=["sign-in"])
    def post(self, request):
        data = self.PasswordResetRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.password_reset_code_send(actor=None, login=data.validated_data["login"])
        message = _("如该号码已注册并验证了手机，验证码已发送到其手机。")
        return Response({"ticket": ticket, "message": message}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    """忘记密码, step 2: the texted code and a new password. Every session and app token of the account
    ends; the phone is told. Wrong or expired code: 400 ``invalid_code`` (the third wrong code burns the ticket)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class PasswordResetConfirmSerializer(serializers.Serializer):
        ticket = serializers.CharField(max_length=64)
        code = serializers.CharField(max_length=6)
        password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)

    @extend_schema(request=PasswordResetConfirmSerializer, responses={200: inline_serializer("PasswordResetDone", {"message": serializers.CharField()})},
                   summary="Forgot password: set a new password with the code", tags=["sign-in"])
    def post(self, request):
        data = self.PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_complete(actor=None, **data.validated_data)
        return Response({"message": _("密码已重置，所有设备已退出登录。请用新密码登录。")})
