"""Portal pages for "my account": masked identity, organisations, agents and who used my data."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.web import back_to, refusal
from identity import audit, second_factor, selectors, services
from identity.forms import AgentAuthoriseForm, RegisterOrganisationForm


@login_required
def account_home(request):
    user = request.user
    events = Paginator(selectors.audit_events_about(user), 20).get_page(request.GET.get("page"))
    events.object_list = [audit.describe(event, viewer=user) for event in events.object_list]
    return render(
        request,
        "identity/account.html",
        {
            "organisations": selectors.organisations_for(user),
            "events": events,
            "register_form": RegisterOrganisationForm(),
        },
    )


@login_required
@require_POST
def organisation_register(request):
    form = RegisterOrganisationForm(request.POST)
    if form.is_valid():
        try:
            organisation = services.organisation_register(actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            messages.error(request, refusal(exc).message)
        else:
            messages.success(request, _("%(name)s is now linked to your account.") % {"name": organisation.name})
            return redirect("organisation-detail", credit_code=organisation.credit_code)
    return redirect("account-home")


@login_required
def organisation_detail(request, credit_code: str):
    organisation = selectors.organisation_for(request.user, credit_code)
    is_representative = organisation.legal_representative_id == request.user.pk
    form = AgentAuthoriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        until = timezone.make_aware(dt.datetime.combine(data["valid_until"], dt.time(23, 59, 59)))
        grant = services.AgentGrant(
            agent_id_number=data["agent_id_number"], agent_name=data["agent_name"], scopes=data["scopes"], valid_until=until
        )
        try:
            services.agent_authorise(actor=request.user, organisation=organisation, grant=grant)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The agent has been authorised."))
            return redirect("organisation-detail", credit_code=organisation.credit_code)
    agents = selectors.agents_visible_to(request.user, organisation)
    return render(
        request,
        "identity/organisation.html",
        {"organisation": organisation, "is_representative": is_representative, "agents": agents, "form": form},
    )


@login_required
@require_POST
def agent_revoke(request, credit_code: str, pk: int):
    organisation = selectors.organisation_for(request.user, credit_code)
    authorisation = selectors.agent_authorisation_for(request.user, organisation, pk)
    services.agent_revoke(actor=request.user, authorisation=authorisation)
    messages.success(request, _("The authorisation has been revoked."))
    return redirect("organisation-detail", credit_code=organisation.credit_code)


ELDER_COOKIE = "qilu_elder"
ELDER_CHOSEN_COOKIE = "qilu_elder_chosen"  # the device's choice was made signed out: it carries into the account at sign-in
_YEAR = 365 * 24 * 3600


def _remember_on_device(response, on: bool, *, chosen_signed_out: bool = False) -> None:
    from django.conf import settings

    options = {"max_age": _YEAR, "samesite": "Lax", "httponly": True, "secure": settings.SESSION_COOKIE_SECURE}
    response.set_cookie(ELDER_COOKIE, "1" if on else "0", **options)
    if chosen_signed_out:
        response.set_cookie(ELDER_CHOSEN_COOKIE, "1", **options)
    else:
        response.delete_cookie(ELDER_CHOSEN_COOKIE, samesite="Lax")


@require_POST
def elder_mode(request):
    """The 长辈版 switch on every page: remembered on this device (a cookie) and, when signed in, on
    the account, so every device the person signs in on follows. A choice made signed out carries into
    the account at the next sign-in (``carry_elder_choice``)."""
    on = request.POST.get("elder") == "1"
    if request.user.is_authenticated:
        services.elder_mode_set(actor=request.user, on=on)
    response = redirect(back_to(request, request.POST.get("next"), "/"))
    _remember_on_device(response, on, chosen_signed_out=not request.user.is_authenticated)
    return response


def carry_elder_choice(request, response, user) -> None:
    """At sign-in: a 长辈版 choice made on this device while signed out becomes the account's; with
    none, the account's setting wins and the device follows it (so it stays after signing out)."""
    if request.COOKIES.get(ELDER_CHOSEN_COOKIE) == "1":
        user = services.elder_mode_set(actor=user, on=request.COOKIES.get(ELDER_COOKIE) == "1")
    _remember_on_device(response, user.elder_mode)


def elder_mode_context(request) -> dict:
    """Template context: ``elder`` — the account's choice when signed in, else this device's."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"elder": user.elder_mode}
    return {"elder": request.COOKIES.get(ELDER_COOKIE) == "1"}


@login_required
def second_factor_gate(request):
    """Where staff land when they try to open other people's data without a second factor: add a
    passkey or an authenticator app, or confirm with the one they have; then back where they were."""
    from allauth.mfa.models import Authenticator
    target = back_to(request, request.GET.get("next"))
    verified = second_factor.verified(request)
    if verified and target:
        return redirect(target)
    kinds = set(Authenticator.objects.filter(user=request.user).values_list("type", flat=True))
    # confirm with a passkey where there is one (allauth's TOTP page also takes a recovery code)
    confirm = "mfa_reauthenticate_webauthn" if Authenticator.Type.WEBAUTHN in kinds else "mfa_reauthenticate"
    return render(request, "identity/second_factor.html", {
        "verified": verified, "next": target, "has_factor": bool(kinds - {Authenticator.Type.RECOVERY_CODES}), "confirm_url": reverse(confirm),
    })
