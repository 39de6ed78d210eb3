"""The platform's notifications arrive here (no session, no CSRF: the signature is the authentication).
What each outcome answers the platform is decided here, the HTTP layer: 2xx when the notification is
done with (the platform stops resending), 4xx when it is refused."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import Unavailable
from core.usecases import SYSTEM
from payments.services import notification_receive

# a refused notification's kind (payments.models.PaymentEvent.Kind) → the status the platform reads
REFUSED_STATUS = {"forged": 401, "replayed": 401, "unknown_order": 404, "mismatch": 409, "out_of_order": 409}


def unavailable(exc: Unavailable) -> JsonResponse:
    """The signature cannot be checked now (the cipher device is away): 503, and the platform sends it again."""
    response = JsonResponse({"code": "FAIL", "result": exc.code}, status=503)
    response["Retry-After"] = "30"
    return response


@csrf_exempt
@require_POST
def notify(request):
    try:
        received = notification_receive(actor=SYSTEM, headers=request.headers, body=request.body)
    except Unavailable as exc:
        return unavailable(exc)
    status = 200 if received.done else REFUSED_STATUS.get(received.kind, 400)
    return JsonResponse({"code": "SUCCESS" if received.done else "FAIL", "result": received.kind}, status=status)
