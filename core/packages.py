"""Which packages are ours: the installed apps whose code lives in this repository.

The one owner of that list. The API document's error derivation (``core.openapi``), the schema tests
and the tooling settings in pyproject.toml (import-linter's ``root_packages``, mutmut's
``source_paths``; ``tests/core/test_packages.py`` keeps them equal to this) all read it, so a new app
is ours the moment it is installed, everywhere at once.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.apps import apps
from django.conf import settings


@functools.cache
def our_apps() -> tuple[str, ...]:
    """Top-level packages of the installed apps inside the repository, in ``INSTALLED_APPS`` order
    (a virtualenv inside the repository is a dot-folder and is not ours)."""
    root = Path(settings.BASE_DIR).resolve()
    found: list[str] = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if not path.is_relative_to(root):
            continue
        top = path.relative_to(root).parts[0]
        if not top.startswith(".") and top not in found:
            found.append(top)
    return tuple(found)
