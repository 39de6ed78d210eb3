"""`make bench`: start the production stack on loopback (gunicorn sync ×2, Celery, PostgreSQL, Redis,
QILU_ENV=prod), load BENCH_CITIZENS citizens (default 1,000,000), then measure each hot path with wrk
beside two baselines measured in the same run on the same stack — a bare Django view and a bare
authenticated DRF view — and write a Markdown table to bench/results/.

Knobs: BENCH_CITIZENS, BENCH_SECONDS (per scenario, default 10), BENCH_CONNECTIONS (default 16).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
import platform
import re
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
SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 16))
PEOPLE = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
CITIZEN_KEYS = ["citizen", "legal_rep", "agent", "reviewer", "item_admin", "auditor", "venue_manager"]


def wrk(stack: Stack, name: str, lines: list[str]) -> dict:
    path = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".tsv")[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", str(ROOT / "bench" / "wrk.lua"), stack.url, "--", str(path)],
                         capture_output=True, text=True, check=True).stdout
    path.unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"name": name, "rps": rps, "p50": p50, "p99": p99, "errors": int(errors.group(1)) if errors else 0, "requests": total}


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def sign_in_bench(stack: Stack, count: int = 60, workers: int = 8) -> dict:
    """Password sign-in (PBKDF2, by design slow) — measured with threads rather than wrk."""
    def one(_):
        started = time.perf_counter()
        stack.sign_in(PEOPLE[CITIZEN_KEYS[_ % len(CITIZEN_KEYS)]])
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        latencies = sorted(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    return {"name": "sign in (ID number + password)", "rps": count / elapsed, "p50": statistics.median(latencies),
            "p99": latencies[int(len(latencies) * 0.99) - 1], "errors": 0, "requests": count}


def worker_peak_memory(stack: Stack) -> list[int]:
    master = stack.procs["web"].pid
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) // 1024)
    return peaks


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    import glob

    pg = subprocess.run([f"{sorted(glob.glob('/usr/lib/postgresql/*/bin'))[-1]}/postgres", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB RAM, {platform.platform()}, Python {platform.python_version()}, {pg}, wrk on the same cores"


def main() -> None:
    stack = Stack()
    stack.env.update({"QILU_BENCH": "true", "GUNICORN_WORKERS": "2", "GUNICORN_ACCESS_LOG": "", "LOG_LEVEL": "WARNING", "QILU_HEALTH_PASS_TTL": "3600",
                      "QILU_PRESENTATION_TTL": "600", "DB_CONN_MAX_AGE": "600"})
    results, notes = [], []
    try:
        stack.start_postgres()
        stack.create_database()
        stack.start_replica()
        stack.start_pgbouncer()
        stack.start_redis()
        for args in (["migrate", "--no-input"], ["collectstatic", "--no-input"], ["signing_keys", "ensure"], ["seed_demo", "--citizens", "0", "--quiet"]):
            stack.manage(*args)
        started = time.perf_counter()
        load = subprocess.run([str(VENV_BIN / "python"), "bench/load_citizens.py", str(CITIZENS)], cwd=ROOT, env=stack.env, capture_output=True, text=True)
        if load.returncode:
            raise RuntimeError(load.stdout + load.stderr)
        load_seconds = time.perf_counter() - started
        notes.append(f"Loading {CITIZENS:,} citizens (population records, accounts, ID-card credentials, 1 % test results, every health status): "
                     f"**{load_seconds:.0f} s** in total —\n\n```\n{load.stdout.strip()}\n```")
        stack.start_web()
        stack.start_worker()

        tokens = {key: stack.sign_in(PEOPLE[key]) for key in [*CITIZEN_KEYS, "clerk", "checkpoint"]}
        citizen = tokens["citizen"]
        passes = [stack.get("/api/v1/health/pass/", token=tokens[key])[1]["payload"] for key in CITIZEN_KEYS]
        wallet = stack.get("/api/v1/wallet/", token=citizen)[1]
        licence = next(c["identifier"] for c in wallet if c["type"] == "driving_licence")
        presentations = [stack.post(f"/api/v1/wallet/{licence}/presentations/", {"disclose": ["licence_class"]}, token=citizen)[1]["payload"]
                         for _ in range(300)]
        form = stack.get("/api/v1/items/JT-001/form/", token=citizen)[1]
        data = {f["key"]: f["value"] for f in form["fields"]} | {"seats": "5"}
        import json

        application = json.dumps({"item": "JT-001", "data": data}, ensure_ascii=False)
        disclose = json.dumps({"disclose": ["licence_class"]})

        scenarios = [
            ("baseline: bare Django view", ["GET\t/bench/bare\t\t"]),
            ("baseline: bare authenticated DRF view", [f"GET\t/bench/drf\t{tokens[k]}\t" for k in CITIZEN_KEYS]),
            ("show a health pass", [f"GET\t/api/v1/health/pass/\t{tokens[k]}\t" for k in CITIZEN_KEYS]),
            ("verify a health pass (checkpoint)", [f"POST\t/api/v1/health/checks/\t{tokens['checkpoint']}\t{json.dumps({'payload': p})}" for p in passes]),
            ("show a credential (sign a 亮证 QR)", [f"POST\t/api/v1/wallet/{licence}/presentations/\t{citizen}\t{disclose}"]),
            ("verify a credential (clerk)", [f"POST\t/api/v1/verifications/\t{tokens['clerk']}\t{json.dumps({'payload': p})}" for p in presentations]),
            ("list the catalogue", [f"GET\t/api/v1/items/\t{citizen}\t", f"GET\t/api/v1/items/?q=%E9%A9%BE%E9%A9%B6%E8%AF%81\t{citizen}\t"]),
            ("submit an application (秒批 item)", [f"POST\t/api/v1/applications/\t{citizen}\t{application}__IDEM__"]),
        ]
        for name, lines in scenarios:
            results.append(wrk(stack, name, lines))
            print(f"{name}: {results[-1]['rps']:.0f} req/s", flush=True)
        results.append(sign_in_bench(stack))
        peaks = worker_peak_memory(stack)
        notes.append("\"verify a credential\" replays 300 presentations: after the first pass each answers `already_used` — the same "
                     "signature check, nonce update and check record as a first scan.")
        notes.append(f"Peak memory per gunicorn worker (VmHWM): {', '.join(f'{p} MiB' for p in peaks)}.")
    finally:
        stack.stop()
    write(results, notes)


def write(results: list[dict], notes: list[str]) -> None:
    drf = next(r for r in results if r["name"].startswith("baseline: bare authenticated DRF"))
    lines = [f"# Benchmarks {dt.datetime.now():%Y-%m-%d %H:%M}", "", f"Machine: {machine()}.", "",
             f"Stack: gunicorn sync ×2, PostgreSQL, Redis, QILU_ENV=prod; wrk -t2 -c{CONNECTIONS} -d{SECONDS}s; {CITIZENS:,} citizens loaded.", "",
             "| scenario | req/s | p50 ms | p99 ms | non-2xx | vs bare DRF |", "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['name']} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {r['rps'] / drf['rps']:.2f} |")
    lines += ["", *[f"- {note}" for note in notes], ""]
    out = ROOT / "bench" / "results" / f"{dt.datetime.now():%Y-%m-%d-%H%M}-{platform.node() or 'host'}.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
