"""The real production stack on loopback, for the smoke and fault tests and the benchmarks: its own PostgreSQL cluster
and Redis (so the tests can stop and restart them), gunicorn with several sync workers, a Celery
worker and beat, the check journal's consumer, all with QILU_ENV=prod and freshly generated secrets."""

from __future__ import annotations

import base64
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BULK_PROCESSES = int(os.environ.get("QILU_BULK_PROCESSES", "2"))  # the bulk worker's processes: a recompute's chunks run this many at a time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except Exception:  # noqa: BLE001 — not there yet
            result = None
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


class Stack:
    def __init__(self):
        self.staff_tokens: dict[str, str] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="qilu-prod-"))
        os.chmod(self.tmp, 0o755)
        self.pg_bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.pg_port, self.redis_port, self.web_port, self.proxy_port = free_port(), free_port(), free_port(), free_port()
        self.pooler_port, self.replica_port = free_port(), free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {
            # not the test run's own services, nor its pytest-xdist worker name (which picks a test Redis database)
            **{k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE") and not k.startswith("PYTEST_XDIST")},
            "QILU_ENV": "prod",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "QILU_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "DATABASE_URL": f"postgres://qilu@127.0.0.1:{self.pooler_port}/qilu",  # through PgBouncer
            "DB_TRANSACTION_POOLING": "true",
            "DATABASE_REPLICA_URL": f"postgres://qilu@127.0.0.1:{self.replica_port}/qilu",  # a streaming replica, read directly
            "QILU_REPLICA_PIN_SECONDS": "2",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "QILU_PUBLIC_URL": "https://qilu.example.gov.cn",  # what names the issuer and verifier behind the TLS proxy
            "SECURE_SSL_REDIRECT": "false",  # TLS ends at the proxy; the test talks to gunicorn directly
            "STATIC_ROOT": str(self.tmp / "static"),
            "MEDIA_ROOT": str(self.tmp / "media"),
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "GUNICORN_WORKERS": "3",
            "QILU_TRUSTED_PROXY_COUNT": "1",  # as behind the documented nginx
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "QILU_RELAY_SECONDS": "2",
            "QILU_TASKS_EAGER": "false",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.proxy_url = f"http://127.0.0.1:{self.proxy_port}"

    # --- PostgreSQL and Redis ---------------------------------------------------------------

    def _as_pg(self, *args, check=True, **kwargs):
        command = list(args)
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)

    def start_postgres(self):
        data = self.tmp / "pg"
        if not data.exists():
            data.mkdir()
            (self.tmp / "pgrun").mkdir()
            if os.getuid() == 0:
                shutil.chown(data, "postgres")
                shutil.chown(self.tmp / "pgrun", "postgres")
            self._as_pg(f"{self.pg_bin}/initdb", "-D", str(data), "-U", "qilu", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._as_pg(f"{self.pg_bin}/pg_ctl", "-D", str(data), "-l", str(self.tmp / "pgrun" / "pg.log"), "-w", "-o",
                    f"-h 127.0.0.1 -p {self.pg_port} -k {self.tmp / 'pgrun'} -c fsync=off -c max_connections=100", "start")

    def start_replica(self):
        """A second cluster on loopback streaming from the primary (pg_basebackup -R: a hot standby)."""
        data = self.tmp / "replica"
        if not data.exists():
            data.mkdir(mode=0o700)
            if os.getuid() == 0:
                shutil.chown(data, "postgres")
            self._as_pg(f"{self.pg_bin}/pg_basebackup", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "qilu", "-D", str(data),
                        "-R", "-X", "stream", "-c", "fast")
        self._as_pg(f"{self.pg_bin}/pg_ctl", "-D", str(data), "-l", str(self.tmp / "pgrun" / "replica.log"), "-w", "-o",
                    f"-h 127.0.0.1 -p {self.replica_port} -k {self.tmp / 'pgrun'} -c fsync=off -c max_connections=100", "start")

    def stop_replica(self):
        self._as_pg(f"{self.pg_bin}/pg_ctl", "-D", str(self.tmp / "replica"), "-m", "fast", "-w", "stop")

    def stop_postgres(self):
        self._as_pg(f"{self.pg_bin}/pg_ctl", "-D", str(self.tmp / "pg"), "-m", "fast", "-w", "stop")

    @property
    def direct_url(self) -> str:
        """The database itself, not the pooler: for migrations and the tests' own look-ups."""
        return f"postgres://qilu@127.0.0.1:{self.pg_port}/qilu"

    def start_pgbouncer(self):
        """PgBouncer (Debian's package) in transaction pooling between every process and PostgreSQL."""
        run = self.tmp / "pgbouncer"
        run.mkdir(exist_ok=True)
        (run / "userlist.txt").write_text('"qilu" ""\n')
        (run / "pgbouncer.ini").write_text(f"""[databases]
qilu = host=127.0.0.1 port={self.pg_port} dbname=qilu user=qilu

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.pooler_port}
unix_socket_dir =
auth_type = trust
auth_file = {run / "userlist.txt"}
pool_mode = transaction
admin_users = qilu
default_pool_size = 20
max_client_conn = 1000
server_reset_query =
; PostgreSQL away: fail a waiting client within seconds (the app answers 503) rather than queueing it for minutes
query_wait_timeout = 3
server_connect_timeout = 2
server_login_retry = 1
ignore_startup_parameters = extra_float_digits,options
logfile = {run / "pgbouncer.log"}
""")
        if os.getuid() == 0:
            shutil.chown(run, "postgres")
        command = ["/usr/sbin/pgbouncer", str(run / "pgbouncer.ini")]
        if os.getuid() == 0:  # PgBouncer refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        self.procs["pgbouncer"] = subprocess.Popen(command, stdout=open(self.tmp / "pgbouncer.out", "ab"), stderr=subprocess.STDOUT,
                                                   start_new_session=True)
        wait_for(lambda: socket.create_connection(("127.0.0.1", self.pooler_port), timeout=1).close() or True, 10, "pgbouncer")

    def create_database(self):
        self._as_pg(f"{self.pg_bin}/createdb", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "qilu", "qilu")
        # Every server connection in UTC already: Django then sends no per-session SET, which pooling would scatter.
        self._as_pg(f"{self.pg_bin}/psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "qilu", "-d", "qilu", "-c",
                    "ALTER DATABASE qilu SET timezone TO 'UTC'")

    def start_redis(self):
        (self.tmp / "redis").mkdir(exist_ok=True)
        self.procs["redis"] = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--dir", str(self.tmp / "redis"), "--appendonly", "yes",
             "--appendfsync", "always", "--save", ""], stdout=open(self.tmp / "redis.log", "ab"), stderr=subprocess.STDOUT)
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG",
                 10, "redis")

    def stop_redis(self):
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "shutdown"], capture_output=True)  # writes the AOF, then exits
        self.procs.pop("redis").wait(10)

    # --- the application --------------------------------------------------------------------

    def manage(self, *args, check=True, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True,
                                text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def _spawn(self, name: str, command: list[str]):
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_web(self):
        self._spawn("web", [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "portal.wsgi"])
        wait_for(lambda: self.get("/healthz")[0] == 200, 30, "gunicorn")

    def start_worker(self, queue: str | None = None):
        """One Celery worker per queue (portal/settings.py CELERY_TASK_QUEUES_BY_WORKLOAD), or one for a given queue.
        The bulk worker runs two processes (as deploy/k8s does), so a recompute's chunks go two at a time."""
        for name in [queue] if queue else ["interactive", "notify", "bulk"]:
            pool = ["--pool", "prefork", "--concurrency", str(BULK_PROCESSES)] if name == "bulk" else ["--pool", "solo"]
            self._spawn(f"worker-{name}", [str(VENV_BIN / "celery"), "-A", "portal", "worker", "-l", "info", *pool, "-Q", name,
                                           "-n", f"{name}{time.time_ns()}@qilu"])

    def start_journal(self, *extra: str):
        """The check journal's consumer (core.journal), under a stable name so a restart finds its pending records."""
        self._spawn("journal", [str(VENV_BIN / "python"), "manage.py", "journal_consume", "--name", "stack-1", *extra])

    def start_search(self):
        """The search process (knowledge/search.py): the only one holding the index; the web workers ask it over Redis."""
        self._spawn("search", [str(VENV_BIN / "python"), "manage.py", "search_serve"])

    def start_beat(self):
        self._spawn("beat", [str(VENV_BIN / "celery"), "-A", "portal", "beat", "-l", "info", "-s", str(self.tmp / "beat-schedule")])

    def start_nginx(self):
        """nginx in front of gunicorn with the production proxy headers (deploy/nginx-proxy.conf)."""
        prefix = self.tmp / "nginx"
        (prefix / "logs").mkdir(parents=True, exist_ok=True)
        user = "user root;" if os.getuid() == 0 else ""
        (prefix / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{self.proxy_port};
        location / {{
            proxy_pass http://127.0.0.1:{self.web_port};
            include {ROOT}/deploy/nginx-proxy.conf;
        }}
    }}
}}
""")
        self._spawn("nginx", ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"])
        wait_for(lambda: urllib.request.urlopen(self.proxy_url + "/healthz", timeout=2).status == 200, 15, "nginx")

    def kill(self, name: str, sig=signal.SIGKILL):
        proc = self.procs.pop(name)
        os.killpg(proc.pid, sig)
        proc.wait(20)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def start(self):
        self.start_postgres()
        self.create_database()
        self.start_replica()
        self.start_pgbouncer()
        self.start_redis()
        self.manage("migrate", "--no-input")
        self.manage("collectstatic", "--no-input")
        self.manage("signing_keys", "ensure")
        self.manage("seed_demo", "--citizens", "20", "--quiet", env={"QILU_ENV": "test"})  # the harness's data: seed_demo refuses prod
        self.start_web()
        self.start_worker()
        self.start_beat()
        self.start_journal()
        self.start_search()
        return self

    def stop(self):
        for name in list(self.procs):
            proc = self.procs.pop(name)
            try:
                os.killpg(proc.pid, signal.SIGTERM) if name != "redis" else proc.terminate()
                proc.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                proc.kill()
        for stop in (self.stop_replica, self.stop_postgres):
            try:
                stop()
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- HTTP -------------------------------------------------------------------------------

    def request(self, method: str, path: str, body=None, token: str | None = None, headers: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        if token:
            request.add_header("X-Session-Token", token)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                raw = response.read()
                return response.status, _json(raw), dict(response.headers)
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, _json(raw), dict(error.headers)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, body or {}, **kwargs)

    def sign_in(self, id_number: str, password: str = "Qilu-demo-2026") -> str:
        """The app's sign-in; demo staff then give their authenticator's code (identity.demo). A code
        works once, so a staff account's token is kept for the stack's life rather than signing in again
        within the same 30 seconds."""
        if id_number in self.staff_tokens:
            return self.staff_tokens[id_number]
        status, body, _ = self.post("/_allauth/app/v1/auth/login", {"username": id_number, "password": password})
        if status == 401 and any(flow["id"] == "mfa_authenticate" and flow.get("is_pending") for flow in body["data"]["flows"]):
            from identity.demo import DEMO_TOTP_SECRET, totp_code

            status, body, _ = self.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": totp_code(DEMO_TOTP_SECRET)},
                                        token=body["meta"]["session_token"])
            assert status == 200, body
            self.staff_tokens[id_number] = body["meta"]["session_token"]
        assert status == 200, body
        return body["meta"]["session_token"]


def _json(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
