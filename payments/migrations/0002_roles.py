"""Auditors read orders, payment events and reconciliations."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("services", "0008_fees"), ("identity", "0013_payment_audit")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
