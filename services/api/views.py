"""Handheld-services API: the catalogue and guides, forms with pre-fill, uploads, applying
(``Idempotency-Key``), tracking, withdrawing and answering supplement requests; the staff workbench
and window submissions for walk-in citizens."""

from __future__ import annotations

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.answers import respond
from core.api import ReplicaReads
from core.errors import Invalid, NotFound
from core.public_cache import public_read
from core.web import attachment
from identity import second_factor
from identity import selectors as identity_selectors
from services import permissions, selectors
from services.api.answers import application_answer, apply_request
from services.api.serializers import (
    ApplicationSerializer,
    ApplySerializer,
    BundleApplicationSerializer,
    BundleApplyRequestSerializer,
    BundleFormSerializer,
    BundleSerializer,
    DepartmentScoreSerializer,
    ItemDetailSerializer,
    ItemFormSerializer,
    ItemListSerializer,
    ItemScoreSerializer,
    OnBehalfSerializer,
    RatingBodySerializer,
    RatingRequestSerializer,
    RatingSerializer,
    RectificationSerializer,
    RectificationStepSerializer,
    ResubmitSerializer,
    ReviewSerializer,
    UploadSerializer,
)
from services.models import Status
from services.services import applications, bundles, counter, documents, ratings, uploads, workflow


class CatalogueApi(generics.ListAPIView):
    """Search the catalogue by keyword (Chinese works), department code, category or life event."""

    serializer_class = ItemListSerializer
    authentication_classes: list = []  # public: no session read, none asked for (the schema says so)
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("q", str), OpenApiParameter("department", str), OpenApiParameter("category", str), OpenApiParameter("online", bool)]
    )
    def get(self, request, *args, **kwargs):
        return public_read(request, lambda: super(CatalogueApi, self).get(request, *args, **kwargs).data, stamp=selectors.CATALOGUE)

    def get_queryset(self):
        params = self.request.query_params
        online = {"1": True, "true": True, "0": False, "false": False}.get(params.get("online", ""))
        return selectors.catalogue(q=params.get("q", ""), department=params.get("department", ""), category=params.get("category", ""), online=online)


class ItemApi(APIView):
    authentication_classes: list = []  # public: no session read, none asked for (the schema says so)
    permission_classes = [AllowAny]

    @extend_schema(responses=ItemDetailSerializer, summary="An item with its current guide")
    def get(self, request, code: str):
        return public_read(request, lambda: ItemDetailSerializer(selectors.item_for(code)).data, stamp=selectors.CATALOGUE)


class FormApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organisation", str, description="Apply for this organisation (its credit code): pre-filled from its wallet")],
        responses=ItemFormSerializer,
        summary="The form to render, pre-filled, and which materials are already held (免证办)",
    )
    def get(self, request, code: str):
        item = selectors.item_for(code)
        organisation = _organisation(request, request.query_params.get("organisation"))
        version = item.current_version
        values = selectors.prefill(version, request.user, organisation)
        materials = [
            {
                "id": m.pk,
                "name": m.name,
                "kind": m.kind,
                "required": m.required,
                "held": c is not None,
                "credential": {"identifier": c.identifier, "type_name": c.type.name} if c else None,
            }
            for m, c in selectors.held_materials(version, request.user, organisation)
        ]
        form = {"item": item.code, "version": version.version, "fields": [{**f, "value": values.get(f["key"], "")} for f in version.form_schema],
                "materials": materials}
        return Response(ItemFormSerializer(form).data)  # the declared keys only


def _organisation(request, code):
    return identity_selectors.organisation_for(request.user, code) if code else None


class UploadApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
        responses={201: UploadSerializer},
        summary="Upload a material (PDF, PNG, JPEG; ≤ 10 MB; checked by content)",
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("This field is required.")]})
        if upload.size > uploads.MAX_UPLOAD_BYTES:  # refuse before reading it into memory
            raise ValidationError({"file": [_("The file is larger than 10 MB.")]})
        stored = uploads.upload_store(actor=request.user, name=upload.name, content=upload.read())
        return Response(UploadSerializer({"id": stored.id, "name": stored.original_name, "content_type": stored.content_type, "size": stored.size}).data,
                        status=status.HTTP_201_CREATED)


class UploadDownloadApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes, (200, "image/png"): bytes, (200, "image/jpeg"): bytes},
                   summary="A file: to its owner and the reviewers of its application",
                   description="Served with its checked content type (PDF, PNG or JPEG), as an attachment.")
    def get(self, request, pk):
        upload = selectors.upload_for(request.user, pk)
        second_factor.demand_unless_own(request, upload.owner_id)
        response = HttpResponse(uploads.upload_open(actor=request.user, upload=upload), content_type=upload.content_type)
        response["Content-Disposition"] = attachment(selectors.upload_download_name(upload))
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class ApplicationListApi(APIView):
    @extend_schema(responses=ApplicationSerializer(many=True), summary="My applications")
    def get(self, request):
        return Response(ApplicationSerializer(selectors.applications_of(request.user)[:100], many=True, context={"request": request}).data)

    @extend_schema(
        request=ApplySerializer,
        responses={201: ApplicationSerializer, 200: ApplicationSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description="Retries with the same key return the same application")],
        summary="Apply",
    )
    def post(self, request):
        values = apply_request(request.data)  # ApplySerializer's cleaning, plainly (services.api.answers)
        submitted = applications.application_submit(
            actor=request.user,
            item=selectors.item_for_applying(values["item"]),
            data=values["data"],
            uploads=values["uploads"],
            organisation=_organisation(request, values.get("organisation")),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        if current_app.conf.task_always_eager:  # a 秒批 already ran in-process (make run): answer with its outcome
            submitted.application.refresh_from_db(fields=["status", "decided_at", "failing_rule", "result_credential", "timeline"])
        # written plainly (services.api.answers): the bytes ApplicationSerializer would give, without building it per submission
        return respond(request, application_answer(submitted.application, request.user),
                       status=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK)


class ApplicationApi(APIView):
    @extend_schema(responses=ApplicationSerializer, summary="One application with its timeline")
    def get(self, request, number: str):
        application = selectors.application_for(request.user, number)
        second_factor.demand_unless_own(request, application.applicant_id)
        application = workflow.application_open(actor=request.user, application=application)
        return Response(ApplicationSerializer(application, context={"request": request}).data)


class _EndingApi(APIView):
    # Withdraw or cancel my own application: the same shape, each its own use case (no docstring:
    # drf-spectacular would publish it as both operations' description)

    end = None  # the use case, set by each subclass

    def post(self, request, number: str):
        application = selectors.own_application_for(request.user, number)
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ended = self.end(actor=request.user, application=application, **data.validated_data)
        return Response(ApplicationSerializer(ended, context={"request": request}).data)


@extend_schema_view(post=extend_schema(request=ReviewSerializer, responses=ApplicationSerializer, summary="Withdraw my application"))
class WithdrawApi(_EndingApi):
    end = staticmethod(applications.application_withdraw)


@extend_schema_view(post=extend_schema(request=ReviewSerializer, responses=ApplicationSerializer,
                                       summary="Cancel my application while it awaits its fee"))
class CancelApi(_EndingApi):
    end = staticmethod(applications.application_cancel)


class ResubmitApi(APIView):
    @extend_schema(request=ResubmitSerializer, responses=ApplicationSerializer, summary="Answer a supplement request")
    def post(self, request, number: str):
        application = selectors.own_application_for(request.user, number)
        data = ResubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            ApplicationSerializer(
                applications.application_resubmit(
                    actor=request.user, application=application, data=data.validated_data.get("data"), uploads=data.validated_data["uploads"]
                ),
                context={"request": request},
            ).data
        )


class ResultPdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes}, summary="The result document (PDF)")
    def get(self, request, number: str):
        application = selectors.application_for(request.user, number)
        second_factor.demand_unless_own(request, application.applicant_id)
        base = settings.QILU_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")  # the notice's QR follows the served origin
        response = HttpResponse(documents.result_pdf(application, base=base), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{application.number}.pdf"'
        return response


@extend_schema(summary="My department's queue", parameters=[
    OpenApiParameter("status", str, enum=[choice for choice, _label in Status.choices], description="Only applications in this status"),
    OpenApiParameter("overdue", str, enum=["1"], description="`1`: only applications past their legal time limit"),
    OpenApiParameter("mine", str, enum=["1"], description="`1`: only applications I have claimed"),
    OpenApiParameter("q", str, description="An application number, or words of the item's name")])
class WorkbenchApi(ReplicaReads, generics.ListAPIView):
    """My department's queue: ``?status=``, ``?overdue=1``, ``?mine=1``, ``?q=``."""

    serializer_class = ApplicationSerializer
    permission_classes = [second_factor.require_staff_perm(permissions.REVIEW)]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.queue_for(
            self.request.user, status=params.get("status", ""), overdue=params.get("overdue") == "1", mine=params.get("mine") == "1", q=params.get("q", "")
        )


class WorkbenchActionApi(APIView):
    permission_classes = [second_factor.require_staff_perm(permissions.REVIEW)]

    @extend_schema(request=ReviewSerializer, responses=ApplicationSerializer, summary="claim, accept, supplement, approve or reject",
                   parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=["claim", "accept", "supplement", "approve", "reject"])])
    def post(self, request, number: str, action: str):
        application = selectors.application_for(request.user, number)
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if action == "claim":
            application = workflow.application_claim(actor=request.user, application=application)
        else:
            application = workflow.application_review(
                actor=request.user, application=application, action=action, comment=data.validated_data["comment"]
            )
        return Response(ApplicationSerializer(application, context={"request": request}).data)


