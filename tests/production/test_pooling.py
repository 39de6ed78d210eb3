"""The production stack reaches PostgreSQL through PgBouncer in transaction pooling, and the app's
database use is compatible with it: no prepared statements, no server-side cursors, no session SET."""

import pytest

from portal.management.commands.seed_demo import DEMO_PEOPLE

pytestmark = pytest.mark.slow
PEOPLE = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}


def test_every_process_goes_through_pgbouncer_in_transaction_pooling(stack):
    import psycopg

    assert stack.get("/readyz")[0] == 200
    admin = psycopg.connect(f"postgres://qilu@127.0.0.1:{stack.pooler_port}/pgbouncer", autocommit=True, prepare_threshold=None)
    config = {row[0]: row[1] for row in admin.execute("SHOW CONFIG").fetchall()}
    assert config["pool_mode"] == "transaction"

    def transactions() -> int:
        cursor = admin.execute("SHOW STATS")
        names = [column.name for column in cursor.description]
        return next(int(row[names.index("total_xact_count")]) for row in cursor.fetchall() if row[0] == "qilu")

    before = transactions()
    stack.sign_in(PEOPLE["citizen"])
    assert transactions() > before  # the web process's transactions went through the pooler
    admin.close()

    out = stack.manage("shell", "-c", (
        "from django.db import connection\n"
        "from identity.models import User\n"
        "for _ in range(20):\n"
        "    list(User.objects.filter(pk__gt=0).values_list('pk', flat=True)[:5])\n"  # would be prepared after 5 runs
        "print('RESULT', sum(1 for _ in User.objects.iterator(chunk_size=2)),"  # a server-side cursor, were it enabled
        " connection.connection.prepare_threshold, connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'])\n"
    )).stdout.split("RESULT")[-1].split()
    assert int(out[0]) > 0 and out[1:] == ["None", "True"]

    direct = psycopg.connect(stack.direct_url, autocommit=True)
    assert direct.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0] == 0
    servers = direct.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'qilu' AND backend_type = 'client backend'").fetchone()[0]
    assert servers <= 20 + 1  # the pool's size, and this connection
    direct.close()
