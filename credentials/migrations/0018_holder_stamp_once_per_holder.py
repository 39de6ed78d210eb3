# The stamp trigger of 0015 upserted one row per *credential* when one statement inserted or deleted
# several of a holder's credentials: clock_timestamp() is read per row, so DISTINCT over (holder, clock)
# kept every row, and PostgreSQL refuses an upsert that touches a row twice ("ON CONFLICT DO UPDATE
# command cannot affect row a second time"). The holders are made distinct first, as the UPDATE branch
# already did (its UNION).

from django.db import migrations


def _function(insert: str, delete: str) -> str:
    upsert = """
    INSERT INTO credentials_holderstamp (holder_index, version)
      SELECT holder_index, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint FROM ({changed}) AS changed
      ON CONFLICT (holder_index) DO UPDATE SET version = GREATEST(credentials_holderstamp.version + 1,
        (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);"""
    update = "SELECT holder_index FROM new_rows UNION SELECT holder_index FROM old_rows"
    return f"""
CREATE OR REPLACE FUNCTION credentials_holder_stamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN{upsert.format(changed=insert)}
  ELSIF TG_OP = 'UPDATE' THEN{upsert.format(changed=update)}
  ELSE{upsert.format(changed=delete)}
  END IF;
  RETURN NULL;
END $$;
"""


ONCE = _function("SELECT DISTINCT holder_index FROM new_rows", "SELECT DISTINCT holder_index FROM old_rows")
# 0015's body, for going back: the clock read inside the DISTINCT
BEFORE = _function("SELECT holder_index FROM new_rows", "SELECT holder_index FROM old_rows")


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("credentials", "0017_verbose_names"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(ONCE), _on_postgresql(BEFORE)),
    ]
