"""Public reads (the catalogue, the credential types) served from the shared cache with validators:
``ETag`` and ``Last-Modified`` on every answer, ``304 Not Modified`` when the client already has it,
and the rendered bytes kept in Redis so a hit costs no query and no serialisation.

Each public collection has one stamp. Any saved or deleted row of a model the stamp watches moves it
after commit, so no stale answer survives a change (for the catalogue: items, guide versions —
publishing one is such a change —, materials, categories, regions, departments).

A hit on a collection registered with ``answer_early`` (the catalogue list) is answered by
``PublicAnswerMiddleware`` near the top of the middleware stack, before DRF and before the middleware
an anonymous cached answer does not need (session, CSRF, authentication, audit context, locale): the
entry also keeps the headers the full path answered with (security headers, CSP, ``Vary``,
``Content-Language``…), recorded on the way out the first time, so the early answer is the full
path's answer byte for byte. Anything unusual (another method, a NUL in the query, an ``Accept`` DRF
would refuse, a host or scheme the full path would refuse or redirect) takes the full path.
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


def _latest_key(stamp: Stamp, place: str) -> str:
    return f"public:latest:{stamp.name}:{hashlib.sha256(place.encode()).hexdigest()[:40]}"


def _not_modified(meta, etag: str, modified: int) -> bool:
    """The client already has this answer: its ``If-None-Match`` names the ETag, or (without one) its
    ``If-Modified-Since`` is not older than the stamp."""
    if etag in meta.get("HTTP_IF_NONE_MATCH", ""):
        return True
    since = parse_http_date_safe(meta.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and "HTTP_IF_NONE_MATCH" not in meta and since >= modified


def public_read(request, build: Callable[[], object], *, stamp: Stamp) -> HttpResponse:
    """Answer a public GET from the cache, or build its data once for this stamp, path and language.

    One cache round trip on a hit: the stamp and the newest rendered answer for this path and language
    (kept with the stamp it was built under) are read together; an answer built under another stamp is
    built again, so none outlives a change. Under ``PublicAnswerMiddleware`` that read is the
    middleware's, and so is the write (with the answer's headers)."""
    place = f"{request.get_full_path()}|{get_language()}"
    early = getattr(request, "public_found", None)
    if early is not None and early[0] == place:
        _place, latest, found = early
    else:
        early, latest = None, _latest_key(stamp, place)
        found = cache.get_many([stamp.key, latest])
    current = found.get(stamp.key)
    if current is None:
        current = stamp.current()
    key = hashlib.sha256(f"{stamp.name}|{current}|{place}".encode()).hexdigest()
    etag = f'"{key[:32]}"'
    modified = current // 1_000_000_000
    if _not_modified(request.META, etag, modified):
        response = HttpResponseNotModified()
    else:
        entry = found.get(latest) or (None, None, None)
        built_under, body, headers = (*entry, None)[:3]  # an entry from before headers were kept has two parts
        built, keep = built_under != current, True
        if built:  # from the replica, unless the collection changed too recently for it to have caught up
            kept = _KEPT.set(True)
            data = replicas.read(build, user=request.user, fresh_since=current / 1e9)
            body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()  # as DRF renders it
            keep = _KEPT.get()
            _KEPT.reset(kept)
            if early is None and keep:
                cache.set(latest, (current, body, None), KEEP)
        response = HttpResponse(body, content_type="application/json")
        if keep and early is not None and (built or headers is None):
            response.public_entry = (latest, current, body, built)  # PublicAnswerMiddleware keeps it, with the headers
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Vary"] = "Accept-Language"
    return response


# --- answered before DRF: PublicAnswerMiddleware ------------------------------------------------

_EARLY: dict[str, Stamp] = {}  # URL name → the stamp of its collection
_early_paths: dict[str, Stamp] | None = None
_ACCEPTED = ("json", "*/*", "html", "application/*", "text/*")  # what DRF's renderers (JSON, browsable) accept


def answer_early(url_name: str, stamp: Stamp) -> None:
    """Let ``PublicAnswerMiddleware`` answer cached reads of this public view (any query string). The
    view must answer through ``public_read`` with no authentication and no permission to check."""
    global _early_paths
    _EARLY[url_name] = stamp
    _early_paths = None


def early_paths() -> dict[str, Stamp]:
    global _early_paths
    if _early_paths is None:
        from django.conf import settings
        from django.conf.urls.i18n import is_language_prefix_patterns_used
        from django.urls import reverse

        # with language-prefixed URLs LocaleMiddleware would pick the language from the path: not done here
        used = is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]
        _early_paths = {} if used else {reverse(name): stamp for name, stamp in _EARLY.items()}
    return _early_paths


def _plain(request) -> bool:
    """A request the middleware below would pass through unchanged to the view (else: the full path)."""
    from django.conf import settings
    from django.core.exceptions import DisallowedHost

    meta = request.META
    raw = meta.get("QUERY_STRING", "")
    accept = meta.get("HTTP_ACCEPT", "")
    if "%00" in raw or "\x00" in raw or (accept and not any(kind in accept for kind in _ACCEPTED)):
        return False  # QueryNulGuard's 400, DRF's 406
    if settings.DISALLOWED_USER_AGENTS or (settings.SECURE_SSL_REDIRECT and not request.is_secure()):
        return False  # CommonMiddleware's 403, SecurityMiddleware's redirect
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


def _replay(request, current: int, entry: tuple) -> HttpResponse:
    """The recorded answer (or its 304), its headers in the order the full path sent them."""
    _built_under, body, headers = entry
    etag = next((value for name, value in headers if name == "ETag"), "")
    if etag and _not_modified(request.META, etag, current // 1_000_000_000):
        response = HttpResponseNotModified()
        for name, value in headers:
            if name != "Content-Type":
                response.headers[name] = "0" if name == "Content-Length" else value
        return response
    return HttpResponse(body, headers=dict(headers))


class PublicAnswerMiddleware:
    """Answers a GET of a collection registered with ``answer_early`` from the cache when the answer
    for this path, query and language is there under the current stamp (with its headers): one
    ``MGET``, no session, no DRF. Otherwise the request takes the full path, which uses the same read
    and, on its way out here, keeps the answer and its headers for the next request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stamp = early_paths().get(request.path_info) if request.method == "GET" else None
        if stamp is None or not _plain(request):
            return self.get_response(request)
        from django.utils.translation import get_language_from_request

        place = f"{request.get_full_path()}|{get_language_from_request(request)}"  # as LocaleMiddleware will choose it
        latest = _latest_key(stamp, place)
        found = cache.get_many([stamp.key, latest])
        current, entry = found.get(stamp.key), found.get(latest)
        if current is not None and entry is not None and entry[0] == current and len(entry) > 2 and entry[2]:
            return _replay(request, current, entry)
        request.public_found = (place, latest, found)
        response = self.get_response(request)
        kept = getattr(response, "public_entry", None)
        if kept is not None and response.status_code == 200:
            key, built_under, body, built = kept
            if not response.cookies:
                cache.set(key, (built_under, body, [(name, value) for name, value in response.items() if name != "X-Request-ID"]), KEEP)
            elif built:
                cache.set(key, (built_under, body, None), KEEP)
        return response
