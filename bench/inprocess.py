"""The bench's requests driven through the WSGI application in this process, no server and no wrk:
where a gunicorn worker's memory grows and where its CPU goes, scenario by scenario.

    QILU_ENV=test QILU_BENCH=true scripts/with-services.sh .venv/bin/python bench/inprocess.py [memory|profile SCENARIO] [N]

Loads the demo and 2,000 citizens into the database it is given (migrating it first), signs in the
bench's people, then per scenario of ``bench/run.py`` (``BENCH_ONLY`` narrows them) runs ``N``
requests (default 300) as a worker would serve them and prints the resident memory (VmRSS), the
peak (VmHWM) and the Python heap's growth (tracemalloc, with ``memory``: the top allocation sites
still alive; ``INPROCESS_TRACEMALLOC=0`` leaves them out); the last scenario is password sign-in (at
most 30, one Argon2id hash each), as ``bench/run.py`` measures it last. ``profile SCENARIO[,SCENARIO…]`` prints a cProfile of those scenarios' requests instead
(``INPROCESS_TIMER=cpu``: timed by the process's CPU time, not the wall clock, so waits on a crowded
machine's sockets do not hide where the CPU goes). ``rounds R N`` runs ``BENCH_ONLY``'s scenarios and the
signed-in baseline in turn, ``R`` rounds of ``N`` requests each, and prints their CPU ms and the ratio to
the baseline: the box's load falls on all of them alike. A named path's floor ("floor: …", ``bench/run.py``) runs
beside it, and the path's ratio to it is printed too.
"""

from __future__ import annotations

import cProfile
import gc
import io
import json
import os
import pstats
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("QILU_BENCH", "true")
os.environ.setdefault("QILU_TASKS_EAGER", "false")  # as the stack: tasks go to the broker, not run in the web process
os.environ.setdefault("QILU_PUBLIC_URL", "https://qilu.example.gov.cn")  # as the stack: no served-origin cache read per request
os.environ.setdefault("KNOWLEDGE_SEARCH_PROCESS", "true")  # as the stack: a worker asks the search process (none runs here: ?q= answers by substring)


def status(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024


class InProcess:
    """What ``bench/run.py`` asks of its stack (get, post, sign_in), answered by the WSGI app here."""

    staff_tokens: dict = {}

    def __init__(self):
        from portal.wsgi import application

        self.app = application

    def call(self, method: str, path: str, token: str = "", body: str = "", headers: dict | None = None):
        path, _, query = path.partition("?")
        raw = body.encode()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
                   "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw)), "HTTP_ACCEPT": "application/json",
                   "HTTP_HOST": "127.0.0.1:8000", "wsgi.input": io.BytesIO(raw), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False}
        if token.startswith("Bearer "):
            environ["HTTP_AUTHORIZATION"] = token
        elif token:
            environ["HTTP_X_SESSION_TOKEN"] = token
        for key, value in (headers or {}).items():
            environ["HTTP_" + key.upper().replace("-", "_")] = value
        answer = {}
        chunks = self.app(environ, lambda code, headers, exc_info=None: answer.update(code=int(code.split()[0])))
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return answer["code"], content

    def request(self, method, path, body=None, token=None, headers=None):
        code, content = self.call(method, path, token or "", json.dumps(body) if body is not None else "", headers)
        try:
            return code, json.loads(content), {}
        except ValueError:
            return code, content, {}

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, body or {}, **kwargs)

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        """A management command against the same database (the 鲁通码 scenario makes its codes with one)."""
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, capture_output=True, text=True)

    def sign_in(self, id_number: str, password: str = "Qilu-demo-2026") -> str:
        from devtools.stack import Stack

        return Stack.sign_in(self, id_number, password)

    def line(self, line: str, n: int) -> int:
        method, path, token, body = line.split("\t", 3)
        headers = {}
        if "__IDEM__" in body:
            headers["Idempotency-Key"] = f"inprocess-{time.time_ns()}-{n}"
            body = body.replace("__IDEM__", "")
        return self.call(method, path, token, body, headers)[0]


SIGN_IN = "sign in (ID number + password)"


def sign_in_status(app: InProcess, id_number: str) -> int:
    """One password sign-in as the app makes it (``bench/run.py``'s sign-in scenario): its status."""
    return app.call("POST", "/_allauth/app/v1/auth/login", body=json.dumps({"username": id_number, "password": "Qilu-demo-2026"}))[0]


