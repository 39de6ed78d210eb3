"""A scenario across every capability, over HTTP, against the production stack (gunicorn ×3,
Celery worker and beat, PostgreSQL, Redis, QILU_ENV=prod with generated secrets)."""

import re
import time
import uuid

import pytest

from devtools.stack import wait_for
from portal.management.commands.seed_demo import DEMO_PEOPLE

pytestmark = pytest.mark.slow
PEOPLE = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}


def test_the_production_stack_serves_every_capability(stack):
    status, ready, headers = stack.get("/readyz")
    assert (status, ready) == (200, {"status": "ok", "database": "up", "cache": "up", "broker": "up"})
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
    assert stack.get("/healthz", headers={"X-Request-ID": "trace-abc-123"})[2]["X-Request-ID"] == "trace-abc-123"

    citizen = stack.sign_in(PEOPLE["citizen"])
    clerk = stack.sign_in(PEOPLE["clerk"])
    checkpoint = stack.sign_in(PEOPLE["checkpoint"])

    # 亮证: show a credential, a clerk verifies it.
    status, wallet, _ = stack.get("/api/v1/wallet/", token=citizen)
    assert status == 200 and len(wallet) >= 7
    licence = next(c for c in wallet if c["type"] == "driving_licence")
    status, shown, _ = stack.post(f"/api/v1/wallet/{licence['identifier']}/presentations/", {"disclose": ["licence_class"]}, token=citizen)
    assert status == 201
    status, verdict, _ = stack.post("/api/v1/verifications/", {"payload": shown["payload"]}, token=clerk)
    assert (status, verdict["valid"], verdict["credential"]["fields"]["licence_class"]) == (200, True, "C1")

    # Health pass: show it, a checkpoint verifies it.
    status, health, _ = stack.get("/api/v1/health/pass/", token=citizen)
    assert status == 200 and health["colour"] in ("green", "yellow", "red")
    status, checked, _ = stack.post("/api/v1/health/checks/", {"payload": health["payload"], "place": "冒烟测试"}, token=checkpoint)
    assert (status, checked["valid"]) == (200, True)

    # 掌上办: an instantly approved item, approved by the real Celery worker after commit.
    status, items, _ = stack.get("/api/v1/items/?q=%E5%A4%87%E6%A1%88", token=citizen)  # 备案
    assert status == 200 and any(item["code"] == "JT-001" for item in items["results"])
    _, form, _ = stack.get("/api/v1/items/JT-001/form/", token=citizen)
    data = {field["key"]: field["value"] for field in form["fields"]} | {"seats": "5"}
    key = uuid.uuid4().hex
    status, application, _ = stack.post("/api/v1/applications/", {"item": "JT-001", "data": data}, token=citizen, headers={"Idempotency-Key": key})
    assert status == 201
    again = stack.post("/api/v1/applications/", {"item": "JT-001", "data": data}, token=citizen, headers={"Idempotency-Key": key})
    assert (again[0], again[1]["number"]) == (200, application["number"])
    done = wait_for(lambda: (body := stack.get(f"/api/v1/applications/{application['number']}/", token=citizen)[1])["status"] == "completed" and body,
                    30, "the worker to approve the application")
    assert done["result_credential"]

    # Operations: metrics for the monitoring network, JSON logs with request ids and no personal numbers.
    status, metrics, _ = stack.get("/metrics")
    assert status == 200 and "django_http_requests_total_by_method_total" in metrics and "qilu_celery_queue_length" in metrics
    time.sleep(0.5)
    log = stack.log("web")
    assert '"request_id": "' in log or '"request_id":"' in log
    for number in PEOPLE.values():
        assert number not in log and number not in stack.log("worker-interactive") and number not in stack.log("worker-notify")


