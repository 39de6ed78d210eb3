"""Portal pages of 智能问答: ask a question and read the answer (with "was this useful?"), an
article's own page, and the feedback form's target. Anyone may ask, signed in or not."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import context
from core.errors import DomainError
from core.web import back_to, refusal
from knowledge import selectors
from knowledge.models import Article, Feedback
from knowledge.services import feedback_give
from services.models import ServiceItem


def ask(request):
    question = request.GET.get("q", "")
    result = selectors.answer(question, language=get_language() or "zh-hans")
    return render(request, "knowledge/answer.html", {"answer": result, "q": result.question, "problems": Feedback.Problem.choices})


def article(request, slug: str):
    found = selectors.published_article(slug)
    return render(request, "knowledge/answer.html", {"answer": selectors.article_answer(found), "q": "", "article_page": True,
                                                     "problems": Feedback.Problem.choices})


@require_POST
def feedback(request):
    data = request.POST
    back = back_to(request, data.get("next"), "/knowledge/")
    try:
        feedback_give(actor=request.user if request.user.is_authenticated else None, question=data.get("question", ""),
                      useful=data.get("useful") == "yes", problem=data.get("problem", ""), comment=data.get("comment", ""),
                      article=Article.objects.filter(slug=data.get("article", ""), status=Article.Status.PUBLISHED).first() if data.get("article") else None,
                      item=ServiceItem.objects.filter(code=data.get("item", "")).first() if data.get("item") else None,
                      language=get_language() or "zh-hans", who=str(request.user.pk) if request.user.is_authenticated else (context.client_ip.get() or ""))
    except DomainError as exc:
        messages.error(request, refusal(exc).message)
        return redirect(back)
    messages.success(request, _("谢谢您的反馈，我们会据此改进回答。"))
    return redirect(back)
