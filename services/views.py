"""Portal pages: the catalogue and guides, applying with pre-fill and 免证办, my applications with
their timelines, the staff workbench and the window counter."""

from __future__ import annotations

import secrets
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, NotFound
from core.fields import localised
from core.web import refusal, whole_number
from family import services as family_services
from family import web as family_web
from identity import masking, second_factor
from identity import selectors as identity_selectors
from identity.models import User
from payments import selectors as payment_selectors
from payments import services as payment_services
from services import permissions, selectors
from services.models import RATING_TAGS, Category, Rating, RatingLevel, Status
from services.services import applications, bundles, ratings, steps, uploads, workflow
from services.services import counter as counter_desk
from services.services import documents as notice_documents


def _fail(request, exc) -> dict:
    refused = refusal(exc)
    if isinstance(exc, DomainError):
        messages.error(request, refused.message)
        return {}
    return {key.removeprefix("data."): value for key, value in refused.errors.items()}


ERROR_FIELD_WORDS = {"comment": gettext_lazy("意见"), "note": gettext_lazy("回访记录"), "reply": gettext_lazy("整改答复"), "level": gettext_lazy("评价"),
                     "tags": gettext_lazy("标签")}


def _say_refusal(request, exc, version=None) -> None:
    """A refusal as messages that name each field by its label (a form's own, a material's name, or
    the page's word for it), never by its key; a message for no field stands alone."""
    words = {**ERROR_FIELD_WORDS}
    if version is not None:
        words.update({f["key"]: localised(f)["label"] for f in version.form_schema})
        words.update({f"uploads.{material.pk}": material.name for material in version.materials.all()})
    for key, value in _fail(request, exc).items():
        label = words.get(key)
        messages.error(request, f"{label}：{' '.join(value)}" if label else " ".join(value))


def catalogue(request):
    q = request.GET.get("q", "").strip()
    items = selectors.catalogue(q=q, category=request.GET.get("category", ""), department=request.GET.get("department", ""))
    return render(
        request,
        "services/catalogue.html",
        {
            "items": Paginator(items, 20).get_page(request.GET.get("page")),
            "q": q,
            "themes": Category.objects.filter(kind="theme"),
            "life_events": Category.objects.filter(kind="life_event"),
            "category": request.GET.get("category", ""),
        },
    )


def guide(request, code: str):
    item = selectors.item_for(code)
    return render(request, "services/guide.html", {"item": item, "version": item.current_version})


def _uploads_from(request, version, owner) -> dict:
    attached = {}
    for material in version.materials.all():
        upload = request.FILES.get(f"material_{material.pk}")
        if upload is not None:
            if upload.size > uploads.MAX_UPLOAD_BYTES:
                raise ValidationError({f"uploads.{material.pk}": [_("The file is larger than 10 MB.")]})
            try:
                stored = uploads.upload_store(actor=owner, name=upload.name, content=upload.read())
            except ValidationError as exc:
                raise ValidationError({f"uploads.{material.pk}": exc.message_dict.get("file", exc.messages)}) from exc
            attached[str(material.pk)] = str(stored.id)
    return attached


def _form_context(version, applicant, organisation, filled, errors):
    return {
        "fields": [{**localised(f), "value": filled.get(f["key"], ""), "errors": errors.get(f["key"], [])} for f in version.form_schema],
        "materials": [
            {"material": m, "credential": c, "errors": errors.get(f"uploads.{m.pk}", [])}
            for m, c in selectors.held_materials(version, applicant, organisation)
        ],
        "errors": errors.get("__all__", []) + errors.get("organisation", []),
    }


def _answers(user, application) -> list[tuple[str, object]]:
    viewer = permissions.viewer_of(user, application)
    return [(label, value) for _key, label, value in masking.shown_answers(application.version.form_schema, application.data, viewer=viewer)]


def _applicant(user, application) -> str:
    viewer = permissions.viewer_of(user, application)
    person = application.applicant
    return f"{masking.shown('name', person.name, viewer=viewer)} {masking.shown('id_number', person.id_number, viewer=viewer)}"