def test_a_missing_secret_stops_start_up_with_a_clear_message(stack):
    env = dict(stack.env)
    del env["QILU_MASTER_KEY"]
    import subprocess

    from devtools.stack import ROOT, VENV_BIN

    result = subprocess.run([str(VENV_BIN / "python"), "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "QILU_MASTER_KEY" in result.stderr
    env = {k: v for k, v in stack.env.items() if k != "SECURE_SSL_REDIRECT"}  # behind the TLS proxy, as deployed
    result = subprocess.run([str(VENV_BIN / "python"), "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _via_proxy(stack, source: str, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    """One request through nginx from a given loopback address (each stands for a different client)."""
    import http.client
    import json
    from urllib.parse import urlsplit

    target = urlsplit(stack.proxy_url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=20, source_address=(source, 0))
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, json.loads(payload) if payload.startswith(b"{") else payload


def test_behind_nginx_one_clients_failures_do_not_lock_out_another_and_audits_name_the_client(stack):
    stack.start_nginx()
    # An attacker at one address guesses passwords until allauth's per-address limit stops it …
    # (three accounts, four guesses each: under the per-account lockout, over the per-address limit)
    targets = [PEOPLE[key] for key in ("legal_rep", "agent", "auditor")]
    answers = [_via_proxy(stack, "127.0.0.2", "POST", "/_allauth/app/v1/auth/login",
                          {"username": targets[attempt % 3], "password": f"wrong-{attempt}"},
                          headers={"X-Forwarded-For": "198.51.100.9"})[1]  # a hop the client forged: ignored
               for attempt in range(12)]
    codes = [{error["code"] for error in answer["errors"]} for answer in answers]
    assert "too_many_login_attempts" not in codes[0] and "too_many_login_attempts" in codes[-1]
    # … while a citizen at another address signs in, and the audit row names the citizen's address.
    status, body = _via_proxy(stack, "127.0.0.3", "POST", "/_allauth/app/v1/auth/login", {"username": PEOPLE["citizen"], "password": "Qilu-demo-2026"})
    assert status == 200, body
    script = ("from identity.models import AuditEvent\n"
              "print(AuditEvent.objects.filter(action='sign_in').order_by('-id').values_list('source_ip', flat=True).first())\n"
              "print(sorted(set(AuditEvent.objects.filter(action='sign_in_failed').values_list('source_ip', flat=True))))")
    out = stack.manage("shell", "-c", script).stdout.split("\n")
    assert out[-3:-1] == ["127.0.0.3", "['127.0.0.2']"]


def _direct(stack, source: str, path: str, headers: dict | None = None) -> int:
    """One request straight to gunicorn (no proxy) from a given loopback address."""
    import http.client
    from urllib.parse import urlsplit

    target = urlsplit(stack.url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=20, source_address=(source, 0))
    connection.request("GET", path, headers=headers or {})
    status = connection.getresponse().status
    connection.close()
    return status


def test_metrics_read_the_client_address_not_the_proxys_nor_a_forged_one(stack):
    """/metrics' allow-list (127.0.0.1 here) names the client: through nginx a client at another address
    is refused although nginx's own address is allowed; straight to gunicorn, a forged X-Forwarded-For
    naming 127.0.0.1 is not believed from a peer that is not a trusted proxy."""
    if "nginx" not in stack.procs:
        stack.start_nginx()
    assert _via_proxy(stack, "127.0.0.5", "GET", "/metrics")[0] in (403, 404)
    assert _direct(stack, "127.0.0.5", "/metrics", {"X-Forwarded-For": "127.0.0.1"}) in (403, 404)
    assert _direct(stack, "127.0.0.1", "/metrics") == 200


def test_an_oversized_or_deeply_nested_body_gets_json_from_gunicorn(stack):
    import json
    import urllib.error
    import urllib.request

    for body, expected in ((b"[" * 10_000 + b"]" * 10_000, (400, "json_too_deep")), (b"{}" + b" " * 3_000_000, (413, "request_too_large"))):
        request = urllib.request.Request(stack.url + "/api/v1/payments/notify/", data=body, method="POST", headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=20)
        except urllib.error.HTTPError as error:
            answer = (error.code, json.loads(error.read())["code"])
        assert answer == expected
