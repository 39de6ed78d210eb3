# The task outbox moves from portal to the kernel. The table stays where it is, with its rows:
# this migration only tells Django's state that core now owns it (portal 0002 lets go of it).

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="QueuedTask",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=128, verbose_name="任务")),
                        ("args", models.JSONField(default=list)),
                        ("kwargs", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                    ],
                    options={"verbose_name": "待投递任务", "verbose_name_plural": "待投递任务", "ordering": ["id"], "db_table": "portal_queuedtask"},
                ),
            ],
            database_operations=[],
        ),
    ]
