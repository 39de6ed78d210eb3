"""Item admins define bundles (一件事)."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("services", "0011_bundles"), ("services", "0010_yardstick_roles")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
