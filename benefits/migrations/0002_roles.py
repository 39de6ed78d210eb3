"""Item admins draft 免申即享 policy versions; auditors read entitlements, payouts and the review queue."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0001_policies_entitlements_payouts_reviews"), ("appeals", "0003_dispatchers_draft_articles")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
