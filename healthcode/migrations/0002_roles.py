"""Health officers, checkpoint staff and venue managers get their permissions."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("healthcode", "0001_initial"), ("identity", "0004_alter_auditevent_action"), ("credentials", "0002_roles")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
