"""Run a command that starts a stack of its own (bench/run.py) so that nothing it started outlives it:
in its own session, and on a timeout — and at the end in any case — its process group is asked to stop
(SIGTERM: bench/run.py's ``finally`` then stops its stack, PostgreSQL included), and after a grace period
every process left of it is killed, including those it started in sessions of their own (the stack's
gunicorn, Celery, PgBouncer and nginx each run in their own session, so a group kill alone misses them)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _started(pid: int) -> str | None:
    """The running process's start time (field 22 of /proc/<pid>/stat: a pid reused by another process
    differs); None once it is gone or a zombie."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid``, with its start time."""
    tree, found, todo = _children(), {}, [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if (started := _started(child)) is not None:
                found[child] = started
                todo.append(child)
    return found


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def end(proc: subprocess.Popen, seen: dict[int, str], grace: float) -> None:
    """SIGTERM to the group, wait up to ``grace`` s for the leader, then SIGKILL the group and every
    process ever seen below it that is still the same process."""
    if proc.poll() is None:
        seen.update(descendants(proc.pid))
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            seen.update(descendants(proc.pid))
    _signal_group(proc.pid, signal.SIGKILL)
    for pid, started in seen.items():
        if _started(pid) == started:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    proc.wait()
    deadline = time.monotonic() + 10  # a killed process takes a moment to be gone
    while any(_started(pid) == started for pid, started in seen.items()) and time.monotonic() < deadline:
        time.sleep(0.05)


def run_in_own_session(command: list[str], *, timeout: float, grace: float = 60, **popen) -> subprocess.CompletedProcess:
    """Like ``subprocess.run(command, capture_output=True, text=True, timeout=…)``, leaving nothing behind."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **popen)
    seen: dict[int, str] = {}
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        end(proc, seen, grace)
        raise
    finally:
        end(proc, seen, grace)
    return subprocess.CompletedProcess(command, proc.returncode, out, err)
