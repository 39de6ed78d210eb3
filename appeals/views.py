"""Cases' portal pages: 我要咨询 / 我要投诉 (signed in, or anonymously with a tracking code), my cases
with their timeline and deadlines and the 回访 form, following an anonymous report; for staff the
dispatcher's queue, the department's queue with its cards, and the case page (opening it is audited;
its forms are the actions the transition table allows this person now)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from appeals import permissions, selectors, steps, transitions
from appeals.models import Case, Channel, Kind, Urgency
from appeals.services import intake, privacy, workflow
from appeals.transitions import LABELS, allowed_actions
from core.errors import DomainError, Forbidden
from core.web import refusal, whole_number
from identity import second_factor
from identity.models import Department
from knowledge import selectors as knowledge
from knowledge import services as articles

FIELD_WORDS = {"kind": gettext_lazy("类型"), "text": gettext_lazy("诉求内容"), "title": gettext_lazy("标题"), "contact_phone": gettext_lazy("联系电话"),
               "reason": gettext_lazy("原因"), "public_text": gettext_lazy("答复内容"), "days": gettext_lazy("延期天数"),
               "knowledge_candidates": gettext_lazy("参考答案")}
FORM_KINDS = (Kind.CONSULT, Kind.HELP, Kind.COMPLAINT, Kind.REPORT, Kind.SUGGESTION, Kind.PRAISE)


def _say(request, exc) -> dict:
    """A refusal as page messages naming fields by their words; returns the field errors for the form."""
    refused = refusal(exc)
    if isinstance(exc, DomainError) and not refused.errors:
        messages.error(request, refused.message)
        return {}
    for key, value in refused.errors.items():
        label = FIELD_WORDS.get(key)
        messages.error(request, f"{label}：{' '.join(value)}" if label else " ".join(value))
    return refused.errors


def _form_values(request) -> dict:
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", Kind.CONSULT)  # 我要咨询投诉 opens on 咨询: most of what reaches 12345 is questions
    return {"kind": kind if kind in Kind.values else Kind.CONSULT, "title": source.get("title", "")[:100],
            "text": source.get("text", source.get("question", ""))[:2000], "area": source.get("area", "")[:64],
            "contact_phone": source.get("contact_phone", "")[:20], "anonymous": source.get("anonymous") == "1",
            "urgency": source.get("urgency", Urgency.NORMAL)}


def _candidates(source) -> list[dict]:
    """The answers the person saw before asking a person (``candidate=title|/path``, at most 5; intake keeps our own pages)."""
    seen = [(title.strip()[:100], url[:300]) for title, _bar, url in (raw.partition("|") for raw in source.getlist("candidate")[:5])]
    return [{"title": title, "url": url} for title, url in seen if title and intake.own_page(url)]


def case_new(request):
    """我要咨询 / 我要投诉, the knowledge answer first: a question arriving without the answers it saw
    (``?kind=consult&question=…``), or 先看看有没有答案 pressed, shows the best answer above the form, and the
    answers seen travel with the case (``knowledge_candidates``) to whoever replies."""
    values = _form_values(request)
    signed_in = request.user.is_authenticated
    source = request.POST if request.method == "POST" else request.GET
    candidates, answer = _candidates(source), None
    if "look" in request.POST or (request.method == "GET" and values["text"] and not candidates):
        answer = knowledge.answer(values["text"], language=get_language())
        candidates = [{"title": passage.title[:100], "url": passage.url} for passage in answer.passages]
    if request.method == "POST" and "look" not in request.POST:
        anonymous = values["anonymous"] or not signed_in
        try:
            received = intake.case_submit(
                actor=request.user if signed_in else None, channel=Channel.PORTAL,
                intake=intake.Intake(kind=values["kind"], title=values["title"], text=values["text"], area=values["area"], urgency=values["urgency"],
                                     contact_phone=values["contact_phone"], anonymous=anonymous, knowledge_candidates=candidates))
        except (ValidationError, DomainError) as exc:
            _say(request, exc)
        else:
            if received.tracking_code:
                return render(request, "appeals/submitted.html", {"case": received.case, "tracking_code": received.tracking_code})
            messages.success(request, _("已收到您的诉求，编号 %(number)s。") % {"number": received.case.number} if received.created
                             else _("您已反映过同一诉求，已合并到编号 %(number)s。") % {"number": received.case.number})
            return redirect("case-mine", number=received.case.number)
    kinds = [(kind.value, kind.label) for kind in FORM_KINDS]
    return render(request, "appeals/new.html", {"values": values, "kinds": kinds, "signed_in": signed_in,
                                                "urgencies": Urgency.choices, "question": values["text"], "answer": answer, "candidates": candidates})


@login_required
def my_cases(request):
    cases = Paginator(selectors.my_cases(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "appeals/mine.html", {"cases": cases})


@login_required
def case_mine(request, number: str):
    """My case: its state, deadlines, public timeline, and the 回访 form once it is answered."""
    case = selectors.case_of_reporter(request.user, number)
    if request.method == "POST":
        try:
            workflow.case_callback(actor=request.user, case=case, solved=request.POST.get("solved") == "1",
                                   satisfied=request.POST.get("satisfied") == "1", note=request.POST.get("note", "")[:2000])
            messages.success(request, _("谢谢您的回访评价。"))
        except (ValidationError, DomainError) as exc:
            _say(request, exc)
        return redirect("case-mine", number=number)
    return render(request, "appeals/case.html", {"case": case, "timeline": selectors.public_timeline(case), "labels": LABELS,
                                                 "may_call_back": transitions.may_call_back(request.user, case)})


def case_track(request):
    """An anonymous report, by its number and tracking code."""
    case = None
    number = (request.POST.get("number") or request.GET.get("number", "")).strip()[:24]  # the submitted page links here with it
    if request.method == "POST":
        try:
            case = selectors.case_tracked(number, request.POST.get("tracking_code", "")[:20])
        except DomainError:
            messages.error(request, _("编号或查询码不正确。"))
    return render(request, "appeals/track.html", {"case": case, "number": number, "timeline": selectors.public_timeline(case) if case else [],
                                                  "labels": LABELS})


@login_required
@permission_required(permissions.DISPATCH, raise_exception=True)
@second_factor.required
def dispatch_queue(request):
    """The dispatcher's queue: new and returned cases, each with its suggested category."""
    cases = Paginator(selectors.dispatch_queue(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "appeals/dispatch.html", {"cases": cases})


@login_required
@permission_required(permissions.HANDLE, raise_exception=True)
@second_factor.required
def department_queue(request):
    """My department's open cases, the nearest deadline first, with yellow and red cards."""
    cases = Paginator(selectors.department_queue(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "appeals/department.html", {"cases": cases})


def _draft_article(request, case: Case) -> None:
    """A good reply to a 咨询 becomes a draft article (the question in the staff member's words, not the
    citizen's); someone else reviews it before anyone reads it as an answer."""
    if not permissions.may_draft_article(request.user, case):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    article = articles.article_draft_create(actor=request.user, question=request.POST.get("question", "")[:200],
                                            answer=case.reply_public, source=_("12345 答复（诉求 %(number)s）") % {"number": case.number},
                                            item=case.item)
    messages.info(request, _("已存为知识库草稿“%(question)s”，经另一人审核后发布。") % {"question": article.question})


def _step(request, case: Case) -> None:
    post = request.POST
    action = post.get("action", "")
    if action not in (*steps.ACTIONS, "draft_article"):
        messages.error(request, _("Unknown action."))
        return
    try:
        if action == "draft_article":
            _draft_article(request, case)
            return
        steps.take(request.user, case, action, {**{key: post.get(key, "")[:2000] for key in ("department", "reason", "note", "public_text", "internal_note")},
                                                "category": whole_number(post.get("category")) or None, "days": whole_number(post.get("days")),
                                                "solved": post.get("solved") == "1", "satisfied": post.get("satisfied") == "1"})
        messages.success(request, _("已%(action)s。") % {"action": LABELS.get(action, _("回访"))})
    except (ValidationError, DomainError) as exc:
        _say(request, exc)


@login_required
@second_factor.required
def staff_case(request, number: str):
    """The case page for staff: opening it is audited (the reporter sees it in "who used my data")."""
    case = selectors.case_for_staff(request.user, number)
    if request.method == "POST":
        _step(request, case)
        if permissions.is_staff_of(request.user, Case.objects.get(pk=case.pk)):
            return redirect("case-staff", number=number)
        return redirect("cases-department")
    privacy.case_open(actor=request.user, case=case)
    actions = allowed_actions(request.user, case)
    may_call_back = transitions.may_call_back(request.user, case)
    may_draft = permissions.may_draft_article(request.user, case)
    departments = Department.objects.order_by("code") if "dispatch" in actions else []
    default_department = (case.category or case.suggested_category).default_department if (case.category or case.suggested_category) else None
    return render(request, "appeals/staff_case.html", {
        "case": case, "actions": actions, "may_call_back": may_call_back, "contact": selectors.contact_for(request.user, case),
        "timeline": case.timeline.all(), "labels": LABELS, "departments": departments, "categories": selectors.categories() if departments else [],
        "default_department": default_department, "sources": case.sources.all(), "may_draft": may_draft})
