"""Dispatchers route cases; reviewers handle their department's; clerks record walk-ins'; item admins
keep the categories, routing rules and deadlines."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_cases")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
