"""Portal pages: the wallet, one credential with its card, showing it as a QR (亮证), the clerk's
verification console, and "who checked my credentials"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, NotFound
from core.web import refusal
from credentials import claims, permissions, rendering, selectors, services
from credentials.api.serializers import WalletCredentialSerializer
from credentials.openid import oid4vci, oid4vp
from family import web as family_web
from identity import second_factor
from identity import selectors as identity_selectors


@login_required
def wallet(request):
    organisation = None
    code = request.GET.get("organisation")
    show_hidden = request.GET.get("all") == "1"
    if code:
        organisation = identity_selectors.organisation_for(request.user, code)
        everything = selectors.organisation_wallet(request.user, organisation)
    else:
        everything = selectors.wallet_for(family_web.acting_for(request, "credentials.present") or request.user)  # 家庭代办: the family member's
    credentials = selectors.current_of(everything, include_hidden=show_hidden)
    return render(
        request,
        "credentials/wallet.html",
        {
            "credentials": credentials,
            "history": selectors.history_of(everything),
            "organisation": organisation,
            "organisations": identity_selectors.organisations_for(request.user),
            "show_hidden": show_hidden,
            "checks": selectors.checks_of(request.user)[:5] if not organisation else [],
        },
    )


@login_required
def credential_detail(request, identifier: str):
    credential = selectors.credential_for(request.user, identifier)
    data = WalletCredentialSerializer(credential).data
    facts = claims.facts_once(holder_name=data["holder_name"], holder_number=data["holder_number"], rows=data["fields"], issuer=data["issuer"])
    return render(
        request,
        "credentials/detail.html",
        {"credential": credential, "data": data, "facts": facts, "may_present": permissions.may_present(request.user, credential)},
    )


@login_required
def card_image(request, identifier: str):
    credential = selectors.credential_for(request.user, identifier)
    response = HttpResponse(rendering.card_png(credential), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def credential_hide(request, identifier: str):
    credential = selectors.credential_for(request.user, identifier)
    services.credential_set_hidden(actor=request.user, credential=credential, hidden=request.POST.get("hidden") == "1")
    messages.success(request, _("Hidden from the wallet's front page.") if credential.hidden else _("Shown on the wallet's front page again."))
    return redirect("wallet-credential", identifier=identifier)


def _present(request, credential):
    shown = services.presentation_create(actor=request.user, credential=credential, disclose=request.POST.getlist("disclose"))
    # each disclosed claim's label in the page's language; a type without an English label shows the Chinese one, marked as such
    english = get_language() == "en"
    labels = {name: {"text": en if english else zh, "lang": "zh-Hans" if english and en == zh else ""}
              for name, zh, en in claims.labelled_claims(credential.type)}
    labels |= {"holder_number": {"text": _("完整证件号码"), "lang": ""}, "photo": {"text": _("照片"), "lang": ""}}
    return {
        "payload": shown.token,
        "svg": rendering.qr_svg(shown.token),
        "png": rendering.qr_png_data_uri(shown.token),
        "expires_at": shown.presentation.expires_at.isoformat(),
        "ttl": int((shown.presentation.expires_at - shown.presentation.created_at).total_seconds()),
        "disclosed": shown.presentation.disclosed,
        "labels": [labels.get(key, {"text": key})["text"] for key in shown.presentation.disclosed],
        "label_words": [labels.get(key, {"text": key, "lang": ""}) for key in shown.presentation.disclosed],
        "on_behalf": shown.presentation.on_behalf,
    }


@login_required
@require_http_methods(["GET", "POST"])
def credential_present(request, identifier: str):
    """Show a credential: a fresh QR. The page's script asks for the next one (same fields) via JSON.
    A GET (a refresh, the language or 长辈版 switch, 切换回本人 — each returns to the page it came from)
    lands on the credential, where showing it again is one tap: a code is never made by a GET."""
    credential = selectors.credential_for(request.user, identifier)
    if request.method == "GET":
        return redirect("wallet-credential", identifier=identifier)
    try:
        shown = _present(request, credential)
    except (DomainError, ValidationError) as exc:
        refused = refusal(exc)
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"code": refused.code, "message": refused.message, "errors": refused.errors}, status=refused.status)
        messages.error(request, refused.message)
        return redirect("wallet-credential", identifier=identifier)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(shown)
    return render(request, "credentials/present.html", {"credential": credential, "shown": shown})


@login_required
def checks(request):
    page = Paginator(selectors.checks_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "credentials/checks.html", {"checks": page, "shared": selectors.shared_log(request.user)})


@login_required
@permission_required("credentials.verify_credential", raise_exception=True)
@second_factor.required
def verify_console(request):
    verdict = None
    if request.method == "POST":
        payload = (request.POST.get("payload") or "").strip()
        if payload:
            verdict = services.presentation_verify(actor=request.user, token=payload[:8000])
        else:
            messages.error(request, _("Scan or paste a QR payload first."))
    facts = None
    if verdict and verdict.valid:
        shown = verdict.credential
        facts = claims.facts_once(holder_name=shown["holder_name"], holder_number=shown["holder_number"], rows=verdict.rows, issuer=shown["issuer"])
    return render(request, "credentials/verify.html", {"verdict": verdict, "facts": facts})


# --- open standards: a wallet app, the verifier register, requests by QR -------------------------


@login_required
@require_http_methods(["GET", "POST"])
def credential_offer(request, identifier: str):
    """Add a credential to a wallet app on the phone: an OpenID4VCI offer as a QR, and the six-digit
    transaction code beside it (never inside it: a photo of the QR alone is not enough). A GET goes
    to the credential, as for showing it."""
    credential = selectors.credential_for(request.user, identifier)
    if request.method == "GET":
        return redirect("wallet-credential", identifier=identifier)
    try:
        offer = oid4vci.offer_create(actor=request.user, credential=credential)
    except DomainError as exc:
        messages.error(request, refusal(exc).message)
        return redirect("wallet-credential", identifier=identifier)
    uri = offer.uri(oid4vci.public_url(request))
    return render(request, "credentials/offer.html", {"credential": credential, "offer": offer, "uri": uri, "svg": rendering.qr_svg(uri)})


def register(request):
    """The public verifier register: who may ask Qilu wallets for what, and why."""
    return render(request, "credentials/register.html", {"parties": selectors.relying_parties()})


@login_required
@second_factor.required
def request_console(request):
    """For a relying party's staff (a window, a checkpoint): ask for fields as an OpenID4VP QR, then
    see the answer. Only the parties the person is listed for, and only what each may ask."""
    parties = selectors.relying_parties_of(request.user)
    if not parties:
        raise PermissionDenied
    made = None
    if request.method == "POST":
        choice = request.POST.get("credential_type", "")  # "<type code>:<client_id>"
        type_code, _sep, chosen = choice.partition(":")
        try:
            made = oid4vp.request_create(actor=request.user, client_id=chosen, type_code=type_code, fields=request.POST.getlist(f"fields-{choice}"))
        except (DomainError, ValidationError) as exc:
            messages.error(request, refusal(exc).message)
        else:
            return redirect(f"{reverse('verify-wallet')}?request={made.pk}")
    shown = None
    if request.GET.get("request"):
        try:
            shown = selectors.presentation_request_for(request.user, request.GET["request"])
        except (NotFound, ValidationError):
            shown = None
    context = {"parties": parties, "shown": shown}
    if shown is not None:
        base = oid4vci.public_url(request)
        labels = claims.claim_labels(shown.credential_type)
        context.update(uri=oid4vp.wallet_uri(shown, base), svg=rendering.qr_svg(oid4vp.wallet_uri(shown, base)),
                       rows=selectors.disclosed_rows(shown), reason=claims.reason_label(shown.reason),
                       requested=[labels.get(key, key) for key in shown.fields])
    return render(request, "credentials/request_console.html", context)
