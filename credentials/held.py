"""The copy 亮证 reads of one valid credential of a person's, kept in the shared cache under a per-holder
stamp. Showing a credential (亮证) reads one credential a person holds; reading it from PostgreSQL costs
the ORM's row and four decryptions. The cached copy carries the holder's stamp (``HolderStamp``), which
a PostgreSQL trigger moves in the same transaction as any insert, update or delete of their credentials
— whatever the path (``save()``, ``update()``, bulk writes, a DBA's SQL) — so PostgreSQL is the authority
on what the current stamp is (SQLite, for `make run`, has no such trigger: there every call reads the
row). The stamp is a clock value, never reused, so a database restored to an earlier state cannot meet
an old copy. The copy is encrypted (it holds personal data) and carries the credential types' and
catalogue's stamps, so a renamed type or department is read afresh too.

One copy per credential, not per wallet (issue 25): its key names the holder and the credential
(``copy_key``), and it holds exactly what showing needs, as plain data (JSON; ``HeldCredential``, frozen)
— so showing one credential costs the same whether the person holds one or two thousand. Every copy of
a holder carries that holder's one stamp: a change to any of their credentials ends all their copies.

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

import datetime as dt
import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.core.cache import cache
from django.db import connections, transaction

from credentials.models import Credential, HolderKind, HolderStamp
from identity import crypto, prefetch

logger = logging.getLogger("qilu.credentials")
KEEP = 300  # seconds; a copy also ends with any change (the stamp)
MIRROR_SECONDS = 60  # the longest a write made outside the application (SQL by hand) goes unseen by 亮证
IDENTIFIER_MOST = 96  # Credential.identifier's max_length: a longer one names no credential, and no key is made of it
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


def copy_key(index: str, identifier: str) -> str:
    """The copy of the holder's credential ``identifier`` (the holder first: ``credentials.api.prefetch``
    builds it around the person index the session names)."""
    return f"credentials.held1.{index}.{identifier}"


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


# --- what showing needs of a credential, as plain data ----------------------------------------------


@dataclass(frozen=True, slots=True)
class HeldDepartment:
    name: str


@dataclass(frozen=True, slots=True)
class HeldType:
    """What showing reads of a credential's type (as ``CredentialType`` names it)."""

    id: int
    code: str
    name: str
    field_schema: tuple[Mapping, ...]
    department: HeldDepartment

    @property
    def fields_by_key(self) -> dict[str, Mapping]:
        return {item["key"]: item for item in self.field_schema}


@dataclass(frozen=True, slots=True)
class HeldCredential:
    """What 亮证 reads of one credential, under the names ``Credential`` gives it (``disclosed_view``,
    ``may_present`` and ``credentials.shown.credential_part`` read either): plain values, frozen, its
    fields and schema read-only mappings — shared by every request that reads the same copy, so nothing
    is copied per request. ``derived``: what is computed from it alone, once per copy and process (see
    ``derived``)."""

    pk: int
    identifier: str
    type: HeldType
    status: str
    holder_kind: str
    holder_index: str
    holder_number: str
    holder_name: str
    issued_on: dt.date
    expires_on: dt.date | None
    photo: bool
    fields: Mapping
    derived: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> int:
        return self.pk

    @property
    def type_id(self) -> int:
        return self.type.id

    def effective_status(self, today=None) -> str:
        return Credential.status_on(self.status, self.expires_on, today)

    def get_effective_status_display(self) -> str:
        return str(Credential.Status(self.effective_status()).label)

    @classmethod
    def of(cls, credential: Credential) -> HeldCredential:
        """``credential`` (a row read now: someone's else's shown for them, SQLite) as showing reads it:
        its own ``derived``, thrown away with the request."""
        return _built(_plain(credential))


def _plain(credential: Credential) -> list:
    """What a copy keeps of ``credential``: JSON values, in ``_built``'s order."""
    kind = credential.type
    return [credential.pk, credential.identifier, kind.pk, kind.code, kind.name, kind.field_schema, kind.department.name, credential.status,
            credential.holder_kind, credential.holder_index, credential.holder_number, credential.holder_name, credential.issued_on.isoformat(),
            credential.expires_on.isoformat() if credential.expires_on else None, bool(credential.photo), credential.fields]


