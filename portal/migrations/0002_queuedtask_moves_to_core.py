# The task outbox now belongs to the kernel app (core.QueuedTask, same table): forget it here
# without dropping the table.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("portal", "0001_initial"), ("core", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="QueuedTask")], database_operations=[]),
    ]
