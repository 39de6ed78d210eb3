"""Reviewers review, clerks submit for walk-in citizens, item admins keep the catalogue."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial"), ("identity", "0005_alter_auditevent_action"), ("healthcode", "0002_roles")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
