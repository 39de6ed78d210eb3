"""The hot paths' one Redis round trip, sent on a connection each thread holds (issue 25).

Every signed-in API request reads its session's cache entry (``identity.sessions``), and a check appends
its record to the journal (``core.journal``): one round trip each, on every request of the hottest
routes. Through redis-py's client a command also pays its per-command machinery — the pool's
get and release, the retry wrapper, the argument encoder, the deprecation and observability hooks: on
this machine 34–42 µs of CPU for one ``GET`` against 13–14 µs for the same bytes written and read on a
connection already in hand. Here the commands are packed as RESP (the bytes ``pack_commands`` writes) and
sent on a connection this thread keeps per pool, never released between requests.

A connection found broken (Redis restarted, failed over, the server closed an idle socket: a
``ConnectionError``) is reconnected and the commands sent once more. A command may have run before its
connection broke, so what comes here must bear a second sending: reads, a read-only script, a journal
append (a record stored twice is stored once: its id), 亮证's script (its record likewise; its quota may
count that one code twice, which only brings a refusal a code sooner). A timeout is not sent again — the
command may be running still, on a Redis slowed by its disk —: it raises, as any other failure does,
leaving the connection closed (a reply may be left unread), for the caller's own fallback (the session
from the database, the record written inline). A reply that is an error raises
redis-py's exception for it (``ResponseError``, ``NoScriptError``…), as the client would. Behind Sentinel
the pool's connection finds the primary as the client's would (``SentinelManagedConnection``), and a
demoted primary's refusal of a write is a ``ConnectionError`` there: reconnected to the new one. A thread
that only reads would never meet that refusal — a demoted primary still answers reads, and one cut off
from the sentinels answers them from its own, older data —, so a connection held longer than
``SENTINEL_RECHECK_SECONDS`` asks the sentinels where the primary is (the pool's own discovery) before
its next command, and is replaced when it is not there: a session signed out on the new primary is not
read as signed in from the old one for longer than that. Sentinels that cannot answer leave it as it is.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

POOLS_HELD = 4  # pools a thread holds a connection of at once (tests make new clients; a worker has one or two)
SENTINEL_RECHECK_SECONDS = 5.0  # how long a connection behind Sentinel is held before the sentinels are asked again
logger = logging.getLogger("qilu.redis")


class _Held(threading.local):
    def __init__(self):
        self.pid = 0
        self.by_pool: dict[int, tuple] = {}  # id(pool) → (pool, connection, when the sentinels were last asked, or None)


_held = _Held()


def send(client, commands: list[tuple]) -> list:
    """The replies to ``commands`` (each a tuple of str, bytes and int arguments), sent together on this
    thread's connection of ``client``'s pool: one round trip, sent once more on a fresh connection if the
    held one was broken (not when it timed out: see the module's note)."""
    try:
        return _round_trip(client.connection_pool, commands)
    except RedisConnectionError:  # a TimeoutError is not one: raised as it is
        return _round_trip(client.connection_pool, commands)


def run_script(client, script, keys: list, args: list, *, then: tuple = ()) -> list:
    """A Lua script (redis-py's ``Script``, from ``register_script``: its source and digest) by its digest
    (``EVALSHA``), with ``then``'s commands behind it in the same round trip; a Redis that does not know it
    yet (``NOSCRIPT``) is sent it whole (``EVAL``), which also keeps it for the next call. The replies."""
    try:
        return send(client, [("EVALSHA", script.sha, len(keys), *keys, *args), *then])
    except NoScriptError:
        return send(client, [("EVAL", script.script, len(keys), *keys, *args), *then])


def _round_trip(pool, commands: list[tuple]) -> list:
    connection = _connection(pool)
    try:
        connection.send_packed_command([packed(commands)])  # a list of chunks, as pack_commands gives
        return [connection.read_response() for _ in commands]
    except BaseException:
        connection.disconnect()  # a reply may be left unread: the next send starts on a fresh connection
        raise


def _connection(pool):
    if _held.pid != os.getpid():  # first use, or a forked worker: the parent's sockets are not this process's
        _held.pid, _held.by_pool = os.getpid(), {}
    held = _held.by_pool.get(id(pool))
    if held is not None and held[0] is pool:
        if held[2] is None or time.monotonic() - held[2] < SENTINEL_RECHECK_SECONDS or _still_primary(pool, held[1]):
            return held[1]
        del _held.by_pool[id(pool)]
        held[1].disconnect()  # on a demoted primary: the pool gives one on the primary the sentinels name now
        pool.release(held[1])
    if len(_held.by_pool) >= POOLS_HELD:  # clients replaced (tests): the oldest connection back to its pool
        old_pool, old_connection, _recheck = _held.by_pool.pop(next(iter(_held.by_pool)))
        old_pool.release(old_connection)
    connection = pool.get_connection()
    _held.by_pool[id(pool)] = (pool, connection, _checked_now(pool))
    return connection


def _checked_now(pool) -> float | None:
    """Now, for a pool behind Sentinel (its primary's): when the sentinels last named where its
    connection is; None for any other pool (nothing to ask)."""
    return time.monotonic() if getattr(pool, "is_master", False) and hasattr(pool, "get_master_address") else None


def _still_primary(pool, connection) -> bool:
    """Whether ``connection`` is on the primary the sentinels name now (asked through the pool, which
    keeps the answer); True when they cannot answer — the connection's own errors then decide. The
    next question is asked ``SENTINEL_RECHECK_SECONDS`` later either way."""
    key = id(pool)
    try:
        pool.get_master_address()
    except Exception as exc:  # noqa: BLE001 — no sentinel answered: keep what works
        logger.warning("sentinels not reachable to recheck the held connection (%s)", type(exc).__name__)
        _held.by_pool[key] = (pool, connection, _checked_now(pool))
        return True
    if pool.owns_connection(connection):
        _held.by_pool[key] = (pool, connection, _checked_now(pool))
        return True
    return False


def packed(commands: list[tuple]) -> bytes:
    """``commands`` as RESP arrays of bulk strings: the bytes redis-py's ``pack_commands`` writes for
    str, bytes and int arguments (UTF-8, ``repr`` of an int), without its per-argument encoder and buffer
    work."""
    out = []
    for command in commands:
        out.append(b"*%d\r\n" % len(command))
        for argument in command:
            out.append(b"$%d\r\n%b\r\n" % _bulk(argument))
    return b"".join(out)


def _bulk(argument) -> tuple[int, bytes]:
    if isinstance(argument, str):
        value = argument.encode()
    elif isinstance(argument, bytes):
        value = argument
    elif type(argument) is int:
        value = b"%d" % argument
    else:
        raise TypeError(f"held connections send str, bytes and int, not {type(argument).__name__}")
    return len(value), value
