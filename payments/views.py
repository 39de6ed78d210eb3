"""The platform's notifications arrive here (no session, no CSRF: the signature is the authentication)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.usecases import SYSTEM
from payments.services import notification_receive


@csrf_exempt
@require_POST
def notify(request):
    received = notification_receive(client=SYSTEM, headers=request.headers, body=request.body)
    return JsonResponse({"code": "SUCCESS" if received.status < 300 else "FAIL", "result": received.kind}, status=received.status)