@login_required
def apply(request, code: str):
    item = selectors.item_for(code)
    version = item.current_version
    organisation = identity_selectors.organisation_for(request.user, request.GET["organisation"]) if request.GET.get("organisation") else None
    values, errors = {}, {}
    applicant = (None if organisation else family_web.acting_for(request, "services.apply")) or request.user  # 家庭代办
    if request.method == "POST":
        values = {f["key"]: request.POST.get(f["key"], "") for f in version.form_schema}
        try:
            attached = _uploads_from(request, version, request.user)
            submitted = applications.application_submit(
                actor=request.user,
                item=item,
                data=values,
                uploads=attached,
                organisation=organisation,
                idempotency_key=request.POST.get("idempotency_key", ""),
                for_person=applicant if applicant.pk != request.user.pk else None,
            )
        except (ValidationError, DomainError) as exc:
            errors = _fail(request, exc)
        else:
            messages.success(request, _("Submitted. Application number %(number)s.") % {"number": submitted.application.number})
            return redirect("application-detail", number=submitted.application.number)
    return render(
        request,
        "services/apply.html",
        {
            "item": item,
            "version": version,
            "organisation": organisation,
            "idempotency_key": secrets.token_urlsafe(16),
            **_form_context(version, applicant, organisation, selectors.prefill(version, applicant, organisation) | values, errors),
        },
    )


@login_required
def my_applications(request):
    whose = family_web.acting_for(request, "services.track") or request.user  # 家庭代办: the family member's, while acting for them
    return render(
        request, "services/applications.html", {"applications": Paginator(selectors.applications_of(whose), 20).get_page(request.GET.get("page"))}
    )


@login_required
def application_detail(request, number: str):
    application = selectors.application_for(request.user, number)
    if application.applicant_id != request.user.pk:
        if not permissions.tracks_for_family(request.user, application):
            return redirect("workbench-detail", number=number)
        family_services.family_data_viewed(actor=request.user, dependant=application.applicant, act="services.track", what=application.number)
    order = _order_of(request, application)
    return render(
        request,
        "services/application.html",
        {
            "application": application,
            "answers": _answers(request.user, application),
            "actions": _actions_for(request.user, application),
            "rating": selectors.rating_of(application.applicant, application),
            "order": order,
            "refund_progress": payment_selectors.refund_progress(order) if order else "",
            "can_rate": application.status in ratings.RATEABLE,
            "levels": RatingLevel.choices,
            "tags": RATING_TAGS.items(),
        },
    )


def _actions_for(user, application) -> frozenset[str]:
    """What the page offers: the applicant's steps, or to a guardian (家庭代办) only paying."""
    actions = steps.allowed_actions(application)
    return actions if application.applicant_id == user.pk else actions & frozenset(FAMILY_ACTS)


def _order_of(request, application):
    """The applicant's order for their application (the caller may see it: its applicant, or a guardian
    tracking it), or None (payments owns the query and its scoping)."""
    try:
        return payment_selectors.order_for(application.applicant, purpose="application", reference=application.number)
    except NotFound:
        return None


ENDINGS = {"withdraw": applications.application_withdraw, "cancel": applications.application_cancel}
FAMILY_ACTS = {"pay": "services.pay", "rate": "services.rate", "rerate": "services.rate"}  # what a guardian may do here (家庭代办)


def _confirm_ending(request, application, action: str):
    """Withdrawing or cancelling asks first, on a page of its own (no script needed): what ends, what
    happens to the fee, an optional reason, then the one button that does it."""
    if action not in steps.allowed_actions(application):
        messages.error(request, _("This application is %(status)s; that step is not possible now.") % {"status": application.get_status_display()})
        return redirect("application-detail", number=application.number)
    return render(request, "services/confirm_ending.html", {"application": application, "action": action, "order": _order_of(request, application)})


@login_required
@require_http_methods(["GET", "POST"])
def application_action(request, number: str, action: str):
    application = selectors.own_application_for(request.user, number, family_act=FAMILY_ACTS.get(action))
    if action in ENDINGS and (request.method == "GET" or request.POST.get("confirmed") != "yes"):
        return _confirm_ending(request, application, action)
    if request.method == "GET":
        return redirect("application-detail", number=number)
    try:
        if action in ENDINGS:
            ENDINGS[action](actor=request.user, application=application, comment=request.POST.get("comment", "")[:2000])
            messages.success(request, _("申请已撤回。") if action == "withdraw" else _("申请已取消。"))
        elif action == "pay":
            order = payment_selectors.order_for(application.applicant, purpose="application", reference=application.number)
            return redirect(payment_services.order_checkout(actor=request.user, order=order, return_url=f"/services/applications/{application.number}/"))
        elif action in ("rate", "rerate"):
            level, tags, comment = whole_number(request.POST.get("level")), request.POST.getlist("tags"), request.POST.get("comment", "")
            if action == "rate":
                ratings.rating_submit(actor=request.user, application=application, level=level, tags=tags, comment=comment)
            else:
                first = selectors.rating_of(application.applicant, application)
                if first is None:
                    raise NotFound()
                ratings.rating_revise(actor=request.user, rating=first, level=level, tags=tags, comment=comment)
            messages.success(request, _("Thank you for your rating."))
        elif action == "resubmit":
            attached = _uploads_from(request, application.version, request.user)
            data = {key: value for key, value in request.POST.items() if key in {f["key"] for f in application.version.form_schema} and value}
            applications.application_resubmit(actor=request.user, application=application, data=data or None, uploads=attached)
        else:
            raise NotFound()
    except (ValidationError, DomainError) as exc:
        _say_refusal(request, exc, application.version)
    return redirect("application-detail", number=number)


