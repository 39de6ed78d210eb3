"""Portal pages: my pass (self-refreshing), declarations, appeals, dependants, the venue-code page a
phone camera opens, the checkpoint console, venue managers' codes, and officers' statistics."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import areas
from core.errors import DomainError, NotFound
from core.web import refusal
from credentials.rendering import qr_png, qr_svg
from family import services as family_services
from family import web as family_web
from healthcode import selectors, services
from healthcode.models import Colour, DailyCount, Dependant, RecomputeJob
from identity import second_factor


def _error(request, exc) -> None:
    messages.error(request, refusal(exc).message)


def _dependant(request):
    pk = request.GET.get("dependant")
    if not pk:
        return None
    if not pk.isdigit():
        raise NotFound()
    return selectors.dependant_for(request.user, int(pk))


def _shown(request) -> dict:
    dependant = _dependant(request)
    family_member = None if dependant else family_web.acting_for(request, "health.view")  # 家庭代办 (family.permissions)
    shown = services.pass_show(user=family_member or request.user, dependant=dependant)
    return {
        "colour": shown.status["colour"],
        "colour_label": str(Colour(shown.status["colour"]).label),
        "masked_name": shown.claims["hp"]["n"],
        "evaluated_at": timezone.localtime(shown.status["evaluated_at"]).strftime("%Y-%m-%d %H:%M"),
        "reasons": selectors.explain(shown.status, language=get_language()),
        "rule_version": shown.status["rule_version"],
        "payload": shown.token,
        "svg": qr_svg(shown.token),
        "expires_at": shown.claims["exp"],
        "ttl": shown.claims["exp"] - shown.claims["iat"],
        "dependant": dependant,
        "family_member": family_member,
    }


@login_required
def pass_page(request):
    shown = _shown(request)
    if shown["family_member"]:
        family_services.family_data_viewed(actor=request.user, dependant=shown["family_member"], act="health.view", what=_("健康码"))
    person_index = shown["dependant"].person_index if shown["dependant"] else (shown["family_member"] or request.user).id_number_index
    return render(request, "healthcode/pass.html", {
        "shown": shown,
        "dependants": selectors.dependants_of(request.user),
        "checks": selectors.checks_of(person_index)[:10],
        "appeals": [(appeal, "；".join(selectors.reason_texts(appeal.reason_codes, language=get_language())))
                    for appeal in (selectors.appeals_of(request.user)[:5] if not (shown["dependant"] or shown["family_member"]) else [])],
    })


@login_required
def pass_json(request):
    shown = _shown(request)
    shown.pop("dependant")
    shown.pop("family_member")
    response = JsonResponse(shown)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def declare(request):
    if request.method == "POST":
        travel = []
        area = request.POST.get("area", "") or request.POST.get("area_code", "")
        if area.strip():
            area_code = areas.area_code_for(area)
            if not area_code:
                messages.error(request, _("请从列表中选择去过的地区。"))
                return redirect("health-declare")
            try:
                arrived = dt.datetime.fromisoformat(request.POST.get("arrived_at", ""))
                left = dt.datetime.fromisoformat(request.POST.get("left_at", ""))
            except ValueError:
                messages.error(request, _("Arrival must be before departure, and both in the past."))
                return redirect("health-declare")
            travel.append({"area_code": area_code, "arrived_at": timezone.make_aware(arrived), "left_at": timezone.make_aware(left)})
        try:
            services.declaration_submit(actor=request.user, symptoms=request.POST.get("symptoms") == "on", note=request.POST.get("note", ""), travel=travel)
        except (ValidationError, DomainError) as exc:
            _error(request, exc)
            return redirect("health-declare")
        messages.success(request, _("Thank you. Your pass has been re-evaluated."))
        return redirect("health-pass")
    return render(request, "healthcode/declare.html", {"areas": areas.current_areas()})


@login_required
@require_POST
def appeal(request):
    try:
        services.appeal_submit(actor=request.user, reason=request.POST.get("reason", ""), evidence=request.POST.get("evidence", ""))
    except (ValidationError, DomainError) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Your appeal has been sent to the health officers."))
    return redirect("health-pass")


@login_required
def dependants(request):
    if request.method == "POST":
        try:
            services.dependant_add(actor=request.user, id_number=request.POST.get("id_number", ""), name=request.POST.get("name", ""),
                                   relation=request.POST.get("relation", ""), consent=request.POST.get("consent", ""),
                                   consent_note=request.POST.get("consent_note", ""))
        except (ValidationError, DomainError) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("You now hold this person's pass."))
        return redirect("health-dependants")
    return render(request, "healthcode/dependants.html", {"dependants": selectors.dependants_of(request.user), "consents": Dependant.Consent.choices})


@login_required
def venue_visit(request, code: str):
    """The page a phone camera opens from a venue code: confirm to record the visit."""
    venue = selectors.open_venue(code)
    if request.method == "POST":
        services.visit_record(actor=request.user, venue_code=code)
        messages.success(request, _("Visit to %(venue)s recorded.") % {"venue": venue.name})
        return redirect("health-pass")
    return render(request, "healthcode/venue_visit.html", {"venue": venue})


@login_required
@permission_required("healthcode.add_venue", raise_exception=True)
def venues(request):
    if request.method == "POST":
        try:
            services.venue_register(actor=request.user, name=request.POST.get("name", ""), area_code=request.POST.get("area_code", ""),
                                    address=request.POST.get("address", ""))
        except ValidationError as exc:
            _error(request, exc)
        return redirect("health-venues")
    return render(request, "healthcode/venues.html", {"venues": selectors.venues_of(request.user)})


@login_required
@permission_required("healthcode.add_venue", raise_exception=True)
def venue_poster(request, code: str):
    venue = selectors.venue_managed_by(request.user, code)
    url = request.build_absolute_uri(reverse("health-venue-visit", args=[venue.code]))
    if request.GET.get("format") == "png":
        response = HttpResponse(qr_png(url), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="venue-{venue.code}.png"'
        return response
    return render(request, "healthcode/venue_poster.html", {"venue": venue, "svg": qr_svg(url), "url": url})


@login_required
@permission_required("healthcode.check_pass", raise_exception=True)
@second_factor.required
def checkpoint(request):
    verdict = None
    if request.method == "POST":
        payload = (request.POST.get("payload") or "").strip()
        if payload:
            verdict = services.pass_check(actor=request.user, token=payload[:4000], place=request.POST.get("place", ""))
            verdict.message = services.REASONS.get(verdict.reason, verdict.reason)
        else:
            messages.error(request, _("Scan or paste a QR payload first."))
    return render(request, "healthcode/checkpoint.html", {"verdict": verdict, "place": request.POST.get("place", "")})


@login_required
@permission_required("healthcode.view_healthstatus", raise_exception=True)
def statistics(request):
    live = selectors.colour_counts(request.GET.get("area", ""))
    days = {}
    for row in DailyCount.objects.filter(day__gte=timezone.localdate() - dt.timedelta(days=13)).order_by("day"):
        days.setdefault(row.day, {"green": 0, "yellow": 0, "red": 0})[row.colour] += row.count
    cities = {}
    for row in live["by_city"]:
        cities.setdefault(row["city"] + "00", {"green": 0, "yellow": 0, "red": 0})[row["colour"]] = row["n"]
    total = sum(live["by_colour"].values()) or 1
    bars = [{"colour": c, "label": Colour(c).label, "n": live["by_colour"].get(c, 0), "pct": 100 * live["by_colour"].get(c, 0) / total}
            for c in ("green", "yellow", "red")]
    series = [{"day": day, **counts} for day, counts in days.items()]  # the by-day table; static/js/health-stats.js charts it
    return render(request, "healthcode/statistics.html", {
        "bars": bars, "cities": sorted(cities.items()), "series": series, "people": live["people"], "jobs": RecomputeJob.objects.all()[:5],
    })
