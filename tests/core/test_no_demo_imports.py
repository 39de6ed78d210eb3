"""Demo code (the synthetic-data generators ``*.demo``) is imported only by demo code itself and by the
commands that load demo data: no use case, view or reference data computes a value with it (a
department's credit code came from ``identity.demo`` until it moved into a data migration)."""

import ast
import pathlib

from core.packages import our_apps

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _is_demo_module(name: str) -> bool:
    return any(part == "demo" or part.startswith("demo_") for part in name.split("."))


def _may_import_demo(path: pathlib.Path) -> bool:
    """Demo data and logic themselves, and the management commands that load it."""
    return path.stem == "demo" or path.stem.startswith("demo_") or "commands" in path.parts


def test_only_demo_code_and_demo_commands_import_demo_code():
    offenders = []
    for package in our_apps():
        for path in (ROOT / package).rglob("*.py"):
            if _may_import_demo(path):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom):
                    names += [f"{node.module}.{a.name}" for a in node.names]
                if any(_is_demo_module(name) for name in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
