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


class DeferredFormat:
    """A tablib format registered by its dotted path, loaded when one of its attributes is first read.

    django-import-export decides at import which spreadsheet formats are available by asking tablib's
    registry for each (``TablibFormat.is_available``), and tablib imports a format's module when asked:
    every process that imports the admin (each web worker) would load openpyxl — and through it numpy —
    and PyYAML, ~30 MiB, for an import or export only the admin's staff ever run."""

    def __init__(self, path: str):
        self._path = path
        self._format = None

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if self._format is None:
            from tablib.formats import load_format_class

            self._format = load_format_class(self._path)
        return getattr(self._format, attribute)

    def __repr__(self) -> str:
        return f"<deferred tablib format {self._path!r}>"


def defer_tablib_formats() -> None:
    """Before the admin (and django-import-export) is imported: tablib's formats still named by path
    answer "available" without importing their module. tablib registers a format by path only when its
    library is installed (``Registry.register_builtins``), so the answer is the one loading would give."""
    from tablib.formats import registry

    for key, format_or_path in list(registry._formats.items()):
        if isinstance(format_or_path, str):
            registry._formats[key] = DeferredFormat(format_or_path)
