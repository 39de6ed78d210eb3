"""Public catalogue reads served from the shared cache with validators: ``ETag`` and
``Last-Modified`` on every answer, ``304 Not Modified`` when the client already has it, and the
rendered bytes kept in Redis so a hit costs no query and no serialisation.

Everything is keyed by one catalogue stamp. Any change to an item, its guide versions, materials,
categories or departments moves the stamp after commit (``services/receivers.py``; publishing a
version is such a change), so no stale answer survives a change.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer

from core import replicas

STAMP_KEY = "catalogue:stamp"
MAX_AGE = 60  # seconds a client or proxy may reuse an answer before asking again (with its ETag)
KEEP = 3600


def stamp() -> int:
    value = cache.get(STAMP_KEY)
    if value is None:
        value = time.time_ns()
        cache.add(STAMP_KEY, value, timeout=None)
        value = cache.get(STAMP_KEY, value)
    return value


def bump() -> None:
    cache.set(STAMP_KEY, time.time_ns(), timeout=None)


def public_read(request, build: Callable[[], object]) -> HttpResponse:
    """Answer a public GET from the cache, or build its data once for this stamp, path and language."""
    current = stamp()
    key = hashlib.sha256(f"{current}|{request.get_full_path()}|{get_language()}".encode()).hexdigest()
    etag = f'"{key[:32]}"'
    modified = current // 1_000_000_000
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if etag in request.headers.get("If-None-Match", "") or (since is not None and "If-None-Match" not in request.headers and since >= modified):
        response = HttpResponseNotModified()
    else:
        body = cache.get(f"catalogue:body:{key}")
        if body is None:  # from the replica, unless the catalogue changed too recently for it to have caught up
            body = JSONRenderer().render(replicas.read(build, user=request.user, fresh_since=current / 1e9))
            cache.set(f"catalogue:body:{key}", body, KEEP)
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Vary"] = "Accept-Language"
    return response
