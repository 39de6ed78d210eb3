"""The portal's shell pages and the process health endpoints."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def home(request):
    from identity.views import elder_mode_context
    from services.selectors import most_applied_item

    popular = most_applied_item() if elder_mode_context(request)["elder"] else None
    return render(request, "portal/home.html", {"popular_item": popular})


def healthz(request):
    """The process is alive (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready to serve: the database, the cache and the broker answer. Any down → 503 with which."""
    checks = {"database": _database_up(), "cache": _cache_up(), "broker": _broker_up()}
    ready = all(checks.values())
    body = {"status": "ok" if ready else "unavailable", **{name: "up" if up else "down" for name, up in checks.items()}}
    return JsonResponse(body, status=200 if ready else 503)


def _database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 — any failure means "down"
        return False
    return True


def _cache_up() -> bool:
    from django.conf import settings
    from django.core.cache import cache

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return True
    try:
        client = cache.client.get_client()  # IGNORE_EXCEPTIONS would hide an outage from cache.get
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False


def _broker_up() -> bool:
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
        return True
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception:  # noqa: BLE001
        return False
    return True


# --- benchmark baselines (mounted only with QILU_BENCH=true) ------------------------------------


def bench_bare(request):
    """The floor for a Django view: no database, no auth."""
    return JsonResponse({"ok": True})


class BenchAnonymousApi(APIView):
    """The floor for any DRF view: no authentication, no work."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


class BenchAuthenticatedApi(APIView):
    """The floor for an authenticated DRF view: session-token auth (one indexed read), no work."""

    def get(self, request):
        return Response({"ok": True})
