"""The floors of the two 亮证 paths and of a checkpoint's pass check (portal.views.BenchShowFloorApi,
BenchVerifyFloorApi, BenchCheckFloorApi; issue 25): bare authenticated DRF views that do only the work
each path cannot avoid, measured beside the path by bench/run.py and bench/inprocess.py. Pinned here:
each does exactly its Redis work — show one read and one capped stream append, verify one read and one
script that claims once and appends, the pass check one append on the journal's held connection — so
the floor cannot quietly shrink or grow; the pass check's floor verifies a signing input and appends a
record of about a real pass's and a real check record's size; and each refuses anyone not signed in,
as the baseline does. Signed in with a session, the two 亮证 floors read what their paths read first in
the session's round trip, as the paths do (``identity.prefetch``): two round trips each, as the paths'."""

import json

import pytest
from django.test import override_settings
from django.urls import ResolverMatch, path
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from core import journal, redis_held
from credentials.held import copy_key
from healthcode.demo import default_ruleset
from identity import prefetch
from portal import views
from tests.factories import PopulationRecordFactory, UserFactory, api_as, app_session_token, fresh_signing_key
from tests.redis_round_trips import counted as round_trips

# as portal/urls.py mounts it with QILU_BENCH
urlpatterns = [path("bench/floor-show/<str:identifier>", views.BenchShowFloorApi.as_view(), name=views.FLOOR_SHOW_ROUTE)]

pytestmark = pytest.mark.usefixtures("redis_journal")


@pytest.fixture
def counted(monkeypatch):
    """The Redis client the floors use, with the names of the commands that reach it (a script counts once), on
    the client or on a held connection."""
    client = views._floor_redis()
    client.delete(views.FLOOR_STREAM)
    client.commands = []
    real = client.execute_command

    def execute_command(*args, **options):
        client.commands.append(args[0])
        return real(*args, **options)

    monkeypatch.setattr(client, "execute_command", execute_command, raising=False)
    real_held = redis_held.send

    def held(sent_on, commands):  # a write on a held connection (core.redis_held), as the paths write
        client.commands.extend(command[0] for command in commands)
        return real_held(sent_on, commands)

    monkeypatch.setattr(redis_held, "send", held)
    yield client
    monkeypatch.undo()
    del client.commands
    client.delete(views.FLOOR_STREAM)


def _post(view, user, body, **kwargs):
    request = APIRequestFactory().post("/bench/floor", body, format="json")
    if user is not None:
        force_authenticate(request, user=user)
    return view.as_view()(request, **kwargs)


def test_the_show_floor_reads_the_held_copy_signs_and_appends_a_record(db, citizen, counted):
    fresh_signing_key()
    views._floor_signer()  # the key ring, loaded once per process
    counted.commands.clear()
    answer = _post(views.BenchShowFloorApi, citizen, {"disclose": ["licence_class"]}, identifier="DL-X")
    assert answer.status_code == 201
    assert counted.commands == ["MGET", "XADD"]  # no session read to fold into: the held copy read on its own
    assert counted.xlen(views.FLOOR_STREAM) == 1
    assert copy_key(citizen.id_number_index, "DL-X").startswith("credentials.held1.")  # the one credential's copy, as 亮证 reads it


def test_signed_in_the_show_floor_reads_the_held_copy_with_the_session(db, citizen, password, settings):
    settings.QILU_PUBLIC_URL = "https://qilu.example.gov.cn"  # as production: no served-origin read
    fresh_signing_key()
    token = app_session_token(citizen, password)
    client = APIClient()
    client.credentials(HTTP_X_SESSION_TOKEN=token)
    with override_settings(ROOT_URLCONF=__name__):
        for _ in range(2):  # the snapshot attached with its companion, the key ring loaded
            client.post("/bench/floor-show/DL-X", {"disclose": ["licence_class"]}, format="json")
        with round_trips() as trips:
            answer = client.post("/bench/floor-show/DL-X", {"disclose": ["licence_class"]}, format="json")
    assert answer.status_code == 201
    assert trips == ["EVALSHA", "XADD"]  # the session with the held copy, its stamps; the record


def test_the_verify_floor_verifies_reads_and_claims_once(db, counted):
    fresh_signing_key()
    clerk_user = UserFactory(roles=["clerk"])
    counted.delete("qilu:bench:floor-once:QL1:some-code")
    views.BenchVerifyFloorApi._signed = ()
    _post(views.BenchVerifyFloorApi, clerk_user, {"payload": "QL1:warm-up"})  # once per process: its signature and kept value
    counted.commands.clear()
    first = _post(views.BenchVerifyFloorApi, clerk_user, {"payload": "QL1:some-code"})
    again = _post(views.BenchVerifyFloorApi, clerk_user, {"payload": "QL1:some-code"})
    assert (first.data, again.data) == ({"ok": True, "first": True}, {"ok": True, "first": False})
    assert counted.commands == ["GET", "EVALSHA", "GET", "EVALSHA"]
    assert counted.xlen(views.FLOOR_STREAM) == 3