@login_required
@permission_required(permissions.REVIEW, raise_exception=True)
@second_factor.required
def workbench(request):
    params = request.GET
    queue = selectors.queue_for(
        request.user, status=params.get("status", ""), overdue=params.get("overdue") == "1", mine=params.get("mine") == "1", q=params.get("q", "")
    )
    return render(
        request, "services/workbench.html", {"applications": Paginator(queue, 25).get_page(params.get("page")), "statuses": Status.choices, "params": params}
    )


@login_required
@permission_required(permissions.REVIEW, raise_exception=True)
@second_factor.required
def workbench_detail(request, number: str):
    application = selectors.application_for(request.user, number)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "claim":
                workflow.application_claim(actor=request.user, application=application)
            else:
                workflow.application_review(
                    actor=request.user, application=application, action=action, comment=request.POST.get("comment", "")
                )
        except (ValidationError, DomainError) as exc:
            _say_refusal(request, exc)
        return redirect("workbench-detail", number=number)
    workflow.application_open(actor=request.user, application=application)
    return render(
        request,
        "services/review.html",
        {
            "application": application,
            "answers": _answers(request.user, application),
            "attachments": application.attachments.select_related("material", "credential__type", "upload"),
            "applicant": _applicant(request.user, application),
            "review_actions": steps.allowed_actions(application, by="reviewer"),
        },
    )


COUNTER_SESSION = "counter_walk_in"
COUNTER_SECONDS = 15 * 60


def _walk_in(request) -> dict | None:
    """The citizen identified at this counter, kept in the (encrypted) session for a quarter hour."""
    walk_in = request.session.get(COUNTER_SESSION)
    if walk_in and walk_in["until"] > time.time():
        return walk_in
    request.session.pop(COUNTER_SESSION, None)
    return None


@login_required
@permission_required(permissions.SUBMIT_ON_BEHALF, raise_exception=True)
@second_factor.required
def counter(request):
    """Window counter: the walk-in citizen shows a 亮证 code, the clerk scans or pastes it (POST, never
    in a URL), and applies for them with only what the code disclosed pre-filled. Every step is
    recorded and shown to the citizen."""
    step = request.POST.get("step", "")
    if step == "identify":
        identified = counter_desk.counter_identify(actor=request.user, token=request.POST.get("presentation", "").strip()[:8000])
        if identified.walk_in is None:
            messages.error(request, identified.message)
        else:
            request.session[COUNTER_SESSION] = {**identified.walk_in.as_session(), "item": request.POST.get("item", ""),
                                                "until": time.time() + COUNTER_SECONDS}
        return redirect("services-counter")
    if step == "done":
        request.session.pop(COUNTER_SESSION, None)
        return redirect("services-counter")
    walk_in = _walk_in(request)
    item = selectors.catalogue().filter(code=walk_in["item"]).first() if walk_in else None
    context = {}
    if walk_in and item:
        applicant = User.objects.get(pk=walk_in["applicant"])
        version, values, errors = item.current_version, {}, {}
        if step == "submit":
            values = {f["key"]: request.POST.get(f["key"], "") for f in version.form_schema}
            try:
                attached = _uploads_from(request, version, request.user)
                submitted = applications.application_submit(
                    actor=applicant,
                    item=item,
                    data=values,
                    uploads=attached,
                    submitted_by=request.user,
                    idempotency_key=request.POST.get("idempotency_key", ""),
                )
            except (ValidationError, DomainError) as exc:
                errors = _fail(request, exc)
            else:
                request.session.pop(COUNTER_SESSION, None)
                messages.success(request, _("Submitted for %(name)s: %(number)s.") % {"name": masking.name_of(applicant, viewer=masking.Viewer.OTHERS),
                                                                          "number": submitted.application.number})
                return redirect("services-counter")
        filled = counter_desk.walk_in_prefill(version, walk_in) | values
        context = {"version": version, "idempotency_key": secrets.token_urlsafe(16), **_form_context(version, applicant, None, filled, errors)}
    return render(
        request,
        "services/counter.html",
        {"walk_in": walk_in, "masked_name": masking.shown("name", walk_in["name"], viewer=masking.Viewer.OTHERS) if walk_in else "",  # faces the hall
         "item": item, "items": selectors.catalogue()[:200], **context},
    )


