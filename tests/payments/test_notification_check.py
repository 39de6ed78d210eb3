"""The payment platform as we call it (payments/platform.py): a notification is believed only when the
platform's key signed exactly its timestamp, nonce and body, within five minutes either side of now,
and its body names every field; each refusal says whether it was forged or replayed. The HTTP calls
go to a real server on loopback: method, path, merchant key, JSON both ways, and every failure one
`PlatformError`. Written against the mutants `make mutation` found surviving the flow tests."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from payments import platform

NOW = 1_800_000_000
BODY = {"event_id": "EVT1", "event_type": "PAY.SUCCESS", "out_trade_no": "Q1", "trade_no": "T1", "amount_fen": "1000"}


@pytest.fixture(autouse=True)
def catalogue():
    """None here: the payments conftest loads the services catalogue for every test; these need no database."""


@pytest.fixture
def signer(settings):
    key = Ed25519PrivateKey.generate()
    settings.QILU_PAYMENT_PLATFORM_PUBLIC_KEY = base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    return key


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(platform.time, "time", lambda: float(NOW))


def _headers(key, body: bytes, *, timestamp=NOW, nonce="n1") -> dict:
    signature = key.sign(f"{timestamp}\n{nonce}\n{body.decode()}\n".encode())
    return {"Paysim-Timestamp": str(timestamp), "Paysim-Nonce": nonce, "Paysim-Signature": base64.b64encode(signature).decode()}


def _refusal(headers, body: bytes) -> tuple[str, str]:
    with pytest.raises(platform.BadNotification) as refused:
        platform.verify(headers, body)
    return refused.value.kind, str(refused.value)


def test_a_notification_signed_now_is_believed(signer):
    body = json.dumps(BODY).encode()
    notice = platform.verify(_headers(signer, body), body)
    assert notice == platform.Notice(event_id="EVT1", event_type="PAY.SUCCESS", out_trade_no="Q1", trade_no="T1", amount_fen=1000)


@pytest.mark.parametrize("skew", [-platform.SIGNATURE_WINDOW_SECONDS, platform.SIGNATURE_WINDOW_SECONDS])
def test_five_minutes_either_side_is_still_fresh(signer, skew):
    body = json.dumps(BODY).encode()
    assert platform.verify(_headers(signer, body, timestamp=NOW + skew), body).event_id == "EVT1"


@pytest.mark.parametrize("skew", [-platform.SIGNATURE_WINDOW_SECONDS - 1, platform.SIGNATURE_WINDOW_SECONDS + 1, -86400])
def test_a_second_more_is_a_replay(signer, skew):
    body = json.dumps(BODY).encode()
    assert _refusal(_headers(signer, body, timestamp=NOW + skew), body) == ("replayed", "timestamp outside the window")


def test_a_timestamp_that_is_not_a_number_is_a_replay(signer):
    body = json.dumps(BODY).encode()
    assert _refusal(_headers(signer, body, timestamp="-5"), body)[0] == "replayed"
    assert _refusal(_headers(signer, body, timestamp="soon"), body)[0] == "replayed"
    assert platform.SIGNATURE_WINDOW_SECONDS == 300


def test_the_signature_covers_timestamp_nonce_and_body_each_on_its_line(signer):
    body = json.dumps(BODY).encode()
    headers = _headers(signer, body)
    assert _refusal({**headers, "Paysim-Nonce": "n2"}, body) == ("forged", "signature does not verify")
    assert _refusal({**headers, "Paysim-Timestamp": str(NOW + 1)}, body)[0] == "forged"
    assert _refusal(headers, body.replace(b"1000", b"1"))[0] == "forged"
    joined = base64.b64encode(signer.sign(f"{NOW}{'n1'}{body.decode()}".encode())).decode()
    assert _refusal({**headers, "Paysim-Signature": joined}, body)[0] == "forged"


def test_another_key_no_signature_or_garbage_is_forged(signer):
    body = json.dumps(BODY).encode()
    assert _refusal(_headers(Ed25519PrivateKey.generate(), body), body)[0] == "forged"
    assert _refusal({}, body)[0] == "forged"
    assert _refusal({**_headers(signer, body), "Paysim-Signature": "%%%"}, body)[0] == "forged"
    assert _refusal(_headers(signer, body), b"\xff" + body)[0] == "forged"  # not UTF-8


@pytest.mark.parametrize("missing", list(BODY))
def test_a_signed_body_without_a_field_is_unreadable(signer, missing):
    body = json.dumps({k: v for k, v in BODY.items() if k != missing}).encode()
    assert _refusal(_headers(signer, body), body) == ("forged", "signed but unreadable")


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", json.dumps({**BODY, "amount_fen": "ten"}).encode(),
                                     json.dumps({**BODY, "amount_fen": None}).encode()])
def test_a_signed_body_that_is_not_a_notification_is_unreadable(signer, content):
    assert _refusal(_headers(signer, content), content) == ("forged", "signed but unreadable")


# --- calling the platform over HTTP -----------------------------------------------------------------


class _Platform(BaseHTTPRequestHandler):
    seen: list = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        _Platform.seen.append({"method": self.command, "path": self.path, "authorization": self.headers.get("Authorization"),
                               "type": self.headers.get("Content-Type"), "body": json.loads(self.rfile.read(length)) if length else "(none)"})
        status = 409 if "/refused" in self.path else 200
        refusal = {"error": "refused", "detail": "x" * 300} if self.path.endswith("/long") else {"error": "refused"}
        payload = json.dumps(refusal if status == 409 else {"ok": True, "lines": [{"n": 1}]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback(settings):
    server = HTTPServer(("127.0.0.1", 0), _Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Platform.seen = []
    settings.QILU_PAYMENT_BASE_URL = f"http://127.0.0.1:{server.server_port}/pay/"
    settings.QILU_PAYMENT_MERCHANT_KEY = "merchant-key"
    yield _Platform.seen
    server.shutdown()
    server.server_close()


def test_calls_carry_the_merchant_key_and_json_and_read_json(loopback):
    assert platform._http("POST", "/api/orders", {"out_trade_no": "Q1", "amount_fen": 1000}) == {"ok": True, "lines": [{"n": 1}]}
    assert platform._http("GET", "/api/statements/2026-12-01")["ok"] is True
    assert loopback == [
        {"method": "POST", "path": "/pay/api/orders", "authorization": "Bearer merchant-key", "type": "application/json",
         "body": {"out_trade_no": "Q1", "amount_fen": 1000}},
        {"method": "GET", "path": "/pay/api/statements/2026-12-01", "authorization": "Bearer merchant-key", "type": "application/json",
         "body": "(none)"},
    ]


def test_orders_refunds_and_statements_are_the_platforms_paths(loopback, settings, monkeypatch):
    monkeypatch.setattr(platform, "transport", platform._http)  # the real HTTP, whatever another test routed it through
    settings.QILU_PAYMENT_NOTIFY_URL = "https://qilu.example/api/v1/payments/notify/"
    assert platform.create(out_trade_no="Q1", amount_fen=1000, description="换领", return_url="https://qilu.example/back")["ok"] is True
    platform.query("Q1")
    platform.refund(out_trade_no="Q1", amount_fen=1000)
    assert platform.statement("2026-12-01") == [{"n": 1}]
    assert [(call["method"], call["path"], call["body"]) for call in loopback] == [
        ("POST", "/pay/api/orders", {"out_trade_no": "Q1", "amount_fen": 1000, "description": "换领",
                                     "notify_url": "https://qilu.example/api/v1/payments/notify/", "return_url": "https://qilu.example/back"}),
        ("GET", "/pay/api/orders/Q1", "(none)"),
        ("POST", "/pay/api/refunds", {"out_trade_no": "Q1", "amount_fen": 1000}),
        ("GET", "/pay/api/statements/2026-12-01", "(none)"),
    ]


def test_a_refusal_or_an_unreachable_platform_is_a_platform_error(loopback, settings):
    with pytest.raises(platform.PlatformError, match=r"^409 b'\{\"error\": \"refused\"\}'$"):
        platform._http("POST", "/refused", {})
    with pytest.raises(platform.PlatformError) as long_refusal:
        platform._http("POST", "/refused/long", {})
    assert str(long_refusal.value) == f"409 {json.dumps({'error': 'refused', 'detail': 'x' * 300}).encode()[:200]!r}"  # the first 200 bytes
    for base in ("http://127.0.0.1:9", "https://127.0.0.1:9"):  # discard: nothing listens
        settings.QILU_PAYMENT_BASE_URL = base
        with pytest.raises(platform.PlatformError, match="Connection refused"):
            platform._http("GET", "/api/orders/Q1")
    settings.QILU_PAYMENT_BASE_URL = "file:///etc/passwd"
    with pytest.raises(platform.PlatformError, match=r"^QILU_PAYMENT_BASE_URL must be an http\(s\) URL$"):
        platform._http("GET", "/")


def test_the_platform_and_our_notify_address_follow_configuration(settings):
    settings.QILU_PAYMENT_BASE_URL, settings.QILU_PAYMENT_NOTIFY_URL = "https://pay.example.gov.cn/api/", "https://qilu.example/n/"
    assert (platform.base_url(), platform.notify_url()) == ("https://pay.example.gov.cn/api", "https://qilu.example/n/")
    settings.QILU_PAYMENT_BASE_URL, settings.QILU_PAYMENT_NOTIFY_URL, settings.QILU_PUBLIC_URL = "", "", "https://qilu.example"
    settings.PAYSIM_ENABLED = True
    assert (platform.base_url(), platform.notify_url()) == ("https://qilu.example/paysim", "https://qilu.example/api/v1/payments/notify/")
    settings.PAYSIM_ENABLED = False
    assert platform.base_url() == ""
    settings.QILU_PUBLIC_URL = ""  # nothing configured and no request served yet: no address to give
    assert (platform.base_url(), platform.notify_url()) == ("", "")
    settings.QILU_PAYMENT_BASE_URL = "https://pay.example.gov.cn/X/"
    assert platform.base_url() == "https://pay.example.gov.cn/X"  # only the slash is trimmed


def test_a_signature_the_provider_cannot_check_now_is_unavailable_not_forged(signer, monkeypatch):
    """A cipher device that is away (or has no EdDSA): 503, so the platform sends the notification again."""
    from core import crypto
    from core.errors import Unavailable

    class Away:
        def verify(self, *args):
            raise crypto.DeviceUnavailable("the cipher device does not answer")

    monkeypatch.setattr(platform.crypto, "provider", lambda: Away())
    body = json.dumps(BODY).encode()
    with pytest.raises(Unavailable) as refused:
        platform.verify(_headers(signer, body), body)
    assert refused.value.code == "signature_check_unavailable"
