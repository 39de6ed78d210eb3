"""The production stack with database high availability: Patroni (PyPI) manages two PostgreSQL nodes on
loopback, etcd (Debian's etcd-server) holds the leader key, and HAProxy routes by Patroni's REST checks.

    app ─▶ PgBouncer ─▶ HAProxy :pg_port      (OPTIONS /primary)  ─▶ whichever node leads
    app ─────────────▶ HAProxy :replica_port (OPTIONS /replica)  ─▶ whichever node is a replica

So ``DATABASE_URL`` (through PgBouncer) and ``DATABASE_REPLICA_URL`` keep the addresses ``Stack`` gives
them, and ``core.replicas`` reads from the current replica without knowing which node that is.
Synchronous mode is on: a commit returns once the synchronous standby has flushed it, and only that
standby may be promoted, so a write the API acknowledged survives the leader's death.

Timings are cut down for loopback (ttl 20 s — Patroni's minimum —, loop_wait 1 s, retry_timeout 5 s,
HAProxy checks every 0.5 s); docs/deploy.md gives the production values."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psutil
from packaging.requirements import Requirement

from devtools.stack import Stack, free_port, wait_for

NODES = ("pg1", "pg2")
# Patroni and what it imports, copied beside the data so the postgres user can run them (the venv's
# interpreter may live where that user cannot read, e.g. under /root).
PATRONI_DISTRIBUTIONS = [("patroni", {"etcd3"}), ("psycopg", set()), ("psycopg-binary", set())]


class PatroniStack(Stack):
    def __init__(self):
        super().__init__()
        # pg_port and replica_port, which every URL of Stack names, become HAProxy's two front ends.
        self.nodes = {name: {"pg": free_port(), "api": free_port()} for name in NODES}
        self.etcd_port, self.etcd_peer_port = free_port(), free_port()
        self.env["QILU_CREATION_QUOTAS"] = json.dumps({"applications": [100000, 60]})  # one citizen submits all the load

    # --- etcd, HAProxy, Patroni -------------------------------------------------------------

    def start_etcd(self):
        peer, client = f"http://127.0.0.1:{self.etcd_peer_port}", f"http://127.0.0.1:{self.etcd_port}"
        self._run("etcd", ["etcd", "--name", "etcd1", "--data-dir", str(self.tmp / "etcd"), "--listen-client-urls", client,
                           "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                           "--initial-cluster", f"etcd1={peer}", "--initial-cluster-state", "new"])
        wait_for(lambda: urllib.request.urlopen(f"{client}/health", timeout=1).status == 200, 20, "etcd")

    def start_haproxy(self):
        servers = "\n".join(f"    server {name} 127.0.0.1:{ports['pg']} check port {ports['api']}" for name, ports in self.nodes.items())

        config = self.tmp / "haproxy.cfg"
        config.write_text(f"""global
    maxconn 500
defaults
    mode tcp
    retries 2
    timeout connect 2s
    timeout client 30m
    timeout server 30m
    timeout check 1s
    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
