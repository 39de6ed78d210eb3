"""Item admins and auditors read the yardstick dashboard."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("services", "0009_yardsticks_permission"), ("payments", "0002_roles")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
