"""`make bench`: start the production stack on loopback (gunicorn sync ×2 behind PgBouncer, a
streaming replica, Celery workers per queue, the check journal's consumer, the search process, Redis, QILU_ENV=prod),
load BENCH_SMALL citizens (default 10,000) and measure the hot paths, load up to BENCH_CITIZENS
(default 1,000,000) and measure everything again, beside three baselines measured in the same run on
the same stack — a bare Django view, a bare unauthenticated DRF view and a bare authenticated DRF
view. Per scenario: req/s, latency, the gunicorn workers' CPU ms per request (from /proc), answers by
status code. Then: the check journal's lag under load, a 秒批 application during a full recompute,
peak worker memory. Writes a Markdown table to bench/results/.

Last, the 亮证 and health-pass show/verify rows again with SM2 co-signatures on (QILU_SM2_COSIGN: the web
restarted with it, the SM2 keys made by the deploy step), marked "SM2 co-signed".

At the full size every scenario runs BENCH_ROUNDS times (default 3), the baselines and the paths in turn, each
round with fresh codes: a path's ratio is the median over the rounds of (the signed-in baseline's CPU ms in that round
÷ the path's), so one noisy round moves neither side alone; the table ends with the issue's goals, met or not.

Knobs: BENCH_CITIZENS, BENCH_SMALL, BENCH_SECONDS (per scenario, default 10), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 16),
BENCH_RESULTS (the directory for the table, default bench/results; `make test`'s small run writes elsewhere),
BENCH_SM2 (default 1; 0 leaves out the co-signed rows), BENCH_ONLY (a comma list of scenario names: only those, their
floors and the baselines, are measured). A "floor: …" row is a bare authenticated DRF view doing only the work that path
cannot avoid (portal.views.BenchShowFloorApi, BenchVerifyFloorApi, BenchCheckFloorApi): what any implementation of it on this stack costs.
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime as dt
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")  # only to read the demo sign-ins; the stack has its own env

import django  # noqa: E402

django.setup()

from devtools.stack import ROOT, VENV_BIN, Stack  # noqa: E402
from portal.management.commands.seed_demo import DEMO_PEOPLE  # noqa: E402

CITIZENS = int(os.environ.get("BENCH_CITIZENS", 1_000_000))
SMALL = min(int(os.environ.get("BENCH_SMALL", 10_000)), CITIZENS)
SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", 3)))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 16))
RESULTS = Path(os.environ.get("BENCH_RESULTS") or Path(__file__).resolve().parent / "results")
PEOPLE = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
CITIZEN_KEYS = ["citizen", "legal_rep", "agent", "reviewer", "item_admin", "auditor", "venue_manager"]
HOT = ("show a health pass", "verify a health pass (checkpoint)", "show a credential (sign a 亮证 QR)", "verify a credential (clerk)",
       "list the catalogue (anonymous)", "resolve a 鲁通码")
SIGNED = HOT[:4]  # measured again with SM2 co-signatures on
AUTH, ANON = "baseline: bare authenticated DRF view", "baseline: bare unauthenticated DRF view"
# Issue 25's goals: (scenario, the baseline it is measured against, the least ratio of the baseline's CPU ms to its own)
GOALS = [(AUTH, ANON, 0.8), ("show a health pass", AUTH, 0.85), ("verify a health pass (checkpoint)", AUTH, 0.7),
         ("show a credential (sign a 亮证 QR)", AUTH, 0.7), ("verify a credential (clerk)", AUTH, 0.6),
         ("list the catalogue (anonymous)", ANON, 1.0), ("submit an application (秒批 item)", AUTH, 0.1)]
SM2 = os.environ.get("BENCH_SM2", "1") != "0"
TICK = os.sysconf("SC_CLK_TCK")
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}


def wanted(name: str) -> bool:
    """Measured in this run: every scenario, or with BENCH_ONLY the named ones, their floors and the baselines."""
    return not ONLY or name in ONLY or name.startswith("baseline") or name.removeprefix("floor: ") in ONLY


def worker_pids(stack: Stack) -> list[int]:
    return [int(pid) for pid in subprocess.run(["pgrep", "-P", str(stack.procs["web"].pid)], capture_output=True, text=True).stdout.split()]


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of proc(5))
    return total


def other_pids(stack: Stack) -> dict[str, list[int]]:
    """The processes beside the web workers that a request's work reaches on the same cores: the journal's consumer (it writes
    each check record to PostgreSQL), PostgreSQL (the primary's postmaster and its backends), Redis."""
    def tree(pid: int) -> list[int]:
        return [pid, *(int(c) for c in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split())]
    groups = {name: tree(stack.procs[name].pid) for name in ("journal", "redis") if name in stack.procs}
    postmaster = stack.tmp / "pg" / "postmaster.pid"
    if postmaster.exists():
        groups["postgres"] = tree(int(postmaster.read_text().split()[0]))
    return groups


def _ticks_alive(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += cpu_ticks([pid])
        except (FileNotFoundError, ProcessLookupError):  # a backend that has left
            pass
    return total


def wrk(stack: Stack, name: str, lines, seconds: int = SECONDS) -> dict:
    """``lines``: the requests, or a function that makes them just before the run (codes that live a minute)."""
    lines = lines() if callable(lines) else lines
    path = Path(tempfile.mkstemp(prefix="bench-", suffix=".tsv")[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pids = worker_pids(stack)
    others = other_pids(stack)
    before = {group: _ticks_alive(members) for group, members in others.items()}
    ticks = cpu_ticks(pids)
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench" / "wrk.lua"), stack.url, "--", str(path)],
                         capture_output=True, text=True, check=True).stdout
    used = cpu_ticks(pids) - ticks
    beside = {group: _ticks_alive(members) - before[group] for group, members in others.items()}  # a backend that left takes its ticks along
    path.unlink()
    total = int(re.search(r"(\d+) requests in", out).group(1))
    statuses = {int(code): int(count) for code, count in re.findall(r"^status (\d+) (\d+)$", out, re.M)}
    return {"name": name, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
            "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)), "requests": total, "cpu_ms": used * 1000 / TICK / max(total, 1),
            "errors": {code: count for code, count in statuses.items() if not 200 <= code < 400}, "rss": worker_resident(pids),
            "beside_ms": {group: spent * 1000 / TICK / max(total, 1) for group, spent in beside.items()}}


def beside_text(row: dict) -> str:
    return ", ".join(f"{group} {ms:.2f}" for group, ms in row.get("beside_ms", {}).items())


def worker_resident(pids: list[int]) -> int:
    """The largest resident memory (VmRSS, MiB) among the workers after a scenario: what each scenario leaves behind."""
    return max(int(re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) // 1024 for pid in pids)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def sign_in_bench(stack: Stack, count: int = 60, workers: int = 8) -> dict:
    """Password sign-in (Argon2id, by design slow) — measured with threads rather than wrk."""
    def one(_):
        started = time.perf_counter()
        stack.sign_in(PEOPLE[CITIZEN_KEYS[_ % len(CITIZEN_KEYS)]])
        return (time.perf_counter() - started) * 1000

    pids = worker_pids(stack)
    ticks = cpu_ticks(pids)
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        latencies = sorted(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    return {"name": "sign in (ID number + password)", "rps": count / elapsed, "p50": statistics.median(latencies),
            "p99": latencies[int(len(latencies) * 0.99) - 1], "errors": {}, "requests": count,
            "cpu_ms": (cpu_ticks(pids) - ticks) * 1000 / TICK / count, "rss": worker_resident(pids)}


def worker_peak_memory(stack: Stack) -> list[int]:
    return [int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) // 1024 for pid in worker_pids(stack)]


def worker_memory_by_file(stack: Stack, top: int = 8) -> str:
    """Where a worker's resident memory is: Rss per mapped file (the native libraries and their
    packages) and the anonymous heap — to find what grew when the peak does."""
    pid = worker_pids(stack)[0]
    sizes, current = collections.Counter(), "[heap]"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            path = fields[5] if len(fields) > 5 else "[anonymous]"
            current = re.sub(r"^.*/site-packages/([^/]+)/.*$", r"\1", path) if "/site-packages/" in path else path.rsplit("/", 1)[-1]
        elif fields and fields[0] == "Rss:":
            sizes[current] += int(fields[1])
    return ", ".join(f"{name} {kib / 1024:.0f} MiB" for name, kib in sizes.most_common(top) if kib >= 1024)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    import glob

    pg = subprocess.run([f"{sorted(glob.glob('/usr/lib/postgresql/*/bin'))[-1]}/postgres", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB RAM, {platform.platform()}, Python {platform.python_version()}, {pg}, wrk on the same cores"


def load(stack: Stack, count: int, offset: int, notes: list[str]) -> None:
    started = time.perf_counter()
    done = subprocess.run([str(VENV_BIN / "python"), "bench/load_citizens.py", str(count), str(offset)], cwd=ROOT,
                          env={**stack.env, "DATABASE_URL": stack.direct_url}, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stdout + done.stderr)
    notes.append(f"Loading citizens {offset:,}–{offset + count - 1:,} (population records, accounts, ID-card credentials, 1 % test results, "
                 f"every health status): **{time.perf_counter() - started:.0f} s** —\n\n```\n{done.stdout.strip()}\n```")


def match_benefits(stack: Stack) -> dict:
    """免申即享: match a policy at all the people loaded, beside count(*) on the same table (bench/match_benefits.py)."""
    import json

    done = subprocess.run([str(VENV_BIN / "python"), "bench/match_benefits.py"], cwd=ROOT, env={**stack.env, "DATABASE_URL": stack.direct_url},
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stdout + done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def redis_facts(stack: Stack) -> dict:
    """Redis's own figures (INFO): its memory and the AOF rewrites it forked — a rewrite during a scenario competes
    with the workers for the two cores."""
    reply = subprocess.run(["redis-cli", "-p", str(stack.redis_port), "INFO"], capture_output=True, text=True).stdout
    info = dict(line.split(":", 1) for line in reply.splitlines() if ":" in line and not line.startswith("#"))
    return {key: info.get(key, "?").strip() for key in ("used_memory_human", "aof_rewrites", "aof_current_size", "total_commands_processed",
                                                         "evicted_keys", "db0")}


def redis_line(before: dict, after: dict) -> str:
    return (f"Redis during the scenarios at the full size: {int(after['aof_rewrites']) - int(before['aof_rewrites'])} AOF rewrite(s) forked, "
            f"memory {before['used_memory_human']} → {after['used_memory_human']}, AOF {int(after['aof_current_size']) / 2**20:,.0f} MiB, "
            f"{int(after['evicted_keys']):,} keys evicted, keyspace {after['db0']}")


def settle(stack: Stack, limit: float | None = 120) -> float:
    """Wait until the work the last scenario queued is done — the 秒批 tasks on the interactive and notify queues,
    the check journal's backlog — so the next one is measured on a quiet box, not beside the last one's leftovers
    (the submit scenario leaves hundreds of tasks that would otherwise run during the next round's baselines).
    Seconds waited; at most ``limit``."""
    started = time.perf_counter()
    while limit is None or time.perf_counter() - started < limit:
        queued = [subprocess.run(["redis-cli", "-p", str(stack.redis_port), "LLEN", queue], capture_output=True, text=True).stdout.strip()
                  for queue in ("interactive", "notify")]
        if all(length in ("0", "") for length in queued) and not journal_backlog(stack):
            break
        time.sleep(0.2)
    return time.perf_counter() - started


def journal_backlog(stack: Stack) -> int:
    reply = subprocess.run(["redis-cli", "-p", str(stack.redis_port), "XLEN", "qilu:journal"], capture_output=True, text=True).stdout.strip()
    return int(reply or 0)


def check_lag(stack: Stack, tokens: dict, lines: list[str]) -> tuple[dict, float, float]:
    """Verify passes under load; halfway, one more check of a pass the load does not check (the clerk's: the
    load checks the citizens', whose newer checks would push this one off the first page of their list within
    a fraction of a second — a run once measured "inf" so): how long until its holder sees it in "who used
    my data"; and how long after the load the journal is empty."""
    holder = tokens["clerk"]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        running = pool.submit(wrk, stack, "verify a health pass (checkpoint)", lines)
        time.sleep(SECONDS / 2)
        payload = stack.get("/api/v1/health/pass/", token=holder)[1]["payload"]
        place = f"lag-{time.time_ns()}"
        stack.post("/api/v1/health/checks/", {"payload": payload, "place": place}, token=tokens["checkpoint"])
        started = time.perf_counter()
        seen = None
        while time.perf_counter() - started < 30:
            uses = stack.get("/api/v1/me/audit-events/?by_others=1", token=holder)[1]["results"]
            if any(use["detail"].get("place") == place for use in uses):
                seen = time.perf_counter() - started
                break
            time.sleep(0.05)
        result = running.result()
    ended = time.perf_counter()
    while journal_backlog(stack) and time.perf_counter() - ended < 60:
        time.sleep(0.05)
    return result, seen if seen is not None else float("inf"), time.perf_counter() - ended


def instant_approval_during_recompute(stack: Stack, token: str, application: str) -> tuple[float, float, str]:
    """秒批 while every status is recomputed on the bulk queue: seconds to completion, the recompute's,
    and where the time went (the submit request, then each step of the timeline)."""
    import json

    import psycopg

    # The submit scenario leaves hundreds of 秒批 tasks queued: let the interactive worker drain them first,
    # so what is measured is the recompute's effect, not the benchmark's own backlog.
    settle(stack, limit=None)
    stack.manage("shell", "-c", "from healthcode.services import recompute_start\nfrom core.usecases import SYSTEM\n"
                 "from django.db import transaction\nwith transaction.atomic():\n    recompute_start(actor=SYSTEM, reason='bench')\n")
    recompute_started = time.perf_counter()
    db = psycopg.connect(stack.direct_url, autocommit=True)
    while db.execute("SELECT state FROM healthcode_recomputejob ORDER BY id DESC LIMIT 1").fetchone()[0] == "queued":
        time.sleep(0.05)
    body = json.loads(application.replace("__IDEM__", ""))
    started = time.perf_counter()
    number = stack.post("/api/v1/applications/", body, token=token, headers={"Idempotency-Key": f"recompute-{time.time_ns()}"})[1]["number"]
    posted = time.perf_counter() - started
    while (shown := stack.get(f"/api/v1/applications/{number}/", token=token)[1])["status"] != "completed" and time.perf_counter() - started < 60:
        time.sleep(0.05)
    approval = time.perf_counter() - started
    steps = [(dt.datetime.fromisoformat(step["created_at"].replace("Z", "+00:00")), step["to_status"]) for step in shown["timeline"]]
    trail = f"submit request {posted:.2f} s; " + ", ".join(f"{to} +{(at - steps[0][0]).total_seconds():.2f} s" for at, to in steps)
    while (state := db.execute("SELECT state FROM healthcode_recomputejob ORDER BY id DESC LIMIT 1").fetchone()[0]) not in ("done", "failed") \
            and time.perf_counter() - recompute_started < 600:
        time.sleep(0.2)
    if state != "done":
        raise RuntimeError(f"the recompute ended {state!r}, not done")
    elapsed = time.perf_counter() - recompute_started
    chunks, changed = db.execute("SELECT chunks_total, changed FROM healthcode_recomputejob ORDER BY id DESC LIMIT 1").fetchone()
    # Same rules, same data: a rerun writes no row (only changed statuses are written); a new rule version writes all (bench/recompute.py).
    return approval, elapsed, f"{trail}; the recompute ran {chunks} chunks on the bulk worker's processes and changed {changed:,} statuses"


def lutong_codes(stack: Stack, count: int) -> list[str]:
    """``count`` fresh 鲁通码 of the demo citizens, signed by the stack's own key (a code lives at most
    60 s and reads once, so they are made just before the run, in one process rather than by requests)."""
    script = ("from identity.models import User, id_number_index\nfrom lutong.services import code_show\n"
              f"people = list(User.objects.filter(id_number_index__in=[id_number_index(n) for n in {[PEOPLE[k] for k in CITIZEN_KEYS]!r}]))\n"
              f"print('\\n'.join(code_show(user=people[i % len(people)]).payload for i in range({count})))")
    return [line for line in stack.manage("shell", "-c", script).stdout.splitlines() if line.startswith("QL1:")]


def lutong_lines(stack: Stack):
    """A hospital's registration terminal (an optional scenario: the holder's switch is read; two
    credential types answered) resolving fresh codes. wrk's second thread starts 100,003 requests into
    the list: the count puts it half-way, so the two threads read different codes (a replay is cheaper)."""
    import json

    from lutong.demo import DEMO_TERMINAL_SECRET

    wanted = SECONDS * 3000
    count = 200_006 // (2 * max(0, (200_006 // wanted - 1) // 2) + 1)
    auth = f"Bearer demo-lt-hospital-registration.{DEMO_TERMINAL_SECRET}"
    return lambda: [f"POST\t/api/v1/lutong/resolve/\t{auth}\t{json.dumps({'code': code, 'transport': 'qr'})}" for code in lutong_codes(stack, count)]


def scenarios(stack: Stack, tokens: dict) -> tuple[list[tuple[str, list[str]]], str]:
    import json

    citizen = tokens["citizen"]
    # 亮证 is shown by the legal representative (the demo's other licence holder), not by the citizen who submits: every
    # 秒批 result lands in the applicant's wallet (~600 a submit run), and with rounds the show path would be measured on
    # a wallet grown by each round — show's cost grows with the wallet (docs/scaling.md), a finding of its own.
    shower = tokens["legal_rep"]
    passes = [stack.get("/api/v1/health/pass/", token=tokens[key])[1]["payload"] for key in CITIZEN_KEYS]
    wallet = stack.get("/api/v1/wallet/", token=shower)[1]
    licence = next(c["identifier"] for c in wallet if c["type"] == "driving_licence")
    presentations = [stack.post(f"/api/v1/wallet/{licence}/presentations/", {"disclose": ["licence_class"]}, token=shower)[1]["payload"]
                     for _ in range(300)]
    form = stack.get("/api/v1/items/JT-001/form/", token=citizen)[1]
    data = {f["key"]: f["value"] for f in form["fields"]} | {"seats": "5"}
    application = json.dumps({"item": "JT-001", "data": data}, ensure_ascii=False)
    disclose = json.dumps({"disclose": ["licence_class"]})
    return [
        ("baseline: bare Django view", ["GET\t/bench/bare\t\t"]),
        ("baseline: bare unauthenticated DRF view", ["GET\t/bench/drf-anon\t\t"]),
        ("baseline: bare authenticated DRF view", [f"GET\t/bench/drf\t{tokens[k]}\t" for k in CITIZEN_KEYS]),
        ("show a health pass", [f"GET\t/api/v1/health/pass/\t{tokens[k]}\t" for k in CITIZEN_KEYS]),
        ("verify a health pass (checkpoint)", [f"POST\t/api/v1/health/checks/\t{tokens['checkpoint']}\t{json.dumps({'payload': p})}" for p in passes]),
        ("show a credential (sign a 亮证 QR)", [f"POST\t/api/v1/wallet/{licence}/presentations/\t{shower}\t{disclose}"]),
        ("verify a credential (clerk)", [f"POST\t/api/v1/verifications/\t{tokens['clerk']}\t{json.dumps({'payload': p})}" for p in presentations]),
        # The paths' floors (portal.views.BenchShowFloorApi, BenchVerifyFloorApi, BenchCheckFloorApi): only the work each cannot avoid
        ("floor: show a credential (sign a 亮证 QR)", [f"POST\t/bench/floor-show/{licence}\t{shower}\t{disclose}"]),
        ("floor: verify a credential (clerk)", [f"POST\t/bench/floor-verify\t{tokens['clerk']}\t{json.dumps({'payload': p})}" for p in presentations]),
        ("floor: verify a health pass (checkpoint)", [f"POST\t/bench/floor-check\t{tokens['checkpoint']}\t{json.dumps({'payload': p})}" for p in passes]),
        ("list the catalogue (anonymous)", ["GET\t/api/v1/items/\t\t", "GET\t/api/v1/items/?q=%E9%A9%BE%E9%A9%B6%E8%AF%81\t\t"]),
        ("submit an application (秒批 item)", [f"POST\t/api/v1/applications/\t{citizen}\t{application}__IDEM__"]),
        ("resolve a 鲁通码", lutong_lines(stack)),
    ], application


def cosigned(stack: Stack, tokens: dict) -> list[dict]:
    """The signed rows with ``QILU_SM2_COSIGN`` on: every 亮证 code carries an SM2 countersignature and
    every health pass the JWS JSON General form with ES256 and SM2; checkpoints and clerks check both."""
    stack.env["QILU_SM2_COSIGN"] = "true"
    stack.manage("signing_keys", "ensure")
    web = stack.procs.pop("web")
    os.killpg(web.pid, signal.SIGTERM)
    web.wait(15)
    stack.start_web()
    planned, _application = scenarios(stack, tokens)  # passes and codes made with the co-signature
    rows = []
    for name, lines in planned:
        if name in SIGNED:
            rows.append(wrk(stack, f"{name}, SM2 co-signed", lines))
            print(f"[{CITIZENS:,}] {rows[-1]['name']}: {rows[-1]['rps']:.0f} req/s, {rows[-1]['cpu_ms']:.2f} CPU ms", flush=True)
    return rows


def database_server_errors(stack: Stack) -> collections.Counter:
    """ERROR/FATAL lines from PostgreSQL (primary and replica) and PgBouncer, by message: what a 503 was."""
    counts = collections.Counter()
    for path in (stack.tmp / "pgrun" / "pg.log", stack.tmp / "pgrun" / "replica.log", stack.tmp / "pgbouncer" / "pgbouncer.log"):
        if path.exists():
            lines = path.read_text(errors="replace").splitlines()
            for number, line in enumerate(lines):
                if "ERROR:" in line or "FATAL:" in line:
                    what = re.split(r"ERROR:|FATAL:", line, maxsplit=1)[1].strip()[:140]
                    # a deadlock's CONTEXT names the relation it waited on ("while locking tuple (0,16) in relation ...")
                    context = next((following.split("CONTEXT:", 1)[1].strip()[:100] for following in lines[number + 1:number + 6]
                                    if "CONTEXT:" in following), "")
                    counts[f"{path.stem}: {what}" + (f" ({context})" if context else "")] += 1
                elif "closing because" in line and "client close request" not in line:  # PgBouncer refusing a client
                    counts[f"{path.stem}: {line.split('closing because', 1)[1].strip()[:140]}"] += 1
    return counts


def _stop_on_term(signum, _frame) -> None:
    """SIGTERM (a timeout, a Ctrl-C'd ``make``) unwinds main, whose ``finally`` stops the stack; a second is ignored meanwhile."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_term)
    stack = Stack()
    stack.env.update({"QILU_BENCH": "true", "GUNICORN_WORKERS": "2", "GUNICORN_ACCESS_LOG": "", "GUNICORN_MAX_REQUESTS": "0", "LOG_LEVEL": "WARNING",
                      "QILU_HEALTH_PASS_TTL": "3600", "QILU_PRESENTATION_TTL": "600", "DB_CONN_MAX_AGE": "600"})
    results, small, notes, facts = [], [], [], {}
    try:
        stack.start_postgres()
        stack.create_database()
        stack.start_replica()
        stack.start_pgbouncer()
        stack.start_redis()
        for args in (["migrate", "--no-input"], ["collectstatic", "--no-input"], ["signing_keys", "ensure"]):
            stack.manage(*args)
        stack.manage("seed_demo", "--citizens", "0", "--quiet", env={"QILU_ENV": "test"})  # the harness's data, as devtools.stack: seed_demo refuses prod
        load(stack, SMALL, 0, notes)
        stack.start_web()
        stack.start_worker()
        stack.start_journal()
        stack.start_search()
        tokens = {key: stack.sign_in(PEOPLE[key]) for key in [*CITIZEN_KEYS, "clerk", "checkpoint"]}
        planned, _application = scenarios(stack, tokens)
        for name, lines in planned:
            if (name in HOT or name.startswith("baseline")) and wanted(name):
                small.append(wrk(stack, name, lines))
                print(f"[{SMALL:,}] {name}: {small[-1]['rps']:.0f} req/s, {small[-1]['cpu_ms']:.2f} CPU ms", flush=True)
        if CITIZENS > SMALL:
            load(stack, CITIZENS - SMALL, SMALL, notes)
        rounds: list[dict] = []
        redis_before = redis_facts(stack)
        waited = 0.0
        for number in range(ROUNDS):
            planned, application = scenarios(stack, tokens)  # fresh passes and presentations each round
            measured = {}
            for name, lines in planned:
                if not wanted(name):
                    continue
                waited += settle(stack)
                if name == "verify a health pass (checkpoint)" and number == 0:
                    measured[name], facts["seen"], facts["drained"] = check_lag(stack, tokens, lines)
                else:
                    measured[name] = wrk(stack, name, lines)
                print(f"[{CITIZENS:,}, round {number + 1}/{ROUNDS}] {name}: {measured[name]['rps']:.0f} req/s, "
                      f"{measured[name]['cpu_ms']:.2f} CPU ms (beside, per request: {beside_text(measured[name])})", flush=True)
            rounds.append(measured)
        results += combine(rounds)
        notes.append(redis_line(redis_before, redis_facts(stack)))
        notes.append(f"Before each scenario at the full size the bench waited for the queues and the journal to empty: {waited:.0f} s in all.")
        refusals = collections.Counter(line.split("database unavailable: ", 1)[1][:160] for line in stack.log("web").splitlines()
                                       if "database unavailable: " in line)
        if refusals:
            notes.append("Database errors answered 503 during the run: " + "; ".join(f"{count}× {what}" for what, count in refusals.most_common()))
        server_errors = database_server_errors(stack)
        if server_errors:
            notes.append("Errors the database servers and the pooler logged during the scenarios: "
                         + "; ".join(f"{count}× {what}" for what, count in server_errors.most_common(8)))
        if wanted("sign in (ID number + password)"):
            results.append(sign_in_bench(stack))
        if not ONLY:  # the whole-run figures: only in a full run
            facts["benefits"] = match_benefits(stack)
        facts["peaks"] = worker_peak_memory(stack)
        facts["memory"] = worker_memory_by_file(stack)
        if not ONLY:
            facts["approval"], facts["recompute"], facts["trail"] = instant_approval_during_recompute(stack, tokens["citizen"], application)
        if SM2 and not ONLY:
            results += cosigned(stack, tokens)
    finally:
        stack.stop()
    write(results, small, notes, facts)


def combine(rounds: list[dict]) -> list[dict]:
    """One row per scenario from its rounds: the median of each figure, the errors summed, and the median over
    the rounds of each baseline's CPU ms ÷ the scenario's in that same round ("cpu_vs")."""
    rows = []
    for name, first in rounds[0].items():
        runs = [measured[name] for measured in rounds]
        row = {**first, **{key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p99", "cpu_ms")},
               "rss": max(run["rss"] for run in runs), "rounds": [run["cpu_ms"] for run in runs],
               "errors": dict(sum((collections.Counter(run["errors"]) for run in runs), collections.Counter())),
               "beside_ms": {group: statistics.median(run.get("beside_ms", {}).get(group, 0.0) for run in runs) for group in first.get("beside_ms", {})}}
        row["cpu_vs"] = {base: statistics.median(measured[base]["cpu_ms"] / max(measured[name]["cpu_ms"], 1e-9) for measured in rounds)
                         for base in (AUTH, ANON) if base in rounds[0]}
        rows.append(row)
    return rows


def goals_lines(results: list[dict]) -> list[str]:
    """Issue 25's goals against this run: the CPU ratio (the gunicorn workers' CPU per request, the median of the
    rounds' ratios) decides; the req/s ratio beside it also carries what the other processes on the two cores cost."""
    by_name = {r["name"]: r for r in results}
    lines = ["", f"Goals (issue 25): the baseline's CPU ms ÷ the path's, the median of {ROUNDS} round(s) measured in turn "
             "(each round's ratios in brackets); req/s ratio beside.", "",
             "| scenario | against | CPU ratio | goal | met | req/s ratio | its floor's CPU ratio |", "|---|---|---:|---:|---|---:|---:|"]
    for name, base, goal in GOALS:
        row = by_name.get(name)
        if row is None or base not in row.get("cpu_vs", {}):
            continue
        each = " ".join(f"{by_name[base]['rounds'][i] / max(cpu, 1e-9):.2f}" for i, cpu in enumerate(row["rounds"])) if base in by_name else ""
        ratio = round(row["cpu_vs"][base], 2)  # met or not as printed: 0.6996 is shown 0.70 and meets 0.7, as a reader reads it
        floor = by_name.get(f"floor: {name}", {}).get("cpu_vs", {}).get(base)  # what any implementation of the path costs here
        lines.append(f"| {name} | {base.removeprefix('baseline: ')} | {ratio:.2f} ({each}) | {goal} | {'yes' if ratio >= goal else 'no'} | "
                     f"{row['rps'] / by_name[base]['rps']:.2f} | {f'{floor:.2f}' if floor is not None else ''} |")
    return lines


def benefits_line(b: dict) -> str:
    return (f"- 免申即享: match a policy at {b['people']:,} people: `count(*)` of the population base **{b['count_s']:.2f} s**; the matching "
            f"statement alone (INSERT … SELECT … ON CONFLICT, rolled back) **{b['sql_s']:.2f} s** for {b['matched']:,} matches "
            f"(**{b['sql_s'] / b['count_s']:.1f}×** count(*)); the whole match_run (notices, audit events, encrypted evidence) "
            f"**{b['full_s']:.2f} s** for {b['inserted']:,} new entitlements; a rerun inserted {b['rerun_inserted']} in {b['rerun_s']:.2f} s; "
            f"a day's delta ({b['changed']:,} records changed, half deaths) **{b['delta_s']:.2f} s**: {b['delta_inserted']} new, "
            f"{b['delta_revoked']} revoked, {b['delta_queued']} to a person.")


def write(results: list[dict], small: list[dict], notes: list[str], facts: dict) -> None:
    floor = next(r for r in results if r["name"] == "baseline: bare unauthenticated DRF view")
    drf = next(r for r in results if r["name"] == "baseline: bare authenticated DRF view")
    at_small = {r["name"]: r for r in small}
    lines = [f"# Benchmarks {dt.datetime.now():%Y-%m-%d %H:%M}", "", f"Machine: {machine()}.", "",
             f"Stack: gunicorn sync ×2 → PgBouncer (transaction pooling) → PostgreSQL primary + streaming replica, Redis, Celery workers per queue, "
             f"the check journal's consumer, QILU_ENV=prod; wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, {ROUNDS} round(s) in turn (medians); "
             f"{CITIZENS:,} citizens loaded "
             f"(the last column: the same path with {SMALL:,}, in the same run). CPU ms: the gunicorn workers' user + system time per request.", "",
             "| scenario | req/s | p50 ms | p99 ms | CPU ms/req | non-2xx | vs bare DRF (auth) | vs bare DRF (anon) | at 1M vs at 10k | worker RSS, MiB |",
             "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
    for r in results:
        errors = ", ".join(f"{code}×{count}" for code, count in sorted(r["errors"].items())) or "0"
        scale = f"{r['rps'] / at_small[r['name']]['rps']:.2f}" if r["name"] in at_small else ""
        lines.append(f"| {r['name']} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['cpu_ms']:.2f} | {errors} | {r['rps'] / drf['rps']:.2f} | "
                     f"{r['rps'] / floor['rps']:.2f} | {scale} | {r['rss']} |")
    lines += ["", f"With {SMALL:,} citizens:", "", "| scenario | req/s | CPU ms/req |", "|---|---:|---:|"]
    lines += [f"| {r['name']} | {r['rps']:,.0f} | {r['cpu_ms']:.2f} |" for r in small]
    lines += goals_lines(results)
    lines += [""]
    if "seen" in facts:
        lines.append(f"- Check records: under the verify-a-pass load, the holder saw a new check in \"who used my data\" after **{facts['seen']:.2f} s**; "
                     f"the journal was empty {facts['drained']:.2f} s after the load stopped.")
    if "approval" in facts:
        lines += [f"- A 秒批 application completed in **{facts['approval']:.2f} s** while all {CITIZENS:,} statuses were recomputed on the bulk queue; "
                  f"the recompute took **{facts['recompute']:.0f} s**. Where the time went: {facts['trail']}.", benefits_line(facts["benefits"])]
    beside = [r for r in results if r.get("beside_ms", {}).get("journal", 0) >= 0.05]
    if beside:  # what a path's records cost after its answer: on the same two cores, outside the workers' CPU ms
        lines.append("- CPU per request beside the workers' (median of the rounds), in the other processes the path's work reaches: "
                     + "; ".join(f"{r['name']}: {beside_text(r)} ms" for r in beside) + ".")
    if ONLY:
        lines.append(f"- Only these scenarios and the baselines (BENCH_ONLY): {', '.join(sorted(ONLY))}.")
    lines += [f"- Peak memory per gunicorn worker (VmHWM): {', '.join(f'{p} MiB' for p in facts['peaks'])}; "
              f"resident in one worker, by mapped file: {facts['memory']}.",
              "- \"verify a credential\" replays 300 presentations: after the first pass each answers `already_used` — the same signature check, "
              "presentation read (from Redis), one-time check and check record as a first scan.",
              *[f"- {note}" for note in notes], ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{dt.datetime.now():%Y-%m-%d-%H%M}-{platform.node() or 'host'}.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
