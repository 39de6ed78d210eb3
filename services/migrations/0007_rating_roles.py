"""Item admins keep the working-day calendar and read ratings; auditors read ratings."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("services", "0006_ratings"), ("identity", "0011_ratings")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
