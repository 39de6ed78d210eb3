"""The fake cipher device as a real server process (core.crypto.fake_device), for the device provider's tests."""

from __future__ import annotations

import contextlib
from pathlib import Path

from core.crypto import fake_device

SECRET = "qilu-test-device-secret-2f9c1a7e"


@contextlib.contextmanager
def running_device(store: Path, *, app: str = "qilu", secret: str = SECRET):
    with fake_device.running(store, app=app, secret=secret) as url:
        yield url, None
