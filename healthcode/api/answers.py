"""Plain validation and answers for the two hottest health-pass endpoints (show my pass, check a
pass): the same JSON the serializers in ``healthcode.api.serializers`` produce — which stay the
OpenAPI schema's source, and ``tests/healthcode/test_plain_answers.py`` validates these answers
against that schema — without a serializer's field machinery per request (issue 25). A request that
is not plainly valid goes through ``CheckRequestSerializer``, so every error answer is unchanged."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from healthcode.api.serializers import CheckRequestSerializer
from healthcode.models import Colour


def _datetime(value) -> str:
    """``serializers.DateTimeField().to_representation`` of an aware datetime (ISO 8601 in the
    current time zone, UTC as ``Z``) without a field per call; tests compare the two."""
    if timezone.is_naive(value):
        return serializers.DateTimeField().to_representation(value)  # made aware as the field does
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def respond(request, data: dict) -> HttpResponse:
    """``Response(data)``, rendered here when the client takes plain JSON (what every app and the
    checkpoint ask for): the bytes ``JSONRenderer`` writes, without a template response's rendering
    round (tests compare the two). Any other negotiated form — the browsable API, ``; indent=`` —
    goes through ``Response`` as before."""
    renderer = request.accepted_renderer
    if type(renderer) is not JSONRenderer or request.accepted_media_type != JSONRenderer.media_type:
        return Response(data)
    text = json.dumps(data, cls=renderer.encoder_class, ensure_ascii=renderer.ensure_ascii, allow_nan=not renderer.strict,
                      separators=(",", ":") if renderer.compact else (", ", ": "))
    return HttpResponse(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode(), content_type=JSONRenderer.media_type)


def check_request(data) -> tuple[str, str]:
    """``(payload, place)`` of a checkpoint's request, as ``CheckRequestSerializer`` would clean them."""
    if isinstance(data, dict):
        payload, place = data.get("payload"), data.get("place", "")
        if isinstance(payload, str) and isinstance(place, str):
            payload, place = payload.strip(), place.strip()
            if payload and len(payload) <= 4000 and len(place) <= 128:
                return payload, place
    checked = CheckRequestSerializer(data=data)
    checked.is_valid(raise_exception=True)  # raises: the serializer's errors, word for word
    return checked.validated_data["payload"], checked.validated_data["place"]  # a number as payload, say


def pass_answer(shown) -> dict:
    """``PassSerializer(shown).data``."""
    from healthcode.selectors import explain

    status = shown.status
    return {
        "colour": str(status["colour"]),
        "colour_label": str(Colour(status["colour"]).label),
        "masked_name": shown.claims["hp"]["n"],
        "reasons": explain(status, language=get_language()),
        "rule_version": int(status["rule_version"]),
        "evaluated_at": _datetime(status["evaluated_at"]),
        "payload": str(shown.token),
        "expires_at": shown.claims["exp"],
    }


def verdict_answer(verdict) -> dict:
    """``PassVerdictSerializer(verdict).data``."""
    from healthcode.services import REASONS

    return {
        "valid": bool(verdict.valid),
        "reason": str(verdict.reason),
        "message": str(REASONS.get(verdict.reason, verdict.reason)),
        "colour": None if verdict.colour is None else str(verdict.colour),
        "masked_name": None if verdict.masked_name is None else str(verdict.masked_name),
        "issuer": None if verdict.issuer is None else str(verdict.issuer),
        "expires_at": None if verdict.expires_at is None else _datetime(verdict.expires_at),
    }