@login_required
@permission_required(permissions.REVIEW, raise_exception=True)
@second_factor.required
def rectifications(request):
    """The department's bad-rating cases: call back within 1 working day, rectify within 15."""
    if request.method == "POST":
        case = selectors.rectification_for(request.user, whole_number(request.POST.get("case")))
        try:
            if request.POST.get("step") == "callback":
                ratings.rectification_callback(actor=request.user, case=case, note=request.POST.get("note", ""))
            else:
                ratings.rectification_reply(actor=request.user, case=case, reply=request.POST.get("reply", ""))
        except (ValidationError, DomainError) as exc:
            _say_refusal(request, exc)
        return redirect("rectifications")
    cases = Paginator(selectors.rectifications_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "services/rectifications.html", {"cases": cases})


def rating_board(request):
    """Public 好差评: departments ranked by their share of bad ratings, and each item's score."""
    return render(request, "services/ratings.html", {"departments": selectors.department_ranking(), "items": selectors.item_scores()})


def bundle_list(request):
    """一件事: the bundles on offer, each with its parts in order."""
    return render(request, "services/bundles.html", {"bundles": selectors.bundles()})


@login_required
def bundle_apply(request, code: str):
    """One form for the whole bundle: each question once, each material once (wallet first)."""
    bundle = selectors.bundle_for(code)
    form = selectors.bundle_form(bundle, request.user)
    values, errors = {}, {}
    if request.method == "POST":
        values = {f["key"]: request.POST.get(f["key"], "") for f in form.fields}
        try:
            stored = {}
            for index, material in enumerate(form.materials):
                upload = request.FILES.get(f"material_{index}")
                if upload is not None and not material["held"]:
                    stored[material["key"]] = str(uploads.upload_store(actor=request.user, name=upload.name, content=upload.read()).id)
            made = bundles.bundle_submit(actor=request.user, bundle=bundle, data={k: v for k, v in values.items() if v}, uploads=stored,
                                         idempotency_key=request.POST.get("idempotency_key", ""))
        except (ValidationError, DomainError) as exc:
            errors = _fail(request, exc)
        else:
            return redirect("bundle-application", number=made.row.number)
    fields = [{**f, "value": values.get(f["key"], f["value"]), "errors": errors.get(f["key"], [])} for f in form.fields]
    return render(request, "services/bundle_apply.html", {"bundle": bundle, "form": form, "fields": fields, "materials": list(enumerate(form.materials)),
                                                          "idempotency_key": secrets.token_urlsafe(16), "errors": errors.get("__all__", [])})


@login_required
def bundle_application(request, number: str):
    found = selectors.bundle_application_for(request.user, number)
    return render(request, "services/bundle_application.html", {"bundle_application": found, "lines": selectors.bundle_timeline(found)})


@login_required
def visit_rate(request, pk: int):
    """好差评 of a counter visit that made no application (a clerk checked my 亮证 code at a window)."""
    visit = selectors.visit_for(request.user, pk)
    existing = Rating.objects.filter(visit_id=visit.pk, revises__isnull=True).first()
    if request.method == "POST" and existing is None:
        try:
            ratings.visit_rate(actor=request.user, visit=visit, level=whole_number(request.POST.get("level")), tags=request.POST.getlist("tags"),
                               comment=request.POST.get("comment", ""))
        except (ValidationError, DomainError) as exc:
            _say_refusal(request, exc)
        else:
            messages.success(request, _("Thank you for your rating."))
        return redirect("visit-rate", pk=pk)
    return render(request, "services/visit_rate.html", {"visit": visit, "rating": existing, "levels": RatingLevel.choices, "tags": RATING_TAGS.items()})


def notice_check(request, signed: str):
    """The page a result notice's QR opens (public): the notice's facts, the applicant masked (whoever
    scans it sees no more than the paper shows), and whether its credential is still valid."""
    number = notice_documents.notice_number(signed)
    application = selectors.completed_application(number) if number else None
    if application is None:
        raise NotFound()
    applicant = application.organisation.name if application.organisation else masking.name_of(application.applicant, viewer=masking.Viewer.OTHERS)
    return render(request, "documents/notice_check.html", {"application": application, "applicant": applicant,
                                                            "credential": application.result_credential})
