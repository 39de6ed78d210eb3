"""A connection a thread holds (core.redis_held) behind Sentinel: after a failover that leaves the old
primary running as a replica, a thread that only reads moves to the new primary within
``SENTINEL_RECHECK_SECONDS`` — it does not go on reading the demoted node. Real redis-server and
redis-sentinel processes on loopback (devtools.redis_ha), no app."""

from __future__ import annotations

import time

import pytest
from redis.sentinel import Sentinel

from core import redis_held
from devtools.redis_ha import MASTER, SentinelStack
from devtools.stack import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def sentinels():
    stack = SentinelStack()
    try:
        stack.start_redis()
        yield stack
    finally:
        stack.stop()


def role(client) -> bytes:
    return redis_held.send(client, [("ROLE",)])[0][0]


def client_of(sentinels):
    return Sentinel([("127.0.0.1", port) for port in sentinels.sentinel_ports], socket_timeout=2).master_for(MASTER, socket_timeout=2)


def test_a_reading_thread_leaves_a_demoted_primary_for_the_new_one(sentinels, monkeypatch):
    monkeypatch.setattr(redis_held, "SENTINEL_RECHECK_SECONDS", 0.3)
    client = client_of(sentinels)
    first = sentinels.master_name()
    assert role(client) == b"master"
    assert redis_held._held.by_pool[id(client.connection_pool)][1].port == sentinels.redis_nodes[first]

    # A failover the sentinels are asked for: the old primary stays up, now a replica of the other node,
    # still answering this thread's reads — until the process's next question to the sentinels.
    sentinels._cli(sentinels.sentinel_ports[0], "sentinel", "failover", MASTER)
    wait_for(lambda: sentinels.master_name() != first and "role:slave" in sentinels.redis(first, "info", "replication"), 30, "the failover")
    wait_for(lambda: role(client) == b"master", 5, "the held connection on the new primary")  # each read answered, none raised
    moved = redis_held._held.by_pool[id(client.connection_pool)][1]
    assert moved.port == sentinels.redis_nodes[sentinels.master_name()] != sentinels.redis_nodes[first]


def test_a_write_refused_by_a_demoted_primary_is_sent_again_on_the_new_one(sentinels, monkeypatch):
    monkeypatch.setattr(redis_held, "SENTINEL_RECHECK_SECONDS", 3600.0)  # no question in between: the refusal alone moves it
    client = client_of(sentinels)
    first = sentinels.master_name()
    assert redis_held.send(client, [("SET", "held:k", "before")]) == [b"OK"]
    sentinels._cli(sentinels.sentinel_ports[0], "sentinel", "failover", MASTER)
    wait_for(lambda: sentinels.master_name() != first and "role:slave" in sentinels.redis(first, "info", "replication"), 30, "the failover")
    assert redis_held.send(client, [("SET", "held:k", "after")]) == [b"OK"]  # READONLY on the old one, then reconnected through the sentinels
    assert sentinels.redis(sentinels.master_name(), "get", "held:k") == "after"


def test_sentinels_that_cannot_answer_never_hold_up_a_command(sentinels, monkeypatch):
    monkeypatch.setattr(redis_held, "SENTINEL_RECHECK_SECONDS", 0.2)  # the process asks all the time
    client = client_of(sentinels)
    assert role(client) == b"master"
    for number in range(1, 4):
        sentinels.kill(f"sentinel-{number}")
    deadline = time.monotonic() + 2  # the process's questions go unanswered (each takes seconds to fail), meanwhile:
    while time.monotonic() < deadline:
        started = time.monotonic()
        assert role(client) == b"master" and redis_held.send(client, [("PING",)]) == [b"PONG"]
        assert time.monotonic() - started < 0.5  # answered by the primary at once, not after the sentinels' timeouts
        time.sleep(0.1)
