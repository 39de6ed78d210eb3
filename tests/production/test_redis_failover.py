"""Redis behind Sentinel on the production stack: the master is SIGKILLed under a steady load of
sign-ins, health checks and 秒批 submissions; a replica is promoted, the web processes, the Celery
workers, beat and the journal consumer find it, no task and no check record is lost, and sign-in
answers 200 throughout."""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid

import psycopg
import pytest

from devtools.redis_ha import SentinelStack
from devtools.stack import wait_for
from portal.management.commands.seed_demo import DEMO_PEOPLE

pytestmark = pytest.mark.slow
PEOPLE = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
BEFORE, AFTER = 5.0, 8.0  # seconds of load before the kill, and after the app reached the new master


def settle(measure, done, timeout: float):
    """``measure()`` once ``done`` with it, or its last value when ``timeout`` runs out (the test then says what it was)."""
    deadline = time.monotonic() + timeout
    value = measure()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.5)
        value = measure()
    return value


@pytest.fixture(scope="module")
def stack():
    started = SentinelStack()
    started.env["QILU_CREATION_QUOTAS"] = json.dumps({"applications": [10_000, 60]})  # one citizen submits all the load's applications
    try:
        yield started.start()
    finally:
        started.stop()


class Load:
    """Three clients in threads, each recording what the app acknowledged and every other answer."""

    def __init__(self, stack, run: str):
        self.stack, self.run, self.stop = stack, run, threading.Event()
        self.citizen, self.checkpoint = stack.sign_in(PEOPLE["citizen"]), stack.sign_in(PEOPLE["checkpoint"])
        self.sign_ins: list[tuple[float, int]] = []  # (when it was sent, its status)
        self.checks: list[str] = []
        self.applications: list[str] = []
        self.acknowledged_at: list[float] = []  # when each application was acknowledged
        self.refused: list[tuple[str, int, object]] = []
        self.threads = [threading.Thread(target=self._loop, args=(work,), daemon=True) for work in (self._sign_in, self._check, self._submit)]

    def _loop(self, work):
        number = 0
        while not self.stop.is_set():
            number += 1
            try:
                work(number)
            except Exception as exc:  # noqa: BLE001 — a refused connection is an answer the test counts
                self.refused.append((work.__name__, 0, repr(exc)))

    def _sign_in(self, _number):
        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"  # many clients, as behind nginx
        sent = time.monotonic()
        status, body, _ = self.stack.post("/_allauth/app/v1/auth/login", {"username": PEOPLE["citizen"], "password": "Qilu-demo-2026"},
                                          headers={"X-Forwarded-For": address})
        self.sign_ins.append((sent, status))
        if status != 200:
            self.refused.append(("sign_in", status, body))

    def _check(self, number):
        payload = self.stack.get("/api/v1/health/pass/", token=self.citizen)[1]["payload"]
        place = f"{self.run}-{number}"
        status, verdict, _ = self.stack.post("/api/v1/health/checks/", {"payload": payload, "place": place}, token=self.checkpoint)
        if status == 200 and verdict["valid"]:
            self.checks.append(place)
        else:
            self.refused.append(("check", status, verdict))

    def _submit(self, _number):
        _, form, _ = self.stack.get("/api/v1/items/JT-001/form/", token=self.citizen)
        data = {field["key"]: field["value"] for field in form["fields"]} | {"seats": "4"}
        status, application, _ = self.stack.post("/api/v1/applications/", {"item": "JT-001", "data": data}, token=self.citizen,
                                                 headers={"Idempotency-Key": uuid.uuid4().hex})
        if status == 201:
            self.applications.append(application["number"])
            self.acknowledged_at.append(time.monotonic())
        else:
            self.refused.append(("submit", status, application))
        time.sleep(0.2)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def test_the_redis_master_killed_under_load_a_replica_takes_over_and_nothing_is_lost(stack):
    run = uuid.uuid4().hex[:8]
    started = time.monotonic()
    with Load(stack, run) as load:
        time.sleep(BEFORE)
        killed_at = time.monotonic()
        in_the_gap = threading.Thread(target=load._sign_in, args=(0,))  # its rate-limit check meets the dead master (≥ 1 s undecided)
        killed, promoted, failover = stack.kill_redis_master(then=in_the_gap.start)
        in_the_gap.join(30)
        ready = wait_for(lambda: stack.get("/readyz")[0] == 200 and time.monotonic(), 30, "the app to reach the new master", interval=0.1)
        time.sleep(AFTER)

    # Every acknowledged submission ran its 秒批 task exactly once, and every accepted check is stored once.
    def approvals():
        answers = [stack.get(f"/api/v1/applications/{number}/", token=load.citizen)[1] for number in load.applications]
        return sum(1 for answer in answers for step in answer["timeline"] if step["to_status"] == "approved")

    db = psycopg.connect(stack.direct_url, autocommit=True)

    def stored():
        return db.execute("SELECT count(*), count(DISTINCT place) FROM healthcode_passcheck WHERE place LIKE %s", [f"{run}-%"]).fetchone()

    tasks_run = settle(approvals, lambda run_: run_ >= len(load.applications), 60)
    checks_stored = settle(stored, lambda row: row[0] >= len(load.checks), 60)
    time.sleep(1.5)  # and none more arrives later
    checks_stored = stored()
    db.close()
    after_kill = [status for at, status in load.sign_ins if at >= killed_at]
    without_master = [status for at, status in load.sign_ins if killed_at <= at <= killed_at + failover]  # sent while there was no master
    report = {"failover_s": round(failover, 2), "app_back_s": round(ready - killed_at, 2), "sign_ins": len(load.sign_ins),
              "sign_ins_after_kill": len(after_kill), "sign_ins_without_master": len(without_master),
              "checks_accepted": len(load.checks), "checks_stored": checks_stored[0], "tasks_queued": len(load.applications), "tasks_run": tasks_run,
              "refused": len(load.refused), "journal_backlog": stack.redis(promoted, "xlen", "qilu:journal"),
              "journal_pending": stack.redis(promoted, "xpending", "qilu:journal", "writers").splitlines()[:1],
              "seconds": round(time.monotonic() - started, 1)}
    print("redis failover:", json.dumps(report))

    assert (killed, promoted) == ("redis", "redis-replica") and stack.is_master("redis-replica")
    assert load.refused == [] and {status for _at, status in load.sign_ins} == {200} and len(after_kill) >= 5 and len(without_master) >= 1
    assert checks_stored == (len(load.checks), len(load.checks)) and len(load.checks) >= 10
    assert tasks_run == len(load.applications) >= 3 and max(load.acknowledged_at) > ready  # queued on the new master, run by reconnected workers
    assert stack.redis("redis-replica", "xlen", "qilu:journal") == "0"  # the consumer reads the new master's stream to the end
    assert re.search(r'^qilu_celery_queue_length\{queue="interactive"\} 0', stack.get("/metrics")[1], re.M)  # the broker found through the sentinels

    # Running on the promoted node: a check goes through its stream and is stored by the reconnected consumer.
    payload = stack.get("/api/v1/health/pass/", token=load.citizen)[1]["payload"]
    assert stack.post("/api/v1/health/checks/", {"payload": payload, "place": f"{run}-after"}, token=load.checkpoint)[0] == 200
    wait_for(lambda: any(use["detail"].get("place") == f"{run}-after" for use in stack.get("/api/v1/me/audit-events/", token=load.citizen)[1]["results"]),
             10, "the check in the holder's data uses")
