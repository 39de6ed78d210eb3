"""The API's request parser. Its own module, importing no DRF views: DRF reads
``DEFAULT_PARSER_CLASSES`` while ``rest_framework.views`` is being imported, so a parser defined in
a module that imports DRF's views (``core.api``) is not there yet when a Celery worker's start-up
checks import them in that order (the production tests caught it)."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from django.http.request import RawPostDataException
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.request import Empty

from core import jsondepth

if TYPE_CHECKING:
    from rest_framework.request import Request


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing NUL characters anywhere in the body: PostgreSQL text and JSONB
    cannot hold them, so one would otherwise reach the database and answer 500. A body nested deeper
    than ``core.jsondepth.MAX_DEPTH`` is refused before parsing (``json_too_deep``), as the request
    guard does for every other reader of JSON (``core.middleware.RequestBodyGuard``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if jsondepth.too_deep(raw):
            raise exceptions.ParseError(jsondepth.too_deep_message(), code="json_too_deep")
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        if _has_nul(data):
            raise exceptions.ParseError(_("The request contains a NUL character."))
        return data


def json_data(request: Request):
    """``request.data`` of a plain JSON request (``Content-Type: application/json``, no parameters; a
    view parsing with ``JSONParser`` alone): the same value, by the same rules (depth, strict constants,
    UTF-8, no NUL), without DRF's parser selection, stream and decoder wrappers per request (issue 25:
    the checkpoint's hot path). Anything else — another media type, a body those rules refuse — is
    ``request.data`` itself, so every error answer is DRF's, word for word. ``request.data`` afterwards
    is this value."""
    if request._full_data is not Empty or request.content_type != "application/json":  # DRF's own "not read yet" (its __init__ sets Empty)
        return request.data
    if len(request.parsers) != 1 or type(request.parsers[0]) is not JSONParser or not JSONParser.strict:
        return request.data
    try:
        data = plain_body(request._request, request.parser_context["encoding"])
    except RawPostDataException:
        return request.data
    if data is _NOT_PLAIN:
        return request.data
    request._data = request._full_data = data
    request._files = MultiValueDict()
    return data


_NOT_PLAIN = object()  # a body ``json_data`` leaves to DRF's parser: empty, too deep, not JSON by its rules, or holding a NUL


def plain_body(http_request, encoding: str):
    """The request's body read by ``json_data``'s rules (depth, strict constants, the encoding, no NUL),
    or ``_NOT_PLAIN``; read once per request and encoding — a route that reads what its request names
    before the view (``identity.prefetch``: a clerk's scan names its code's kept entry) and the view
    itself share one parse. Callers only read what it returns (the view's ``request.data`` is it)."""
    raw = http_request.body
    known = http_request.__dict__.get("_qilu_plain_body")
    if known is not None and known[0] is raw and known[1] == encoding:
        return known[2]
    data = _NOT_PLAIN
    if raw and not jsondepth.too_deep(raw):
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except ValueError:
            data = _NOT_PLAIN
        if data is not _NOT_PLAIN and _has_nul(data):
            data = _NOT_PLAIN
    http_request.__dict__["_qilu_plain_body"] = (raw, encoding, data)
    return data


def _refuse_constant(name: str):
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")  # DRF's strict_constant
