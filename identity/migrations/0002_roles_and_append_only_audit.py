"""Create the platform's roles, and make the audit table append-only in PostgreSQL itself."""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION qilu_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'identity_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS identity_auditevent_append_only ON identity_auditevent;
CREATE TRIGGER identity_auditevent_append_only BEFORE UPDATE OR DELETE ON identity_auditevent
  FOR EACH ROW EXECUTE FUNCTION qilu_audit_append_only();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS identity_auditevent_append_only ON identity_auditevent;
DROP FUNCTION IF EXISTS qilu_audit_append_only();
"""


def create_roles(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def undo_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(append_only, undo_append_only),
    ]
