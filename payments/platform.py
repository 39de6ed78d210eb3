"""The payment platform as we call it: create an order, query it, refund it, fetch the day's statement
(JSON over HTTPS with the merchant key), and verify its signed notifications with its public key.

``QILU_PAYMENT_BASE_URL`` names the platform. Unset, it is the local simulator (``paysim``, same
process under ``/paysim/`` of the origin this instance is served at: ``core.origins``); the province's unified payment platform plugs in at the same place with
its URL, merchant id and key, and its notification public key (``QILU_PAYMENT_PLATFORM_PUBLIC_KEY``).
A platform whose API differs is one more class with these five methods.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from core import crypto
from core.crypto import algorithms as algs
from core.errors import Unavailable
from core.origins import served_origin

SIGNATURE_WINDOW_SECONDS = 300


class PlatformError(Exception):
    """The platform refused or could not be reached; nothing changed on our side."""


class BadNotification(Exception):
    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True)
class Notice:
    event_id: str
    event_type: str
    out_trade_no: str
    trade_no: str
    amount_fen: int


def base_url() -> str:
    """The platform's API root: configured, else the simulator in this process at our served origin."""
    if settings.QILU_PAYMENT_BASE_URL:
        return settings.QILU_PAYMENT_BASE_URL.rstrip("/")
    origin = served_origin()
    return f"{origin}/paysim" if settings.PAYSIM_ENABLED and origin else ""


def notify_url() -> str:
    """Where the platform tells us an order was paid or refunded: configured, else ours at our served origin."""
    if settings.QILU_PAYMENT_NOTIFY_URL:
        return settings.QILU_PAYMENT_NOTIFY_URL
    origin = served_origin()
    return origin + reverse("payments-notify") if origin else ""


def _http(method: str, path: str, body: dict | None = None) -> dict:
    base = base_url()
    if not base.startswith(("https://", "http://")):
        raise PlatformError("QILU_PAYMENT_BASE_URL must be an http(s) URL")
    request = urllib.request.Request(base + path, method=method,  # noqa: S310 — scheme checked above
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.QILU_PAYMENT_MERCHANT_KEY}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — operator-configured URL
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise PlatformError(f"{error.code} {error.read()[:200]!r}") from None
    except OSError as error:
        raise PlatformError(str(error)) from None


transport = _http  # tests route it through Django's test client (tests/payments/conftest.py)


def create(*, out_trade_no: str, amount_fen: int, description: str, return_url: str) -> dict:
    return transport("POST", "/api/orders", {"out_trade_no": out_trade_no, "amount_fen": amount_fen, "description": description,
                                             "notify_url": notify_url(), "return_url": return_url})


def transfer(*, out_trade_no: str, amount_fen: int, account_number: str, account_name: str, description: str) -> dict:
    """Pay a person (代发, e.g. a 免申即享 benefit): idempotent on ``out_trade_no`` at the platform; the
    platform confirms with a signed ``TRANSFER.SUCCESS`` notification to ``transfer_notify_url``."""
    return transport("POST", "/api/transfers", {"out_trade_no": out_trade_no, "amount_fen": amount_fen, "account_number": account_number,
                                                "account_name": account_name, "description": description, "notify_url": transfer_notify_url()})


def transfer_notify_url() -> str:
    origin = served_origin()
    return origin + reverse("benefits-payout-notify") if origin else ""


def query(out_trade_no: str) -> dict:
    return transport("GET", f"/api/orders/{out_trade_no}")


def refund(*, out_trade_no: str, amount_fen: int) -> dict:
    return transport("POST", "/api/refunds", {"out_trade_no": out_trade_no, "amount_fen": amount_fen})


def statement(day: str) -> list[dict]:
    return transport("GET", f"/api/statements/{day}")["lines"]


def verify(headers, body: bytes) -> Notice:
    """A notification the platform really sent, recently: else ``BadNotification``."""
    timestamp, nonce, signature = (headers.get(name, "") for name in ("Paysim-Timestamp", "Paysim-Nonce", "Paysim-Signature"))
    try:
        signed = f"{timestamp}\n{nonce}\n{body.decode()}\n".encode()
        genuine = crypto.provider().verify(algs.EDDSA, base64.b64decode(settings.QILU_PAYMENT_PLATFORM_PUBLIC_KEY), signed, base64.b64decode(signature))
    except (ValueError, UnicodeDecodeError):
        genuine = False
    except crypto.CryptoError as exc:  # the provider could not check it now: 503, and the platform sends it again
        raise Unavailable(_("暂时无法核对支付平台的签名，请稍后重试。"), code="signature_check_unavailable") from exc
    if not genuine:
        raise BadNotification("forged", "signature does not verify")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        raise BadNotification("replayed", "timestamp outside the window")
    try:
        data = json.loads(body)
        return Notice(event_id=str(data["event_id"]), event_type=str(data["event_type"]), out_trade_no=str(data["out_trade_no"]),
                      trade_no=str(data["trade_no"]), amount_fen=int(data["amount_fen"]))
    except (ValueError, KeyError, TypeError):
        raise BadNotification("forged", "signed but unreadable") from None
