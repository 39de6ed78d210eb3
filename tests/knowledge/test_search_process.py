"""The search process (issue 25, ``knowledge.search``): the ranking asked over Redis answers exactly what
the in-process ranking answers; when nothing answers in time the catalogue keeps its substring match,
智能问答 shows no answer and the way to a person, and neither degraded answer is kept by the public cache."""

import threading
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from knowledge import search
from knowledge.selectors import answer, item_codes


@pytest.fixture(autouse=True)
def _asking(monkeypatch):
    monkeypatch.setattr(search, "_quiet_until", 0.0)  # no quiet period left over from another test


QUESTIONS = ["驾照快到期了怎么换", "孩子上学要什么材料", "社保怎么交", "驾驶证补领要带什么材料"]


def _asked(question: str, **kwargs):
    """``search.ranked`` in another thread (it touches only Redis), answered by ``Server.run_once`` in this one
    (which reads the index through this test's database connection)."""
    found = {}
    asker = threading.Thread(target=lambda: found.update(hits=search.ranked(question, **kwargs)))
    asker.start()
    served = False
    deadline = time.monotonic() + 10
    while not served and time.monotonic() < deadline:
        served = search.Server(block=0.5).run_once()
    asker.join(10)
    return found["hits"]


@override_settings(KNOWLEDGE_SEARCH_PROCESS=True, KNOWLEDGE_SEARCH_TIMEOUT=5)
def test_the_ranked_answer_over_redis_equals_the_in_process_ranking(knowledge_base):
    today = timezone.localdate()
    for question, language, k in zip(QUESTIONS, ["zh-hans", "", "zh-hans", "zh-hans"], [3, 20, 3, 3], strict=True):
        remote = _asked(question, today=today, language=language, k=k)
        inline = search.local(question, today=today, language=language, k=k)
        assert remote and remote == inline, question  # the same documents, the same scores, the same order


@override_settings(KNOWLEDGE_SEARCH_PROCESS=True, KNOWLEDGE_SEARCH_TIMEOUT=0.2)
def test_with_no_search_process_the_catalogue_answers_by_substring_and_keeps_nothing(knowledge_base, client):
    started = time.monotonic()
    assert search.ranked("驾照快到期了怎么换", today=timezone.localdate()) is None
    assert time.monotonic() - started < 1.5  # the short timeout, not a hang
    from django_redis import get_redis_connection

    waiting = get_redis_connection("default").llen(search.REQUESTS)
    started = time.monotonic()
    assert search.ranked("驾驶证", today=timezone.localdate()) is None  # quiet for a while: not asked, no wait
    assert time.monotonic() - started < 0.1 and get_redis_connection("default").llen(search.REQUESTS) == waiting
    assert item_codes("驾照快到期了怎么换") == []
    unanswered = answer("驾照快到期了怎么换", language="zh-hans")
    assert not unanswered and unanswered.handoff_url.startswith("/cases/new/?kind=consult")

    colloquial = client.get("/api/v1/items/", {"q": "驾照快到期了怎么换"})
    assert colloquial.status_code == 200 and colloquial.json()["results"] == []  # no item's words contain the whole sentence
    official = client.get("/api/v1/items/", {"q": "驾驶证"}).json()["results"]
    assert "GA-001" in [item["code"] for item in official]  # the substring match still answers

    with override_settings(KNOWLEDGE_SEARCH_PROCESS=False):  # ranked again: the degraded answer was not kept
        ranked = client.get("/api/v1/items/", {"q": "驾照快到期了怎么换"}).json()["results"]
    assert ranked and ranked[0]["code"] == "GA-001"


@override_settings(KNOWLEDGE_SEARCH_PROCESS=True, KNOWLEDGE_SEARCH_TIMEOUT=5)
def test_a_request_whose_asker_gave_up_is_skipped(knowledge_base):
    import json

    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    redis.lpush(search.REQUESTS, json.dumps({"id": "late", "q": "驾照", "language": "", "today": "2026-12-06", "k": 3, "deadline": time.time() - 1}))
    assert search.Server(block=0.5).run_once() is True
    assert redis.exists(search.ANSWER + "late") == 0


def test_after_a_database_error_the_process_drops_its_connections_and_goes_on(monkeypatch):
    """A restarted or failed-over database leaves the process a closed connection: it must not reuse it
    (found by the production fault test: every request failed with 'the connection is closed')."""
    from django.db import OperationalError

    served, dropped = [], []

    def run_once():
        served.append(True)
        if len(served) == 1:
            raise OperationalError("the connection is closed")
        return True

    server = search.Server(block=0.1)
    monkeypatch.setattr(server, "run_once", run_once)
    monkeypatch.setattr(search.connections, "close_all", lambda: dropped.append(True))
    monkeypatch.setattr(search.time, "sleep", lambda seconds: None)
    server.run(stop=lambda: len(served) >= 2)
    assert served == [True, True] and dropped == [True]
