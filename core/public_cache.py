"""Public reads (the catalogue, the credential types) served from the shared cache with validators:
``ETag`` and ``Last-Modified`` on every answer, ``304 Not Modified`` when the client already has it,
and the rendered bytes kept in Redis so a hit costs no query and no serialisation.

Each public collection has one stamp. Any saved or deleted row of a model the stamp watches moves it
after commit, so no stale answer survives a change (for the catalogue: items, guide versions —
publishing one is such a change —, materials, categories, regions, departments).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from contextvars import ContextVar

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language

from core import replicas

MAX_AGE = 60  # seconds a client or proxy may reuse an answer before asking again (with its ETag)
KEEP = 3600
_KEPT: ContextVar[bool] = ContextVar("public_answer_kept", default=True)


def not_kept() -> None:
    """The answer being built is a degraded one (the search process did not reply): serve it, do not keep it."""
    _KEPT.set(False)


class Stamp:
    """The version of one public collection: a nanosecond clock value in the shared cache."""

    def __init__(self, name: str):
        self.name = name
        self.key = f"{name}:stamp"

    def current(self) -> int:
        value = cache.get(self.key)
        if value is None:
            value = time.time_ns()
            cache.add(self.key, value, timeout=None)
            value = cache.get(self.key, value)
        return value

    def bump(self) -> None:
        cache.set(self.key, time.time_ns(), timeout=None)

    def watch(self, *models, through=()) -> None:
        """Move the stamp after the commit of any save or delete of these models (or m2m change)."""

        def changed(sender, **kwargs):
            transaction.on_commit(self.bump)

        def related_changed(sender, action, pk_set=None, **kwargs):
            # Django sends post_add even when every row was already there (an idempotent add): no change, no bump
            if action == "post_clear" or (action in ("post_add", "post_remove") and pk_set):
                transaction.on_commit(self.bump)

        for model in models:
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{self.name}-stamp-save-{model.__name__}")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{self.name}-stamp-delete-{model.__name__}")
        for model in through:
            m2m_changed.connect(related_changed, sender=model, weak=False, dispatch_uid=f"{self.name}-stamp-m2m-{model.__name__}")


def public_read(request, build: Callable[[], object], *, stamp: Stamp) -> HttpResponse:
    """Answer a public GET from the cache, or build its data once for this stamp, path and language.

    One cache round trip on a hit: the stamp and the newest rendered answer for this path and language
    (kept with the stamp it was built under) are read together; an answer built under another stamp is
    built again, so none outlives a change."""
    place = f"{request.get_full_path()}|{get_language()}"
    latest = f"public:latest:{stamp.name}:{hashlib.sha256(place.encode()).hexdigest()[:40]}"
    found = cache.get_many([stamp.key, latest])
    current = found.get(stamp.key)
    if current is None:
        current = stamp.current()
    key = hashlib.sha256(f"{stamp.name}|{current}|{place}".encode()).hexdigest()
    etag = f'"{key[:32]}"'
    modified = current // 1_000_000_000
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if etag in request.headers.get("If-None-Match", "") or (since is not None and "If-None-Match" not in request.headers and since >= modified):
        response = HttpResponseNotModified()
    else:
        built_under, body = found.get(latest) or (None, None)
        if built_under != current:  # from the replica, unless the collection changed too recently for it to have caught up
            kept = _KEPT.set(True)
            data = replicas.read(build, user=request.user, fresh_since=current / 1e9)
            body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()  # as DRF renders it
            if _KEPT.get():
                cache.set(latest, (current, body), KEEP)
            _KEPT.reset(kept)
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Vary"] = "Accept-Language"
    return response