@pytest.fixture
def journal_sends(monkeypatch):
    """The command lists sent on the journal's held connection (core.journal._send)."""
    sent, real = [], journal._send

    def send(commands):
        sent.append([command[0] for command in commands])
        return real(commands)

    monkeypatch.setattr(journal, "_send", send)
    return sent


def test_the_check_floor_verifies_and_appends_once_on_the_journal_connection(db, counted, journal_sends):
    fresh_signing_key()
    checkpoint = UserFactory(roles=["checkpoint"])
    views.BenchCheckFloorApi._signed = ()
    _post(views.BenchCheckFloorApi, checkpoint, {"payload": "warm-up"})  # once per process: its signature
    counted.commands.clear()
    journal_sends.clear()
    answer = _post(views.BenchCheckFloorApi, checkpoint, {"payload": "eyJ.a-pass"})
    assert (answer.status_code, json.loads(answer.content)) == (200, {"ok": True, "read": 10})
    assert (journal_sends, counted.commands) == ([["XADD"]], ["XADD"])  # one round trip, on the held connection
    assert counted.xlen(views.FLOOR_STREAM) == 2


def test_the_check_floor_is_the_size_of_a_real_pass_and_check_record(db, citizen, journal_sends):
    fresh_signing_key()
    default_ruleset()
    PopulationRecordFactory(id_number=citizen.id_number, id_number_index=citizen.id_number_index, name=citizen.name, area_code="370102")
    payload = api_as(citizen).get("/api/v1/health/pass/").json()["payload"]
    header, claims, _signature = payload.split(".")
    client = journal._redis()
    client.delete(journal.STREAM)
    answer = api_as(UserFactory(roles=["checkpoint"])).post("/api/v1/health/checks/", {"payload": payload, "place": "济南西站"}, format="json")
    assert answer.status_code == 200 and answer.json()["valid"] is True
    (_id, fields), = client.xrange(journal.STREAM)
    client.delete(journal.STREAM)
    assert abs(len(f"{header}.{claims}") - len(views.FLOOR_PASS_SIGNED)) <= 0.15 * len(views.FLOOR_PASS_SIGNED)
    assert abs(len(fields[b"r"]) - len(views.FLOOR_CHECK_RECORD)) <= 0.25 * len(views.FLOOR_CHECK_RECORD)
    assert journal_sends == [["XADD"]]  # the path appends as its floor does


def test_a_floor_refuses_anyone_not_signed_in(db):
    assert _post(views.BenchShowFloorApi, None, {}, identifier="DL-X").status_code in (401, 403)
    assert _post(views.BenchVerifyFloorApi, None, {"payload": "x"}).status_code in (401, 403)
    assert _post(views.BenchCheckFloorApi, None, {"payload": "x"}).status_code in (401, 403)


def test_signed_in_with_a_session_the_verify_floor_reads_its_kept_value_with_the_session(db, citizen, password, monkeypatch):
    fresh_signing_key()
    monkeypatch.setitem(prefetch._ROUTES, "bench-floor-verify", views.floor_verify_reads_first)  # as portal.urls declares it with QILU_BENCH
    token = app_session_token(citizen, password)
    views.BenchVerifyFloorApi._signed = ()
    taken = []
    real_take = prefetch.take
    monkeypatch.setattr(prefetch, "take", lambda key: taken.append(real_take(key)) or taken[-1])

    def scan(payload):
        request = APIRequestFactory().post("/bench/floor-verify", {"payload": payload}, format="json", HTTP_X_SESSION_TOKEN=token)
        request.resolver_match = ResolverMatch(views.BenchVerifyFloorApi.as_view(), (), {}, url_name="bench-floor-verify")
        return views.BenchVerifyFloorApi.as_view()(request)

    scan("QL1:warm-up")  # once per process: its signature and kept value; the scripts loaded
    views._floor_redis().delete("qilu:bench:floor-once:QL1:folded")
    taken.clear()
    with round_trips() as trips:
        answer = scan("QL1:folded")
    assert answer.data == {"ok": True, "first": True}
    assert trips == ["EVALSHA", "EVALSHA"]  # the session with the kept value; the claim and record
    assert taken == [(True, bytes(views.FLOOR_KEPT_SIZE))]
