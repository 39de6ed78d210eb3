"""`make mutation` starts from a fresh clone: mutmut (pinned in requirements-dev.txt) reads its
configuration from pyproject.toml, and the tree it copies (source_paths + also_copy, as mutmut copies
them into mutants/) is one Django starts in — every installed app of ours is there. What once broke
it: payments and paysim missing from the copy, so `mutmut run` died before its first mutant."""

import importlib.metadata
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mutmut_config(monkeypatch):
    from mutmut import configuration

    monkeypatch.chdir(ROOT)  # mutmut reads ./pyproject.toml
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecated key or a pattern mutmut would ignore fails here
        return configuration._load_config()


def test_mutmut_is_the_pinned_version():
    pinned = next(line.split("==")[1].split()[0] for line in (ROOT / "requirements-dev.txt").read_text().splitlines() if line.startswith("mutmut=="))
    assert importlib.metadata.version("mutmut") == pinned


def test_mutmut_configuration_names_files_that_exist(mutmut_config):
    sources = [Path(path) for path in mutmut_config.source_paths]
    for module in mutmut_config.only_mutate:
        assert (ROOT / module).is_file(), f"only_mutate names {module}, which does not exist"
        assert any(Path(module).is_relative_to(source) for source in sources), f"{module} is outside mutmut's source_paths"
    for selected in mutmut_config.pytest_add_cli_args_test_selection:
        assert (ROOT / selected).exists(), f"mutmut's test selection names {selected}, which does not exist"


def test_django_starts_in_the_tree_mutmut_copies(mutmut_config, tmp_path):
    for path in [*mutmut_config.source_paths, *mutmut_config.also_copy]:
        source = ROOT / path
        if source.is_dir():
            shutil.copytree(source, tmp_path / path, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)  # also_copy repeats tests/
        elif source.is_file():
            shutil.copy2(source, tmp_path / path)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
