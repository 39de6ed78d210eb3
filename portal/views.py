"""The portal's shell pages and the process health endpoints."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def home(request):
    return render(request, "portal/home.html")


def healthz(request):
    """The process is alive (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """The database answers; a cache outage degrades but does not make us unready."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})
