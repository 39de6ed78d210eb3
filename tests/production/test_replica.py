"""Reads from a streaming replica on the production stack: the named reads really come from it, a
person who just wrote reads their own write from the primary, and with the replica stopped every read
still answers — from the primary, with no 5xx."""

import time

import psycopg
import pytest

from devtools.stack import wait_for
from portal.management.commands.seed_demo import DEMO_PEOPLE

pytestmark = pytest.mark.slow
PEOPLE = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
PIN = 2  # QILU_REPLICA_PIN_SECONDS in the stack


def _replica(stack):
    return psycopg.connect(f"postgres://qilu@127.0.0.1:{stack.replica_port}/qilu", autocommit=True)


def _uses(stack, token):
    status, body, _ = stack.get("/api/v1/me/audit-events/", token=token)
    assert status == 200, body
    return [(use["action"], use["detail"].get("place")) for use in body["results"]]


def test_named_reads_come_from_the_replica_and_a_writer_reads_its_own_writes(stack):
    citizen, checkpoint = stack.sign_in(PEOPLE["citizen"]), stack.sign_in(PEOPLE["checkpoint"])
    payload = stack.get("/api/v1/health/pass/", token=citizen)[1]["payload"]
    time.sleep(PIN + 0.5)  # signing in wrote: the pin lapses
    replica = _replica(stack)
    assert replica.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
    replica.execute("SELECT pg_wal_replay_pause()")  # the replica stops catching up: anything read from it is stale
    try:
        assert stack.post("/api/v1/health/checks/", {"payload": payload, "place": "replica-test"}, token=checkpoint)[0] == 200
        wait_for(lambda: psycopg.connect(stack.direct_url, autocommit=True).execute(
            "SELECT count(*) FROM healthcode_passcheck WHERE place = 'replica-test'").fetchone()[0] == 1, 10, "the check on the primary")
        assert ("health_pass_checked", "replica-test") not in _uses(stack, citizen)  # read from the (paused) replica

        assert stack.get("/api/v1/me/export/", token=citizen)[0] == 200  # the citizen writes (the export is audited) …
        uses = _uses(stack, citizen)  # … and at once reads their own write, and everything else, from the primary
        assert ("data_exported", None) in uses and ("health_pass_checked", "replica-test") in uses
    finally:
        replica.execute("SELECT pg_wal_replay_resume()")
        replica.close()
    time.sleep(PIN + 0.5)
    wait_for(lambda: ("health_pass_checked", "replica-test") in _uses(stack, citizen), 10, "the replica to catch up")


def test_with_the_replica_stopped_every_named_read_answers_from_the_primary(stack):
    citizen, reviewer = stack.sign_in(PEOPLE["citizen"]), stack.sign_in(PEOPLE["reviewer"])
    time.sleep(PIN + 0.5)
    stack.stop_replica()
    try:
        subprocess_flush(stack)  # every status and catalogue answer a miss: they must be read from a database
        for path, token in (("/api/v1/me/audit-events/", citizen), ("/api/v1/items/", None), ("/api/v1/items/JT-001/", None),
                            ("/api/v1/workbench/", reviewer), ("/api/v1/health/pass/", citizen)):
            status, body, _ = stack.get(path, token=token)
            assert status == 200, (path, status, body)
        assert "replica unavailable" in stack.log("web")
    finally:
        stack.start_replica()
    assert stack.get("/readyz")[0] == 200


def subprocess_flush(stack):
    import subprocess

    subprocess.run(["redis-cli", "-p", str(stack.redis_port), "FLUSHALL"], check=True, capture_output=True)
