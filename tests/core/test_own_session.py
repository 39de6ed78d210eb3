"""devtools.sessions.run_in_own_session, which runs the bench in the smoke test: when the time limit
passes, the command is asked to stop (its cleanup runs) and then nothing it started is left running —
not its process group, not a child it started in a session of its own (as the stack starts gunicorn)."""

import os
import subprocess
import sys
import time

import pytest

from devtools.sessions import run_in_own_session

# A parent that starts a child in its own session and a child in its group, writes their pids, and on
# SIGTERM writes "cleaned" (as bench/run.py's finally stops its stack) — unless told to ignore SIGTERM.
PARENT = """
import signal, subprocess, sys, time
sleep = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"]
own = subprocess.Popen(sleep, start_new_session=True)
grouped = subprocess.Popen(sleep)
out = sys.argv[1]
open(out + ".pids", "w").write(f"{own.pid} {grouped.pid}")
def stop(signum, frame):
    open(out + ".cleaned", "w").write("yes")
    raise SystemExit(143)
signal.signal(signal.SIGTERM, signal.SIG_IGN if sys.argv[2] == "stubborn" else stop)
print("started", flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("kind", ["cooperative", "stubborn"])
def test_on_timeout_the_command_cleans_up_and_nothing_it_started_survives(tmp_path, kind):
    out = str(tmp_path / "run")
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_in_own_session([sys.executable, "-c", PARENT, out, kind], timeout=1.5, grace=1)
    own, grouped = map(int, open(out + ".pids").read().split())
    assert not alive(own) and not alive(grouped)
    assert os.path.exists(out + ".cleaned") is (kind == "cooperative")
    assert time.monotonic() - started < 10


def test_a_command_that_ends_gives_its_output_and_status():
    done = run_in_own_session([sys.executable, "-c", "print('hi'); import sys; sys.exit(3)"], timeout=30)
    assert (done.returncode, done.stdout) == (3, "hi\n")
