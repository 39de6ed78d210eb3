"""Database high availability on the production stack (devtools/patroni.py): Patroni with etcd manages
two PostgreSQL nodes in synchronous mode, HAProxy routes by Patroni's /primary and /replica checks.

Under a steady stream of 秒批 submissions and health-pass checks, the leader's Patroni and PostgreSQL
are SIGKILLed: the synchronous standby is promoted, writes resume within FAILOVER_BOUND seconds, every
application number the API acknowledged (before or after the kill) is there afterwards, every
accepted check is stored once, every acknowledged application's 秒批 task runs, and the old leader —
its Patroni restarted — rejoins as a replica, where the app's replica reads then go."""

import threading
import time
import uuid

import psycopg
import pytest

from devtools.patroni import NODES, PatroniStack
from devtools.stack import wait_for
from portal.management.commands.seed_demo import DEMO_PEOPLE

pytestmark = pytest.mark.slow
PEOPLE = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
FAILOVER_BOUND = 30  # seconds from the kill to the first acknowledged write on the promoted node (ttl 20 s on loopback)
PIN = 2  # QILU_REPLICA_PIN_SECONDS in the stack


@pytest.fixture(scope="module")
def stack():
    started = PatroniStack()
    try:
        yield started.start()
    finally:
        started.stop()


