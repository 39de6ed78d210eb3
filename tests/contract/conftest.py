"""Clients generated from the served API document at test time — never committed — by tools no one
here wrote: openapi-python-client (Python) and openapi-typescript (TypeScript, checked by tsc)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

GENERATOR_CONFIG = """\
post_hooks: []
content_type_overrides:
  image/png: application/octet-stream
  image/jpeg: application/octet-stream
  application/pdf: application/octet-stream
"""


def served_schema(live_server) -> dict:
    request = urllib.request.Request(live_server.url + "/api/schema/?format=json", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


@pytest.fixture(scope="session")
def schema_file(live_server, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "openapi.json"
    path.write_text(json.dumps(served_schema(live_server)))
    return path


@pytest.fixture(scope="session")
def python_client(schema_file, tmp_path_factory):
    """The generated package, imported; ``python_client.warnings`` holds what the generator warned."""
    out = tmp_path_factory.mktemp("generated")
    (out / "config.yaml").write_text(GENERATOR_CONFIG)
    generator = Path(sys.executable).parent / "openapi-python-client"
    run = subprocess.run([str(generator), "generate", "--path", str(schema_file), "--meta", "none", "--output-path", str(out / "qilu_client"),
                          "--config", str(out / "config.yaml")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(out))
    package = importlib.import_module("qilu_client")
    package.warnings = [line for line in (run.stdout + run.stderr).splitlines() if "WARNING" in line or "Unable" in line or "Cannot" in line]
    return package
