"""Our API around the open standards: a holder's offer to their own wallet app, the public verifier
register, relying parties' presentation requests and their answers, and "who asked for what" in the
holder's wallet. The protocol endpoints themselves are in credentials/openid/views.py."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.public_cache import public_read
from credentials import rendering, selectors
from credentials.api.serializers import (
    CredentialOfferSerializer,
    PresentationRequestCreateSerializer,
    PresentationRequestSerializer,
    RelyingPartySerializer,
    SharedSerializer,
)
from credentials.openid import oid4vci, oid4vp
from identity import second_factor
from identity.api.authentication import ApiClientAuthentication
from identity.models import ApiClient


class WalletOfferApi(APIView):
    @extend_schema(request=None, responses={201: CredentialOfferSerializer},
                   parameters=[OpenApiParameter("qr", str, enum=["svg"], description="Also return the QR picture")],
                   summary="Add a credential to a wallet app (OpenID4VCI credential offer with a transaction code)",
                   description="The offer is for the holder's own device, valid for 10 minutes and usable once. Show `offer_url` "
                               "as a QR and `tx_code` beside it: the wallet app redeems both at `/oid4vci/token`, then fetches SD-JWT VC "
                               "copies bound to its device keys from `/oid4vci/credential`.")
    def post(self, request, identifier: str):
        credential = selectors.credential_for(request.user, identifier)
        offer = oid4vci.offer_create(actor=request.user, credential=credential)
        base = oid4vci.public_url(request)
        body = {"offer_url": offer.uri(base), "credential_offer": offer.as_object(base), "tx_code": offer.tx_code,
                "expires_at": offer.offer.expires_at}
        if request.query_params.get("qr") == "svg":
            body["qr_svg"] = rendering.qr_svg(body["offer_url"])
        return Response(CredentialOfferSerializer(body).data, status=status.HTTP_201_CREATED)


class RelyingPartiesApi(APIView):
    """Public: the verifier register."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=RelyingPartySerializer(many=True), summary="The verifier register: who may ask for which fields, and why",
                   description="Every relying party that may send OpenID4VP requests to Qilu wallets (windows, checkpoints, banks), "
                               "with the fields of each credential type its registration allows. A request for more is refused "
                               "with 403 `beyond_registration` before any holder sees it.")
    def get(self, request):
        return public_read(request, lambda: RelyingPartySerializer(selectors.relying_parties(), many=True).data, stamp=selectors.RELYING_PARTIES)


class RelyingPartyActor(permissions.BasePermission):
    """A relying party's registered system (API key), or a staff member listed for it, signed in with
    a second factor."""

    error_codes = {403: [second_factor.CODE]}

    def has_permission(self, request, view):
        if isinstance(request.user, ApiClient):
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        if not second_factor.verified(request):
            raise PermissionDenied(detail=second_factor.MESSAGE, code=second_factor.CODE)
        return True


def _request_body(found, request, *, with_qr: bool) -> dict:
    base = oid4vci.public_url(request)
    body = PresentationRequestSerializer(found).data
    if found.status == found.Status.PENDING:
        body["wallet_uri"] = oid4vp.wallet_uri(found, base)
        body["request_uri"] = oid4vp.request_uri(found, base)
        if with_qr:
            body["qr_svg"] = rendering.qr_svg(body["wallet_uri"])
    return body


class PresentationRequestsApi(APIView):
    authentication_classes = [ApiClientAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    permission_classes = [RelyingPartyActor]

    @extend_schema(request=PresentationRequestCreateSerializer, responses={201: PresentationRequestSerializer},
                   parameters=[OpenApiParameter("qr", str, enum=["svg"], description="Also return the QR picture")],
                   summary="Ask a holder for some fields (OpenID4VP, cross-device, direct_post)",
                   description="For a registered relying party: its system (API key) or a staff member listed for it. Fields beyond the "
                               "party's registration are refused with 403 `beyond_registration`. Show `wallet_uri` as a QR; poll the "
                               "request until `status` is `verified` or `refused` (5 minutes at most).")
    def post(self, request):
        data = PresentationRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = oid4vp.request_create(actor=request.user, client_id=data.validated_data["client_id"],
                                      type_code=data.validated_data["credential_type"], fields=data.validated_data["fields"])
        return Response(_request_body(found, request, with_qr=request.query_params.get("qr") == "svg"), status=status.HTTP_201_CREATED)


class PresentationRequestApi(APIView):
    authentication_classes = [ApiClientAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    permission_classes = [RelyingPartyActor]

    @extend_schema(responses=PresentationRequestSerializer, summary="A presentation request and, once answered, what was disclosed")
    def get(self, request, pk: uuid.UUID):
        found = selectors.presentation_request_for(request.user, pk)
        return Response(_request_body(found, request, with_qr=False))


class SharedApi(generics.ListAPIView):
    """Who asked me for what: my answers to relying parties' OpenID4VP requests, with their purpose."""

    serializer_class = SharedSerializer

    def get_queryset(self):
        return selectors.shared_by(self.request.user)

