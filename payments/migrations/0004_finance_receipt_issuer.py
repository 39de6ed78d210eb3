"""Reference data: the finance department that issues fee receipts, its credit code and the receipt
type (payments/reference.py), instead of computing them from the demo-data generator at first use."""

from django.db import migrations


def install(apps, schema_editor):
    from payments import reference

    reference.install(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0003_refund_attempts"),
        ("identity", "0016_notice_message"),
        ("credentials", "0010_relying_party_help"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
