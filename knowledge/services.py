"""Writes of the knowledge base, each a use case: an article's life (draft → reviewed by a second
person → published → retired; an edit of its words sends it back to draft), feedback on an answer,
and rebuilding the search index — enqueued after commit whenever what is published changes (an
article here, an item's guide in the services app: ``knowledge.receivers``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import quotas
from core.errors import Conflict, Forbidden, Invalid
from core.outbox import enqueue_on_commit
from core.usecases import SystemActor, unchanged, use_case
from identity.actions import declare
from identity.models import User
from identity.services import audit_record
from knowledge import retrieval, sources
from knowledge.models import Article, Feedback, SearchIndex
from services.models import ServiceItem

ARTICLE_CHANGED = declare("knowledge_article_changed", gettext_lazy("知识库文章变更"))
ANSWER_FEEDBACK = declare("knowledge_feedback", gettext_lazy("智能问答反馈"))
INDEX_BUILT = declare("knowledge_index_built", gettext_lazy("重建知识检索索引"))

WORDING = frozenset({"question", "phrasings", "answer", "item", "guide_section", "source", "language", "valid_from", "valid_to", "topic"})
REQUEST_MARGIN = 2.0  # seconds
KEEP_INDEXES = 2  # the newest in force and the one before it (a worker still reading it)


def _require(actor, permission: str) -> None:
    if not actor.has_perm(permission):
        raise Forbidden(_("You may not do this."), code="permission_denied")


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def _audit(actor, article: Article, step: str, **detail) -> None:
    audit_record(action=ARTICLE_CHANGED, actor=actor, detail={"article": article.slug, "step": step, **detail})


def _rebuild_after_commit() -> None:
    enqueue_on_commit("knowledge.rebuild_index", time.time())


@use_case(audit=ARTICLE_CHANGED)
def article_draft_save(*, actor: User, article: Article, changed: Iterable[str], write: Callable[[], object]) -> Article:
    """An article added or edited in admin: ``write`` is admin's save, run here beside the audit event
    (field names, never the words). New words need a new review: a reviewed or published article whose
    wording changed goes back to draft (and out of the index)."""
    created = article.pk is None
    _require(actor, "knowledge.add_article" if created else "knowledge.change_article")
    reworded = sorted(set(changed) & WORDING)
    was = None if created else Article.objects.filter(pk=article.pk).values_list("status", flat=True).first()
    if created or reworded:
        article.author = actor
        if was in (Article.Status.REVIEWED, Article.Status.PUBLISHED):
            article.status, article.reviewer, article.reviewed_at, article.published_at = Article.Status.DRAFT, None, None, None
    write()
    if was == Article.Status.PUBLISHED and reworded:
        _rebuild_after_commit()
    _audit(actor, article, "added" if created else "changed", fields=sorted(changed), back_to_draft=bool(was and was != Article.Status.DRAFT and reworded))
    return article


@use_case(audit=ARTICLE_CHANGED)
def article_draft_create(*, actor: User, question: str, answer: str, source: str, item: ServiceItem | None = None, slug: str = "") -> Article:
    """A draft from a staff reply (a 咨询 case answered well becomes an article): it still needs its
    review by someone else before anyone reads it as an answer."""
    _require(actor, "knowledge.add_article")
    if not question.strip() or not answer.strip():
        raise Invalid(_("请填写问题和回答。"), code="article_incomplete")
    article = Article.objects.create(slug=slug or f"draft-{timezone.now():%Y%m%d%H%M%S%f}", question=question.strip()[:200], answer=answer.strip(),
                                     source=source[:255], item=item, author=actor)
    _audit(actor, article, "added")
    return article


@use_case(audit=ARTICLE_CHANGED)
def article_review(*, actor: User, article: Article) -> Article:
    """A second person checks the words: never the one who wrote them."""
    _require(actor, "knowledge.review_article")
    article = _locked(article)
    if article.status != Article.Status.DRAFT:
        raise Conflict(_("只有草稿可以审核。"), code="not_a_draft")
    if article.author_id is not None and article.author_id == actor.pk:
        raise Conflict(_("文章须由编写人以外的另一人审核。"), code="review_by_author")
    article.status, article.reviewer, article.reviewed_at = Article.Status.REVIEWED, actor, timezone.now()
    article.save(update_fields=["status", "reviewer", "reviewed_at", "updated_at"])
    _audit(actor, article, "reviewed")
    return article


@use_case(audit=ARTICLE_CHANGED)
def article_publish(*, actor: User, article: Article) -> Article:
    """Put a reviewed article in the answers: the index is rebuilt after commit."""
    _require(actor, "knowledge.publish_article")
    article = _locked(article)
    if article.status != Article.Status.REVIEWED:
        raise Conflict(_("文章须先经审核才能发布。"), code="not_reviewed")
    article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    _rebuild_after_commit()
    _audit(actor, article, "published")
    return article


@use_case(audit=ARTICLE_CHANGED)
def article_retire(*, actor: User, article: Article) -> Article:
    """Take a published article out of the answers (kept for its feedback and history)."""
    _require(actor, "knowledge.publish_article")
    article = _locked(article)
    if article.status != Article.Status.PUBLISHED:
        raise Conflict(_("只有已发布的文章可以下线。"), code="not_published")
    article.status = Article.Status.RETIRED
    article.save(update_fields=["status", "updated_at"])
    _rebuild_after_commit()
    _audit(actor, article, "retired")
    return article


@use_case(audit=ANSWER_FEEDBACK)
def feedback_give(*, actor: User | None, question: str, useful: bool, article: Article | None = None, item: ServiceItem | None = None,
                  problem: str = "", comment: str = "", language: str = "zh-hans", who: str = "") -> Feedback:
    """"Was this answer useful?" from anyone, signed in or not (``who``: the address or user id the
    quota counts). Stored without the person; the comment is the person's own words, bounded."""
    quotas.take("feedback", who or (actor.pk if actor is not None else "anonymous"))
    if problem and problem not in Feedback.Problem.values:
        raise Invalid(_("请选择问题所在。"), code="invalid_problem")
    feedback = Feedback.objects.create(question=question.strip()[:200], useful=useful, article=article, item=item,
                                       problem="" if useful else problem, comment=comment.strip()[:500], language=language[:8])
    audit_record(action=ANSWER_FEEDBACK, actor=actor, detail={"feedback": feedback.pk, "useful": useful, "problem": feedback.problem})
    return feedback


@use_case(audit=INDEX_BUILT)
def index_rebuild(*, actor: User | SystemActor, requested_at: float | None = None) -> SearchIndex | None:
    """Build the search index from what is published now and store it; older ones beyond the newest
    two are removed. A request older than the newest index is already served (None)."""
    newest = SearchIndex.objects.order_by("-id").only("built_at").first()
    # a build that began REQUEST_MARGIN after the request began after its commit (use cases take milliseconds)
    if requested_at is not None and newest is not None and newest.built_at.timestamp() >= requested_at + REQUEST_MARGIN:
        unchanged()
        return None
    started = timezone.now()
    documents = sources.documents()
    blob = retrieval.build(documents, words=sources.dictionary(), dense=settings.KNOWLEDGE_DENSE)
    index = SearchIndex.objects.create(built_at=started, documents=len(documents), data=blob)
    keep = list(SearchIndex.objects.order_by("-id").values_list("id", flat=True)[:KEEP_INDEXES])
    SearchIndex.objects.exclude(id__in=keep).delete()
    audit_record(action=INDEX_BUILT, actor=actor, detail={"index": index.pk, "documents": len(documents), "bytes": len(blob),
                                                           "dense": settings.KNOWLEDGE_DENSE})
    return index
