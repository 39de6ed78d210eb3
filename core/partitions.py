"""Monthly partitions (native PostgreSQL range partitioning on ``created_at``) for the append-only
tables that grow with every check: audit events, pass checks, credential verifications and
presentations.

- ``convert`` (run once by ``core/migrations/0002``) turns an ordinary table into a partitioned one:
  same columns, identity and defaults; the primary key and unique constraints gain ``created_at``
  (PostgreSQL requires the partition key in them: ids stay unique by their sequence, and a journal
  record — written with its own time — still cannot be stored twice); indexes, outbound foreign
  keys and triggers (the audit table's append-only trigger) are recreated. Foreign keys *into* a
  partitioned table cannot exist, so the one there was (verification → presentation) is dropped:
  Django still joins on it.
- ``ensure`` keeps this month's and the next ``MONTHS_AHEAD`` months' partitions ready; a DEFAULT
  partition catches anything outside them, so an insert never fails for want of a partition.
- ``detach_expired`` detaches partitions older than a table's retention (``RETENTION_MONTHS``): the
  rows leave the live table at once and stay, as a table of their own, for archiving and dropping.

Beat runs both daily (``portal.maintain_partitions``). SQLite (the embedded default) is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection

MONTHS_AHEAD = 2


def tables() -> dict[str, int]:
    """Each partitioned table and the months its rows are kept live."""
    return dict(settings.QILU_RETENTION_MONTHS)


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def supported() -> bool:
    return connection.vendor == "postgresql"


def is_partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relkind FROM pg_class c WHERE c.relname = %s AND c.relnamespace = 'public'::regnamespace", [table])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def partitions(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY 1",
                       [table])
        return [row[0] for row in cursor.fetchall()]


def _create_month(cursor, table: str, month: dt.date) -> str | None:
    name = partition_name(table, month)
    cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relnamespace = 'public'::regnamespace", [name])
    if cursor.fetchone():
        return None
    upper = month_start(month, 1)
    cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)',
                   [f"{month:%Y-%m-%d} 00:00:00+00", f"{upper:%Y-%m-%d} 00:00:00+00"])
    return name


def ensure(today: dt.date | None = None) -> list[str]:
    """Create the missing monthly partitions from this month to ``MONTHS_AHEAD`` ahead."""
    if not supported():
        return []
    today = today or dt.datetime.now(dt.UTC).date()
    created = []
    with connection.cursor() as cursor:
        for table in tables():
            if not is_partitioned(table):
                continue
            for shift in range(MONTHS_AHEAD + 1):
                name = _create_month(cursor, table, month_start(today, shift))
                if name:
                    created.append(name)
    return created


def expired(today: dt.date | None = None) -> list[tuple[str, str]]:
    """(table, partition) pairs whose month ended before the table's retention began."""
    if not supported():
        return []
    today = today or dt.datetime.now(dt.UTC).date()
    found = []
    for table, months in tables().items():
        if not is_partitioned(table):
            continue
        cutoff = partition_name(table, month_start(today, -months))
        found += [(table, name) for name in partitions(table) if name != f"{table}_default" and name < cutoff]
    return found


def detach(table: str, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')


def convert(table: str, *, today: dt.date | None = None) -> None:
    """Turn ``table`` into a table partitioned by month on ``created_at`` (see the module's note)."""
    today = today or dt.datetime.now(dt.UTC).date()
    old = f"{table}_unpartitioned"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s", [table])
        index_defs = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid), confrelid::regclass::text FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f')", [table])
        constraints = cursor.fetchall()
        cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table])
        triggers = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attidentity <> ''", [table])
        identity = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT min(created_at), max(created_at) FROM " + _quote(table))  # noqa: S608 — our table names, quoted
        earliest, latest = cursor.fetchone()

        constraint_names = {name for name, *_ in constraints}
        cursor.execute(f'ALTER TABLE {_quote(table)} RENAME TO {_quote(old)}')
        for name, _kind, _definition, _target in constraints:
            cursor.execute(f"ALTER TABLE {_quote(old)} DROP CONSTRAINT {_quote(name)}")
        cursor.execute(f"CREATE TABLE {_quote(table)} (LIKE {_quote(old)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS "
                       f"INCLUDING GENERATED INCLUDING STORAGE) PARTITION BY RANGE (created_at)")
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF {_quote(table)} DEFAULT')
        first = month_start(min(filter(None, [earliest and earliest.date(), today])))
        last = month_start(max(filter(None, [latest and latest.date(), today])), MONTHS_AHEAD)
        month = first
        while month <= last:
            _create_month(cursor, table, month)
            month = month_start(month, 1)
        cursor.execute(f"INSERT INTO {_quote(table)} SELECT * FROM {_quote(old)}")  # noqa: S608 — our table names, quoted
        for column in identity:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({_quote(column)}), 0) + 1, false) "  # noqa: S608
                           f"FROM {_quote(table)}", [table, column])
        cursor.execute(f"DROP TABLE {_quote(old)}")

        for name, kind, definition, target in constraints:
            if kind in ("p", "u"):
                columns = definition[definition.index("(") + 1 : definition.index(")")]
                keyword = "PRIMARY KEY" if kind == "p" else "UNIQUE"
                cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {keyword} ({columns}, created_at)")
            elif target not in tables():  # no foreign key can point into a partitioned table
                cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
        for index in index_defs:
            name = index.split(" INDEX ", 1)[1].split(" ON ", 1)[0].strip('"')
            if name not in constraint_names:
                cursor.execute(index)
        for trigger in triggers:
            cursor.execute(trigger)


def drop_foreign_keys_into(targets) -> None:
    """Foreign keys from any table into these (about to be partitioned) tables."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' AND confrelid::regclass::text = ANY(%s)",
                       [list(targets)])
        for table, name in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)
