"""A person's valid credentials, read once and kept in the shared cache under a per-holder stamp. Showing a
credential (亮证) and submitting an application both read what a person holds; reading it from PostgreSQL
costs the ORM's rows and four decryptions per credential. The cached copy carries the holder's stamp
(``HolderStamp``), which a PostgreSQL trigger moves in the same transaction as any insert, update or
delete of their credentials — whatever the path (``save()``, ``update()``, bulk writes, a DBA's SQL) —
so PostgreSQL is the authority on what the current stamp is (SQLite, for `make run`, has no such
trigger: there every call reads the rows). The stamp is a clock value, never reused, so a database
restored to an earlier state cannot meet an old copy. The copy is encrypted (it holds personal data) and
carries the credential types' and catalogue's stamps, so a renamed type or department is read afresh too.

The stamp is mirrored in Redis (issue 25: 亮证 without SQL), so a hit is one ``MGET`` — mirror, copy and
the watched stamps — and no PostgreSQL round trip. The mirror is only ever *raised* (a Lua max-set:
stamps only grow), by a reader that found it missing and read PostgreSQL, and by every writer of the
application after its commit (``changed``: the ``Credential`` save/delete signals, and the queryset's
``update``/``bulk_create``/``bulk_update``/``delete``, ``credentials.models.CredentialQuerySet``), which
also deletes it before the commit — so a writer that cannot reach Redis is refused rather than missed.
A reader never raises it from inside a transaction that changed that holder (its stamp is not committed).
A write the application does not make (a DBA's SQL, a COPY) is seen when the mirror ends
(``MIRROR_SECONDS``); codes already shown are judged at their scan (``credentials.shown``)."""

from __future__ import annotations

import functools
import logging
import pickle

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Model
from django.db.models.base import ModelState

from credentials.models import Credential, HolderKind, HolderStamp
from identity import crypto, prefetch

logger = logging.getLogger("qilu.credentials")
KEEP = 300  # seconds; a copy also ends with any change (the stamp)
MIRROR_SECONDS = 60  # the longest a write made outside the application (SQL by hand) goes unseen by 亮证
# The stamps of credentials.selectors.CREDENTIAL_TYPES (a type's fields) and services.selectors.CATALOGUE (departments' names)
_WATCHED = ("credential-types:stamp", "catalogue:stamp")
# Raise a mirrored stamp, never lower it: a reader that read PostgreSQL before a commit cannot put back
# the stamp a writer published after it.
_RAISE = """
local now = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > now then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1 end
return 0
"""

_STAMP_SQL = f'SELECT "version" FROM "{HolderStamp._meta.db_table}" WHERE "holder_index" = %s'  # noqa: S608 — our own table's name
_STAMPS_SQL = f'SELECT "holder_index", "version" FROM "{HolderStamp._meta.db_table}" WHERE "holder_index" = ANY(%s)'  # noqa: S608


def stamp_of(index: str, using: str = "default") -> int:
    """The holder's stamp, from the primary (the authority): one statement, written plainly."""
    with connections[using].cursor() as cursor:
        cursor.execute(_STAMP_SQL, [index])
        row = cursor.fetchone()
    return row[0] if row else 0


def mirror_key(index: str) -> str:
    return f"credentials.held-stamp.{index}"


def copy_key(index: str) -> str:
    return f"credentials.held.{index}"


def _client():
    """The Redis client under the default cache, or None when the cache is not Redis (make run)."""
    client = getattr(cache, "client", None)
    return client.get_client(write=True) if client is not None and hasattr(client, "get_client") else None


def _raise_mirror(stamps: dict[str, int]) -> None:
    client = _client()
    if client is None:
        for index, stamp in stamps.items():
            if (cache.get(mirror_key(index)) or -1) < stamp:
                cache.set(mirror_key(index), stamp, MIRROR_SECONDS)
        return
    if len(stamps) == 1:  # a reader's: EVALSHA, one round trip (a pipeline would first ask SCRIPT EXISTS)
        [(index, stamp)] = stamps.items()
        _script(client, _RAISE)(keys=[cache.make_and_validate_key(mirror_key(index))], args=[stamp, MIRROR_SECONDS])
        return
    pipe = client.pipeline(transaction=False)
    for index, stamp in stamps.items():
        pipe.eval(_RAISE, 1, cache.make_and_validate_key(mirror_key(index)), stamp, MIRROR_SECONDS)
    pipe.execute()


@functools.cache
def _script(client, source: str):
    return client.register_script(source)


class _Publish:
    """After the commit: the holders' stamps as PostgreSQL now has them, raised into the mirror."""

    def __init__(self, indexes: set[str], using: str):
        self.indexes, self.using = indexes, using

    def __call__(self) -> None:
        with connections[self.using].cursor() as cursor:
            cursor.execute(_STAMPS_SQL, [sorted(self.indexes)])
            stamps = dict.fromkeys(self.indexes, 0) | dict(cursor.fetchall())
        try:
            _raise_mirror(stamps)
        except Exception as exc:  # noqa: BLE001 — deleted before the commit: readers go to PostgreSQL
            logger.warning("holder stamps not mirrored after a write (%s): read from PostgreSQL", type(exc).__name__)


