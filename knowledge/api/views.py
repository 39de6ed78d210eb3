"""智能问答 API: the extractive answer to a question (anyone may ask) and feedback on it."""

from __future__ import annotations

from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import context
from knowledge import selectors
from knowledge.api.serializers import AnswerSerializer, FeedbackBodySerializer, FeedbackSerializer
from knowledge.models import Article
from knowledge.services import feedback_give
from services.models import ServiceItem


class AnswerApi(APIView):
    authentication_classes: list = []  # public: no session read, none asked for (the schema says so)
    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("q", str, required=True, description="The question in the person's own words (≤ 200 characters)")],
                   responses=AnswerSerializer, summary="Answer a question from the knowledge base and the item guides")
    def get(self, request):
        return Response(AnswerSerializer(selectors.answer(request.query_params.get("q", ""), language=get_language() or "zh-hans")).data)


class FeedbackApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=FeedbackBodySerializer, responses={201: FeedbackSerializer},
                   summary="Say whether an answer was useful, and if not what was wrong")
    def post(self, request):
        body = FeedbackBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        signed_in = request.user.is_authenticated
        feedback = feedback_give(actor=request.user if signed_in else None, question=data["question"], useful=data["useful"],
                                 article=Article.objects.filter(slug=data.get("article") or "", status=Article.Status.PUBLISHED).first(),
                                 item=ServiceItem.objects.filter(code=data.get("item") or "").first(), problem=data.get("problem", ""),
                                 comment=data.get("comment", ""), language=get_language() or "zh-hans",
                                 who=str(request.user.pk) if signed_in else (context.client_ip.get() or ""))
        return Response(FeedbackSerializer({"id": feedback.pk, "useful": feedback.useful, "problem": feedback.problem}).data, status=status.HTTP_201_CREATED)