listen primary
    bind 127.0.0.1:{self.pg_port}
    option httpchk OPTIONS /primary
    http-check expect status 200
{servers}
listen replicas
    bind 127.0.0.1:{self.replica_port}
    option httpchk OPTIONS /replica
    http-check expect status 200
{servers}
""")
        self._run("haproxy", ["haproxy", "-db", "-f", str(config)])

    def _patroni_config(self, name: str) -> dict:
        ports, run = self.nodes[name], self.tmp / "pgrun"
        return {
            "scope": "qilu", "namespace": "/service/", "name": name,
            "restapi": {"listen": f"127.0.0.1:{ports['api']}", "connect_address": f"127.0.0.1:{ports['api']}"},
            "etcd3": {"hosts": [f"127.0.0.1:{self.etcd_port}"]},
            "bootstrap": {
                "dcs": {
                    "ttl": 20, "loop_wait": 1, "retry_timeout": 5, "maximum_lag_on_failover": 1048576,
                    "synchronous_mode": True,  # commits wait for the standby; only it may be promoted
                    "postgresql": {"use_pg_rewind": True, "use_slots": True,
                                   "parameters": {"max_connections": 100, "wal_log_hints": "on", "fsync": "off"}},
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, {"auth": "trust"}],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{ports['pg']}", "connect_address": f"127.0.0.1:{ports['pg']}",
                "data_dir": str(self.tmp / "nodes" / name), "bin_dir": self.pg_bin, "pgpass": str(run / f"{name}.pgpass"),
                "authentication": {"superuser": {"username": "qilu"}, "replication": {"username": "qilu"}, "rewind": {"username": "qilu"}},
                "parameters": {"unix_socket_directories": str(run)},
                "pg_hba": ["local all all trust", "host all all 127.0.0.1/32 trust", "host replication all 127.0.0.1/32 trust"],
                "basebackup": [{"checkpoint": "fast"}],  # a new replica starts at once rather than after a spread checkpoint
                "remove_data_directory_on_rewind_failure": True,
            },
            "watchdog": {"mode": "off"},
        }

    def _patroni_command(self) -> tuple[list[str], dict]:
        if os.getuid() != 0:
            return [str(Path(sys.executable).parent / "patroni")], {}
        lib = self.tmp / "patroni-lib"
        if not lib.exists():
            _copy_distributions(lib)
        # PostgreSQL refuses root: Patroni runs as postgres, on Debian's python3 with its libraries copied above.
        return ["runuser", "-u", "postgres", "--", "/usr/bin/python3", "-m", "patroni"], {"PYTHONPATH": str(lib)}

    def start_node(self, name: str):
        run, nodes = self.tmp / "pgrun", self.tmp / "nodes"
        for path in (run, nodes):
            path.mkdir(exist_ok=True)
        config = run / f"{name}.yml"
        config.write_text(json.dumps(self._patroni_config(name), indent=1))  # JSON is YAML
        if os.getuid() == 0:
            for path in (run, nodes, config):
                shutil.chown(path, "postgres")
        command, env = self._patroni_command()
        self._run(f"patroni-{name}", [*command, str(config)], env=env)

    def role(self, name: str) -> str | None:
        """'primary', 'replica' or None, as Patroni's REST API answers HAProxy."""
        for role in ("primary", "replica"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.nodes[name]['api']}/{role}", timeout=1) as response:
                    if response.status == 200:
                        return role
            except (urllib.error.URLError, OSError):
                continue
        return None

    def is_synchronous(self, name: str) -> bool:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{self.nodes[name]['api']}/sync", timeout=1).status == 200
        except (urllib.error.URLError, OSError):
            return False

    def following(self, name: str) -> bool:
        """Settled as a replica: Patroni's /cluster shows the node streaming on the leader's timeline.
        A restarted old leader answers /replica for a moment before Patroni finds it must rewind and
        restarts it, so answering /replica alone is not yet rejoined."""
        leader = self.leader()
        if leader is None or leader == name:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.nodes[leader]['api']}/cluster", timeout=1) as response:
                members = {member["name"]: member for member in json.load(response)["members"]}
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            return False
        me, head = members.get(name, {}), members.get(leader, {})
        return me.get("state") == "streaming" and me.get("timeline") == head.get("timeline") and me.get("role") in ("replica", "sync_standby")

    def leader(self) -> str | None:
        return next((name for name in NODES if self.role(name) == "primary"), None)

    def standby(self) -> str | None:
        return next((name for name in NODES if self.role(name) == "replica"), None)

    def served_by(self, port: int) -> str | None:
        """Which node a new connection to one of HAProxy's ports reaches (None: none)."""
        import psycopg

        with psycopg.connect(f"postgres://qilu@127.0.0.1:{port}/postgres", connect_timeout=2, autocommit=True) as connection:
            served = connection.execute("SELECT inet_server_port()").fetchone()[0]
        return next(name for name, ports in self.nodes.items() if ports["pg"] == served)

    def maintenance(self, on: bool):
        """Patroni's pause (``patronictl pause``): no failover meanwhile, and a replica's paused WAL replay is left paused."""
        api = self.nodes[self.leader()]["api"]
        request = urllib.request.Request(f"http://127.0.0.1:{api}/config", data=json.dumps({"pause": on}).encode(), method="PATCH",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).close()

        def seen(name):
            with urllib.request.urlopen(f"http://127.0.0.1:{self.nodes[name]['api']}/patroni", timeout=1) as response:
                return bool(json.load(response).get("pause")) == on

        wait_for(lambda: all(seen(name) for name in NODES), 15, f"every node to see pause={on}")

    @contextlib.contextmanager
    def replay_paused(self, name: str):
        """The replica ``name`` stops applying WAL (what is read from it is stale) until the block ends."""
        import psycopg

        self.maintenance(True)
        try:
            with psycopg.connect(self.node_url(name), autocommit=True) as replica:
                replica.execute("SELECT pg_wal_replay_pause()")
                try:
                    yield
                finally:
                    replica.execute("SELECT pg_wal_replay_resume()")
        finally:
            self.maintenance(False)

    def node_url(self, name: str) -> str:
        return f"postgres://qilu@127.0.0.1:{self.nodes[name]['pg']}/qilu"

    def kill_node(self, name: str):
        """The node dies: SIGKILL to its Patroni, then to its postmaster and every PostgreSQL process under it."""
        self.kill(f"patroni-{name}")
        pid = int((self.tmp / "nodes" / name / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)
        for process in [postmaster, *postmaster.children(recursive=True)]:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs([postmaster], timeout=10)

    # --- Stack's database steps, now through Patroni -----------------------------------------

    def start_postgres(self):
        self.start_etcd()
        self.start_haproxy()
        self.start_node(NODES[0])
        wait_for(lambda: self.served_by(self.pg_port) == NODES[0], 60, "Patroni to bootstrap the first node, HAProxy to route to it")

    def start_replica(self):
        """Deferred to ``start_web``: with synchronous commits, migrating and seeding with a standby
        attached would wait for it at every commit (several minutes here instead of seconds)."""

    def start_web(self):
        if f"patroni-{NODES[1]}" not in self.procs:
            self.start_standby()
        super().start_web()

    def start_standby(self):
        self.start_node(NODES[1])
        wait_for(lambda: self.is_synchronous(NODES[1]) and self.served_by(self.replica_port) == NODES[1], 60,
                 "the second node as synchronous standby, HAProxy routing reads to it")

    def stop(self):
        # Patroni stops its PostgreSQL on SIGTERM, while etcd is still there; replicas first (a synchronous
        # standby stopping after its leader would wait for the leader to release it).
        for name in sorted(NODES, key=lambda name: self.role(name) == "primary"):
            if f"patroni-{name}" in self.procs:
                self.kill(f"patroni-{name}", signal.SIGTERM)
            data = self.tmp / "nodes" / name
            if (data / "postmaster.pid").exists():  # Patroni did not stop it: stop it here (the node's own data directory)
                self._as_pg(f"{self.pg_bin}/pg_ctl", "-D", str(data), "-m", "immediate", "stop", check=False)
        super().stop()

    def stop_postgres(self):
        """Nothing: the nodes are stopped above."""

    def stop_replica(self):
        """Nothing: the nodes are stopped above."""

    def _run(self, name: str, command: list[str], env: dict | None = None):
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(command, cwd=self.tmp, env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **(env or {})},
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _copy_distributions(target: Path):
    """Copies the installed files of Patroni and everything it requires (with the extras named) to ``target``."""
    seen, todo = set(), list(PATRONI_DISTRIBUTIONS)
    while todo:
        name, extras = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        distribution = importlib.metadata.distribution(name)
        for requirement in map(Requirement, distribution.requires or []):
            if requirement.marker is None or any(requirement.marker.evaluate({"extra": extra}) for extra in extras or {""}):
                todo.append((requirement.name, set(requirement.extras)))
        for file in distribution.files or []:
            source = Path(distribution.locate_file(file))
            if ".." in file.parts or "__pycache__" in file.parts or not source.is_file():
                continue
            (target / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / file)
    subprocess.run(["chmod", "-R", "a+rX", str(target)], check=True)
