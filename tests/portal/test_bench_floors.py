"""The floors of the two 亮证 paths (portal.views.BenchShowFloorApi, BenchVerifyFloorApi; issue 25): bare
authenticated DRF views that do only the work each path cannot avoid, measured beside the path by
bench/run.py and bench/inprocess.py. Pinned here: each does exactly its Redis work — show one read and
one capped stream append, verify one read and one script that claims once and appends — so the floor
cannot quietly shrink or grow, and it refuses anyone not signed in, as the baseline does. Signed in with
a session, the verify floor's read rides in the session's round trip (``identity.prefetch``), as a
clerk's scan reads what its code showed: two round trips, as the path's."""

import pytest
from django.urls import ResolverMatch
from rest_framework.test import APIRequestFactory, force_authenticate

from credentials.held import copy_key
from identity import prefetch
from portal import views
from tests.factories import UserFactory, app_session_token, fresh_signing_key
from tests.redis_round_trips import counted as round_trips

pytestmark = pytest.mark.usefixtures("redis_journal")


@pytest.fixture
def counted(monkeypatch):
    """The Redis client the floors use, with the names of the commands that reach it (a script counts once)."""
    client = views._floor_redis()
    client.delete(views.FLOOR_STREAM)
    client.commands = []
    real = client.execute_command

    def execute_command(*args, **options):
        client.commands.append(args[0])
        return real(*args, **options)

    monkeypatch.setattr(client, "execute_command", execute_command, raising=False)
    yield client
    monkeypatch.undo()
    del client.commands
    client.delete(views.FLOOR_STREAM)


def _post(view, user, body):
    request = APIRequestFactory().post("/bench/floor", body, format="json")
    if user is not None:
        force_authenticate(request, user=user)
    return view.as_view()(request)


def test_the_show_floor_reads_the_held_copy_signs_and_appends_a_record(db, citizen, counted):
    fresh_signing_key()
    views._floor_signer()  # the key ring, loaded once per process
    counted.commands.clear()
    answer = _post(views.BenchShowFloorApi, citizen, {"disclose": ["licence_class"]})
    assert answer.status_code == 201
    assert counted.commands == ["GET", "XADD"]
    assert counted.xlen(views.FLOOR_STREAM) == 1
    assert copy_key(citizen.id_number_index).startswith("credentials.held.")


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


def test_a_floor_refuses_anyone_not_signed_in(db):
    assert _post(views.BenchShowFloorApi, None, {}).status_code in (401, 403)
    assert _post(views.BenchVerifyFloorApi, None, {"payload": "x"}).status_code in (401, 403)


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
