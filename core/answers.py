"""Hot API answers written as the bytes DRF would write (issue 25), for views whose answer is a plain
dict: ``respond`` is ``Response(data)`` without a template response's rendering round, and
``datetime_text`` is ``serializers.DateTimeField().to_representation`` without a field per call.
Tests compare both with DRF's own (tests/core/test_answers.py). The same pair is in
``healthcode.api.answers`` (``respond``, ``_datetime``), which may import these instead."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


def datetime_text(value) -> str:
    """An aware datetime in ISO 8601 in the current time zone, UTC as ``Z`` — what a ``DateTimeField``
    answers (a naive one goes through the field, which makes it aware)."""
    if timezone.is_naive(value):
        return serializers.DateTimeField().to_representation(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def respond(request, data: dict, status: int = 200) -> HttpResponse:
    """``Response(data, status=status)``, rendered here when the client takes plain JSON (what every app
    and console asks for): the bytes ``JSONRenderer`` writes. Any other negotiated form — the browsable
    API, ``; indent=`` — goes through ``Response`` as before."""
    renderer = request.accepted_renderer
    if type(renderer) is not JSONRenderer or request.accepted_media_type != JSONRenderer.media_type:
        return Response(data, status=status)
    text = json.dumps(data, cls=renderer.encoder_class, ensure_ascii=renderer.ensure_ascii, allow_nan=not renderer.strict,
                      separators=(",", ":") if renderer.compact else (", ", ": "))
    return HttpResponse(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode(), content_type=JSONRenderer.media_type,
                        status=status)
