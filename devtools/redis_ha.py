"""The production stack with Redis behind Sentinel: a master, a replica and three sentinels on loopback
(Debian's redis-server and redis-sentinel), every process of the app finding the master through the
sentinels (QILU_REDIS_SENTINELS). For the failover test (tests/production/test_redis_failover.py)."""

from __future__ import annotations

import shutil
import subprocess
import time

from devtools.stack import Stack, free_port, wait_for

MASTER = "qilu"


class SentinelStack(Stack):
    def __init__(self):
        super().__init__()
        self.redis_nodes = {"redis": self.redis_port, "redis-replica": free_port()}
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.env.pop("REDIS_URL")
        self.env |= {"QILU_REDIS_SENTINELS": ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports), "QILU_REDIS_SENTINEL_MASTER": MASTER}

    def stop(self):
        """The app's processes first, while the sentinels can still name a master to say goodbye to."""
        app = {name: proc for name, proc in self.procs.items() if not name.startswith(("redis", "sentinel"))}
        self.procs = app | {name: proc for name, proc in self.procs.items() if name not in app}
        super().stop()

    def _cli(self, port: int, *command: str) -> str:
        return subprocess.run(["redis-cli", "-p", str(port), *command], capture_output=True, text=True, timeout=5).stdout.strip()

    def _redis_node(self, name: str, port: int, *extra: str) -> None:
        (self.tmp / name).mkdir(exist_ok=True)
        self.procs[name] = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(self.tmp / name), "--appendonly", "yes",
             "--appendfsync", "always", "--save", "", *extra], stdout=open(self.tmp / f"{name}.log", "ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_for(lambda: self._cli(port, "ping") == "PONG", 10, name)

    def start_redis(self):
        """Master and replica as the base stack's Redis is run (AOF, fsync always), then three sentinels
        that agree (quorum 2) the master is gone after 1 s."""
        self._redis_node("redis", self.redis_nodes["redis"])
        self._redis_node("redis-replica", self.redis_nodes["redis-replica"], "--replicaof", "127.0.0.1", str(self.redis_port))
        sentinel = [shutil.which("redis-sentinel")] if shutil.which("redis-sentinel") else ["redis-server"]
        for number, port in enumerate(self.sentinel_ports, 1):
            conf = self.tmp / f"sentinel-{number}.conf"  # a sentinel rewrites its own file: one each
            conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {self.tmp}\n"
                            f"sentinel monitor {MASTER} 127.0.0.1 {self.redis_port} 2\n"
                            f"sentinel down-after-milliseconds {MASTER} 1000\nsentinel failover-timeout {MASTER} 10000\n")
            self.procs[f"sentinel-{number}"] = subprocess.Popen(
                [*sentinel, str(conf), *(["--sentinel"] if sentinel == ["redis-server"] else [])],
                stdout=open(self.tmp / f"sentinel-{number}.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: all(self._sentinel_sees(port) for port in self.sentinel_ports), 30, "three sentinels that see the replica and each other")

    def _sentinel_sees(self, port: int) -> bool:
        fields = self._cli(port, "sentinel", "master", MASTER).splitlines()
        master = dict(zip(fields[::2], fields[1::2], strict=False))
        return master.get("num-slaves") == "1" and master.get("num-other-sentinels") == "2"

    def master_port(self) -> int | None:
        """Where the sentinels say the master is now (the first that answers)."""
        for port in self.sentinel_ports:
            answer = self._cli(port, "sentinel", "get-master-addr-by-name", MASTER).splitlines()
            if len(answer) == 2:
                return int(answer[1])
        return None

    def master_name(self) -> str:
        port = self.master_port()
        return next(name for name, node_port in self.redis_nodes.items() if node_port == port)

    def is_master(self, name: str) -> bool:
        return "role:master" in self._cli(self.redis_nodes[name], "info", "replication")

    def redis(self, name: str, *command: str) -> str:
        return self._cli(self.redis_nodes[name], *command)

    def kill_redis_master(self, then=lambda: None) -> tuple[str, str, float]:
        """SIGKILL the Redis master, call ``then`` (while there is no master), and wait until the
        sentinels name the replica and it is writable. Returns (killed, promoted, seconds from the
        kill to the promoted node answering as master)."""
        killed = self.master_name()
        promoted = next(name for name in self.redis_nodes if name != killed)
        started = time.monotonic()
        self.kill(killed)
        then()
        wait_for(lambda: self.master_port() == self.redis_nodes[promoted] and self.is_master(promoted), 30, "a replica promoted", interval=0.05)
        return killed, promoted, time.monotonic() - started
