"""An index added to a table that already exists is built without blocking the table's writes
(core.migration_operations.AddIndexConcurrently): held for every migration of ours, and the operation
itself run on PostgreSQL — including over an invalid index a failed build left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState, ProjectState

from core.migration_operations import AddIndexConcurrently, drop_invalid

ROOT = Path(__file__).resolve().parents[2]


def _ours() -> set[str]:
    return {config.label for config in apps.get_app_configs()
            if Path(config.path).is_relative_to(ROOT) and not Path(config.path).is_relative_to(ROOT / ".venv")}


def test_every_index_added_to_an_existing_table_is_built_concurrently():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours, offenders, checked = _ours(), [], 0
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in ours:
            continue
        created = {operation.name.lower() for operation in migration.operations if isinstance(operation, migrations.CreateModel)}
        for operation in migration.operations:
            if isinstance(operation, migrations.AddIndex) and operation.model_name.lower() not in created:
                checked += 1
                if not isinstance(operation, AddIndexConcurrently) or migration.atomic:
                    offenders.append(f"{app}.{name}: {operation.index.name}")
    assert offenders == [], "build these with core.migration_operations.AddIndexConcurrently in a migration with atomic = False"
    assert checked >= 3  # services 0017, healthcode 0008's two


@pytest.fixture
def table(transactional_db):
    """A table of its own with rows, outside any test transaction (CONCURRENTLY refuses one)."""
    assert connection.settings_dict["NAME"].startswith("test_")  # the test database, never the one it stands beside
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS core_index_probe")
        cursor.execute("CREATE TABLE core_index_probe (id bigserial PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL)")
        cursor.execute("INSERT INTO core_index_probe (kind, at) SELECT CASE WHEN g % 7 = 0 THEN 'x' ELSE 'y' END, now() "
                       "FROM generate_series(1, 5000) g")
        yield
        cursor.execute("DROP TABLE IF EXISTS core_index_probe")


def _state():
    fields = [("id", models.BigAutoField(primary_key=True)), ("kind", models.TextField()), ("at", models.DateTimeField())]
    state = ProjectState()
    state.add_model(ModelState("core", "IndexProbe", fields, options={"db_table": "core_index_probe"}))
    return state


def _valid(name: str) -> bool | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def test_on_postgresql_the_index_is_built_concurrently_over_an_invalid_one(table):
    if connection.vendor != "postgresql":
        pytest.fail("make test runs PostgreSQL")
    operation = AddIndexConcurrently("indexprobe", models.Index(fields=["at"], condition=models.Q(kind="x"), name="probe_x_by_at"))
    before = _state()
    after = before.clone()
    operation.state_forwards("core", after)
    # What a build cancelled part-way leaves: an index PostgreSQL marks invalid, which a second CREATE
    # would fail on. A build that meets a duplicate under a unique index fails the same way; here the
    # mark is set directly, as that failure sets it.
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX probe_x_by_at ON core_index_probe (kind)")
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'probe_x_by_at'::regclass")
    assert _valid("probe_x_by_at") is False

    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards("core", editor, before, after)
    assert _valid("probe_x_by_at") is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('probe_x_by_at'::regclass)")
        definition = cursor.fetchone()[0]
    assert "(at)" in definition and "WHERE (kind = 'x'::text)" in definition  # the migration's index, not the leftover
    with connection.schema_editor(atomic=False) as editor:
        assert drop_invalid(editor, "probe_x_by_at") is False  # a valid index is left alone

    with connection.schema_editor(atomic=False) as editor:
        operation.database_backwards("core", editor, after, before)
    assert _valid("probe_x_by_at") is None


def test_inside_a_transaction_it_refuses_rather_than_lock_the_table(table):
    from django.db import NotSupportedError

    operation = AddIndexConcurrently("indexprobe", models.Index(fields=["at"], name="probe_by_at"))
    before = _state()
    after = before.clone()
    operation.state_forwards("core", after)
    with pytest.raises(NotSupportedError), connection.schema_editor(atomic=True) as editor:
        operation.database_forwards("core", editor, before, after)
