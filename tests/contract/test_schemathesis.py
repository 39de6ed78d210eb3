"""schemathesis, from the served document, against a live server, as each role: whatever it generates,
no answer is a server error and every answer has a declared status, content type and body schema.
Bounded: a fixed seed, a few examples per operation, a time budget per role."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "schemathesis"
# Signed-in roles leave the sign-in operations alone (a generated DELETE /auth/session would sign the run itself out);
# the anonymous run covers them.
SIGN_IN = "^/_allauth/"


def _post(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"} | ({"X-Session-Token": token} if token else {})
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:  # 401: signed in by password, the second factor pending
        return json.load(error)


def sign_in(base_url: str, id_number: str, password: str) -> str:
    """The app's sign-in; staff then give the demo authenticator's code (identity.second_factor)."""
    from identity.demo import DEMO_TOTP_SECRET, totp_code

    answer = _post(base_url + "/_allauth/app/v1/auth/login", {"username": id_number, "password": password})
    if answer["status"] == 401:
        answer = _post(base_url + "/_allauth/app/v1/auth/2fa/authenticate", {"code": totp_code(DEMO_TOTP_SECRET)}, answer["meta"]["session_token"])
    assert answer["status"] == 200, answer
    return answer["meta"]["session_token"]


def served_schema(base_url: str) -> Path:
    """The document the live server serves, fetched once for the six runs: schemathesis gives a schema URL
    10 s to answer, which building the document can take on a loaded machine, and building it six times
    was waste."""
    if base_url not in _fetched:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(base_url + "/api/schema/?format=json", timeout=120) as response:
            _fetched[base_url] = ARTIFACTS / "served-schema.json"
            _fetched[base_url].write_bytes(response.read())
    return _fetched[base_url]


_fetched: dict[str, Path] = {}


def schemathesis(base_url: str, role: str, *extra: str) -> subprocess.CompletedProcess:
    schema = served_schema(base_url)
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", str(schema), "--url", base_url, "--checks", CHECKS,
               "--max-examples", "3", "--seed", "20261201", "--phases", "examples,coverage,fuzzing", "--max-time", "60", "--workers", "1",
               "--request-timeout", "20", "--no-color", "--suppress-health-check", "all", "--generation-database", "none",
               "--report", "junit", "--report-junit-path", str(ARTIFACTS / f"{role}.xml"), *extra]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    (ARTIFACTS / f"{role}.txt").write_text(run.stdout + run.stderr)
    return run


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    return {key: sign_in(live_server.url, number, PASSWORD) for key, _name, number, _phone, _role in DEMO_PEOPLE
            if key in ("citizen", "clerk", "reviewer", "checkpoint")}


def test_anonymous(live_server, demo):
    run = schemathesis(live_server.url, "anonymous")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


@pytest.mark.parametrize("role", ["citizen", "clerk", "reviewer", "checkpoint"])
def test_signed_in(live_server, demo, role):
    run = schemathesis(live_server.url, role, "--header", f"X-Session-Token: {demo[role]}", "--exclude-path-regex", SIGN_IN)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_an_issuing_system(live_server, demo):
    from credentials.demo import DEMO_ISSUER_SECRET

    run = schemathesis(live_server.url, "issuer", "--header", f"Authorization: Bearer demo-sd-gat.{DEMO_ISSUER_SECRET}", "--include-tag", "issuer")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
