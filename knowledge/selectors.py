"""Reads of the knowledge base: the extractive answer to a question (``answer``: the best article's
words or the best item guide's section, with source and review date, two alternatives and the way to
a person), items ranked for the catalogue's search (``item_codes``), published articles.

The ranking is ``knowledge.search``'s: in production the search process, asked over Redis (the web
workers never load the index).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import public_cache
from core.errors import NotFound
from knowledge import retrieval, search
from knowledge.models import Article, GuideSection
from services.models import Material, ServiceItem

MAX_QUESTION = 200
HANDOFF_URL_NAME = "case-new"  # the cases app's 咨询 form (转人工), reached by URL name: knowledge imports nothing of appeals



@dataclass(frozen=True)
class Passage:
    """One answer shown: the words, where they come from and when they were last reviewed."""

    kind: str  # "article" | "guide" (for tests and styling)
    title: str
    text: str
    source: str
    reviewed_on: dt.date | None
    url: str
    target: str  # article:<slug> | item:<code> — what the labelled questions name
    item: str = ""  # the item an article is about
    section: str = ""  # the guide section shown, in words
    language: str = "zh-hans"  # of the words (title and text of an article; a guide's text is the Chinese legal content)
    article: Article | None = field(default=None, compare=False, repr=False)
    service_item: ServiceItem | None = field(default=None, compare=False, repr=False)

    def lang_marks(self) -> dict[str, str]:
        """The ``lang`` to mark on the title and on the text where they are not in the page's language
        (an English page showing Chinese where no English text exists), else ``""``."""
        from django.utils.translation import get_language

        if not self.language.startswith("zh") or not (get_language() or "").startswith("en"):
            return {"title": "", "text": ""}
        return {"title": "zh-Hans" if self.kind == "article" else "", "text": "zh-Hans"}

    def answers(self, label: str) -> bool:
        """Does this passage answer what ``label`` (``article:<slug>`` or ``item:<code>``) names?"""
        return label == self.target or (label.startswith("item:") and label == f"item:{self.item}")


@dataclass(frozen=True)
class Answer:
    question: str
    best: Passage | None = None
    alternatives: list[Passage] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.best is not None

    @property
    def passages(self) -> list[Passage]:
        return [self.best, *self.alternatives] if self.best else []

    @property
    def handoff_url(self) -> str:
        """没解决？转人工: the 咨询 form, carrying the question and the candidates shown (title|url)."""
        query = [("kind", "consult"), ("question", self.question)] + [("candidate", f"{p.title[:40]}|{p.url}") for p in self.passages]
        return f"{reverse(HANDOFF_URL_NAME)}?{urlencode(query)}"


def answer(question: str, *, language: str) -> Answer:
    """The extractive answer to ``question``: best and two alternatives, empty when nothing scores."""
    question = " ".join((question or "").split())[:MAX_QUESTION]
    if not question:
        return Answer(question="")
    hits = search.ranked(question, language=language, today=timezone.localdate(), k=3)
    if hits is None:  # the search process did not answer in time: no answer, the way to a person, not kept
        public_cache.not_kept()
        return Answer(question=question)
    passages = _passages(hits, question)
    return Answer(question=question, best=passages[0] if passages else None, alternatives=passages[1:])


ITEM_SCORE_FLOOR = 0.5  # of the best hit's score: the catalogue lists what the question is about, not every item sharing a word


def item_codes(q: str, *, limit: int = 20) -> list[str]:
    """Items ranked for a catalogue search: each strong hit's item (a guide, or the item an article is about)."""
    q = " ".join((q or "").split())[:MAX_QUESTION]
    hits = search.ranked(q, today=timezone.localdate(), k=limit) if q else []
    if hits is None:  # the search process did not answer in time: the catalogue's substring match alone, not kept
        public_cache.not_kept()
        return []
    codes: list[str] = []
    for hit in hits:
        code = hit.document.item
        if code and code not in codes and hit.score >= ITEM_SCORE_FLOOR * hits[0].score:
            codes.append(code)
    return codes


