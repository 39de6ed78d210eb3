"""Everything hot is keyed by person, so a person's hot rows can live on one shard (docs/scaling.md,
"Beyond one host"). Two databases on the suite's PostgreSQL stand for two servers; the test database
is the coordinator, where `healthcode_passcheck` and `credentials_presentation` are partitioned by hash
of the person key (the blind index of the one number: a check's `person_index`, the presenter's
`id_number_index` as a presentation's distribution column) into `postgres_fdw` foreign tables, one
per shard. The shards' tables are the models' own `CREATE TABLE`.

Pinned down: a person's check and presentation, written through the coordinator, land together on
one shard and only there (read back over a separate connection to each shard); `EXPLAIN` of the app's
own read of a person's checks (`healthcode.selectors.checks_of`) and of a presentation read by its id
with the person key touches that one shard; a read without the key touches both (the control).
PostgreSQL only, like Citus."""

import re
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from credentials.models import Presentation
from healthcode.models import PassCheck
from healthcode.selectors import checks_of
from tests.factories import UserFactory

SHARDS = 2
COORDINATOR = "shards"  # the schema on the test database that holds the partitioned tables
PERSON_KEY = {PassCheck: "person_index", Presentation: "person_index"}  # presentations gain the column
# Real ID numbers (GB 11643 check characters): their blind indexes fall on both shards with the suite's key.
PEOPLE = ["11010519491231002X", "110101199003071233", "440304200002290049", "360426199101010071"]


def _server(dbname: str) -> dict:
    settings = connection.settings_dict
    return {"host": settings["HOST"], "port": settings["PORT"], "user": settings["USER"], "password": settings["PASSWORD"], "dbname": dbname}


def _shard_database(number: int) -> str:
    return f"{connection.settings_dict['NAME']}_shard{number}"


def _shard_table_sql(model) -> str:
    """The model's own CREATE TABLE (columns, NOT NULLs, primary key, uniques) without its foreign keys:
    a foreign key cannot reach another server."""
    with connection.schema_editor(collect_sql=True) as editor:
        sql, params = editor.table_sql(model)
        editor.deferred_sql.clear()
    assert not params
    return sql


def _coordinator_columns(model) -> str:
    """The parent table's columns: names and types only (a partitioned table over foreign tables holds
    no index). Ids come from the coordinator, as a Citus coordinator hands out sequence values."""
    columns = []
    for field in model._meta.local_concrete_fields:
        default = f" DEFAULT nextval('{COORDINATOR}.{model._meta.db_table}_id')" if field.primary_key and field.get_internal_type() == "BigAutoField" else ""
        columns.append(f'"{field.column}" {field.db_type(connection)}{default}')
    if PERSON_KEY[model] not in [field.column for field in model._meta.local_concrete_fields]:
        columns.append(f'"{PERSON_KEY[model]}" varchar(64) NOT NULL')
    return ", ".join(columns)


