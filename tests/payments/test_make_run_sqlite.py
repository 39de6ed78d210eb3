"""The ``make run`` setup, for real: SQLite, tasks in-process, the payment simulator in the same
process (``manage.py runserver`` on a free port that is not 8000, nothing configured but the database).
A paid application is withdrawn and refunded over real HTTP — the refund call, the simulator's write
and its signed notification back to us each find the database free — and every URL handed to the
simulator names the port the instance was served on."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import datetime as dt, json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from credentials import signing
from credentials.demo import seed_types
from credentials.services import credential_issue
from identity.sessions import SessionStore
from services.demo import seed_catalogue
from services.models import ItemVersion, ServiceItem
from tests.factories import UserFactory
signing.key_create()
clients = seed_types()
seed_catalogue()
citizen = UserFactory(name="张三", roles=["citizen"], phone_number="13800000651")
for type_code, record, fields in (
        ("id_card", "ID-1", {"gender": "男", "ethnicity": "汉", "birth_date": "1980-01-02", "address": "济南市历下区", "id_number": citizen.id_number,
                             "issuing_authority": "济南市公安局"}),
        ("driving_licence", "DL-1", {"licence_number": citizen.id_number, "licence_class": "C1", "first_issued": "2012-07-16",
                                     "file_number": "370100123456"})):
    credential_issue(actor=clients["SD-GAT"], data={"type": type_code, "record_id": record, "holder_number": citizen.id_number,
                                                     "holder_name": citizen.name, "fields": fields, "issued_on": dt.date(2024, 1, 1)})
ItemVersion.objects.filter(pk=ServiceItem.objects.get(code="GA-002").current_version_id).update(fee_fen=1000, fees="工本费10元")
session = SessionStore()
session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(citizen.pk), "identity.auth_backends.IdentityBackend"
session[HASH_SESSION_KEY] = citizen.get_session_auth_hash()
session.save()
print("TOKEN=" + session.session_key)
"""

CHECK = """
import json
from payments.models import Order, PaymentEvent
from paysim.models import Trade
order = Order.objects.get()
trade = Trade.objects.get()
print("STATE=" + json.dumps({"order": order.status, "trade": trade.status, "notify_url": trade.notify_url,
                             "events": sorted(PaymentEvent.objects.values_list("kind", flat=True)), "receipt": order.receipt.status}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(url, method="GET", body=None, token=""):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "X-Session-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:500]


def test_a_paid_application_is_withdrawn_and_refunded_under_make_run_on_any_port(tmp_path):
    port = _free_port()
    assert port != 8000
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QILU_", "DATABASE_", "REDIS_", "PAYSIM_", "CELERY"))}
    env |= {"QILU_ENV": "dev", "DATABASE_URL": f"sqlite:///{tmp_path / 'qilu.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media"),
            "QILU_PAYMENT_RETRY_ON_REQUEST_SECONDS": "0", "PYTHONUNBUFFERED": "1"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    setup = subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True, text=True)
    token = setup.stdout.split("TOKEN=")[1].split()[0]
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        status, form = _call(url + "/api/v1/items/GA-002/form/", token=token)
        assert status == 200, form
        data = {f["key"]: f["value"] for f in form["fields"]} | {"reason": "丢失", "delivery_address": "济南市历下区泉城路100号"}
        status, application = _call(url + "/api/v1/applications/", "POST", {"item": "GA-002", "data": data}, token)
        assert status == 201 and application["status"] == "awaiting_payment", application
        number = application["number"]
        status, checkout = _call(url + f"/api/v1/applications/{number}/payment/", "POST", {}, token)
        assert status == 200 and checkout["pay_url"].startswith(f"{url}/paysim/pay/SIM"), checkout
        cashier = urllib.request.urlopen(checkout["pay_url"], timeout=10)  # noqa: S310 — the simulator's cashier: confirm as the payer does
        csrf = cashier.headers["Set-Cookie"].split("csrftoken=")[1].split(";")[0]
        confirm = urllib.request.Request(checkout["pay_url"], method="POST", data=f"action=pay&csrfmiddlewaretoken={csrf}".encode(),
                                         headers={"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"})
        try:
            urllib.request.urlopen(confirm, timeout=30)  # noqa: S310
        except urllib.error.HTTPError as redirected:  # the cashier sends the payer back to us
            assert redirected.code < 500, redirected.read()[:500]
        status, shown = _call(url + f"/api/v1/applications/{number}/", token=token)
        assert shown["status"] == "submitted" and shown["actions"] == ["withdraw"], shown  # paid: the notification came back in-process
        status, withdrawn = _call(url + f"/api/v1/applications/{number}/withdraw/", "POST", {"comment": "不办了"}, token)
        assert status == 200 and withdrawn["status"] == "withdrawn", withdrawn
    finally:
        server.terminate()
        log = server.communicate(timeout=10)[0]
    assert "database is locked" not in log and " 500 " not in log and " 503 " not in log, log[-3000:]
    checked = subprocess.run([*manage, "shell", "-c", CHECK], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True, text=True)
    state = json.loads(checked.stdout.split("STATE=")[1])
    assert state["order"] == "refunded" and state["trade"] == "REFUND" and state["receipt"] == "revoked", state
    assert state["notify_url"] == f"{url}/api/v1/payments/notify/", state
    assert {"refund_requested", "refund_sent", "refunded"} <= set(state["events"]), state
