"""A TypeScript client generated from the served document (openapi-typescript types + openapi-fetch),
type-checked by tsc under `strict`, then run by Node against a live server (clients/typescript)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "typescript"


def run(*command, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=CLIENT, capture_output=True, text=True, timeout=timeout)


def test_the_generated_typescript_client_type_checks_and_runs(schema_file, live_server):
    assert (CLIENT / "node_modules" / ".bin" / "tsc").exists(), "run `make test` (it installs clients/typescript with npm ci)"
    shutil.rmtree(CLIENT / "generated", ignore_errors=True)
    shutil.rmtree(CLIENT / "build", ignore_errors=True)
    generated = run("node_modules/.bin/openapi-typescript", str(schema_file), "-o", "generated/schema.d.ts")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    checked = run("node_modules/.bin/tsc", "-p", ".")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    citizen = next(number for key, _name, number, _phone, _role in DEMO_PEOPLE if key == "citizen")
    journey = run("node", "build/journey.js", live_server.url, citizen, PASSWORD, timeout=120)
    assert journey.returncode == 0, journey.stdout + journey.stderr
    seen = json.loads(journey.stdout.strip().splitlines()[-1])
    assert "phone" in seen["login_methods"] and seen["wallet"] >= 1 and seen["presented"] and seen["items"] >= 1
    assert seen["not_found"] == {"status": 404, "code": "not_found", "message": "Not found."}
    assert seen["refused"] == {"status": 403, "code": "permission_denied"}


def test_a_schema_change_the_code_does_not_follow_fails_the_type_check(schema_file, tmp_path):
    """The check is real: rename one answer field in a copy of the document and tsc refuses journey.ts."""
    schema = json.loads(schema_file.read_text())
    presentation = schema["components"]["schemas"]["Presentation"]
    presentation["properties"]["qr_image"] = presentation["properties"].pop("qr_svg")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(schema))
    target = tmp_path / "schema.d.ts"
    assert run("node_modules/.bin/openapi-typescript", str(changed), "-o", str(target)).returncode == 0
    (CLIENT / "generated").mkdir(exist_ok=True)
    shutil.copy(target, CLIENT / "generated" / "schema.d.ts")
    try:
        checked = run("node_modules/.bin/tsc", "-p", ".", "--noEmit")
        assert checked.returncode != 0 and "qr_svg" in checked.stdout
    finally:
        shutil.rmtree(CLIENT / "generated", ignore_errors=True)
