"""Health-pass API: my pass (and my dependants'), declarations, venue scans, appeals, checkpoint
checks, venue registration, and imports from health systems."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import parsers
from core.api import ImportReportSerializer, require_perm
from core.errors import NotFound
from healthcode import selectors, services
from healthcode.api import answers
from healthcode.api.serializers import (
    AppealSerializer,
    CheckRequestSerializer,
    DeclarationSerializer,
    DependantSerializer,
    HealthImportSerializer,
    PassCheckSerializer,
    PassSerializer,
    PassVerdictSerializer,
    VenueSerializer,
    VisitSerializer,
)
from identity import second_factor
from identity.api.authentication import ApiClientAuthentication, ClientHasScope


def _dependant(request):
    pk = request.query_params.get("dependant")
    if not pk:
        return None
    try:
        return selectors.dependant_for(request.user, int(pk))
    except ValueError:
        raise NotFound() from None


DEPENDANT = OpenApiParameter("dependant", int, description="A dependant's pass (代领): the id from GET /api/v1/health/dependants/")


class PassApi(APIView):
    @extend_schema(parameters=[DEPENDANT], responses=PassSerializer,
                   summary="My health pass: colour, reasons and a QR payload that rotates every minute")
    def get(self, request):
        shown = services.pass_show(user=request.user, dependant=_dependant(request))
        response = answers.pass_response(request, shown)  # PassSerializer's JSON, plainly, its status part written once (healthcode/api/answers.py)
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(summary="Who scanned my pass, newest first", parameters=[DEPENDANT])
class MyChecksApi(generics.ListAPIView):
    """Who scanned my pass (or my dependant's, with ?dependant=)."""

    serializer_class = PassCheckSerializer

    def get_queryset(self):
        dependant = _dependant(self.request)
        return selectors.checks_of(dependant.person_index if dependant else self.request.user.id_number_index)


class DeclarationApi(APIView):
    @extend_schema(request=DeclarationSerializer, responses={201: PassSerializer}, summary="Declare symptoms and recent trips")
    def post(self, request):
        data = DeclarationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.declaration_submit(actor=request.user, **data.validated_data)
        return Response(PassSerializer(services.pass_show(user=request.user)).data, status=status.HTTP_201_CREATED)


class VisitApi(APIView):
    @extend_schema(request=VisitSerializer, responses={201: PassSerializer}, summary="Scan a venue code (场所码)")
    def post(self, request):
        data = VisitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.visit_record(actor=request.user, **data.validated_data)
        return Response(PassSerializer(services.pass_show(user=request.user)).data, status=status.HTTP_201_CREATED)


class AppealListApi(APIView):
    @extend_schema(responses=AppealSerializer(many=True), summary="My appeals and their decisions")
    def get(self, request):
        return Response(AppealSerializer(selectors.appeals_of(request.user), many=True).data)

    @extend_schema(request=AppealSerializer, responses={201: AppealSerializer}, summary="Contest my colour (申诉)")
    def post(self, request):
        data = AppealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_submit(actor=request.user, **data.validated_data)
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class DependantListApi(APIView):
    @extend_schema(responses=DependantSerializer(many=True), summary="People whose pass I hold (代领)")
    def get(self, request):
        return Response(DependantSerializer(selectors.dependants_of(request.user), many=True).data)

    @extend_schema(request=DependantSerializer, responses={201: DependantSerializer}, summary="Hold a pass for someone without a phone")
    def post(self, request):
        data = DependantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dependant = services.dependant_add(actor=request.user, **data.validated_data)
        return Response(DependantSerializer(dependant).data, status=status.HTTP_201_CREATED)


class DependantRevokeApi(APIView):
    @extend_schema(request=None, responses=DependantSerializer, summary="Stop holding this pass")
    def post(self, request, pk: int):
        return Response(DependantSerializer(services.dependant_revoke(actor=request.user, dependant=selectors.dependant_for(request.user, pk))).data)


class CheckApi(APIView):
    permission_classes = [second_factor.require_staff_perm("healthcode.check_pass")]

    @extend_schema(request=CheckRequestSerializer, responses=PassVerdictSerializer, summary="Checkpoint: verify a scanned pass (ours or a trusted province's)")
    def post(self, request):
        payload, place = answers.check_request(parsers.json_data(request))  # CheckRequestSerializer's rules, plainly
        verdict = services.pass_check(actor=request.user, token=payload, place=place)
        return answers.verdict_response(request, verdict)  # answers.verdict_answer's JSON, its fixed head written once


class VenueListApi(APIView):
    permission_classes = [require_perm("healthcode.add_venue")]

    @extend_schema(responses=VenueSerializer(many=True), summary="My venues (venue managers)")
    def get(self, request):
        return Response(VenueSerializer(selectors.venues_of(request.user), many=True).data)

    @extend_schema(request=VenueSerializer, responses={201: VenueSerializer}, summary="Register a venue and get its venue code")
    def post(self, request):
        data = VenueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        venue = services.venue_register(actor=request.user, **data.validated_data)
        return Response(VenueSerializer(venue).data, status=status.HTTP_201_CREATED)


class HealthImportApi(APIView):
    """Health systems push test results, vaccinations, stays or close contacts (scope health.import)."""

    authentication_classes = [ApiClientAuthentication]
    permission_classes = [ClientHasScope]
    required_scope = "health.import"

    @extend_schema(request=HealthImportSerializer, responses=ImportReportSerializer, summary="Import rows; bad rows reported, good rows kept")
    def post(self, request, kind: str):
        if kind not in services.IMPORTERS:
            raise NotFound()
        data = HealthImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.health_data_import(actor=request.user, kind=kind, rows=data.validated_data["rows"], source=request.user.key_id)
        return Response(report.as_dict())
