"""My pass takes my status from my session's round trip (``identity.prefetch``, issue 25): the whole
request is one Redis round trip for any session whose entry holds my snapshot — not only a warm
worker's. It reads the status itself, with the same answer, when the companion key is missing, stale
or names someone else, when the pass is a dependant's, and when Redis will not run the script."""

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from rest_framework.test import APIClient

from core import redis_held
from healthcode import status_cache
from identity import sessions
from tests.factories import UserFactory, app_session_token
from tests.healthcode.conftest import with_record
from tests.redis_round_trips import counted

PASS = "/api/v1/health/pass/"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.QILU_PUBLIC_URL = "https://qilu.example.gov.cn"  # as production: no served-origin read, only the path's own


def signed_in(user, password):
    token = app_session_token(user, password)
    client = APIClient()
    client.credentials(HTTP_X_SESSION_TOKEN=token)
    for _ in range(2):  # the snapshot attached with its companion, my status cached, the script loaded
        assert client.get(PASS).status_code == 200
    return client, token


def set_companion(token, value):
    cache.client.get_client(write=True).set(cache.make_key(sessions.who_key(token)), value, ex=600)


@pytest.fixture
def someone_red(rules, person):
    """Another person whose cached status is red (mine is green)."""
    other = with_record(UserFactory(name="王五"))
    mine = cache.get(status_cache.key(person.id_number_index)) or {}
    cache.set(status_cache.key(other.id_number_index), {**mine, "colour": "red"}, 300)
    return other


def test_my_pass_is_one_redis_round_trip(person, password):
    client, _token = signed_in(person, password)
    with counted() as trips:
        answer = client.get(PASS)
    assert answer.status_code == 200 and answer.json()["colour"] == "green"
    assert trips == ["EVALSHA"]  # the session, its companion and my status in one script


def test_without_the_companion_my_pass_reads_my_status_itself(person, password):
    client, token = signed_in(person, password)
    cache.delete(sessions.who_key(token))  # evicted, say
    with counted() as trips:
        answer = client.get(PASS)
    assert answer.json()["colour"] == "green" and trips == ["EVALSHA", "GET"]


@pytest.mark.parametrize("whose", ["someone else", "me with someone else's index", "someone else's id with my index"])
def test_a_companion_that_names_anyone_else_is_never_taken(person, password, someone_red, whose):
    """Read sites take a value only under the key they ask for, and only when the companion names the
    session's user: the last case reads my own key, yet is not taken (the id does not match)."""
    client, token = signed_in(person, password)
    pk, index = {"someone else": (someone_red.pk, someone_red.id_number_index), "me with someone else's index": (person.pk, someone_red.id_number_index),
                 "someone else's id with my index": (someone_red.pk, person.id_number_index)}[whose]
    set_companion(token, f"{pk}:{index}")
    with counted() as trips:
        answer = client.get(PASS)
    assert answer.json()["colour"] == "green"  # mine, not the red status the script read
    assert trips == ["EVALSHA", "GET"]


def test_a_dependants_pass_reads_nothing_first(person, password):
    client, _token = signed_in(person, password)
    with counted() as trips:
        answer = client.get(PASS + "?dependant=999")
    assert answer.status_code == 404 and "EVALSHA" not in trips and trips[0] == "GET"


def _script_answered(monkeypatch, error: Exception):
    """Redis answers the session's script (EVALSHA or EVAL, on the held connection) with ``error``."""
    real = redis_held.send

    def send(client, commands):
        if commands[0][0] in ("EVALSHA", "EVAL"):
            real(client, [("PING",)])  # the round trip is made
            raise error
        return real(client, commands)

    monkeypatch.setattr(redis_held, "send", send)


def test_a_redis_that_refuses_the_script_reads_as_before(person, password, monkeypatch):
    client, _token = signed_in(person, password)
    _script_answered(monkeypatch, ResponseError("NOSCRIPT and no Lua here"))
    with counted() as trips:
        answer = client.get(PASS)
    assert answer.json()["colour"] == "green" and trips == ["EVALSHA", "GET", "GET"]  # refused; the session's entry, then my status


def test_redis_away_during_the_session_read_leaves_the_database_to_answer(person, password, monkeypatch):
    client, _token = signed_in(person, password)
    _script_answered(monkeypatch, RedisConnectionError("gone"))
    answer = client.get(PASS)
    assert answer.status_code == 200 and answer.json()["colour"] == "green"


def test_a_redis_that_lost_the_script_is_sent_it_whole(person, password):
    client, _token = signed_in(person, password)
    cache.client.get_client(write=True).script_flush()
    with counted() as trips:
        answer = client.get(PASS)
    assert answer.json()["colour"] == "green" and trips == ["EVALSHA", "EVAL"]  # NOSCRIPT, then the script itself: kept
    with counted() as trips:
        assert client.get(PASS).json()["colour"] == "green"
    assert trips == ["EVALSHA"]


def test_a_signed_out_session_is_refused_though_its_keys_were_read(person, password):
    client, token = signed_in(person, password)
    sessions.SessionStore(session_key=token).delete()
    set_companion(token, f"{person.pk}:{person.id_number_index}")  # even a companion left behind
    assert client.get(PASS).status_code == 401
