"""The health-status recompute alone, on real Celery bulk workers (issue 25): load N population records
and the bench's test results (1 %, 0.1 % positive) with COPY, give everyone a status, then time

- a new rule version put in force (every status changes: every row written), and
- a rerun with nothing changed (no row written),

each with one and with two bulk worker processes (``celery worker -Q bulk --pool solo``), from the
job's creation to its ``done``, with the CPU seconds the workers and PostgreSQL spent on it (the box
is shared: CPU seconds say what a quiet machine would need). Also prints the
``EXPLAIN ANALYZE`` of one chunk's statement and the Python time around it.

    scripts/with-services.sh env QILU_ENV=test QILU_TASKS_EAGER=false [BENCH_WORKERS=1,2] .venv/bin/python bench/recompute.py 100000 [CHUNK]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.load_citizens import COLUMNS, copy, people  # noqa: E402
from core.usecases import SYSTEM  # noqa: E402
from healthcode import services  # noqa: E402
from healthcode.demo import default_ruleset  # noqa: E402
from healthcode.evaluation import evaluate, ruleset_in_force, upsert_sql  # noqa: E402
from healthcode.models import RecomputeChunk, RecomputeJob, Rule, RuleSet, TestResult  # noqa: E402
from identity import crypto  # noqa: E402
from identity.models import PopulationRecord, id_number_index  # noqa: E402


def load(n: int) -> None:
    now = timezone.now()
    ctx = "identity.populationrecord.id_number"
    copy(PopulationRecord, COLUMNS[PopulationRecord],
         ((crypto.encrypt(number, context=ctx), id_number_index(number), name, gender, birth, area, "normal", now)
          for number, name, gender, birth, area in people(n)))
    copy(TestResult, COLUMNS[TestResult],
         ((id_number_index(number), "bench", f"T{i}", now, "nucleic_acid", "positive" if i % 1000 == 0 else "negative",
           now - timezone.timedelta(days=1), now - timezone.timedelta(hours=20))
          for i, (number, *_rest) in enumerate(people(n)) if i % 100 == 0))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def new_version() -> None:
    """Put a copy of the rules in force under the next version: every status's rule_version changes."""
    current = RuleSet.objects.get(in_force=True)
    draft = RuleSet.objects.create(version=current.version + 1, note="bench", published_at=timezone.now())
    for rule in current.rules.all():
        Rule.objects.create(ruleset=draft, code=rule.code, kind=rule.kind, colour=rule.colour, days=rule.days, hours=rule.hours, level=rule.level,
                            explanation=rule.explanation, explanation_en=rule.explanation_en)
    RuleSet.objects.filter(pk=current.pk).update(in_force=False)
    RuleSet.objects.filter(pk=draft.pk).update(in_force=True)


def explain(chunk: int) -> tuple[str, float]:
    ruleset, rules = ruleset_in_force()
    first = PopulationRecord.objects.order_by("id").values_list("id", flat=True).first()
    people_in = PopulationRecord.objects.filter(id__gte=first, id__lt=first + chunk)
    started = time.perf_counter()
    sql, params = upsert_sql(people_in, timezone.now(), ruleset, rules)
    compile_ms = (time.perf_counter() - started) * 1000
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # as evaluate() runs it
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, WAL) {sql}", params)  # the whole upsert, rolled back below
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan, compile_ms


def workers(count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "QILU_TASKS_EAGER": "false"}
    procs = [subprocess.Popen([str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "-l", "warning", "--pool", "solo", "-Q", "bulk",
                               "-n", f"bulk{i}-{time.time_ns()}@bench"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True) for i in range(count)]
    time.sleep(8)  # imported and connected before the clock starts
    return procs


def _cpu(pid: int) -> float:
    """utime + stime of a process and of its children it has waited for (PostgreSQL's postmaster reaps its backends)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _live_children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    return found


def cpu_seconds(procs: list[subprocess.Popen]) -> float:
    """CPU seconds used so far by the bulk workers and by PostgreSQL (postmaster, its live and reaped backends)."""
    postmaster = int(Path(os.environ["QILU_PG_DATA"], "postmaster.pid").read_text().split()[0])
    pids = [proc.pid for proc in procs] + [postmaster] + _live_children(postmaster)
    total = 0.0
    for pid in pids:
        try:
            total += _cpu(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def timed_job(chunk: int, procs: list[subprocess.Popen]) -> dict:
    cpu_before = cpu_seconds(procs)
    started = time.perf_counter()
    with transaction.atomic():
        job = services.recompute_start(actor=SYSTEM, reason="bench", chunk_size=chunk)
    while (state := RecomputeJob.objects.filter(pk=job.pk).values_list("state", flat=True).get()) not in ("done", "failed"):
        time.sleep(0.05)
        if time.perf_counter() - started > 1800:
            raise RuntimeError("the recompute did not finish in 30 minutes")
    seconds = time.perf_counter() - started
    cpu = cpu_seconds(procs) - cpu_before
    job.refresh_from_db()
    chunks = RecomputeChunk.objects.filter(job=job)
    return {"state": state, "seconds": round(seconds, 2), "people": job.done, "changed": job.changed, "chunks": chunks.count(),
            "cpu_s": round(cpu, 2), "load": os.getloadavg()[0]}


def main(n: int, chunk: int) -> None:
    call_command("migrate", verbosity=0)
    default_ruleset()
    started = time.perf_counter()
    load(n)
    print(f"loaded {n:,} population records in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    first = len(evaluate(PopulationRecord.objects.all()))
    print(f"first statuses (one statement, in-process): {first:,} in {time.perf_counter() - started:.1f} s", flush=True)
    new_version()
    plan, compile_ms = explain(chunk)
    print(f"one chunk's upsert ({chunk:,} people, every status changing; rolled back), compiled in {compile_ms:.1f} ms:\n{plan}\n", flush=True)
    results = {}
    for count in [int(c) for c in os.environ.get("BENCH_WORKERS", "1,2").split(",")]:
        procs = workers(count)
        try:
            new_version()
            results[f"{count} worker(s), new rule version"] = timed_job(chunk, procs)
            print(count, "new version", results[f"{count} worker(s), new rule version"], flush=True)
            results[f"{count} worker(s), nothing changed"] = timed_job(chunk, procs)
            print(count, "rerun", results[f"{count} worker(s), nothing changed"], flush=True)
        finally:
            for proc in procs:
                os.killpg(proc.pid, 15)
                proc.wait(30)
    print(json.dumps({"people": n, "chunk": chunk, **results}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else 5_000)
