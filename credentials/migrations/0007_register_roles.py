"""Credential-type admins keep the verifier register."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("credentials", "0006_open_standards")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
