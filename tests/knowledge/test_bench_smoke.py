"""`make bench`'s knowledge section (bench/knowledge.py) at a small size, so a change that breaks it
fails `make test`: it indexes, stores, loads and queries, and writes its table. No time is asserted
(that is the bench's report at 10,000 articles)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_knowledge_bench_runs_at_a_small_size(tmp_path):
    env = {**os.environ, "BENCH_ARTICLES": "300", "BENCH_RESULTS": str(tmp_path)}
    done = subprocess.run([sys.executable, "bench/knowledge.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    [table] = tmp_path.glob("*-knowledge.md")
    text = table.read_text(encoding="utf-8")
    assert "at 300 articles" in text
    assert re.search(r"^\| BM25 \| [\d.]+ \([\d.]+\) \| [\d.]+ MB \| [\d.]+ \([\d.]+\) \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$", text, re.M), text