def prepare() -> None:
    for args in (["migrate", "--no-input"], ["signing_keys", "ensure"], ["seed_demo", "--citizens", "0", "--quiet"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, capture_output=True)
    subprocess.run([sys.executable, "bench/load_citizens.py", "2000", "0"], cwd=ROOT, check=True, capture_output=True)


def run(mode: str, only: str, n: int) -> None:
    import django

    django.setup()
    from bench.run import CITIZEN_KEYS, PEOPLE, scenarios

    app = InProcess()
    app.get("/healthz")
    print(f"after start: VmRSS {status('VmRSS')} MiB, VmHWM {status('VmHWM')} MiB", flush=True)
    at_start = {name.split(".")[0] for name in sys.modules}
    tokens = {key: app.sign_in(PEOPLE[key]) for key in [*CITIZEN_KEYS, "clerk", "checkpoint"]}
    planned, _ = scenarios(app, tokens)
    planned.append((SIGN_IN, None))  # last, as bench/run.py measures it: password sign-ins (one Argon2id hash each)
    wanted = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    wanted |= {f"floor: {name}" for name in wanted}  # a path's floor beside it (bench/run.py)
    print(f"after sign-in and setup: VmRSS {status('VmRSS')} MiB, VmHWM {status('VmHWM')} MiB", flush=True)
    tracing = mode == "memory" and os.environ.get("INPROCESS_TRACEMALLOC") != "0"  # 0: resident memory only, at full speed
    if tracing:
        tracemalloc.start(25)
    for name, lines in planned:
        if (mode == "profile" and name not in only.split(",")) or (wanted and name not in wanted and not name.startswith("baseline")):
            continue
        lines = lines() if callable(lines) else lines
        gc.collect()
        before_rss, before = status("VmRSS"), tracemalloc.take_snapshot() if tracing else None
        timer = (time.process_time,) if os.environ.get("INPROCESS_TIMER") == "cpu" else ()
        profile = cProfile.Profile(*timer) if mode == "profile" else None
        codes: dict[int, int] = {}
        cpu = time.process_time()
        if profile:
            profile.enable()
        for i in range(n if lines is not None else min(n, 30)):
            code = app.line(lines[i % len(lines)], i) if lines is not None else sign_in_status(app, PEOPLE[CITIZEN_KEYS[i % len(CITIZEN_KEYS)]])
            codes[code] = codes.get(code, 0) + 1
        if profile:
            profile.disable()
        cpu_ms = (time.process_time() - cpu) * 1000 / sum(codes.values())
        gc.collect()
        print(f"{name}: {cpu_ms:.2f} CPU ms/req; codes {codes}; VmRSS {before_rss} → {status('VmRSS')} MiB, VmHWM {status('VmHWM')} MiB", flush=True)
        if before is not None:
            for stat in tracemalloc.take_snapshot().compare_to(before, "traceback")[:6]:
                if stat.size_diff > 256 * 1024:
                    print(f"    +{stat.size_diff / 2**20:.1f} MiB in {stat.count_diff:+} blocks:\n      "
                          + "\n      ".join(str(frame) for frame in stat.traceback.format()[-12:]), flush=True)
        if profile:
            if os.environ.get("INPROCESS_PROFILES"):  # a directory: each scenario's cProfile, for pstats or snakeviz
                profile.dump_stats(Path(os.environ["INPROCESS_PROFILES"]) / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.prof")
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(60)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
            print(out.getvalue())
    print(f"packages the requests imported after start: {sorted({name.split('.')[0] for name in sys.modules} - at_start)}", flush=True)


def rounds(count: int, n: int) -> None:
    import django

    django.setup()
    from bench.run import CITIZEN_KEYS, PEOPLE, scenarios

    app = InProcess()
    app.get("/healthz")
    tokens = {key: app.sign_in(PEOPLE[key]) for key in [*CITIZEN_KEYS, "clerk", "checkpoint"]}
    planned, _ = scenarios(app, tokens)
    only = [name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()]
    wanted = ["baseline: bare authenticated DRF view", *only, *(f"floor: {name}" for name in only)]  # a path's floor beside it (bench/run.py)
    plan = {name: lines() if callable(lines) else lines for name, lines in planned if name in wanted}
    spent = dict.fromkeys(plan, 0.0)
    for lines in plan.values():  # warm up
        for i in range(50):
            app.line(lines[i % len(lines)], i)
    gc.collect()
    gc.freeze()  # as a gunicorn worker does before its first request (deploy/gunicorn.conf.py post_worker_init)
    for _ in range(count):
        for name, lines in plan.items():
            cpu = time.process_time()
            for i in range(n):
                app.line(lines[i % len(lines)], i)
            spent[name] += time.process_time() - cpu
    base = spent[wanted[0]]
    for name in plan:
        floor = spent.get(f"floor: {name}")
        print(f"{name}: {spent[name] * 1000 / (count * n):.2f} CPU ms/req, {spent[name] / base:.2f} × the signed-in baseline "
              f"(inverse {base / spent[name]:.2f})" + (f", {spent[name] / floor:.2f} × its floor" if floor else ""), flush=True)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "memory"
    only = sys.argv[2] if mode == "profile" else ""
    count = int(sys.argv[3 if mode == "profile" else 2]) if len(sys.argv) > (3 if mode == "profile" else 2) and mode != "rounds" else 300
    if not os.environ.get("INPROCESS_PREPARED"):
        prepare()
    if mode == "rounds":
        rounds(int(sys.argv[2]), int(sys.argv[3]))
    else:
        run(mode, only, count)
