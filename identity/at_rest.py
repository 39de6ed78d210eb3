"""Moving what is encrypted at rest to the format version being written (``QILU_AT_REST_SUITE``).

A *source* is one place ciphertexts live: an encrypted column (every ``EncryptedTextField`` of every
installed model, found through the app registry), the authenticator-app secrets, or files (the
uploads, registered by their owner in ``portal``'s command). Each is walked in primary-key order, a
batch per transaction; a value already in the target version is left as it is (re-running changes
nothing), and the last key done is returned so the caller can checkpoint and resume.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection, transaction

from identity import crypto
from identity.fields import EncryptedTextField


@dataclass
class Progress:
    source: str
    seen: int = 0
    changed: int = 0
    last: str | int | None = None


def rewrap(blob: bytes, *, context: str, purpose: str, version: int) -> bytes | None:
    """``blob`` re-encrypted in ``version``, or None when it is in that version already."""
    if crypto.version_of(blob) == version:
        return None
    return crypto.encrypt_bytes(crypto.decrypt_bytes(blob, context=context, purpose=purpose), context=context, purpose=purpose,
                                version=version)


def encrypted_columns() -> list[tuple[type, list[EncryptedTextField]]]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields and not model._meta.proxy:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


def _batch(model, fields, after, size):
    q = connection.ops.quote_name
    pk = model._meta.pk.column
    columns = ", ".join(q(f.column) for f in fields)
    where = f"WHERE {q(pk)} > %s " if after is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q(pk)}, {columns} FROM {q(model._meta.db_table)} {where}ORDER BY {q(pk)} LIMIT %s",  # noqa: S608 — names from the model, values bound
                       ([after] if after is not None else []) + [size])
        return cursor.fetchall()


def _write_back(model, fields, updates) -> None:
    """One UPDATE for the batch; a column takes its new value only where it still holds the one that was
    re-encrypted, so a write that landed meanwhile is never undone."""
    q = connection.ops.quote_name
    binary = connection.Database.Binary
    pk = q(model._meta.pk.column)
    sets, params = [], []
    for f in fields:
        cases = [(row, changed[f]) for row, changed in updates if f in changed]
        if not cases:
            continue
        column = q(f.column)
        sets.append(f"{column} = CASE " + " ".join(f"WHEN {pk} = %s AND {column} = %s THEN %s" for _ in cases) + f" ELSE {column} END")
        for row, (old, new) in cases:
            params += [row, binary(old), binary(new)]
    keys = [row for row, _changed in updates]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {q(model._meta.db_table)} SET {', '.join(sets)} WHERE {pk} IN ({', '.join(['%s'] * len(keys))})",  # noqa: S608
                       params + keys)


def reencrypt_model(model, fields, *, version: int, after=None, batch: int = 500) -> Iterator[Progress]:
    """Each batch re-encrypted in one transaction; yields the progress after each (``last`` to resume from)."""
    progress = Progress(model._meta.label, last=after)
    while True:
        with transaction.atomic():
            rows = _batch(model, fields, progress.last, batch)
            updates = []
            for pk, *blobs in rows:
                changed = {}
                for f, blob in zip(fields, blobs, strict=True):
                    new = None if blob is None else rewrap(bytes(blob), context=f.crypto_context, purpose="field-encryption/v1", version=version)
                    if new is not None:
                        changed[f] = (bytes(blob), new)
                if changed:
                    updates.append((pk, changed))
            if updates:
                _write_back(model, fields, updates)
        if not rows:
            return
        progress.seen += len(rows)
        progress.changed += len(updates)
        progress.last = rows[-1][0]
        yield progress


SECOND_FACTOR_SECRETS = {"totp": "secret", "recovery_codes": "seed"}


def reencrypt_second_factor_secrets(*, version: int, after=None, batch: int = 500) -> Iterator[Progress]:
    """allauth's authenticator-app secrets and recovery-code seeds (``identity.adapter`` encrypts them, context ``mfa.totp``)."""
    from allauth.mfa.models import Authenticator

    progress = Progress("mfa.secrets", last=after)
    while True:
        with transaction.atomic():
            rows = list(Authenticator.objects.filter(type__in=SECOND_FACTOR_SECRETS, **({"pk__gt": progress.last} if progress.last else {}))
                        .order_by("pk").select_for_update()[:batch])
            for row in rows:
                name = SECOND_FACTOR_SECRETS[row.type]
                new = rewrap(bytes.fromhex(row.data[name]), context="mfa.totp", purpose="field-encryption/v1", version=version)
                if new is not None:
                    row.data = {**row.data, name: new.hex()}
                    row.save(update_fields=["data"])
                    progress.changed += 1
        if not rows:
            return
        progress.seen += len(rows)
        progress.last = rows[-1].pk
        yield progress


class Checkpoint:
    """The last key done per source, in a JSON file (put it on storage that outlives the process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict = json.loads(path.read_text()) if path.exists() else {}

    def get(self, source: str):
        return self.done.get(source)

    def save(self, progress: Progress) -> None:
        self.done[progress.source] = str(progress.last) if not isinstance(progress.last, int) else progress.last
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.done))
        tmp.replace(self.path)
