"""Partition the append-only tables by month (core/partitions.py). PostgreSQL only; on SQLite (the
embedded default) nothing changes. Not reversible: going back means restoring a dump."""

from django.db import migrations

TABLES = ["credentials_presentation", "credentials_verification", "healthcode_passcheck", "identity_auditevent"]


def forwards(apps, schema_editor):
    from core import partitions

    if schema_editor.connection.vendor != "postgresql":
        return
    partitions.drop_foreign_keys_into(TABLES)
    for table in TABLES:
        if not partitions.is_partitioned(table):
            partitions.convert(table)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("core", "0001_initial"),
        ("identity", "0006_audit_actions_for_every_use_case"),
        ("credentials", "0004_presentation_link_without_constraint"),
        ("healthcode", "0003_pass_check_journal_id"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