def changed(indexes, using: str = "default") -> None:
    """Holders whose credentials this transaction writes: their mirrored stamp is deleted now (when
    Redis cannot be reached and the journal runs there — production —, raising: the write is refused,
    as ``credentials.shown.mark_changed`` refuses it) and published after the commit."""
    indexes = {index for index in indexes if index}
    if not indexes or connections[using].vendor != "postgresql":
        return
    client = _client()
    try:
        if client is None:
            cache.delete_many([mirror_key(index) for index in indexes])
        else:
            client.delete(*[cache.make_and_validate_key(mirror_key(index)) for index in indexes])
    except Exception as exc:
        from credentials import shown

        if shown.in_redis():  # as credentials.shown.mark_changed: the verifiers' source of truth must hear of it
            raise
        logger.warning("holder stamps not forgotten in Redis (%s)", type(exc).__name__)
    transaction.on_commit(_Publish(indexes, using), using=using)


def _written_here(index: str, connection) -> bool:
    """Did this transaction (still open) write this holder's credentials? Its stamp is not committed."""
    return any(isinstance(func, _Publish) and index in func.indexes for _savepoints, func, _robust in connection.run_on_commit)


def _rows(index: str):
    return Credential.objects.using("default").select_related("type__department").filter(
        holder_kind=HolderKind.PERSON, holder_index=index, status=Credential.Status.VALID).order_by("-issued_on", "-id")


@functools.lru_cache(maxsize=1024)
def _opened(blob: bytes, key: str):
    """The copy, decrypted and unpickled once per process for these exact bytes (identical ciphertext,
    identical content: a new copy is a new nonce, so new bytes). What it returns is shared by every
    request that reads these bytes: never hand it out, only ``_fresh`` copies of its instances."""
    try:
        kept = pickle.loads(crypto.decrypt_bytes(blob, context=key))  # noqa: S301 — authenticated (AES-GCM under our key) before it is unpickled
    except (crypto.provider_.CryptoError, pickle.UnpicklingError, ValueError, TypeError):
        return None
    for credential in kept[2]:
        credential.__dict__[_DERIVED] = {}  # shared by this copy's request copies (_fresh): see derived
    return kept


_DERIVED = "_held_derived"
DERIVED_MOST = 64  # values kept per credential of a copy (a few disclosure choices each): the rest are computed per request


def derived(credential: Credential) -> dict:
    """Where 亮证 keeps what it computes from a credential alone — its disclosed view, the labels, what
    a scan is kept — so that it is computed once per copy and process, not per code: the copy's bytes
    are never reused for other content (a new copy is new ciphertext, and a changed credential, type or
    department moves a stamp and makes a new copy), so what is computed from a credential of the copy
    stays true for as long as the copy is read. Shared by every request's copy of that credential
    (``_fresh``): its values are never mutated, and only what depends on nothing but the credential as
    the copy has it (no clock, no language, no user) goes in. A credential not read from a copy (SQLite,
    a copy just rebuilt, someone else's licence) gets a dict of its own, thrown away with the request."""
    memo = credential.__dict__.get(_DERIVED)
    return memo if memo is not None else {}


def _fresh(instance: Model, copies: dict) -> Model:
    """A request's own copy of a kept instance and of the related instances it carries (type,
    department): assigning to it or to them never reaches the kept one or another request's. Their
    values are immutable (str, int, date), except what a property builds afresh (``fields``). An
    instance several carry (one type, two credentials) is copied once, as unpickling shares it."""
    copied = copies.get(id(instance))
    if copied is not None:
        return copied
    copied = copies[id(instance)] = instance.__class__.__new__(instance.__class__)
    copied.__dict__.update(instance.__dict__)
    state = ModelState()
    state.__dict__.update(instance._state.__dict__)
    state.fields_cache = {name: _fresh(related, copies) if isinstance(related, Model) else related
                          for name, related in instance._state.fields_cache.items()}
    copied._state = state
    return copied


def _named(credentials: list[Credential], identifier: str | None) -> list[Credential]:
    return credentials if identifier is None else [credential for credential in credentials if credential.identifier == identifier]


def valid_held(index: str, identifier: str | None = None) -> list[Credential]:
    """The person's credentials whose stored status is valid (their expiry is the reader's to check,
    ``effective_status``), newest first, with type and department; with ``identifier`` only that one
    (亮证: the request's own copy of one credential, not of all the person holds)."""
    connection = connections["default"]
    if connection.vendor != "postgresql":  # no stamp trigger (credentials/migrations/0015): no copy to trust
        return _named(list(_rows(index)), identifier)
    key = copy_key(index)
    found = prefetch.get_many([mirror_key(index), key, *_WATCHED])  # one round trip: 亮证's, with the session's (identity.prefetch)
    watched = [found.get(name) for name in _WATCHED]
    written_here = bool(connection.run_on_commit) and _written_here(index, connection)
    stamp = None if written_here else found.get(mirror_key(index))
    if stamp is None:
        stamp = stamp_of(index)
        if not written_here:
            try:
                _raise_mirror({index: stamp})
            except Exception as exc:  # noqa: BLE001 — the next read asks PostgreSQL again
                logger.warning("holder stamp not mirrored (%s)", type(exc).__name__)
    kept = _opened(found[key], key) if isinstance(found.get(key), bytes) else None
    if kept is not None and kept[0] == stamp and kept[1] == watched:
        copies: dict = {}  # this read's: the kept instances stay alive in _opened's cache meanwhile, so ids are not reused
        return [_fresh(credential, copies) for credential in _named(kept[2], identifier)]
    credentials = list(_rows(index))
    cache.set(key, crypto.encrypt_bytes(pickle.dumps((stamp, watched, credentials), protocol=pickle.HIGHEST_PROTOCOL), context=key), KEEP)
    return _named(credentials, identifier)
