"""Figures a run reports on its last lines, gathered from every pytest-xdist worker.

A test or a conftest records a figure in its own process (``record``); under xdist each worker hands its
figures to the controller (``tests/conftest.py``: ``pytest_sessionfinish`` → ``workeroutput``,
``pytest_testnodedown``), which merges them: numbers add up, lists join as sets, tuples take the larger.
"""

from __future__ import annotations

import json

KEY = "qilu_summaries"


def record(config, name: str, value) -> None:
    figures = config.__dict__.setdefault(KEY, {})
    figures[name] = merge(figures[name], value) if name in figures else value


def merge(old, new):
    if isinstance(old, dict):
        return {k: merge(old[k], new[k]) if k in old and k in new else old.get(k, new.get(k)) for k in {*old, *new}}
    if isinstance(old, tuple) or isinstance(new, tuple):
        return max(tuple(old), tuple(new))
    if isinstance(old, list):
        return sorted({*old, *new})
    return old + new


def to_worker(config) -> None:
    if hasattr(config, "workeroutput"):
        config.workeroutput[KEY] = json.dumps(config.__dict__.get(KEY, {}), ensure_ascii=False)


def from_worker(config, node) -> None:
    for name, value in json.loads(getattr(node, "workeroutput", {}).get(KEY, "{}")).items():
        record(config, name, tuple(value) if name in TUPLES else value)


def figures(config) -> dict:
    return config.__dict__.get(KEY, {})


TUPLES = {"use_cases"}


def page_check_line(totals: dict) -> str:
    late = totals["late"]
    return (f"page check: {totals['views']} page views ({len(totals['pages'])} distinct pages) × {len(totals['modes'])} modes "
            f"({', '.join(totals['modes'])}), violations {totals['violations']}; {totals['seconds']:.1f} s checking in the browser "
            f"({totals['cached']} axe results reused for identical documents)" + (f"; {late} axe runs finished after the load event" if late else ""))
