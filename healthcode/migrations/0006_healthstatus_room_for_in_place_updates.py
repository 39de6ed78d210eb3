"""Health statuses are rewritten whole when a rule version is published: with half of each page free,
PostgreSQL updates a row in place (HOT: no new index entries) since valid_until, area_code and the key
do not move. Applies to pages written from now on; an existing large table gets it with
``VACUUM FULL healthcode_healthstatus`` (or pg_repack) in a maintenance window."""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE healthcode_healthstatus SET (fillfactor = 50)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE healthcode_healthstatus RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("healthcode", "0005_recompute_in_chunks")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
