"""A hot path's round trip on a connection the thread holds (core.redis_held): the bytes redis-py writes, the
replies it reads, one connection kept across calls, a broken one replaced and the commands sent once more, an
error reply raised as redis-py raises it, and a forked process never writing on its parent's socket."""

import os

import pytest
import redis
from django_redis import get_redis_connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

from core import redis_held


@pytest.fixture
def client(settings):
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.fail("these tests need the Redis that make test starts (REDIS_URL)")
    client = get_redis_connection("default")
    client.delete("held:k", "held:s")
    yield client
    client.delete("held:k", "held:s")


def test_commands_are_packed_as_redis_py_packs_them(client):
    commands = [("XADD", "qilu:journal", "*", "r", '{"place":"济南西站","n":1}'), ("WAIT", 1, 50), ("XADD", b"k", "*", "r", b"\x00\xff"),
                ("GET", "")]
    connection = client.connection_pool.get_connection()
    try:
        assert redis_held.packed(commands) == b"".join(connection.pack_commands(commands))
    finally:
        client.connection_pool.release(connection)
    for refused in (True, 1.5, None):
        with pytest.raises(TypeError):
            redis_held.packed([("WAIT", refused, 50)])


def test_replies_are_read_in_order_on_one_kept_connection(client):
    client.set("held:k", b"\x00value")
    assert redis_held.send(client, [("GET", "held:k"), ("SET", "held:s", "2"), ("GET", "held:missing")]) == [b"\x00value", b"OK", None]
    first = redis_held._held.by_pool[id(client.connection_pool)][1]
    assert redis_held.send(client, [("GET", "held:s")]) == [b"2"]
    assert redis_held._held.by_pool[id(client.connection_pool)][1] is first  # kept, not taken from the pool again


def test_a_connection_the_server_closed_is_replaced_and_the_command_sent_again(client):
    client.set("held:k", b"v")
    assert redis_held.send(client, [("GET", "held:k")]) == [b"v"]
    client.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    assert redis_held.send(client, [("GET", "held:k")]) == [b"v"]


def test_redis_away_raises_for_the_callers_fallback(client, monkeypatch):
    away = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)  # nothing listens there
    with pytest.raises(RedisConnectionError):
        redis_held.send(away, [("GET", "held:k")])


def test_an_error_reply_raises_and_leaves_the_next_call_its_own_replies(client):
    client.set("held:s", b"not a stream")
    with pytest.raises(ResponseError):
        redis_held.send(client, [("XADD", "held:s", "*", "r", "x"), ("GET", "held:s")])  # refused, with a reply behind it
    assert redis_held.send(client, [("GET", "held:s")]) == [b"not a stream"]  # not the refused call's second reply
    with pytest.raises(NoScriptError):
        redis_held.send(client, [("EVALSHA", "0" * 40, 0)])  # as redis-py raises it: the session's read sends the script then


def test_a_forked_process_opens_its_own_connection(client, monkeypatch):
    assert redis_held.send(client, [("PING",)]) == [b"PONG"]
    parents = redis_held._held.by_pool[id(client.connection_pool)][1]
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as a forked worker sees it
    assert redis_held.send(client, [("PING",)]) == [b"PONG"]
    assert redis_held._held.by_pool[id(client.connection_pool)][1] is not parents


def test_a_thread_holds_connections_of_a_few_pools_at_most(client):
    clients = [redis.Redis(connection_pool=redis.ConnectionPool(**client.connection_pool.connection_kwargs)) for _ in range(redis_held.POOLS_HELD + 2)]
    for other in clients:
        assert redis_held.send(other, [("PING",)]) == [b"PONG"]
    assert len(redis_held._held.by_pool) <= redis_held.POOLS_HELD
    assert clients[0].connection_pool._available_connections  # the oldest went back to its pool


def test_a_script_goes_by_its_digest_and_whole_when_redis_does_not_know_it(client):
    script = client.register_script("return {KEYS[1], ARGV[1]}")
    client.script_flush()
    sent = []
    real = redis_held.send

    def send(held_client, commands):
        sent.append([command[0] for command in commands])
        return real(held_client, commands)

    redis_held.send = send
    try:
        assert redis_held.run_script(client, script, ["held:k"], ["v"], then=(("PING",),)) == [[b"held:k", b"v"], b"PONG"]
        assert redis_held.run_script(client, script, ["held:k"], [2]) == [[b"held:k", b"2"]]
    finally:
        redis_held.send = real
    assert sent == [["EVALSHA", "PING"], ["EVAL", "PING"], ["EVALSHA"]]  # NOSCRIPT, then the source: kept for the next call


def test_a_command_that_timed_out_is_not_sent_again(client, monkeypatch):
    # it may have run (a script counting a quota): the caller's fallback decides, not a second sending
    slow = redis.Redis(connection_pool=redis.ConnectionPool(**{**client.connection_pool.connection_kwargs, "socket_timeout": 0.2}))
    trips = []
    real = redis_held._round_trip
    monkeypatch.setattr(redis_held, "_round_trip", lambda pool, commands: (trips.append(commands), real(pool, commands))[1])
    with pytest.raises(redis.exceptions.TimeoutError):
        redis_held.send(slow, [("BLPOP", "held:nothing", 1)])
    assert len(trips) == 1
    assert redis_held.send(slow, [("PING",)]) == [b"PONG"]  # and the next call starts on a fresh connection
