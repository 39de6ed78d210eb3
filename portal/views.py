"""The portal's shell pages and the process health endpoints."""

import functools
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import parsers, redis_held
from credentials.api import prefetch as reads_first
from credentials.held import _WATCHED, copy_key, mirror_key
from identity import masking, prefetch


def home(request):
    """Anonymous: the welcome. Signed in: what waits for me and my shortcuts. 长辈版: four big tasks (and,
    signed in, what waits)."""
    from identity.views import elder_mode_context
    from services.selectors import most_applied_item, popular_items

    signed_in = request.user.is_authenticated
    if elder_mode_context(request)["elder"]:
        return render(request, "portal/home.html", {"popular_item": most_applied_item(), "waiting": waiting_cards(request.user) if signed_in else []})
    if not signed_in:
        return render(request, "portal/home.html")
    return render(request, "portal/home.html", {"waiting": waiting_cards(request.user), "popular_items": popular_items()})


@dataclass(frozen=True)
class Waiting:
    """One card on the signed-in home: what waits for the person and the link that does it."""

    kind: str  # for tests and styling only, never shown
    title: str
    detail: str
    url: str
    action: str


def waiting_cards(user) -> list[Waiting]:
    """补正 requested, fees due, ratings invited (services); appeals decided (healthcode); credentials
    expiring within 30 days (credentials); benefits found without application and not yet answered
    (benefits); a family member asking to act for me (family) — each app's selector, in that order."""
    from benefits.selectors import awaiting_answer
    from credentials.selectors import expiring_for
    from family.selectors import asking_me
    from healthcode.selectors import appeals_decided_for
    from services.selectors import waiting_on_applicant

    cards = [_application_card(application) for application in waiting_on_applicant(user)]
    cards += [Waiting("appeal", _("健康码申诉：%(status)s") % {"status": appeal.get_status_display()}, appeal.decision_note,
                      reverse("health-pass"), _("查看健康码")) for appeal in appeals_decided_for(user)]
    cards += [Waiting("expiring", _("%(type)s将于 %(date)s 到期") % {"type": credential.type.local_name, "date": credential.expires_on.isoformat()},
                      _("到期前可在线办理换证。"), reverse("wallet-credential", args=[credential.identifier]), _("查看证照"))
              for credential in expiring_for(user)]
    cards += [Waiting("benefit", _("您符合「%(policy)s」，无需申请") % {"policy": entitlement.policy.local_name},
                      _("%(period)s · %(amount)s 元") % {"period": entitlement.period_words, "amount": entitlement.yuan} if entitlement.amount_fen else "",
                      reverse("benefit", args=[entitlement.pk]), _("确认领取")) for entitlement in awaiting_answer(user)]
    cards += [Waiting("family", _("%(name)s 请求为你代办事项") % {"name": masking.shown("name", link.guardian.name, viewer=masking.Viewer.DISPLAY)},
                      link.relation, reverse("family"), _("去确认")) for link in asking_me(user)]
    return cards


def _application_card(application) -> Waiting:
    url, item = reverse("application-detail", args=[application.number]), application.item.local_name
    from services.services.steps import allowed_actions

    actions = allowed_actions(application)  # the state machine says what is waiting on the person
    if "resubmit" in actions:
        return Waiting("supplement", _("需要补正：%(item)s") % {"item": item}, application.asked or "", url, _("去补正"))
    if "pay" in actions:
        return Waiting("payment", _("待缴费：%(item)s") % {"item": item}, "", url, _("去缴费"))
    return Waiting("rating", _("请评价：%(item)s") % {"item": item}, application.get_status_display(), url + "#rating", _("去评价"))


# --- message centre (消息) ------------------------------------------------------------------------


@login_required
def message_list(request):
    """My notices, newest first, 20 a page: the same rows and order as the API's inbox."""
    from identity.selectors import notices_of
    from portal.notices import describe

    page = Paginator(notices_of(request.user), 20).get_page(request.GET.get("page"))
    for notice in page:
        describe(notice, host=request.get_host())
    return render(request, "portal/messages.html", {"notices": page})


