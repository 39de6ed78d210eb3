"""Credentials API: issuing systems push and change status; holders use their wallet and show;
clerks verify. Keys are published at /.well-known/jwks.json."""

from __future__ import annotations

import base64
import uuid

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import parsers
from core.answers import respond
from core.errors import NotFound
from core.public_cache import public_read
from credentials import documents, rendering, selectors, services, signing
from credentials.api import answers
from credentials.api.serializers import (
    CheckSerializer,
    CredentialPushSerializer,
    CredentialStatusSerializer,
    CredentialTypeSerializer,
    IssuedCredentialSerializer,
    JwksSerializer,
    PresentationCreateSerializer,
    PresentationSerializer,
    VerdictSerializer,
    VerifySerializer,
    WalletCredentialSerializer,
    WalletUpdateSerializer,
)
from credentials.openid.protocol import CORS
from identity import second_factor
from identity import selectors as identity_selectors
from identity.api.authentication import ApiClientAuthentication, ClientHasScope


class CredentialTypesApi(APIView):
    """Public: every active credential type with its codes, field keys and the systems that may issue it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=CredentialTypeSerializer(many=True), summary="Credential types: codes, field keys, who may issue them",
                   description="What an issuing system pushes (`type` = `code`, `fields` keyed by the field keys) and what a wallet holds. "
                               "Public and cacheable: answers carry `ETag` and `Last-Modified`; a conditional request answers 304.")
    def get(self, request):
        return public_read(request, lambda: CredentialTypeSerializer(selectors.credential_types(), many=True).data,
                           stamp=selectors.CREDENTIAL_TYPES)


class CredentialTypeApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=CredentialTypeSerializer, summary="One credential type")
    def get(self, request, code: str):
        return public_read(request, lambda: CredentialTypeSerializer(selectors.credential_type_for(code)).data, stamp=selectors.CREDENTIAL_TYPES)


class IssuerApi(APIView):
    authentication_classes = [ApiClientAuthentication]
    permission_classes = [ClientHasScope]
    required_scope = "credentials.issue"


class CredentialPushApi(IssuerApi):
    @extend_schema(request=CredentialPushSerializer, responses={200: IssuedCredentialSerializer, 201: IssuedCredentialSerializer},
                   summary="Push a credential (re-push of a record id updates it)")
    def post(self, request):
        data = CredentialPushSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.credential_issue(actor=request.user, data=data.validated_data)
        return Response(IssuedCredentialSerializer(issued.credential).data, status=status.HTTP_201_CREATED if issued.created else status.HTTP_200_OK)


class IssuedCredentialApi(IssuerApi):
    @extend_schema(responses=IssuedCredentialSerializer, summary="One credential this system issued")
    def get(self, request, record_id: str):
        return Response(IssuedCredentialSerializer(selectors.issued_by(request.user, record_id)).data)


class CredentialStatusApi(IssuerApi):
    @extend_schema(request=CredentialStatusSerializer, responses=IssuedCredentialSerializer, summary="Suspend, revoke or reinstate")
    def post(self, request, record_id: str):
        data = CredentialStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credential = services.credential_set_status(actor=request.user, record_id=record_id, **data.validated_data)
        return Response(IssuedCredentialSerializer(credential).data)


def _wallet(request):
    code = request.query_params.get("organisation")
    include_hidden = request.query_params.get("include_hidden") in ("1", "true")
    if code:
        organisation = identity_selectors.organisation_for(request.user, code)
        return selectors.organisation_wallet(request.user, organisation, include_hidden=include_hidden)
    return selectors.wallet_for(request.user, include_hidden=include_hidden)


class WalletApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("organisation", str, description="An organisation's credit code: its licences"),
            OpenApiParameter("include_hidden", bool, description="Also the credentials hidden from the front page, and superseded copies"),
        ],
        responses=WalletCredentialSerializer(many=True),
        summary="My wallet",
    )
    def get(self, request):
        return Response(WalletCredentialSerializer(_wallet(request), many=True).data)


class WalletCredentialApi(APIView):
    @extend_schema(responses=WalletCredentialSerializer, summary="Open one credential")
    def get(self, request, identifier: str):
        return Response(WalletCredentialSerializer(selectors.credential_for(request.user, identifier)).data)

    @extend_schema(request=WalletUpdateSerializer, responses=WalletCredentialSerializer, summary="Hide from or show on the front page")
    def patch(self, request, identifier: str):
        credential = selectors.credential_for(request.user, identifier)
        data = WalletUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.credential_set_hidden(actor=request.user, credential=credential, hidden=data.validated_data["hidden"])
        return Response(WalletCredentialSerializer(credential).data)


class CardImageApi(APIView):
    @extend_schema(responses={(200, "image/png"): bytes}, summary="The credential as a card image (for display only)")
    def get(self, request, identifier: str):
        credential = selectors.credential_for(request.user, identifier)
        response = HttpResponse(rendering.card_png(credential), content_type="image/png")
        response["Cache-Control"] = "private, no-store"
        return response


class CredentialDocumentApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes}, summary="The credential as a PDF sealed by its issuing department (盖章版)",
                   description="PAdES-signed with the department's electronic seal and timestamped; verifiable in any PDF reader that "
                               "trusts the province's seal root. The holder's own document: every field as issued.")
    def get(self, request, identifier: str):
        credential = selectors.credential_for(request.user, identifier)
        response = HttpResponse(documents.credential_pdf(credential), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{credential.type.code}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class PresentationApi(APIView):
    @extend_schema(
        request=PresentationCreateSerializer,
        parameters=[OpenApiParameter("qr", str, enum=["svg", "png"], description="Also return the QR picture")],
        responses={201: PresentationSerializer},
        summary="Show a credential (亮证): a signed, one-time, short-lived QR payload",
    )
    def post(self, request, identifier: str):
        credential = selectors.credential_to_show(request.user, identifier)
        disclose, ttl = answers.presentation_request(parsers.json_data(request))  # PresentationCreateSerializer's rules, on the body read plainly
        shown = services.presentation_create(actor=request.user, credential=credential, disclose=disclose, ttl=ttl)
        qr = request.query_params.get("qr")
        if qr not in ("svg", "png"):
            return answers.presentation_response(request, shown)  # PresentationSerializer's JSON as Response writes it (credentials/api/answers.py)
        body = answers.presentation_answer(shown)  # PresentationSerializer's JSON, plainly
        if qr == "svg":
            body["qr_svg"] = rendering.qr_svg(shown.token)
        else:
            body["qr_png"] = base64.b64encode(rendering.qr_png(shown.token)).decode()
        return respond(request, body, status=status.HTTP_201_CREATED)  # Response(body)'s bytes (core/answers.py)


class ChecksApi(generics.ListAPIView):
    """Who checked my credentials: clerk (masked), service hall, time and verdict."""

    serializer_class = CheckSerializer

    def get_queryset(self):
        return selectors.checks_of(self.request.user)


class VerifyApi(APIView):
    permission_classes = [second_factor.require_staff_perm("credentials.verify_credential")]

    @extend_schema(request=VerifySerializer, responses=VerdictSerializer, summary="Verify a scanned presentation (window clerks)")
    def post(self, request):
        # VerifySerializer's rules, on the body read plainly (core.parsers.json_data: the same value, or DRF's own parse and errors)
        verdict = services.presentation_verify(actor=request.user, token=answers.verify_request(parsers.json_data(request)))
        return answers.verdict_response(request, verdict)  # VerdictSerializer's JSON, plainly, as Response's bytes


class VerificationPhotoApi(APIView):
    permission_classes = [second_factor.require_staff_perm("credentials.verify_credential")]

    @extend_schema(responses={(200, "image/jpeg"): bytes}, summary="The holder photo of a presentation I verified, if it was disclosed")
    def get(self, request, pk: uuid.UUID):
        photo = selectors.verified_photo(verifier=request.user, verification_id=pk)
        if photo is None:
            raise NotFound()
        response = HttpResponse(photo, content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response


class JwksApi(APIView):
    """The published key set. Anyone may fetch and cache it to verify our signed payloads offline."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Public signing keys (JWKS)", responses=JwksSerializer, tags=["keys"], operation_id="jwks_retrieve",
                   description="Every key that may still verify a Qilu signature a verifier or wallet checks: credentials (亮证 codes, "
                               "health passes, SD-JWT VCs), status lists and OpenID4VP request objects, one key per purpose. "
                               "Cache it for up to 5 minutes; a payload naming an unknown `kid` means: fetch again.")
    def get(self, request):
        response = Response(signing.jwks())
        response["Cache-Control"] = "public, max-age=300"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        # Readable from any origin, preflight included (a browser verifier fetches it cross-origin).
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in CORS.items():
            response[name] = value
        return response
