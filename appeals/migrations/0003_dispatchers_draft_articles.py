"""Dispatchers (12345) turn a good reply to a 咨询 into a draft article for the knowledge base."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0002_case_roles"), ("knowledge", "0002_editor_roles")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
