"""An article's life through its use cases: written as a draft, reviewed by a second person (never its
author), published into the index (rebuilt after commit), retired out of it; an edit of its words
sends a published article back to draft. Each step writes its audit event; refusals change nothing."""

import pytest

from core.errors import Conflict, Forbidden
from identity.models import AuditEvent
from knowledge import services
from knowledge.models import Article, SearchIndex
from knowledge.selectors import answer

QUESTION = "养的狗要办狗证吗"


def draft(author) -> Article:
    article = Article(slug="dog-licence", question=QUESTION, phrasings="养犬登记\n狗证在哪办", answer="城区养犬须办理养犬登记证，每年年检。",
                      source="养犬管理规定")
    services.article_draft_save(actor=author, article=article, changed=["question", "answer"], write=article.save)
    return article


def answered(question: str) -> list[str]:
    return [p.target for p in answer(question, language="zh-hans").passages]


def test_draft_reviewed_by_another_published_then_retired_moves_it_in_and_out_of_the_answers(editors, django_capture_on_commit_callbacks):
    author, reviewer = editors
    article = draft(author)
    assert answered(QUESTION) == []  # a draft answers nothing

    with pytest.raises(Conflict) as refused:
        services.article_review(actor=author, article=article)
    assert refused.value.code == "review_by_author"
    with pytest.raises(Conflict) as refused:
        services.article_publish(actor=reviewer, article=article)
    assert refused.value.code == "not_reviewed"

    services.article_review(actor=reviewer, article=article)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(actor=reviewer, article=article)
    article.refresh_from_db()
    assert (article.status, article.author, article.reviewer) == ("published", author, reviewer)
    assert SearchIndex.objects.count() == 1  # rebuilt after commit, through the outbox
    assert answered("狗证怎么办")[0] == "article:dog-licence"

    with django_capture_on_commit_callbacks(execute=True):
        services.article_retire(actor=reviewer, article=article)
    assert answered("狗证怎么办") == []
    steps = list(AuditEvent.objects.filter(action="knowledge_article_changed").order_by("id").values_list("detail__step", flat=True))
    assert steps == ["added", "reviewed", "published", "retired"]


def test_rewording_a_published_article_sends_it_back_to_draft_and_out_of_the_index(editors, django_capture_on_commit_callbacks):
    author, reviewer = editors
    article = draft(author)
    services.article_review(actor=reviewer, article=article)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(actor=reviewer, article=article)
    article.answer = "城区养犬须办理养犬登记证。"
    with django_capture_on_commit_callbacks(execute=True):
        services.article_draft_save(actor=reviewer, article=article, changed=["answer"], write=article.save)
    article.refresh_from_db()
    assert (article.status, article.reviewer, article.author) == ("draft", None, reviewer)
    assert answered("狗证怎么办") == []
    with pytest.raises(Conflict):  # the one who reworded it may not review it now
        services.article_review(actor=reviewer, article=article)
    services.article_review(actor=author, article=article)


def test_citizens_may_not_touch_articles(editors, citizen):
    author, _reviewer = editors
    article = draft(author)
    for use_case in (services.article_review, services.article_publish, services.article_retire):
        with pytest.raises(Forbidden):
            use_case(actor=citizen, article=article)
    assert Article.objects.get(pk=article.pk).status == "draft"


def test_a_staff_reply_becomes_a_draft_that_still_needs_review(editors):
    author, _reviewer = editors
    article = services.article_draft_create(actor=author, question="公积金贷款能提前还吗", answer="可以，到公积金中心申请提前还款。", source="12345 工单答复")
    assert (article.status, article.author) == ("draft", author)


def test_publishing_an_items_guide_rebuilds_the_index_after_commit_and_workers_swap_to_it(knowledge_base, editors, django_capture_on_commit_callbacks):
    from knowledge.search import current_index
    from services.models import ServiceItem
    from services.services.catalogue import item_version_copy, item_version_publish

    author, _reviewer = editors
    before = SearchIndex.objects.latest("id")
    loaded = current_index()
    assert current_index() is loaded  # loaded once per process, not per question

    draft_version = item_version_copy(actor=author, version=ServiceItem.objects.get(code="GA-001").current_version)
    with django_capture_on_commit_callbacks(execute=True):
        item_version_publish(actor=author, version=draft_version)

    after = SearchIndex.objects.latest("id")
    assert after.pk != before.pk and AuditEvent.objects.filter(action="knowledge_index_built", detail__index=after.pk).exists()
    assert current_index() is not loaded


def test_the_index_can_be_rebuilt_by_hand_even_with_nothing_published(db, capsys):
    from django.core.management import call_command

    call_command("rebuild_knowledge_index")
    assert SearchIndex.objects.get().documents == 0 and "0 documents" in capsys.readouterr().out
    assert answer("驾照快到期了怎么换", language="zh-hans").best is None


def test_a_new_index_moves_the_catalogue_stamp_so_cached_searches_are_ranked_again(knowledge_base, django_capture_on_commit_callbacks):
    from core.usecases import SYSTEM
    from knowledge.services import index_rebuild
    from services.selectors import CATALOGUE

    before = CATALOGUE.current()
    with django_capture_on_commit_callbacks(execute=True):
        index_rebuild(actor=SYSTEM)
    assert CATALOGUE.current() != before