class Load:
    """Two clients in threads, each recording (sent, answered, status, what): 秒批 submissions, health-pass checks."""

    def __init__(self, stack, citizen: str, checkpoint: str):
        self.stack, self.citizen, self.checkpoint = stack, citizen, checkpoint
        self.run = uuid.uuid4().hex[:8]
        self.submissions, self.checks = [], []
        self.stopping = threading.Event()
        _, form, _ = stack.get("/api/v1/items/JT-001/form/", token=citizen)
        self.form = {field["key"]: field["value"] for field in form["fields"]} | {"seats": "4"}
        self.threads = [threading.Thread(target=self._submit, daemon=True), threading.Thread(target=self._check, daemon=True)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(30)

    def _submit(self):
        while not self.stopping.is_set():
            sent = time.monotonic()
            status, body, _ = self.stack.post("/api/v1/applications/", {"item": "JT-001", "data": self.form}, token=self.citizen,
                                              headers={"Idempotency-Key": uuid.uuid4().hex})
            self.submissions.append((sent, time.monotonic(), status, body["number"] if status == 201 else None))
            time.sleep(0.2)

    def _check(self):
        while not self.stopping.is_set():
            sent, place = time.monotonic(), f"{self.run}-{len(self.checks)}"
            status, shown, _ = self.stack.get("/api/v1/health/pass/", token=self.citizen)
            if status == 200:
                status, verdict, _ = self.stack.post("/api/v1/health/checks/", {"payload": shown["payload"], "place": place}, token=self.checkpoint)
                status = status if status != 200 or verdict["valid"] else "invalid"
            self.checks.append((sent, time.monotonic(), status, place))
            time.sleep(0.2)

    def acknowledged(self, after: float = 0.0) -> list[str]:
        return [number for sent, _answered, status, number in list(self.submissions) if status == 201 and sent > after]

    def accepted_checks(self) -> list[str]:
        return [place for _sent, _answered, status, place in list(self.checks) if status == 200]


def test_killing_the_leader_promotes_the_standby_loses_no_acknowledged_write_and_the_old_leader_rejoins(stack):
    citizen, checkpoint = stack.sign_in(PEOPLE["citizen"]), stack.sign_in(PEOPLE["checkpoint"])
    old, new = stack.leader(), stack.standby()
    assert stack.is_synchronous(new)  # commits wait for it: it holds every acknowledged write

    with Load(stack, citizen, checkpoint) as load:
        wait_for(lambda: len(load.acknowledged()) >= 10 and len(load.accepted_checks()) >= 5, 60, "a steady load")
        killed = time.monotonic()
        stack.kill_node(old)  # SIGKILL: its Patroni, then its postmaster and every backend
        wait_for(lambda: load.acknowledged(after=killed), 60, "writes to resume", interval=0.1)
        resumed = min(answered for sent, answered, status, _ in load.submissions if status == 201 and sent > killed) - killed
        assert stack.leader() == new
        stack.start_node(old)  # what systemd's Restart= would do: Patroni starts it, rewinds it if needed, follows the new leader
        wait_for(lambda: stack.following(old) and stack.served_by(stack.replica_port) == old, 90, "the old leader to rejoin")
        rejoined = time.monotonic() - killed
        wait_for(lambda: len(load.acknowledged(after=killed + rejoined)) >= 3, 30, "writes with the old leader back")

    numbers, places = load.acknowledged(), load.accepted_checks()
    refused = [status for _sent, _answered, status, _ in load.submissions if status != 201]
    print(f"\nfailover: writes resumed {resumed:.1f} s after the kill, the old leader a replica again after {rejoined:.1f} s; "
          f"{len(numbers)} applications acknowledged ({len(load.acknowledged(after=killed))} after the kill), "
          f"{len(refused)} refused meanwhile ({sorted(set(map(str, refused)))}); checks: {len(places)} accepted, "
          f"{len(load.checks) - len(places)} refused", flush=True)
    with psycopg.connect(stack.direct_url, autocommit=True) as primary:  # through HAProxy: the new leader
        assert primary.execute("SELECT inet_server_port()").fetchone()[0] == stack.nodes[new]["pg"]
        found = {row[0] for row in primary.execute("SELECT number FROM services_application WHERE number = ANY(%s)", [numbers])}
        assert len(numbers) == len(set(numbers)) and found == set(numbers)  # 0 acknowledged writes lost

        def completed():
            return primary.execute("SELECT count(*) FROM services_application WHERE number = ANY(%s) AND status = 'completed'",
                                   [numbers]).fetchone()[0]

        print(f"秒批 tasks run by the end of the load: {completed()} of {len(numbers)}", flush=True)
        wait_for(lambda: completed() == len(numbers), 120, "every acknowledged application's 秒批 task to run")
        wait_for(lambda: primary.execute("SELECT count(*) FROM healthcode_passcheck WHERE place = ANY(%s)", [places]).fetchone()[0] == len(places),
                 60, "every accepted check to be stored")
        assert primary.execute("SELECT count(DISTINCT place), count(*) FROM healthcode_passcheck WHERE place LIKE %s",
                               [f"{load.run}-%"]).fetchone() == (len(places), len(places))
    with psycopg.connect(stack.node_url(old), autocommit=True) as rejoined_node:  # the old leader now follows, with every write
        assert rejoined_node.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        wait_for(lambda: rejoined_node.execute("SELECT count(*) FROM services_application WHERE number = ANY(%s)", [numbers]).fetchone()[0]
                 == len(numbers), 30, "the rejoined node to catch up")
    assert resumed <= FAILOVER_BOUND
    assert len(load.acknowledged(after=killed)) >= 3


def test_named_reads_come_from_whichever_node_is_the_replica_now(stack):
    citizen, checkpoint = stack.sign_in(PEOPLE["citizen"]), stack.sign_in(PEOPLE["checkpoint"])
    wait_for(lambda: stack.standby() and stack.following(stack.standby()), 90, "a settled replica")  # the test above may leave a rejoin finishing
    replica = stack.standby()
    assert stack.served_by(stack.replica_port) == replica and stack.role(replica) == "replica"
    payload = stack.get("/api/v1/health/pass/", token=citizen)[1]["payload"]
    time.sleep(PIN + 0.5)  # signing in wrote: the pin lapses
    place = f"ha-{uuid.uuid4().hex[:8]}"
    with stack.replay_paused(replica):  # this node stops catching up (Patroni in maintenance mode leaves it so)
        assert stack.post("/api/v1/health/checks/", {"payload": payload, "place": place}, token=checkpoint)[0] == 200
        with psycopg.connect(stack.direct_url, autocommit=True) as primary:
            wait_for(lambda: primary.execute("SELECT count(*) FROM healthcode_passcheck WHERE place = %s", [place]).fetchone()[0] == 1,
                     15, "the check on the primary")
        # "Who used my data" reads the replica: without the check (a worker that saw the replica fail
        # during a failover reads the primary for 10 s, core.replicas.DOWN_SECONDS — hence the wait).
        wait_for(lambda: place not in _places_seen(stack, citizen), 30, "a read from the paused replica", interval=0.5)
    time.sleep(PIN + 0.5)
    wait_for(lambda: place in _places_seen(stack, citizen), 15, "the replica to catch up")
    assert {stack.leader(), replica} == set(NODES)


def _places_seen(stack, token) -> set:
    status, body, _ = stack.get("/api/v1/me/audit-events/", token=token)
    assert status == 200, body
    return {use["detail"].get("place") for use in body["results"]}
