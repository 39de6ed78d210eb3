"""Plain validation and answers for the two hottest health-pass endpoints (show my pass, check a
pass): the same JSON the serializers in ``healthcode.api.serializers`` produce — which stay the
OpenAPI schema's source, and ``tests/healthcode/test_plain_answers.py`` validates these answers
against that schema — without a serializer's field machinery per request (issue 25). A request that
is not plainly valid goes through ``CheckRequestSerializer``, so every error answer is unchanged.
The answers are written by ``core.answers.respond`` (the bytes DRF writes)."""

from __future__ import annotations

import functools
from json.encoder import encode_basestring

from django.http import HttpResponse
from django.utils.translation import get_language, override
from rest_framework.renderers import JSONRenderer

from core.answers import datetime_text, respond  # noqa: F401 — respond: the views answer through this module
from healthcode.api.serializers import CheckRequestSerializer
from healthcode.models import Colour


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
        "evaluated_at": datetime_text(status["evaluated_at"]),
        "payload": str(shown.token),
        "expires_at": shown.claims["exp"],
    }


def pass_response(request, shown) -> HttpResponse:
    """``respond(request, pass_answer(shown))``, byte for byte: what many people's passes share — the colour and its
    label, the reasons in words and the rule version — is written once per (colour or reasons, language), and only
    the pass's own fields (masked name, evaluated at, payload, expiry) are encoded per request (issue 25). Any
    other negotiated form, a JSON renderer set up otherwise, or reasons whose rule version is not read yet, go through
    ``respond`` as before."""
    from healthcode.selectors import words_known

    renderer, status = request.accepted_renderer, shown.status
    if (type(renderer) is not JSONRenderer or request.accepted_media_type != JSONRenderer.media_type or renderer.ensure_ascii
            or not renderer.compact or not words_known(status)):
        return respond(request, pass_answer(shown))
    language = get_language()
    head = _pass_colour(str(status["colour"]), language)
    words = _pass_status(tuple(status["reasons"]), int(status["rule_version"]), language)
    claims = shown.claims
    text = (f'{head},"masked_name":{_json(claims["hp"]["n"])}{words},"evaluated_at":{_json(datetime_text(status["evaluated_at"]))}'
            f',"payload":{_json(str(shown.token))},"expires_at":{_json(claims["exp"])}}}')
    return HttpResponse(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode(), content_type=JSONRenderer.media_type)


_ENCODER = JSONRenderer.encoder_class(ensure_ascii=False, allow_nan=not JSONRenderer.strict, separators=(",", ":"))


def _json(value) -> str:
    return _ENCODER.encode(value)  # what the renderer writes for one value


@functools.lru_cache(maxsize=64)  # (colour, language): a handful
def _pass_colour(colour: str, language: str | None) -> str:
    with override(language):
        return f'{{"colour":{_json(colour)},"colour_label":{_json(str(Colour(colour).label))}'


@functools.lru_cache(maxsize=1024)  # (reasons, rule version, language): shared by everyone with the same reasons
def _pass_status(reasons: tuple, rule_version: int, language: str | None) -> str:
    from healthcode.selectors import explain

    with override(language):
        words = explain({"reasons": list(reasons), "rule_version": rule_version}, language=language)
    return f',"reasons":{_json(words)},"rule_version":{rule_version}'


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
        "expires_at": None if verdict.expires_at is None else datetime_text(verdict.expires_at),
    }


def verdict_response(request, verdict) -> HttpResponse:
    """``respond(request, verdict_answer(verdict))``, byte for byte: the answer's head — validity, reason and
    the reason's words — is written once per (validity, reason, language), and only the check's own fields
    (colour, masked name, issuer, expiry) are encoded per check (issue 25). Any other negotiated form,
    or a JSON renderer set up otherwise (ASCII-only, indented), goes through ``respond`` as before."""
    renderer = request.accepted_renderer
    if (type(renderer) is not JSONRenderer or request.accepted_media_type != JSONRenderer.media_type or renderer.ensure_ascii
            or not renderer.compact):
        return respond(request, verdict_answer(verdict))
    expires = None if verdict.expires_at is None else datetime_text(verdict.expires_at)
    tail = (f',"colour":{_text(verdict.colour)},"masked_name":{_text(verdict.masked_name)},"issuer":{_text(verdict.issuer)}'
            f',"expires_at":{_text(expires)}}}')
    text = _verdict_head(bool(verdict.valid), str(verdict.reason), get_language()) + tail.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return HttpResponse(text.encode(), content_type=JSONRenderer.media_type)


def _text(value) -> str:
    return "null" if value is None else encode_basestring(str(value))  # what the JSON encoder writes for a str (ensure_ascii off)


@functools.lru_cache(maxsize=256)  # (validity, reason, language): a few dozen
def _verdict_head(valid: bool, reason: str, language: str | None) -> str:
    from healthcode.services import REASONS

    with override(language):
        message = str(REASONS.get(reason, reason))
    head = f'{{"valid":{"true" if valid else "false"},"reason":{encode_basestring(reason)},"message":{encode_basestring(message)}'
    return head.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
