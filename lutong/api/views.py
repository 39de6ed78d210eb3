"""鲁通码 API: my code, a reader's resolve, the public register of scenarios, my switches."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.public_cache import public_read
from credentials.rendering import qr_svg
from lutong import selectors, services
from lutong.api.serializers import (
    LutongAnswerSerializer,
    LutongCodeSerializer,
    LutongMyScenarioSerializer,
    LutongResolveRequestSerializer,
    LutongScenarioSerializer,
    LutongSwitchSerializer,
)
from lutong.models import Terminal


class TerminalAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <terminal key id>.<secret>``. Never raises: a missing, unknown or revoked
    key leaves the request anonymous and the use case answers it like any unregistered reader."""

    def authenticate(self, request):
        scheme, _sep, token = authentication.get_authorization_header(request).decode("latin-1").partition(" ")
        terminal = selectors.terminal_by_token(token) if scheme == "Bearer" else None
        return (terminal, terminal) if terminal else None

    def authenticate_header(self, request):
        return "Bearer"


class TerminalAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = TerminalAuthentication
    name = "lutongTerminal"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A 鲁通码 reader terminal's key: `<key id>.<secret>` (one per terminal, revocable)"}


class CodeApi(APIView):
    @extend_schema(responses=LutongCodeSerializer, parameters=[OpenApiParameter("qr", str, enum=["svg"], description="Also return the QR picture")],
                   summary="My 鲁通码: a signed one-time code that rotates at least every 60 seconds",
                   description="The payload holds a one-time nonce, its times and a sealed reference only the platform can open: "
                               "no name, no number. Draw it as a QR; fetch a new one before `expires_at`.")
    def get(self, request):
        code = services.code_show(user=request.user)
        body = {"payload": code.payload, "expires_at": code.expires_at, "ttl": code.ttl}
        if request.query_params.get("qr") == "svg":
            body["qr_svg"] = qr_svg(code.payload)
        response = Response(LutongCodeSerializer(body).data)
        response["Cache-Control"] = "no-store"
        return response


class ResolveApi(APIView):
    authentication_classes = [TerminalAuthentication]
    permission_classes = [AllowAny]  # the use case refuses an unregistered reader itself, with one answer

    @extend_schema(request=LutongResolveRequestSerializer, responses=LutongAnswerSerializer,
                   summary="A registered reader resolves a 鲁通码: exactly its scenario's fields",
                   description="For a terminal of a reader in the verifier register. An unknown, revoked or suspended terminal gets "
                               "403 `reader_not_registered` whatever the code (it learns nothing about it). A code is good once, "
                               "for at most 60 seconds: a replayed or expired one answers `valid: false` with the reason. "
                               "Every read is shown to the holder.")
    def post(self, request):
        terminal = request.user if isinstance(request.user, Terminal) else None
        data = LutongResolveRequestSerializer(data=request.data)
        if terminal is None:  # refused before the body is even read
            services.code_resolve(actor=None, code="", transport="")
        data.is_valid(raise_exception=True)
        answer = services.code_resolve(actor=terminal, code=data.validated_data["code"], transport=data.validated_data["transport"])
        return Response(LutongAnswerSerializer(answer).data)


class ScenariosApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=LutongScenarioSerializer(many=True), summary="The 鲁通码 register: each scenario, exactly what its readers see, and who they are")
    def get(self, request):
        return public_read(request, lambda: LutongScenarioSerializer(selectors.scenarios(), many=True).data, stamp=selectors.REGISTER)


class MyScenariosApi(APIView):
    @extend_schema(responses=LutongMyScenarioSerializer(many=True), summary="My 鲁通码 scenarios: which are on (statutory ones always are)")
    def get(self, request):
        off = selectors.switched_off(request.user)
        rows = [{"code": s.code, "local_name": s.local_name, "statutory": s.statutory, "enabled": s.statutory or s.pk not in off}
                for s in selectors.scenarios()]
        return Response(LutongMyScenarioSerializer(rows, many=True).data)


class MyScenarioApi(APIView):
    @extend_schema(request=LutongSwitchSerializer, responses=LutongMyScenarioSerializer, summary="Switch an optional 鲁通码 scenario on or off")
    def put(self, request, code: str):
        scenario = selectors.scenario_for(code)
        data = LutongSwitchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enabled = services.scenario_switch(actor=request.user, scenario=scenario, enabled=data.validated_data["enabled"])
        return Response(LutongMyScenarioSerializer({"code": scenario.code, "local_name": scenario.local_name, "statutory": scenario.statutory,
                                              "enabled": enabled}).data)
