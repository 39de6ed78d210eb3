"""Item admins write, review (never their own article) and publish knowledge-base articles."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_articles_feedback_and_search_index"), ("services", "0015_free_text_limits"), ("payments", "0004_finance_receipt_issuer")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
