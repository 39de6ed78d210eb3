"""The simulated platform's merchant API (bearer API key), its cashier page and its statements.

- ``POST /paysim/api/orders``: create (idempotent on the merchant's order number; another amount → 409)
- ``GET /paysim/api/orders/<out_trade_no>``: query
- ``POST /paysim/api/refunds``: refund a paid trade in full (idempotent)
- ``POST /paysim/api/transfers``: pay a person's bank card (代发; idempotent on the merchant's number), notified as ``TRANSFER.SUCCESS``
- ``GET /paysim/api/statements/<YYYY-MM-DD>``: the day's payments and refunds, for reconciliation
- ``/paysim/pay/<trade_no>/``: the cashier page the payer confirms on
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from paysim import tasks
from paysim.models import Trade


def _merchant(request) -> str | None:
    expected = f"Bearer {settings.PAYSIM_MERCHANT_KEY}"
    if not secrets.compare_digest(request.headers.get("Authorization", ""), expected):
        return None
    return settings.PAYSIM_MERCHANT_ID


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _trade_json(trade: Trade) -> dict:
    return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "status": trade.status, "amount_fen": trade.amount_fen,
            "paid_at": trade.paid_at.isoformat() if trade.paid_at else None, "refunded_fen": trade.refunded_fen,
            "pay_url": f"/paysim/pay/{trade.trade_no}/"}


@csrf_exempt
@require_http_methods(["POST"])
def orders(request):
    merchant = _merchant(request)
    if merchant is None:
        return _error(401, "UNAUTHORIZED", "bad merchant key")
    try:
        body = json.loads(request.body)
        out_trade_no, amount = str(body["out_trade_no"]), int(body["amount_fen"])
        description, notify_url, return_url = str(body["description"])[:128], str(body["notify_url"]), str(body.get("return_url", ""))
    except (ValueError, KeyError, TypeError):
        return _error(400, "PARAM_ERROR", "out_trade_no, amount_fen, description and notify_url are required")
    if amount <= 0:
        return _error(400, "PARAM_ERROR", "amount_fen must be positive")
    existing = Trade.objects.filter(merchant_id=merchant, out_trade_no=out_trade_no).first()
    if existing is None:
        try:
            with transaction.atomic():
                existing = Trade.objects.create(trade_no="SIM" + timezone.now().strftime("%Y%m%d") + secrets.token_hex(6).upper(), merchant_id=merchant,
                                                out_trade_no=out_trade_no, amount_fen=amount, description=description, notify_url=notify_url,
                                                return_url=return_url)
        except IntegrityError:
            existing = Trade.objects.get(merchant_id=merchant, out_trade_no=out_trade_no)
    if existing.amount_fen != amount:
        return _error(409, "OUT_TRADE_NO_USED", "this order number was created with another amount")
    return JsonResponse(_trade_json(existing), status=201)


@require_http_methods(["GET"])
def order(request, out_trade_no: str):
    merchant = _merchant(request)
    if merchant is None:
        return _error(401, "UNAUTHORIZED", "bad merchant key")
    trade = Trade.objects.filter(merchant_id=merchant, out_trade_no=out_trade_no).first()
    if trade is None:
        return _error(404, "ORDER_NOT_EXIST", "no such order")
    return JsonResponse(_trade_json(trade))


@csrf_exempt
@require_http_methods(["POST"])
def refunds(request):
    merchant = _merchant(request)
    if merchant is None:
        return _error(401, "UNAUTHORIZED", "bad merchant key")
    try:
        body = json.loads(request.body)
        out_trade_no, amount = str(body["out_trade_no"]), int(body["amount_fen"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "PARAM_ERROR", "out_trade_no and amount_fen are required")
    with transaction.atomic():
        trade = Trade.objects.select_for_update().filter(merchant_id=merchant, out_trade_no=out_trade_no).first()
        if trade is None:
            return _error(404, "ORDER_NOT_EXIST", "no such order")
        if trade.status == Trade.Status.REFUND:
            return JsonResponse({"status": "SUCCESS", **_trade_json(trade)})
        if trade.status != Trade.Status.SUCCESS or amount != trade.amount_fen:
            return _error(409, "REFUND_NOT_ALLOWED", "only a paid trade refunds, in full")
        trade.status, trade.refunded_fen, trade.refunded_at = Trade.Status.REFUND, amount, timezone.now()
        trade.save()
        tasks.notify_later(trade, "REFUND.SUCCESS")
    return JsonResponse({"status": "SUCCESS", **_trade_json(trade)})


@csrf_exempt
@require_http_methods(["POST"])
def transfers(request):
    """The merchant pays a person's card. The same number again answers the same transfer (a retry never pays twice)."""
    merchant = _merchant(request)
    if merchant is None:
        return _error(401, "UNAUTHORIZED", "bad merchant key")
    try:
        body = json.loads(request.body)
        out_trade_no, amount = str(body["out_trade_no"]), int(body["amount_fen"])
        account, description, notify_url = str(body["account_number"]), str(body["description"])[:128], str(body["notify_url"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "PARAM_ERROR", "out_trade_no, amount_fen, account_number, description and notify_url are required")
    if amount <= 0 or not account.isdigit():
        return _error(400, "PARAM_ERROR", "a positive amount to a card number")
    with transaction.atomic():
        existing = Trade.objects.select_for_update().filter(merchant_id=merchant, out_trade_no=out_trade_no).first()
        if existing is None:
            existing = Trade.objects.create(trade_no="SIT" + timezone.now().strftime("%Y%m%d") + secrets.token_hex(6).upper(), merchant_id=merchant,
                                            kind="TRANSFER", out_trade_no=out_trade_no, amount_fen=amount, description=description,
                                            notify_url=notify_url, status=Trade.Status.SUCCESS, paid_at=timezone.now())
            tasks.notify_later(existing, "TRANSFER.SUCCESS")
    if existing.amount_fen != amount or existing.kind != "TRANSFER":
        return _error(409, "OUT_TRADE_NO_USED", "this number was used for another amount or kind")
    return JsonResponse(_trade_json(existing), status=201)


@require_http_methods(["GET"])
def statement(request, day: str):
    merchant = _merchant(request)
    if merchant is None:
        return _error(401, "UNAUTHORIZED", "bad merchant key")
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        return _error(400, "PARAM_ERROR", "YYYY-MM-DD")
    start = timezone.make_aware(dt.datetime.combine(date, dt.time.min))
    end = start + dt.timedelta(days=1)
    lines = [{"kind": "PAY", "out_trade_no": t.out_trade_no, "trade_no": t.trade_no, "amount_fen": t.amount_fen, "at": t.paid_at.isoformat()}
             for t in Trade.objects.filter(merchant_id=merchant, kind="PAY", paid_at__gte=start, paid_at__lt=end)]
    lines += [{"kind": "REFUND", "out_trade_no": t.out_trade_no, "trade_no": t.trade_no, "amount_fen": t.refunded_fen, "at": t.refunded_at.isoformat()}
              for t in Trade.objects.filter(merchant_id=merchant, refunded_at__gte=start, refunded_at__lt=end)]
    return JsonResponse({"day": day, "lines": sorted(lines, key=lambda line: line["at"])})


@require_http_methods(["GET", "POST"])
def pay(request, trade_no: str):
    """The cashier: the payer sees what and how much, and confirms (a real platform would take a bank
    card, a QR from a banking app, …)."""
    trade = get_object_or_404(Trade, trade_no=trade_no)
    if request.method == "POST":
        if request.POST.get("action") == "pay":
            with transaction.atomic():
                trade = Trade.objects.select_for_update().get(pk=trade.pk)
                if trade.status == Trade.Status.NOTPAY:
                    trade.status, trade.paid_at = Trade.Status.SUCCESS, timezone.now()
                    trade.save()
                    tasks.notify_later(trade, "PAY.SUCCESS")
        if trade.return_url.startswith("/"):
            return HttpResponseRedirect(trade.return_url)
        raise Http404
    return render(request, "paysim/pay.html", {"trade": trade, "yuan": f"{trade.amount_fen / 100:.2f}"})