class OnBehalfApi(APIView):
    permission_classes = [second_factor.require_staff_perm(permissions.SUBMIT_ON_BEHALF)]

    @extend_schema(request=OnBehalfSerializer, responses={201: ApplicationSerializer},
                   summary="Window clerk applies for a walk-in citizen who shows a 亮证 code (verified, one-time, audited)")
    def post(self, request):
        data = OnBehalfSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        identified = counter.counter_identify(actor=request.user, token=values["presentation"])
        if identified.walk_in is None:  # the refused check is recorded (its own use case); the answer says why
            raise Invalid(identified.message, code=f"presentation_{identified.reason}", errors={"presentation": [identified.message]})
        submitted = applications.application_submit(
            actor=identified.walk_in.applicant,
            item=selectors.item_for(values["item"]),
            data=values["data"],
            uploads=values["uploads"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            submitted_by=request.user,
        )
        # written plainly (services.api.answers): the bytes ApplicationSerializer would give, without building it per submission
        return respond(request, application_answer(submitted.application, request.user),
                       status=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK)


class RatingApi(APIView):
    """好差评 of my decided application: once; a bad one opens a case for the department."""

    @extend_schema(responses=RatingSerializer, summary="My rating of this application, the department's answer and my re-rating")
    def get(self, request, number: str):
        rating = selectors.rating_of(request.user, selectors.own_application_for(request.user, number))
        if rating is None:
            raise NotFound()
        return Response(RatingSerializer(rating).data)

    @extend_schema(request=RatingRequestSerializer, responses={201: RatingSerializer}, summary="Rate a completed or rejected application (once)")
    def post(self, request, number: str):
        application = selectors.own_application_for(request.user, number)
        data = RatingRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = ratings.rating_submit(actor=request.user, application=application, **data.validated_data)
        return Response(RatingSerializer(selectors.rating_of(request.user, application) or rating).data, status=status.HTTP_201_CREATED)


class RatingReviseApi(APIView):
    @extend_schema(request=RatingRequestSerializer, responses={201: RatingBodySerializer},
                   summary="Rate again, once, after the department answered a bad rating")
    def post(self, request, number: str):
        application = selectors.own_application_for(request.user, number)
        rating = selectors.rating_of(request.user, application)
        if rating is None:
            raise NotFound()
        data = RatingRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revision = ratings.rating_revise(actor=request.user, rating=rating, **data.validated_data)
        return Response(RatingBodySerializer(revision).data, status=status.HTTP_201_CREATED)


class RectificationListApi(generics.ListAPIView):
    """My department's bad-rating cases: call back within 1 working day, rectify within 15."""

    serializer_class = RectificationSerializer
    permission_classes = [second_factor.require_staff_perm(permissions.REVIEW)]

    def get_queryset(self):
        return selectors.rectifications_for(self.request.user)


class RectificationStepApi(APIView):
    permission_classes = [second_factor.require_staff_perm(permissions.REVIEW)]

    @extend_schema(request=RectificationStepSerializer, responses=RectificationSerializer, summary="callback (with a note), then reply (what was rectified)",
                   parameters=[OpenApiParameter("step", str, OpenApiParameter.PATH, enum=["callback", "reply"])])
    def post(self, request, pk: int, step: str):
        case = selectors.rectification_for(request.user, pk)
        data = RectificationStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if step == "callback":
            case = ratings.rectification_callback(actor=request.user, case=case, note=data.validated_data["note"])
        elif step == "reply":
            case = ratings.rectification_reply(actor=request.user, case=case, reply=data.validated_data["reply"])
        else:
            raise NotFound()
        return Response(RectificationSerializer(case).data)


class ItemScoresApi(APIView):
    authentication_classes: list = []  # public: no session read, none asked for (the schema says so)
    permission_classes = [AllowAny]

    @extend_schema(responses=ItemScoreSerializer(many=True), summary="Public 好差评 scores per item")
    def get(self, request):
        return public_read(request, lambda: ItemScoreSerializer(selectors.item_scores(), many=True).data, stamp=selectors.RATINGS)


class DepartmentRankingApi(APIView):
    authentication_classes: list = []  # public: no session read, none asked for (the schema says so)
    permission_classes = [AllowAny]

    @extend_schema(responses=DepartmentScoreSerializer(many=True), summary="Public department ranking by share of bad ratings")
    def get(self, request):
        return public_read(request, lambda: DepartmentScoreSerializer(selectors.department_ranking(), many=True).data, stamp=selectors.RATINGS)


class BundleListApi(APIView):
    authentication_classes: list = []  # public: no session read, none asked for (the schema says so)
    permission_classes = [AllowAny]

    @extend_schema(responses=BundleSerializer(many=True), summary="一件事: the bundles on offer, with their parts in order")
    def get(self, request):
        return public_read(request, lambda: BundleSerializer(selectors.bundles(), many=True).data, stamp=selectors.CATALOGUE)


class BundleFormApi(APIView):
    @extend_schema(responses=BundleFormSerializer, summary="A bundle's one form: each question and material once, pre-filled from the wallet")
    def get(self, request, code: str):
        form = selectors.bundle_form(selectors.bundle_for(code), request.user)
        return Response(BundleFormSerializer({"fields": form.fields, "material_list": form.materials, "questions": len(form.fields),
                                              "questions_separately": form.questions_separately, "materials": len(form.materials),
                                              "materials_separately": form.materials_separately, "window_visits": form.window_visits,
                                              "window_visits_separately": form.window_visits_separately}).data)


class BundleApplyApi(APIView):
    @extend_schema(request=BundleApplyRequestSerializer, responses={201: BundleApplicationSerializer, 200: BundleApplicationSerializer},
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description="A retry answers the first (200)")],
                   summary="Apply for a bundle (一件事): one submission, one application per part")
    def post(self, request):
        data = BundleApplyRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = bundles.bundle_submit(actor=request.user, bundle=selectors.bundle_for(data.validated_data["bundle"]),
                                     data=data.validated_data["data"], uploads={k: str(v) for k, v in data.validated_data["uploads"].items()},
                                     idempotency_key=request.headers.get("Idempotency-Key", ""))
        made.row.lines = selectors.bundle_timeline(made.row)
        return Response(BundleApplicationSerializer(made.row).data, status=status.HTTP_201_CREATED if made.created else status.HTTP_200_OK)


class BundleApplicationApi(APIView):
    @extend_schema(responses=BundleApplicationSerializer, summary="My bundle application: one timeline over its parts")
    def get(self, request, number: str):
        found = selectors.bundle_application_for(request.user, number)
        found.lines = selectors.bundle_timeline(found)
        return Response(BundleApplicationSerializer(found).data)


class VisitRatingApi(APIView):
    """好差评 of a counter visit that made no application: a window clerk checked my 亮证 code
    (the `id` of a check in `GET /api/v1/wallet/checks/`). Within 7 days, once."""

    @extend_schema(request=RatingRequestSerializer, responses={201: RatingSerializer}, summary="Rate a counter visit")
    def post(self, request, pk: int):
        visit = selectors.visit_for(request.user, pk)
        data = RatingRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = ratings.visit_rate(actor=request.user, visit=visit, **data.validated_data)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)
