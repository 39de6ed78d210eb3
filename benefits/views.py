"""The person's pages: 我的免申即享 (what the state found I am owed), one benefit (confirm the card,
decline, object; why), and "why not me" for a published policy. The payment platform's transfer
notifications arrive at ``payout_notify`` (no session: the signature is the authentication)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from benefits import selectors, services
from benefits.models import Entitlement
from core.errors import DomainError, Unavailable
from core.usecases import SYSTEM
from core.web import refusal
from identity.masking import Viewer, shown
from payments import views as payment_views

ANSWERED = {"paid": 200, "duplicate": 200, "forged": 401, "replayed": 401, "refused": 409}


@login_required
def mine(request):
    return render(request, "benefits/mine.html", {"entitlements": selectors.my_entitlements(request.user),
                                                  "policies": selectors.published_policies()})


@login_required
def entitlement(request, pk: int):
    found = selectors.my_entitlement(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                services.entitlement_confirm(actor=request.user, entitlement=found, account_number=request.POST.get("account_number", ""),
                                             account_bank=request.POST.get("account_bank", ""))
                messages.success(request, _("已确认收款账户，待遇将发放到这张银行卡。"))
            elif action == "decline":
                services.entitlement_decline(actor=request.user, entitlement=found)
                messages.success(request, _("您已放弃这项待遇。"))
            elif action == "object":
                services.entitlement_object(actor=request.user, entitlement=found, reason=request.POST.get("reason", ""))
                messages.success(request, _("异议已提交，工作人员会核实后答复您。"))
            return redirect("benefit", pk=pk)
        except (DomainError, ValidationError) as exc:
            messages.error(request, refusal(exc).message)
    found = selectors.my_entitlement(request.user, pk)
    return render(request, "benefits/entitlement.html", {"entitlement": found, "why": selectors.why(found),
                                                         "account": shown("bank_card", found.account_number or "", viewer=Viewer.HOLDER),
                                                         "answerable": found.status == Entitlement.Status.NOTIFIED})


@login_required
def why_not_me(request, code: str):
    policy = selectors.published_policy(code)
    return render(request, "benefits/why.html", {"policy": policy, "why": selectors.why_not_me(request.user, policy)})


@csrf_exempt
@require_POST
def payout_notify(request):
    try:
        result = services.payout_notification_receive(actor=SYSTEM, headers=request.headers, body=request.body)
    except Unavailable as exc:
        return payment_views.unavailable(exc)
    status = ANSWERED.get(result, 400)
    return JsonResponse({"code": "SUCCESS" if status == 200 else "FAIL", "result": result}, status=status)


