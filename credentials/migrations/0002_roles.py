"""Give the roles their credential permissions (clerks verify; credential-type admins manage types)."""

from django.db import migrations


def sync(apps, schema_editor):
    from identity.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("credentials", "0001_initial"), ("identity", "0003_department_credit_code_notice")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
