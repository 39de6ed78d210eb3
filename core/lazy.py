"""A module imported on first use, for the heavy libraries only some paths need (retrieval's numpy,
bm25s and rjieba; PDF readers): the web workers import every app at start, and a library imported
at module level sits in every worker's memory whether or not the worker ever serves that path.
``tests/core/test_worker_imports.py`` checks the gunicorn worker's import set."""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """``np = LazyModule("numpy")``: ``np.zeros`` imports numpy the first time an attribute is read."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (loaded)' if self._module else ''}>"