@login_required
def message_open(request, pk: int):
    """Opening a notice marks it read (the same use case as the API) and shows it with its link."""
    from identity.selectors import notice_for
    from identity.services import notice_mark_read
    from portal.notices import describe

    notice = notice_for(request.user, pk)
    notice_mark_read(actor=request.user, pk=notice.pk)
    return render(request, "portal/message.html", {"notice": describe(notice, host=request.get_host())})


@login_required
@require_POST
def message_read_all(request):
    from identity.services import notice_mark_read

    if notice_mark_read(actor=request.user):
        messages.success(request, _("全部消息已标为已读。"))
    return redirect("messages")


def healthz(request):
    """The process is alive (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready to serve: the database, the cache and the broker answer. Any down → 503 with which."""
    checks = {"database": _database_up(), "cache": _cache_up(), "broker": _broker_up()}
    ready = all(checks.values())
    body = {"status": "ok" if ready else "unavailable", **{name: "up" if up else "down" for name, up in checks.items()}}
    return JsonResponse(body, status=200 if ready else 503)


def _database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 — any failure means "down"
        return False
    return True


def _cache_up() -> bool:
    from django.conf import settings
    from django.core.cache import cache

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return True
    try:
        client = cache.client.get_client()  # IGNORE_EXCEPTIONS would hide an outage from cache.get
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False


def _broker_up() -> bool:
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
        return True
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=1, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception:  # noqa: BLE001
        return False
    return True


# --- benchmark baselines (mounted only with QILU_BENCH=true) ------------------------------------


def bench_bare(request):
    """The floor for a Django view: no database, no auth."""
    return JsonResponse({"ok": True})


class BenchAnonymousApi(APIView):
    """The floor for any DRF view: no authentication, no work."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


class BenchAuthenticatedApi(APIView):
    """The floor for an authenticated DRF view: session-token auth (one indexed read), no work."""

    def get(self, request):
        return Response({"ok": True})


# The floors of the two 亮证 paths (issue 25): a bare authenticated DRF view doing only the work the path
# cannot avoid, so a path's ratio can be read against what any implementation of it on this stack costs.
# What they read and write is the size of the real thing; their keys are the bench's own.
FLOOR_STREAM = "qilu:bench:floor"  # a stream of its own, capped: the journal's consumer never reads it
FLOOR_KEPT = "qilu:bench:floor-kept"
FLOOR_SIGNED = bytes(96)  # about what a 亮证 code's COSE Sig_structure is (protected header, CWT with iss/iat/exp/cti)
FLOOR_KEPT_SIZE = 1126  # a kept code in Redis (credentials.shown: encrypted JSON of the disclosed view and labels)
FLOOR_RECORD = "r" * 480  # about a journal record of a shown code or a scan (JSON)
_FLOOR_SCAN = """
local first = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) and 1 or 0
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000', '*', 'r', ARGV[2])
return first
"""


def _floor_redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _floor_signer():
    from credentials import signing

    return signing.keyring().signers[signing.Purpose.CREDENTIALS]


class BenchShowFloorApi(APIView):
    """The floor of 亮证 show: its JSON body parsed; the held copy of the credential in the URL (one per
    credential, ``credentials.held.copy_key``), its holder's stamp's mirror and the watched stamps read
    as the path reads them — in the session's round trip (``identity.prefetch``, declared below as the
    path declares its own), or in one ``MGET`` when the session's read did not bring them —, the copy's
    bytes not opened; one ES256 signature of a code's size; one Redis write (a record appended, on the
    held connection the path writes on: ``core.redis_held``)."""

    def post(self, request, identifier: str):
        parsers.json_data(request)  # parsed, as the path parses its body (plainly: core.parsers)
        index = request.user.id_number_index or ""
        prefetch.get_many([mirror_key(index), copy_key(index, identifier), *_WATCHED])  # as credentials.held.held_to_show reads them
        _floor_signer().sign(FLOOR_SIGNED)
        redis_held.send(_floor_redis(), [("XADD", FLOOR_STREAM, "MAXLEN", "~", "1000", "*", "r", FLOOR_RECORD)])  # on a held connection, as the path's
        return Response({"ok": True}, status=201)


FLOOR_SHOW_ROUTE = "bench-floor-show"
prefetch.declare(FLOOR_SHOW_ROUTE, reads_first.show)  # the floor reads first what 亮证 reads first (credentials.api.prefetch)


def floor_verify_reads_first(request):
    """What the verify floor reads first, with the session (``identity.prefetch``), as a clerk's scan
    reads what its code showed (``credentials.api.prefetch.scan``): a kept code's size, in the same round
    trip as the session's entry."""
    from identity import prefetch

    return prefetch.Want(keys=(FLOOR_KEPT,))


