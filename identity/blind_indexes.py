"""The blind-index migration from HMAC-SHA256 to HMAC-SM3, in explicit phases (``QILU_BLIND_INDEX``).

A person's ID-number index is more than a look-up key: it is the pseudonymous key other tables hold
(``credentials.Credential.holder_index``, healthcode's ``person_index``…), so it cannot change row
by row. The migration therefore stages the new index beside the old one and swaps both, and every
column that holds one, in one short step:

1. ``hmac-sha256`` — today: the index columns hold HMAC-SHA256.
2. ``dual`` — every save fills both: the old index in ``*_index`` and the HMAC-SM3 one in
   ``*_index_next``; look-ups match either value in ``*_index``. ``manage.py blind_index fill``
   computes ``*_index_next`` for existing rows (batches by primary key, a checkpoint, only rows not
   yet filled: resumable and idempotent; the site keeps serving).
3. ``manage.py blind_index switch`` — with writes paused: fills what is left, then in one transaction
   rewrites every holder column (the lists below) from old to new through a mapping table, moves
   ``*_index_next`` into ``*_index`` and empties it: the old index is dropped. Set-based SQL, no
   decryption: seconds (docs/cryptography.md has the figures). Sign-in and look-ups work during it
   (they match either value).
4. ``hmac-sm3`` — deploy it as writes resume: writes and look-ups use HMAC-SM3 only.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from core.crypto import algorithms as algs
from identity import crypto

OLD, NEW = algs.HMAC_SHA256, algs.HMAC_SM3
PHASES = ("hmac-sha256", "dual", "hmac-sm3")

# The look-up columns (model, plaintext field, index field, purpose); each has a staging column <index field>_next.
SOURCES = (
    ("identity.User", "id_number", "id_number_index", "id_number"),
    ("identity.User", "phone", "phone_index", "phone"),
    ("identity.PopulationRecord", "id_number", "id_number_index", "id_number"),
)

# Every other column that holds a person's ID-number index, or a phone index; tests/identity/
# test_blind_index_migration.py fails when a model grows an *_index column that is in no list here.
PERSON_COLUMNS = (
    "identity.LegalEntityRecord.legal_representative_index",
    "credentials.Credential.holder_index",
    "credentials.PresentationRequest.holder_index",
    "healthcode.TestResult.person_index",
    "healthcode.Vaccination.person_index",
    "healthcode.CloseContact.person_index",
    "healthcode.Stay.person_index",
    "healthcode.SelfDeclaration.person_index",
    "healthcode.HealthStatus.person_index",
    "healthcode.Override.person_index",
    "healthcode.Appeal.person_index",
    "healthcode.Dependant.person_index",
    "healthcode.PassCheck.person_index",
    "benefits.Entitlement.person_index",
    "lutong.Resolution.person_index",
)
# A case's contact is a phone index (or, for a reporter without one, an index of their account that
# the switch leaves as it is); a walk-in's phone that is no account's keeps its old index, so only
# the duplicate check of that still-open case misses after the switch.
PHONE_COLUMNS = ("identity.SmsMessage.phone_index", "appeals.Case.contact_index")
# *_index columns that hold no person's ID-number or phone index (they stay HMAC-SHA256 for now).
OTHER_INDEXES = ("credentials.Credential.issuer_record_index",)
# Columns a database trigger keeps in step with one listed above: the holder's cache stamp follows every
# write to credentials.Credential.holder_index, the switch's rewrite included (credentials/migrations/0015).
FOLLOWING = ("credentials.HolderStamp.holder_index",)


def phase() -> str:
    return getattr(settings, "QILU_BLIND_INDEX", "hmac-sha256")


def _with(alg: str, value: str, purpose: str) -> str:
    return crypto.blind_index_with(alg, value, purpose=purpose)


def index(value: str, *, purpose: str) -> str:
    """The index written in ``*_index`` now: HMAC-SM3 once the migration is through, HMAC-SHA256 before."""
    return _with(NEW if phase() == "hmac-sm3" else OLD, value, purpose)


def candidates(value: str, *, purpose: str) -> list[str]:
    """What ``*_index`` may hold for this value: both indexes while ``dual`` (before and after the switch)."""
    if phase() == "dual":
        return [_with(OLD, value, purpose), _with(NEW, value, purpose)]
    return [index(value, purpose=purpose)]


def stage(instance, update_fields=None) -> None:
    """post_save: while ``dual``, a saved User or PopulationRecord gets its ``*_index_next`` values
    (after the save, so a save with ``update_fields`` that names an index stages it too)."""
    if phase() != "dual":
        return
    label = instance._meta.label
    staged = {}
    for model, plain, field, purpose in SOURCES:
        if model == label and (update_fields is None or field in update_fields):
            value = getattr(instance, plain)
            staged[f"{field}_next"] = _with(NEW, value, purpose) if value else None
    if staged:
        type(instance)._base_manager.filter(pk=instance.pk).update(**staged)
        for name, value in staged.items():
            setattr(instance, name, value)


# --- the commands ---------------------------------------------------------------------------------


def fill(*, after: dict | None = None, batch: int = 500) -> Iterator[tuple[str, int, int]]:
    """Stage the new index of every row not yet staged, a batch per transaction; yields (source, rows, last pk)."""
    after = dict(after or {})
    for model_label, plain, field, purpose in SOURCES:
        model = apps.get_model(model_label)
        source = f"{model_label}.{field}"
        last = after.get(source, 0)
        while True:
            with transaction.atomic():
                rows = list(model._base_manager.filter(pk__gt=last, **{f"{field}_next__isnull": True}).exclude(**{f"{field}__isnull": True})
                            .order_by("pk").only("pk", plain).select_for_update()[:batch])
                for row in rows:
                    value = getattr(row, plain)
                    setattr(row, f"{field}_next", _with(NEW, value, purpose) if value else None)
                model._base_manager.bulk_update(rows, [f"{field}_next"])  # one UPDATE per batch
            if not rows:
                break
            last = rows[-1].pk
            yield source, len(rows), last


def _table_column(dotted: str) -> tuple[str, str]:
    app_model, field = dotted.rsplit(".", 1)
    model = apps.get_model(app_model)
    return model._meta.db_table, model._meta.get_field(field).column


def switch() -> dict[str, int]:
    """One transaction: every holder column old → new through a mapping table, then ``*_index`` := ``*_index_next``.

    Rows whose ``*_index_next`` is empty (already switched, or never staged) are left alone, so a
    second run changes nothing. Returns the rows rewritten per column.
    """
    q = connection.ops.quote_name
    counts: dict[str, int] = {}
    groups = (("id_number", PERSON_COLUMNS), ("phone", PHONE_COLUMNS))
    with transaction.atomic(), connection.cursor() as cursor:
        for purpose, holders in groups:
            sources = [(apps.get_model(m), f) for m, _plain, f, p in SOURCES if p == purpose]
            mapping = f"qilu_index_map_{purpose}"
            cursor.execute(f"CREATE TEMPORARY TABLE {mapping} (old varchar(64) PRIMARY KEY, new varchar(64) NOT NULL)")
            selects = " UNION ".join(f"SELECT {q(f)}, {q(f + '_next')} FROM {q(m._meta.db_table)} WHERE {q(f + '_next')} IS NOT NULL"  # noqa: S608
                                     for m, f in sources)
            cursor.execute(f"INSERT INTO {mapping} (old, new) {selects}")  # noqa: S608 — our table and column names
            for dotted in holders:
                table, column = _table_column(dotted)
                cursor.execute(f"UPDATE {q(table)} SET {q(column)} = m.new FROM {mapping} m WHERE {q(table)}.{q(column)} = m.old")  # noqa: S608
                counts[dotted] = cursor.rowcount
            for model, field in sources:
                table = q(model._meta.db_table)
                cursor.execute(f"UPDATE {table} SET {q(field)} = {q(field + '_next')}, {q(field + '_next')} = NULL "  # noqa: S608
                               f"WHERE {q(field + '_next')} IS NOT NULL")
                counts[f"{model._meta.label}.{field}"] = cursor.rowcount
            cursor.execute(f"DROP TABLE {mapping}")
    return counts
