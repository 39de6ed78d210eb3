"""The 家人 page: my family members (ask, enter a code, act for, revoke), who may act for me (agree,
refuse, revoke), what was done for whom; the clerk's check of a declared parent–child link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.web import back_to, refusal
from family import permissions, selectors, services, web
from family.models import ACTS, FamilyLink

ACT_WORDS = {
    "services.apply": gettext_lazy("办事申请"), "services.pay": gettext_lazy("缴费"), "services.rate": gettext_lazy("评价"),
    "services.track": gettext_lazy("查看办件进度"),
    "credentials.present": gettext_lazy("代亮证照"), "health.view": gettext_lazy("查看健康码"),
}


def _say(request, exc) -> dict:
    refused = refusal(exc)
    messages.error(request, refused.message)
    return refused.errors or {}


@login_required
def family(request):
    errors: dict = {}
    if request.method == "POST":
        try:
            services.family_link_request(actor=request.user, id_number=request.POST.get("id_number", "")[:32], name=request.POST.get("name", "")[:64],
                                         relation=request.POST.get("relation", ""), days=int(request.POST.get("days") or 365),
                                         acts=request.POST.getlist("acts") or None)
        except (ValueError, ValidationError, DomainError) as exc:
            errors = _say(request, exc) if not isinstance(exc, ValueError) else {"days": [_("授权期限为 1 至 365 天。")]}
        else:
            messages.success(request, _("已提交。成年家人确认后、或窗口核验户口簿后即可代办。"))
            return redirect("family")
    dependants = list(selectors.dependants_of(request.user))
    guardians = list(selectors.guardians_of(request.user))
    return render(request, "family/family.html", {
        "dependants": [(link, permissions.is_live(link), selectors.acts_for(link)[:5]) for link in dependants],
        "guardians": [(link, selectors.acts_for(link)[:10]) for link in guardians],
        "acting": web.acting_link(request),
        "acts": [(act, ACT_WORDS[act]) for act in ACTS],
        "errors": errors,
    })


@login_required
@require_POST
def link_step(request, pk: int, step: str):
    link = selectors.link_for(request.user, pk)
    try:
        if step == "confirm":
            services.family_link_confirm(actor=request.user, link=link)
            messages.success(request, _("已同意。你可以随时在这里解除。"))
        elif step == "code":
            services.family_link_confirm_code(actor=request.user, link=link, code=request.POST.get("code", "")[:12])
            messages.success(request, _("家人已确认，可以为TA办事了。"))
        elif step == "revoke":
            services.family_link_revoke(actor=request.user, link=link)
            if request.session.get(web.SESSION_KEY) == link.pk:
                request.session.pop(web.SESSION_KEY)
            messages.success(request, _("已解除。"))
        else:
            raise PermissionDenied
    except (ValidationError, DomainError) as exc:
        _say(request, exc)
    return redirect("family")


@login_required
@require_POST
def act_for(request, pk: int):
    """The switch: act for this family member from now on (or, with pk 0, for myself again)."""
    if pk == 0:
        request.session.pop(web.SESSION_KEY, None)
        messages.success(request, _("已切换回本人。"))
        return redirect(_next(request) or "family")
    link = selectors.link_for(request.user, pk)
    if link.guardian_id != request.user.pk or not permissions.is_live(link):
        messages.error(request, _("这项代办关系还不能使用（待确认、已到期或已解除）。"))
        return redirect("family")
    request.session[web.SESSION_KEY] = link.pk
    return redirect(_next(request) or "services-catalogue")


def _next(request) -> str:
    """Where to go after the switch: a page of this site only."""
    return back_to(request, request.POST.get("next"))


@login_required
def verify_queue(request):
    """窗口核验: a clerk who has seen the 户口簿 or 出生医学证明 confirms a parent's declared link."""
    if not permissions.may_verify(request.user):
        raise PermissionDenied
    if request.method == "POST":
        link = selectors.pending_minor_links().filter(pk=request.POST.get("link") or 0).first()
        if link is not None:
            try:
                services.family_link_verify(actor=request.user, link=link)
                messages.success(request, _("已核验。"))
            except DomainError as exc:
                _say(request, exc)
        return redirect("family-verify")
    return render(request, "family/verify.html", {"links": selectors.pending_minor_links()[:50], "kinds": FamilyLink.Kind})
