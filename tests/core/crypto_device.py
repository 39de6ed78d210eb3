"""The fake cipher device as a real server process (core.crypto.fake_device), for the device provider's tests."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

SECRET = "qilu-test-device-secret-2f9c1a7e"


@contextlib.contextmanager
def running_device(store: Path, *, app: str = "qilu", secret: str = SECRET):
    process = subprocess.Popen([sys.executable, "-m", "core.crypto.fake_device", "--store", str(store), "--app", f"{app}={secret}"],
                               stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        line = process.stdout.readline().split()  # "listening 127.0.0.1:PORT"
        assert line and line[0] == "listening", f"the fake device did not start: {line}"
        yield f"tcp://{line[1]}", process
    finally:
        process.terminate()
        process.wait(timeout=10)
