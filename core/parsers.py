"""The API's request parser. Its own module, importing no DRF views: DRF reads
``DEFAULT_PARSER_CLASSES`` while ``rest_framework.views`` is being imported, so a parser defined in
a module that imports DRF's views (``core.api``) is not there yet when a Celery worker's start-up
checks import them in that order (the production tests caught it)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from core import jsondepth


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
