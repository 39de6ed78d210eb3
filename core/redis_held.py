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
redis-py's exception for it (``ResponseError``, ``NoScriptError``…), as the client would.

Behind Sentinel a held connection is reconnected through the sentinels (``connect()``, which asks them
where the primary is; redis-py's own reconnect inside a send goes back to the address it had), so a
demoted primary's refusal of a write — a ``ConnectionError`` there — moves it to the new one. A thread
that only reads would never meet that refusal: a demoted primary still answers reads, and one cut off
from the sentinels answers them from its own, older data. So a thread of each process asks the sentinels
where the primary is every ``SENTINEL_RECHECK_SECONDS`` (the pool keeps the answer), and a held
connection found elsewhere is replaced before its next command: a session signed out on the new primary
is not read as signed in from the old one for longer than that. The asking is never on a request —
sentinels that cannot answer take seconds to say so —, and while they cannot, connections stay as they are.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

POOLS_HELD = 4  # pools a thread holds a connection of at once (tests make new clients; a worker has one or two)
SENTINEL_RECHECK_SECONDS = 5.0  # how often each process asks the sentinels where the primary is
logger = logging.getLogger("qilu.redis")


class _Held(threading.local):
    def __init__(self):
        self.pid = 0
        self.by_pool: dict[int, tuple] = {}  # id(pool) → (pool, connection, whether the pool is behind Sentinel)


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
        if connection._sock is None:  # closed after an error: connect() (behind Sentinel, to the primary it names now), not send's reconnect
            connection.connect()
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
        if not held[2] or _on_primary(pool, held[1]):
            return held[1]
        del _held.by_pool[id(pool)]
        pool.release(held[1])  # on a demoted primary: no longer the pool's (it disconnects it); a new one below
    if len(_held.by_pool) >= POOLS_HELD:  # clients replaced (tests): the oldest connection back to its pool
        old_pool, old_connection, _sentinel = _held.by_pool.pop(next(iter(_held.by_pool)))
        old_pool.release(old_connection)
    connection = pool.get_connection()
    sentinel = bool(getattr(pool, "is_master", False) and hasattr(pool, "get_master_address"))
    if sentinel:
        _watch(pool)
    _held.by_pool[id(pool)] = (pool, connection, sentinel)
    return connection


def _on_primary(pool, connection) -> bool:
    """Whether ``connection`` is where the sentinels last named the primary (``_watch`` keeps asking)."""
    address = pool.master_address
    return address is None or (connection.host, connection.port) == address


_watched: dict[tuple[int, int], threading.Thread] = {}  # (process, pool) → the thread asking about it
_watching = threading.Lock()


def _watch(pool) -> None:
    """Ask the sentinels about ``pool``'s primary every ``SENTINEL_RECHECK_SECONDS`` from a thread of this
    process (one per pool, ending with the pool)."""
    key = (os.getpid(), id(pool))
    with _watching:
        if key in _watched and _watched[key].is_alive():
            return
        thread = threading.Thread(target=_ask_sentinels, args=(weakref.ref(pool),), name="qilu-sentinel-recheck", daemon=True)
        _watched[key] = thread
        thread.start()


def _ask_sentinels(pool_ref) -> None:
    while True:
        time.sleep(SENTINEL_RECHECK_SECONDS)
        pool = pool_ref()
        if pool is None:
            return
        try:
            pool.get_master_address()  # kept on the pool (master_address); idle connections elsewhere closed
        except Exception as exc:  # noqa: BLE001 — no sentinel answered: connections stay as they are
            logger.warning("sentinels not reachable to recheck the primary (%s)", type(exc).__name__)
        del pool


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