@pytest.fixture(scope="module")
def shards(django_db_setup, django_db_blocker):
    """Creates the shard databases and the coordinator's foreign tables; removes them afterwards."""
    if connection.vendor != "postgresql":
        pytest.fail("postgres_fdw shards are a PostgreSQL feature: make test runs on PostgreSQL")
    models = [PassCheck, Presentation]
    with django_db_blocker.unblock():
        names = [_shard_database(number) for number in range(SHARDS)]
        with psycopg.connect(**_server("postgres"), autocommit=True) as server:
            for name in names:
                server.execute(f'DROP DATABASE IF EXISTS "{name}"')
                server.execute(f'CREATE DATABASE "{name}"')
        for name in names:
            with psycopg.connect(**_server(name), autocommit=True) as shard:
                for model in models:
                    shard.execute(_shard_table_sql(model))
                shard.execute('ALTER TABLE "credentials_presentation" ADD COLUMN "person_index" varchar(64) NOT NULL')
                shard.execute('CREATE INDEX ON "credentials_presentation" ("person_index")')
        settings = connection.settings_dict
        with psycopg.connect(**_server(settings["NAME"]), autocommit=True) as coordinator:
            coordinator.execute(f"DROP SCHEMA IF EXISTS {COORDINATOR} CASCADE")  # left by an interrupted run on a reused database
            coordinator.execute("DROP EXTENSION IF EXISTS postgres_fdw CASCADE")
            coordinator.execute("CREATE EXTENSION postgres_fdw")
            coordinator.execute(f"CREATE SCHEMA {COORDINATOR}")
            for number, name in enumerate(names):
                coordinator.execute(f"CREATE SERVER shard{number} FOREIGN DATA WRAPPER postgres_fdw "
                                    f"OPTIONS (host '{settings['HOST']}', port '{settings['PORT']}', dbname '{name}')")
                coordinator.execute(f"CREATE USER MAPPING FOR CURRENT_USER SERVER shard{number} OPTIONS (user '{settings['USER']}')")
            for model in models:
                table = model._meta.db_table
                coordinator.execute(f"CREATE SEQUENCE {COORDINATOR}.{table}_id")
                coordinator.execute(f'CREATE TABLE {COORDINATOR}."{table}" ({_coordinator_columns(model)}) PARTITION BY HASH ("{PERSON_KEY[model]}")')
                for number in range(SHARDS):
                    coordinator.execute(f'CREATE FOREIGN TABLE {COORDINATOR}."{table}_s{number}" PARTITION OF {COORDINATOR}."{table}" '
                                        f"FOR VALUES WITH (MODULUS {SHARDS}, REMAINDER {number}) SERVER shard{number} "
                                        f"OPTIONS (schema_name 'public', table_name '{table}')")
    try:
        yield names
    finally:
        with django_db_blocker.unblock():
            with psycopg.connect(**_server(settings["NAME"]), autocommit=True) as coordinator:
                coordinator.execute(f"DROP SCHEMA IF EXISTS {COORDINATOR} CASCADE")
                coordinator.execute("DROP EXTENSION IF EXISTS postgres_fdw CASCADE")  # its servers and user mappings with it
            with psycopg.connect(**_server("postgres"), autocommit=True) as server:
                for name in names:
                    server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _through_coordinator():
    """The app's own tables resolve to the coordinator's partitioned ones for this transaction."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path TO {COORDINATOR}, public")


def _on_shards(shards: list[str], sql: str, params: list) -> list[list]:
    """What each shard holds, asked over its own connection (not through the coordinator)."""
    found = []
    for name in shards:
        with psycopg.connect(**_server(name)) as shard:
            found.append(shard.execute(sql, params).fetchall())
    return found


def _scanned(plan: str, table: str) -> set[str]:
    return set(re.findall(rf"Foreign Scan on ({table}_s\d+)", plan))


@pytest.fixture
def people(shards):
    checker = UserFactory(name="吴磊")
    return checker, [UserFactory(name=f"居民{n}", id_number=number) for n, number in enumerate(PEOPLE)]


def _write(checker, person) -> uuid.UUID:
    """A check through the app's model, a presentation with its distribution column, in one transaction
    through the coordinator (postgres_fdw commits each shard's part with it)."""
    presentation = uuid.uuid4()
    now = timezone.now()
    with transaction.atomic():
        _through_coordinator()
        PassCheck.objects.create(person_index=person.id_number_index, checker=checker, place="泉城广场", valid=True, reason="valid")
        with connection.cursor() as cursor:
            cursor.execute('INSERT INTO "credentials_presentation" '
                           "(id, credential_id, presenter_id, on_behalf, disclosed, created_at, expires_at, person_index) "
                           "VALUES (%s, %s, %s, false, '[]', %s, %s, %s)",
                           [presentation, 1, person.pk, now, now + timedelta(minutes=2), person.id_number_index])
    return presentation


@pytest.mark.django_db(transaction=True)
def test_a_persons_rows_live_on_one_shard_and_their_reads_touch_only_it(shards, people):
    checker, persons = people
    presentations = {person.pk: _write(checker, person) for person in persons}

    holding = set()
    for person in persons:
        checks = _on_shards(shards, 'SELECT count(*) FROM "healthcode_passcheck" WHERE person_index = %s', [person.id_number_index])
        shown = _on_shards(shards, 'SELECT count(*) FROM "credentials_presentation" WHERE id = %s', [presentations[person.pk]])
        home = [number for number in range(SHARDS) if checks[number] == [(1,)]]
        assert len(home) == 1 and [count for row in checks for (count,) in row] == [int(n == home[0]) for n in range(SHARDS)], checks
        assert [count for row in shown for (count,) in row] == [int(n == home[0]) for n in range(SHARDS)], (checks, shown)  # together
        holding.add(home[0])

        with transaction.atomic():
            _through_coordinator()
            assert _scanned(checks_of(person.id_number_index).explain(), "healthcode_passcheck") == {f"healthcode_passcheck_s{home[0]}"}
            assert [check.checker.name for check in checks_of(person.id_number_index)] == ["吴磊"]  # the app's read, answered by the shard
            with connection.cursor() as cursor:
                cursor.execute('EXPLAIN SELECT * FROM "credentials_presentation" WHERE id = %s AND person_index = %s',
                               [presentations[person.pk], person.id_number_index])
                plan = "\n".join(row for (row,) in cursor.fetchall())
            assert _scanned(plan, "credentials_presentation") == {f"credentials_presentation_s{home[0]}"}
    assert holding == set(range(SHARDS))  # the people spread over both shards


@pytest.mark.django_db(transaction=True)
def test_a_read_without_the_person_key_touches_every_shard(shards):
    with transaction.atomic():
        _through_coordinator()
        assert _scanned(PassCheck.objects.filter(place="泉城广场").explain(), "healthcode_passcheck") == {f"healthcode_passcheck_s{n}" for n in range(SHARDS)}
        with connection.cursor() as cursor:
            cursor.execute('EXPLAIN SELECT * FROM "credentials_presentation" WHERE id = %s', [uuid.uuid4()])
            plan = "\n".join(row for (row,) in cursor.fetchall())
    assert _scanned(plan, "credentials_presentation") == {f"credentials_presentation_s{n}" for n in range(SHARDS)}
