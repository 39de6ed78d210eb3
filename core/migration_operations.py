"""Migration operations for tables that are live and large in production.

``CREATE INDEX`` takes a lock that blocks every write to its table until the index is built: minutes on a
table of 100 million transitions or test results, during which no one can submit or be checked. An
index added to a table that already exists is therefore built with ``AddIndexConcurrently`` from here
(``tests/core/test_migration_indexes.py`` holds every migration of ours to it)."""

from __future__ import annotations

from django.contrib.postgres import operations as postgres
from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    """Django's ``AddIndexConcurrently`` (``CREATE INDEX CONCURRENTLY``: writes go on while it builds; its
    migration sets ``atomic = False``), two things added:

    - a build an earlier attempt left **invalid** (it failed or was cancelled part-way: PostgreSQL keeps
      such an index, unused but maintained on every write, and a second ``CREATE`` fails on its name) is
      dropped first, so running the migration again finishes the job;
    - on any other database (SQLite under ``make run``) it is the plain ``AddIndex``."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
        self._ensure_not_in_transaction(schema_editor)
        drop_invalid(schema_editor, self.index.name)
        return super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
        return super().database_backwards(app_label, schema_editor, from_state, to_state)


def drop_invalid(schema_editor, name: str) -> bool:
    """Drop the index ``name`` in the current schema when PostgreSQL marks it invalid; True if it did."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE c.relname = %s AND pg_catalog.pg_table_is_visible(c.oid)", [name])
        row = cursor.fetchone()
    if not (row and row[0]):
        return False
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")
    return True
