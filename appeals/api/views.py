"""Cases' API: submit (signed in, or anonymously with a tracking code), my cases, a case (staff's
look audited), 回访, tracking an anonymous report; staff's queues and steps (the transition table),
a window clerk's record, the 12345 import for the provincial platform's client, escalating a bad
好差评; public categories and department scores."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from appeals import permissions, scores, selectors, steps
from appeals.api.serializers import (
    CallbackSerializer,
    CaseImportReportSerializer,
    CaseListOutput,
    CategorySerializer,
    CitizenCaseOutput,
    ImportSerializer,
    RecordSerializer,
    ScoreSerializer,
    StaffCaseOutput,
    StepSerializer,
    SubmitSerializer,
    SubmittedSerializer,
    TrackSerializer,
)
from appeals.services import intake, privacy, workflow
from core.errors import Invalid
from identity import second_factor
from identity.api.authentication import ApiClientAuthentication, ClientHasScope

JOINED = "The same complaint is open already (same phone, kind and words): this is that case, now with another source"
SUBMITTED_RESPONSES = {201: SubmittedSerializer, 200: OpenApiResponse(SubmittedSerializer, description=JOINED)}
SUBMIT_EXAMPLE = OpenApiExample("A complaint", value={"kind": "complaint", "title": "路灯不亮", "text": "历下区文化东路小区门口路灯坏了一个月。",
                                                      "area": "历下区"}, request_only=True)
ANONYMOUS_EXAMPLE = OpenApiExample("An anonymous report", value={"kind": "report", "text": "某工地夜间施工扰民。", "anonymous": True,
                                                                 "contact_phone": "13800000000"}, request_only=True)
SUBMITTED_EXAMPLE = OpenApiExample("Submitted", value={"number": "SQ2026120612345678", "status": "new", "created": True, "tracking_code": ""},
                                   response_only=True, status_codes=["201"])


class StaffOfCases(BasePermission):
    """A dispatcher or a department's handler, signed in with a second factor."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and (user.has_perm(permissions.DISPATCH) or user.has_perm(permissions.HANDLE))):
            return False
        if not second_factor.verified(request):
            raise exceptions.PermissionDenied(detail=second_factor.MESSAGE, code=second_factor.CODE)
        return True


def _intake(user, data: dict) -> intake.Intake:
    item, application = selectors.links_for(user, item=data["item"], application=data["application"])
    return intake.Intake(kind=data["kind"], title=data["title"], text=data["text"], area=data["area"], urgency=data["urgency"],
                         category=selectors.category_by_id(data["category"]), item=item, application=application,
                         contact_name=data["contact_name"], contact_phone=data["contact_phone"], anonymous=data["anonymous"],
                         knowledge_candidates=[dict(entry) for entry in data["knowledge_candidates"]])


def _submitted(received) -> dict:
    return {"number": received.case.number, "status": received.case.status, "created": received.created, "tracking_code": received.tracking_code}


class CaseListApi(generics.ListAPIView):
    """My cases (GET); submit a case (POST — signed in, or anonymously with ``anonymous: true``)."""

    serializer_class = CaseListOutput

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_queryset(self):
        return selectors.my_cases(self.request.user)

    @extend_schema(request=SubmitSerializer, responses=SUBMITTED_RESPONSES, examples=[SUBMIT_EXAMPLE, ANONYMOUS_EXAMPLE, SUBMITTED_EXAMPLE],
                   summary="Submit a case (咨询/求助/投诉/举报/建议/表扬)")
    def post(self, request):
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        received = intake.case_submit(actor=user, intake=_intake(user, data.validated_data), channel=data.validated_data["channel"])
        return Response(SubmittedSerializer(_submitted(received)).data, status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK)


class CaseApi(APIView):
    @extend_schema(responses=CitizenCaseOutput, summary="My case: its state, deadline, public answer and timeline")
    def get(self, request, number: str):
        return Response(CitizenCaseOutput(selectors.case_of_reporter(request.user, number), context={"request": request}).data)


class StaffCaseApi(APIView):
    permission_classes = [StaffOfCases]

    @extend_schema(responses=StaffCaseOutput, summary="A case as staff see it (the look is audited: the reporter sees it in who used my data)")
    def get(self, request, number: str):
        case = selectors.case_for_staff(request.user, number)
        privacy.case_open(actor=request.user, case=case)
        return Response(StaffCaseOutput(case, context={"request": request}).data)


class CallbackApi(APIView):
    @extend_schema(request=CallbackSerializer, responses=CitizenCaseOutput, summary="回访: solved? satisfied? (an unhappy answer reopens once, then 督办)")
    def post(self, request, number: str):
        case = selectors.case_of_reporter(request.user, number)  # staff call back on the portal, behind the second factor
        data = CallbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = workflow.case_callback(actor=request.user, case=case, **data.validated_data)
        return Response(CitizenCaseOutput(case, context={"request": request}).data)


class TrackApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "case_track"

    @extend_schema(request=TrackSerializer, responses=CitizenCaseOutput, summary="Follow an anonymous report by its number and tracking code")
    def post(self, request):
        data = TrackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = selectors.case_tracked(data.validated_data["number"], data.validated_data["tracking_code"])
        return Response(CitizenCaseOutput(case, context={"request": request}).data)


class DispatchQueueApi(generics.ListAPIView):
    """New and returned cases waiting for a dispatcher, oldest first."""

    serializer_class = CaseListOutput
    permission_classes = [second_factor.require_staff_perm(permissions.DISPATCH)]

    def get_queryset(self):
        return selectors.dispatch_queue(self.request.user)


class DepartmentQueueApi(generics.ListAPIView):
    """My department's open cases, the nearest deadline first, with their cards."""

    serializer_class = CaseListOutput
    permission_classes = [second_factor.require_staff_perm(permissions.HANDLE)]

    @extend_schema(parameters=[OpenApiParameter("status", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.department_queue(self.request.user, status=self.request.query_params.get("status", "")[:16])


class StepApi(APIView):
    permission_classes = [StaffOfCases]

    @extend_schema(request=StepSerializer, responses=StaffCaseOutput, summary="Take a step of the transition table (staff)",
                   examples=[OpenApiExample("Dispatch", value={"action": "dispatch", "department": "SD-GAT", "category": 3}, request_only=True),
                             OpenApiExample("Return", value={"action": "return", "reason": "属于住建部门职责"}, request_only=True),
                             OpenApiExample("Reply", value={"action": "reply", "public_text": "已修复。", "internal_note": "维修班组 3 号"},
                                            request_only=True)])
    def post(self, request, number: str):
        case = selectors.case_for_staff(request.user, number)
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = steps.take(request.user, case, data.validated_data["action"], data.validated_data)
        return Response(StaffCaseOutput(case, context={"request": request}).data)


class RecordApi(APIView):
    permission_classes = [second_factor.require_staff_perm(permissions.RECORD)]

    @extend_schema(request=RecordSerializer, responses=SUBMITTED_RESPONSES, summary="A window clerk records a walk-in citizen's case")
    def post(self, request):
        data = RecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        received = intake.case_record(actor=request.user, intake=_intake(None, {**data.validated_data, "application": ""}))
        return Response(SubmittedSerializer(_submitted(received)).data, status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK)


class ImportApi(APIView):
    """For the provincial 12345 platform's client (scope ``cases.import``): tickets as JSON, idempotent
    by their external id."""

    authentication_classes = [ApiClientAuthentication]
    permission_classes = [ClientHasScope]
    required_scope = "cases.import"

    @extend_schema(request=ImportSerializer, responses=CaseImportReportSerializer, summary="Import 12345 tickets (idempotent by external_id)",
                   examples=[OpenApiExample("Tickets", value={"tickets": [{"external_id": "12345-20261206-0001", "received_at": "2026-12-06T09:00:00",
                                                                           "kind": "投诉", "title": "路灯不亮", "text": "小区门口路灯坏了。",
                                                                           "area": "历下区", "phone": "13800000000", "name": "张三"}]},
                                             request_only=True)])
    def post(self, request):
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = intake.cases_import(actor=request.user, rows=data.validated_data["tickets"])
        return Response(CaseImportReportSerializer(report.as_dict()).data)


class EscalateApi(APIView):
    permission_classes = [second_factor.require_staff_perm(permissions.DISPATCH)]

    @extend_schema(request=None, responses={201: SubmittedSerializer, 200: OpenApiResponse(SubmittedSerializer, description="Escalated before: that case")},
                   summary="Escalate a bad 好差评 to a complaint case (once)")
    def post(self, request, pk: int):
        received = intake.rating_escalate(actor=request.user, rating=selectors.rating_for_dispatcher(request.user, pk))
        return Response(SubmittedSerializer(_submitted(received)).data, status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK)


class CategoriesApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=CategorySerializer(many=True), summary="Case categories (a tree: each names its parent)")
    def get(self, request):
        return Response(CategorySerializer(selectors.categories(), many=True).data)


def _month(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value[:7], "%Y-%m").date()
    except ValueError:
        from django.utils.translation import gettext as _

        raise Invalid(_("Give the month as YYYY-MM."), code="invalid", errors={"month": [_("Give the month as YYYY-MM.")]}) from None


class ScoresApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM (this month by default)")], responses=ScoreSerializer(many=True),
                   summary="Departments' 响应率, 解决率, 满意率 and score for a month")
    def get(self, request):
        return Response(ScoreSerializer(scores.department_scores(month=_month(request.query_params.get("month"))), many=True).data)
