"""Portal pages: my 鲁通码 (self-refreshing) with my scenario switches and who read it, and the
public register of scenarios."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.web import refusal
from credentials.rendering import qr_svg
from lutong import selectors, services


def _shown(request) -> dict:
    code = services.code_show(user=request.user)
    return {"payload": code.payload, "svg": qr_svg(code.payload), "expires_at": int(code.expires_at.timestamp()), "ttl": code.ttl}


@login_required
def code_page(request):
    off = selectors.switched_off(request.user)
    found = selectors.scenarios()
    for scenario in found:
        scenario.enabled = scenario.statutory or scenario.pk not in off
    return render(request, "lutong/code.html", {"shown": _shown(request), "scenarios": found,
                                                "reads": selectors.reads_of(request.user)[:10]})


@login_required
def code_json(request):
    response = JsonResponse(_shown(request))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def switch(request, code: str):
    scenario = selectors.scenario_for(code)
    try:
        services.scenario_switch(actor=request.user, scenario=scenario, enabled=request.POST.get("enabled") == "1")
    except DomainError as exc:
        messages.error(request, refusal(exc).message)
    return redirect("lutong-code")


def register(request):
    return render(request, "lutong/register.html", {"scenarios": selectors.scenarios()})