def published_article(slug: str) -> Article:
    article = Article.objects.select_related("item").filter(slug=slug, status=Article.Status.PUBLISHED).first()
    if article is None or not article.in_force():
        raise NotFound()
    return article


def article_answer(article: Article) -> Answer:
    """An article's own page: its answer as the best, with nothing else."""
    return Answer(question=article.question, best=_article_passage(article))


def _passages(hits: list[retrieval.Hit], question: str) -> list[Passage]:
    slugs = [h.document.key for h in hits if h.document.kind == "article"]
    codes = [h.document.key for h in hits if h.document.kind == "guide"]
    articles = {a.slug: a for a in Article.objects.select_related("item").filter(slug__in=slugs, status=Article.Status.PUBLISHED)}
    items = {i.code: i for i in ServiceItem.objects.select_related("department", "current_version").prefetch_related(
        Prefetch("current_version__materials", queryset=Material.objects.order_by("id"))).filter(
        code__in=codes, is_active=True, current_version__isnull=False)}  # an item withdrawn since the index was built is not an answer
    passages = []
    for hit in hits:
        if hit.document.kind == "article" and hit.document.key in articles:
            passages.append(_article_passage(articles[hit.document.key]))
        elif hit.document.kind == "guide" and hit.document.key in items:
            passages.append(_guide_passage(items[hit.document.key], question))
    return passages


def _article_passage(article: Article) -> Passage:
    reviewed = article.reviewed_at or article.published_at
    return Passage(kind="article", title=article.question, text=article.answer, source=article.source,
                   reviewed_on=timezone.localdate(reviewed) if reviewed else None, url=reverse("knowledge-article", args=[article.slug]),
                   target=f"article:{article.slug}", item=article.item.code if article.item_id else "",
                   section=article.get_guide_section_display() if article.guide_section else "", language=article.language, article=article,
                   service_item=article.item)


# Which guide section a question asks about, by the words people use for it; the steps otherwise.
SECTION_CUES: list[tuple[str, tuple[str, ...]]] = [
    (GuideSection.MATERIALS, ("材料", "带什么", "准备", "证件", "资料", "需要什么")),
    (GuideSection.FEES, ("钱", "费用", "收费", "多少钱", "免费", "交费", "缴费")),
    (GuideSection.TIME, ("多久", "几天", "多长时间", "时限", "多少天", "什么时候")),
    (GuideSection.WINDOW, ("在哪", "哪里", "地址", "窗口", "几点", "上班", "地点")),
    (GuideSection.WHO, ("条件", "谁可以", "能不能", "可以吗", "资格", "符合")),
]


def section_for(question: str) -> str:
    return next((section for section, cues in SECTION_CUES if any(cue in question for cue in cues)), GuideSection.STEPS)


def guide_section_text(item: ServiceItem, section: str) -> str:
    version = item.current_version
    if section == GuideSection.MATERIALS:
        return "；".join(f"{m.name}{'' if m.required else _('（非必需）')}" for m in version.materials.all()) or _("无需提交材料。")
    if section == GuideSection.FEES:
        return version.fees
    if section == GuideSection.TIME:
        return _("承诺 %(days)d 个工作日内办结。") % {"days": version.time_limit_days}
    if section == GuideSection.WINDOW:
        return "，".join(part for part in (version.window_address, version.window_hours) if part)
    if section == GuideSection.WHO:
        return "\n".join(part for part in (version.who_may_apply, version.conditions) if part)
    return "\n".join(f"{n}. {step}" for n, step in enumerate(version.step_list, start=1))


def _guide_passage(item: ServiceItem, question: str) -> Passage:
    section = section_for(question)
    version = item.current_version
    return Passage(kind="guide", title=item.local_name, text=guide_section_text(item, section),
                   source=_("%(item)s办事指南（第 %(version)d 版），%(department)s") % {"item": item.local_name, "version": version.version,
                                                                                   "department": item.department.local_name},
                   reviewed_on=timezone.localdate(version.published_at) if version.published_at else None,
                   url=reverse("services-guide", args=[item.code]), target=f"item:{item.code}", item=item.code,
                   section=str(GuideSection(section).label), service_item=item)