@functools.lru_cache(maxsize=256)
def _type(type_id: int, code: str, name: str, schema: str, department: str) -> HeldType:
    """One ``HeldType`` per process for the same type as copies have it (frozen, so shared by every copy
    of it): a type renamed or given other fields is another key (and moves the watched stamp)."""
    return HeldType(id=type_id, code=code, name=name, field_schema=tuple(MappingProxyType(spec) for spec in json.loads(schema)),
                    department=HeldDepartment(name=department))


def _built(plain: list) -> HeldCredential:
    (pk, identifier, type_id, code, type_name, schema, department, status, kind, index, number, name, issued_on, expires_on, photo, fields) = plain
    return HeldCredential(
        pk=pk, identifier=identifier, status=status, holder_kind=kind, holder_index=index, holder_number=number, holder_name=name,
        type=_type(type_id, code, type_name, json.dumps(schema, ensure_ascii=False), department),
        issued_on=dt.date.fromisoformat(issued_on), expires_on=dt.date.fromisoformat(expires_on) if expires_on else None,
        photo=photo, fields=MappingProxyType(fields))


OPENED_MOST = 1024  # copies kept opened per process: ~6 KiB each with one choice of fields derived, ~14 KiB with four (~6–14 MiB)


@functools.lru_cache(maxsize=OPENED_MOST)
def _opened(blob: bytes, key: str) -> tuple | None:
    """(stamp, watched stamps, the credential) of a copy, decrypted and read once per process for these
    exact bytes (identical ciphertext, identical content: a new copy is a new nonce, so new bytes)."""
    try:
        stamp, watched, plain = json.loads(crypto.decrypt_bytes(blob, context=key))
        return stamp, watched, _built(plain)
    except (crypto.provider_.CryptoError, ValueError, TypeError):
        return None


DERIVED_MOST = 5  # values kept per copy (what it may disclose, four choices of fields): the rest computed per request


def derived(credential) -> dict:
    """Where 亮证 keeps what it computes from a credential alone — its disclosed view, the labels, what
    a scan is kept — so that it is computed once per copy and process, not per code: the copy's bytes
    are never reused for other content (a new copy is new ciphertext, and a changed credential, type or
    department moves a stamp and makes a new copy), so what is computed from the credential of a copy
    stays true for as long as the copy is read. Its values are never mutated, and only what depends on
    nothing but the credential as the copy has it (no clock, no language, no user) goes in. A credential
    not read from a copy (SQLite, someone else's licence) gets a dict of its own, thrown away with the
    request."""
    return credential.derived if isinstance(credential, HeldCredential) else {}


def _row(index: str, identifier: str) -> Credential | None:
    return Credential.objects.using("default").select_related("type__department").filter(
        holder_kind=HolderKind.PERSON, holder_index=index, identifier=identifier, status=Credential.Status.VALID).first()


def held_to_show(index: str, identifier: str) -> HeldCredential | None:
    """The person's credential ``identifier`` when its stored status is valid (its expiry is the
    reader's to check, ``effective_status``), as showing reads it; None when they hold no such valid
    credential (someone else's, revoked, unknown)."""
    if not index or len(identifier) > IDENTIFIER_MOST:
        return None
    connection = connections["default"]
    if connection.vendor != "postgresql":  # no stamp trigger (credentials/migrations/0015): no copy to trust
        row = _row(index, identifier)
        return None if row is None else HeldCredential.of(row)
    key = copy_key(index, identifier)
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
        return kept[2]
    row = _row(index, identifier)
    if row is None:
        return None
    blob = crypto.encrypt_bytes(json.dumps([stamp, watched, _plain(row)], ensure_ascii=False, separators=(",", ":")).encode(), context=key)
    cache.set(key, blob, KEEP)
    return _opened(blob, key)[2]  # the copy as the next reads will open it: what is derived from it is kept from this first code
