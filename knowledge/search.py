"""The search process (issue 25): the ranking — rjieba's dictionary, bm25s, numpy and the index, ~53 MiB
of native memory — lives in one small long-running process (``manage.py search_serve``), not in every
web worker that once served a question.

A web worker asks over Redis (the one it already talks to): it pushes ``{id, q, language, today, k,
deadline}`` onto ``REQUESTS`` and waits on the answer list named by the request id for at most
``KNOWLEDGE_SEARCH_TIMEOUT`` seconds. The search process pops requests in order, skips those whose
asker has given up (past the deadline), ranks with ``current_index()`` — the index stored in
the database, swapped when a newer one is stored — and pushes the hits (each document's metadata and
its score: JSON keeps a float exactly, so the ranking is the in-process one) under the answer key,
which expires. Several search processes may pop the same list.

No answer in time (the process stopped, Redis away, an index being loaded): ``ranked`` answers None,
and for the next ``QUIET_SECONDS`` answers None at once without asking (a stopped process must not
cost every search the timeout). The callers then say so: the catalogue keeps its substring match,
智能问答 shows no answer and the way to a person, and the public cache does not keep either answer
(``public_cache.not_kept``). The timeout must stay below the Redis client's socket timeout
(``REDIS_SOCKET_TIMEOUT``, 1 s): production refuses to start otherwise.

With ``KNOWLEDGE_SEARCH_PROCESS`` off (tests, ``make run``'s embedded mode) the ranking is done in the
calling process, as before.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connections

from knowledge import retrieval, sources
from knowledge.models import SearchIndex
from knowledge.retrieval import Document, Hit

logger = logging.getLogger(__name__)

REQUESTS = "qilu:search:requests"
ANSWER = "qilu:search:answer:"
ANSWER_KEPT = 10  # seconds an unread answer stays in Redis
QUIET_SECONDS = 5.0  # after a missed answer this worker does not ask again for this long (it would wait the timeout each time)

_quiet_until = 0.0
_loaded: tuple[int, retrieval.Index] | None = None  # (the stored index's id, the index): a stored index never changes


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def current_index() -> retrieval.Index:
    """The newest stored index, loaded once per process and swapped when a newer one is stored (one
    primary-key read per question tells); with none stored yet (a fresh database), built in memory from
    what is published, without storing it."""
    global _loaded
    newest = SearchIndex.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return retrieval.Index(retrieval.build(sources.documents(), words=sources.dictionary()))
    if _loaded is None or _loaded[0] != newest:
        stored = SearchIndex.objects.order_by("-id").values_list("id", "data").first()  # the newest again: one read, even if one landed since
        _loaded = (stored[0], retrieval.Index(bytes(stored[1])))
    return _loaded[1]


def local(question: str, *, today: dt.date, language: str = "", k: int = 3) -> list[Hit]:
    """The ranking in this process (what the search process runs for each request)."""
    return current_index().search(question, today=today, language=language, k=k)


def ranked(question: str, *, today: dt.date, language: str = "", k: int = 3) -> list[Hit] | None:
    """The best ``k`` hits for ``question``; None when the search process did not answer in time."""
    global _quiet_until
    if not settings.KNOWLEDGE_SEARCH_PROCESS:
        return local(question, today=today, language=language, k=k)
    if time.monotonic() < _quiet_until:
        return None
    timeout = settings.KNOWLEDGE_SEARCH_TIMEOUT
    request_id = uuid.uuid4().hex
    request = {"id": request_id, "q": question, "language": language, "today": today.isoformat(), "k": k, "deadline": time.time() + timeout}
    try:
        redis = _redis()
        redis.lpush(REQUESTS, json.dumps(request, ensure_ascii=False))
        reply = redis.blpop([ANSWER + request_id], timeout=timeout)
        missed = f"no answer within {timeout:.2f} s" if reply is None else ""
    except Exception as exc:  # noqa: BLE001 — Redis away: the caller's fallback answers
        reply, missed = None, f"unreachable ({type(exc).__name__})"
    if reply is None:
        logger.warning("search process %s: not asked for %d s", missed, QUIET_SECONDS)
        _quiet_until = time.monotonic() + QUIET_SECONDS
        return None
    return [Hit(Document(text="", **hit["document"]), hit["score"]) for hit in json.loads(reply[1])]


class Server:
    """One search process's loop: pop a request, rank, push the answer."""

    def __init__(self, *, block: float = 1.0):
        self.block = block
        self.redis = _redis()

    def warm(self) -> None:
        """Load the index and the dictionary before the first request (a load takes longer than a wait)."""
        from django.utils import timezone

        local("办事", today=timezone.localdate())

    def run_once(self) -> bool:
        popped = self.redis.brpop([REQUESTS], timeout=self.block)
        if popped is None:
            return False
        request = json.loads(popped[1])
        if time.time() > request["deadline"]:  # its asker has answered without us
            return True
        hits = local(request["q"], today=dt.date.fromisoformat(request["today"]), language=request["language"], k=request["k"])
        answer = json.dumps([{"document": hit.document.meta(), "score": hit.score} for hit in hits], ensure_ascii=False)
        key = ANSWER + request["id"]
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(key, answer)
        pipe.expire(key, ANSWER_KEPT)
        pipe.execute()
        return True

    def run(self, *, stop: Callable[[], bool] = lambda: False) -> None:
        while not stop():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 — database or Redis away: askers fall back meanwhile
                logger.exception("search process: retrying in 1 s")
                connections.close_all()  # a connection the database dropped (a restart, a failover) is made anew, never reused
                time.sleep(1)
