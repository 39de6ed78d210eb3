"""A person's valid credentials, read once and kept in the shared cache under a per-holder stamp. Showing a
credential (亮证) and submitting an application both read what a person holds; reading it from PostgreSQL
costs the ORM's rows and four decryptions per credential. The cached copy is keyed by the holder's stamp
(``HolderStamp``), which a PostgreSQL trigger moves in the same transaction as any insert, update or
delete of their credentials — whatever the path (``save()``, ``update()``, bulk writes, a DBA's SQL) —
so a copy is never read after a change (SQLite, for `make run`, has no such trigger: there every call
reads the rows): the stamp is read from the primary on every call (one primary-key read), and a changed
stamp names a different key. The stamp is a clock value, never reused, so a database restored to an
earlier state cannot meet an old copy. The copy is encrypted (it holds personal data) and carries the
credential types' and catalogue's stamps, so a renamed type or department is read afresh too."""

from __future__ import annotations

import pickle

from django.core.cache import cache
from django.db import connections

from credentials.models import Credential, HolderKind, HolderStamp
from identity import crypto

KEEP = 300  # seconds; a copy also ends with any change (the stamp)
# The stamps of credentials.selectors.CREDENTIAL_TYPES (a type's fields) and services.selectors.CATALOGUE (departments' names)
_WATCHED = ("credential-types:stamp", "catalogue:stamp")


_STAMP_SQL = f'SELECT "version" FROM "{HolderStamp._meta.db_table}" WHERE "holder_index" = %s'  # noqa: S608 — our own table's name


def stamp_of(index: str) -> int:
    """The holder's stamp, from the primary: one statement, written plainly (the ORM's query building
    cost more than the read on 亮证's path)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(_STAMP_SQL, [index])
        row = cursor.fetchone()
    return row[0] if row else 0


def _rows(index: str):
    return Credential.objects.using("default").select_related("type__department").filter(
        holder_kind=HolderKind.PERSON, holder_index=index, status=Credential.Status.VALID).order_by("-issued_on", "-id")


def valid_held(index: str) -> list[Credential]:
    """The person's credentials whose stored status is valid (their expiry is the reader's to check,
    ``effective_status``), newest first, with type and department."""
    if connections["default"].vendor != "postgresql":  # no stamp trigger (credentials/migrations/0015): no copy to trust
        return list(_rows(index))
    key = f"credentials.held.{index}.{stamp_of(index)}"
    found = cache.get_many([key, *_WATCHED])
    watched = [found.get(name) for name in _WATCHED]
    if key in found:
        try:
            kept_watched, credentials = pickle.loads(crypto.decrypt_bytes(found[key], context=key))  # noqa: S301 — authenticated (AES-GCM under our key) before it is unpickled
        except (crypto.provider_.CryptoError, pickle.UnpicklingError, ValueError, TypeError):
            kept_watched = None
        if kept_watched == watched:
            return credentials
    credentials = list(_rows(index))
    cache.set(key, crypto.encrypt_bytes(pickle.dumps((watched, credentials), protocol=pickle.HIGHEST_PROTOCOL), context=key), KEEP)
    return credentials
