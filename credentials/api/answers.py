"""Plain validation and answers for the two hot 亮证 endpoints (show a credential, verify a scanned
code): the same JSON the serializers in ``credentials.api.serializers`` produce — which stay the
OpenAPI schema's source; ``tests/credentials/test_plain_answers.py`` validates these answers against
that schema — without a serializer's field machinery per request (issue 25). A request that is not
plainly valid goes through its serializer, so every error answer is unchanged."""

from __future__ import annotations

import dataclasses
import functools
import json

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

from core.answers import datetime_text, respond
from credentials.api.serializers import PresentationCreateSerializer, VerifySerializer


def _plain_keys(disclose) -> bool:
    return isinstance(disclose, list) and all(isinstance(key, str) and 0 < len(key) <= 48 and key == key.strip() for key in disclose)


def presentation_request(data) -> tuple[list[str], int | None]:
    """``(disclose, ttl_seconds)`` of a show request, as ``PresentationCreateSerializer`` would clean them."""
    if isinstance(data, dict) and set(data) <= {"disclose", "ttl_seconds"}:
        disclose, ttl = data.get("disclose", []), data.get("ttl_seconds")
        if _plain_keys(disclose) and (ttl is None and "ttl_seconds" not in data
                                      or type(ttl) is int and 15 <= ttl <= 600):
            return list(disclose), ttl
    checked = PresentationCreateSerializer(data=data)
    checked.is_valid(raise_exception=True)  # raises: the serializer's errors, word for word
    return checked.validated_data["disclose"], checked.validated_data.get("ttl_seconds")


def presentation_answer(shown) -> dict:
    """``PresentationSerializer(shown).data`` (without the QR pictures, which the view adds)."""
    presentation = shown.presentation
    return {"id": str(presentation.id), "payload": str(shown.token), "expires_at": datetime_text(presentation.expires_at),
            "disclosed": [str(key) for key in presentation.disclosed]}


@functools.lru_cache(maxsize=256)
def _disclosed_tail(disclosed: tuple[str, ...], ensure_ascii: bool) -> str:
    """The answer's last member as ``respond`` writes it, once per choice of fields (not per code)."""
    text = json.dumps(list(disclosed), ensure_ascii=ensure_ascii, separators=(",", ":"))
    return ',"disclosed":' + text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "}"


def presentation_response(request, shown) -> HttpResponse:
    """``respond(request, presentation_answer(shown), status=201)``: for plain compact JSON (what every
    app asks for) its bytes written around the code's own values — the members in the serializer's
    order, the chosen fields' JSON once per choice —, anything else through ``respond``."""
    renderer = request.accepted_renderer
    if type(renderer) is not JSONRenderer or request.accepted_media_type != JSONRenderer.media_type or not renderer.compact:
        return respond(request, presentation_answer(shown), status=201)
    presentation = shown.presentation
    text = (f'{{"id":"{presentation.id}","payload":{json.dumps(str(shown.token))},"expires_at":"{datetime_text(presentation.expires_at)}"'
            + _disclosed_tail(tuple(presentation.disclosed), renderer.ensure_ascii))
    return HttpResponse(text.encode(), content_type=JSONRenderer.media_type, status=201)


def verify_request(data) -> str:
    """The payload of a verify request, as ``VerifySerializer`` would clean it."""
    if isinstance(data, dict):
        payload = data.get("payload")
        if isinstance(payload, str):
            payload = payload.strip()
            if payload and len(payload) <= 8000:
                return payload
    checked = VerifySerializer(data=data)
    checked.is_valid(raise_exception=True)
    return checked.validated_data["payload"]


def verdict_answer(verdict) -> dict:
    """``VerdictSerializer(verdict).data``."""
    photo = bool(verdict.valid and verdict.credential and verdict.credential.get("photo"))
    return {"valid": bool(verdict.valid), "reason": str(verdict.reason), "message": str(verdict.message), "credential": verdict.credential,
            "fields": verdict.rows, "verification_id": str(verdict.verification_id), "on_behalf": bool(verdict.on_behalf),
            "photo_url": f"/api/v1/verifications/{verdict.verification_id}/photo.jpg" if photo else None}


_ID_MARK = "qilu-verification-id-to-come"  # where a refusal's written bytes take the verification's id
_REFUSALS: dict[tuple, tuple[bytes, bytes]] = {}


def verdict_response(request, verdict):
    """``respond(request, verdict_answer(verdict))``. A refusal (no credential shown) answers the same
    bytes for every scan with its reason, words and 代亮 mark but its verification's id: they are
    written once per process — the id's place marked — and only the id is put in per scan."""
    renderer = request.accepted_renderer
    if (verdict.credential is not None or verdict.rows or type(renderer) is not JSONRenderer
            or request.accepted_media_type != JSONRenderer.media_type):
        return respond(request, verdict_answer(verdict))
    key = (bool(verdict.valid), str(verdict.reason), str(verdict.message), bool(verdict.on_behalf))
    parts = _REFUSALS.get(key)
    if parts is None:
        written = respond(request, verdict_answer(dataclasses.replace(verdict, verification_id=_ID_MARK))).content.split(_ID_MARK.encode())
        if len(written) != 2:  # never: the words hold no such mark
            return respond(request, verdict_answer(verdict))
        parts = _REFUSALS[key] = (written[0], written[1])
    return HttpResponse(parts[0] + str(verdict.verification_id).encode() + parts[1], content_type=JSONRenderer.media_type)