class BenchVerifyFloorApi(APIView):
    """The floor of a clerk's scan: its JSON body parsed; one ES256 verification of a code's size; a
    kept code's size read — in the session's round trip, as the path reads it (``floor_verify_reads_first``,
    declared in ``portal.urls``), or with a GET of its own when the session's read did not bring it; one
    Lua script claiming one-time use (SET NX) and appending a record. Two round trips, as the path's."""

    _signed: tuple = ()

    def post(self, request):
        from credentials import signing

        body = parsers.json_data(request)  # parsed, as the path parses its body (plainly: core.parsers)
        payload = body.get("payload", "") if isinstance(body, dict) else ""
        if not BenchVerifyFloorApi._signed:  # once per process: a signature to check, the kept value to read
            signer = _floor_signer()
            key = signing.keyring().public[signer.kid]
            BenchVerifyFloorApi._signed = (key, signer.sign(FLOOR_SIGNED))
            _floor_redis().set(FLOOR_KEPT, bytes(FLOOR_KEPT_SIZE), ex=3600)
        key, signature = BenchVerifyFloorApi._signed
        if not key.verify(FLOOR_SIGNED, signature):
            raise RuntimeError("the floor's own signature did not verify")
        from identity import prefetch

        client = _floor_redis()
        found, _kept = prefetch.take(FLOOR_KEPT)  # read with the session (the path's fold)
        if not found:
            client.get(FLOOR_KEPT)
        first = _floor_script(client)(keys=[f"qilu:bench:floor-once:{payload[-32:]}", FLOOR_STREAM], args=[660, FLOOR_RECORD])
        return Response({"ok": True, "first": bool(first)})


# The floor of a checkpoint's scan of a health pass (issue 25): its JSON body read as the path reads it
# (core.parsers.json_data); one ES256 verification of a pass's signing input (a compact JWS's header and
# claims, about this size: tests/portal/test_bench_floors.py measures a real pass against it); one journal
# record of a check's size appended as the journal appends it (core.journal: XADD on its held connection,
# one round trip), to a capped stream of the floor's own; its answer written as the path writes its own
# (core.answers.respond).
FLOOR_PASS_SIGNED = bytes(400)
FLOOR_CHECK_RECORD = "r" * 300


class BenchCheckFloorApi(APIView):
    """The floor of a checkpoint's scan: the body parsed, one ES256 verification of a pass's size, one
    journal append (one round trip)."""

    _signed: tuple = ()

    def post(self, request):
        from core import answers, journal, parsers
        from credentials import signing

        data = parsers.json_data(request)
        payload = data.get("payload", "") if isinstance(data, dict) else ""
        if not BenchCheckFloorApi._signed:  # once per process: a signature to check
            signer = _floor_signer()
            BenchCheckFloorApi._signed = (signing.keyring().public[signer.kid], signer.sign(FLOOR_PASS_SIGNED))
        key, signature = BenchCheckFloorApi._signed
        if not key.verify(FLOOR_PASS_SIGNED, signature):
            raise RuntimeError("the floor's own signature did not verify")
        journal._send([("XADD", FLOOR_STREAM, "MAXLEN", "~", "1000", "*", "r", FLOOR_CHECK_RECORD)])
        return answers.respond(request, {"ok": True, "read": len(payload)})  # written as the path writes its answer


@functools.cache
def _floor_script(client):
    return client.register_script(_FLOOR_SCAN)  # EVALSHA: one round trip, as credentials.shown's scripts
