"""What each of OWASP's equal-defence Argon2id settings costs a web worker: CPU per hash and the jump in
the worker's peak resident memory (VmHWM) when it hashes.

    .venv/bin/python bench/argon2_params.py [HASHES]

Each setting runs in a fresh process that first loads what a gunicorn worker loads (``portal.wsgi`` and
every URL), then hashes once (the jump a worker's first sign-in adds to its peak), then ``HASHES``
more (default 30; CPU time per hash, and the peak after them). A last row verifies a hash made at the
old setting (m = 19 MiB, t = 2) and re-hashes at the new one, as a not-yet-upgraded account's first
sign-in does. The OWASP settings are from the Password Storage Cheat Sheet (see docs/security.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OWASP = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]  # (m KiB, t), p = 1 for all

ONE = """
import json, re, sys, time
from pathlib import Path
sys.path.insert(0, ".")
def status(field):
    return int(re.search(rf"{{field}}:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024
from portal.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns
from argon2.low_level import Type, hash_secret, verify_secret
memory, rounds, hashes, old = {memory}, {rounds}, {hashes}, {old}
def hash_once(i, m=memory, t=rounds):
    return hash_secret(b"Qilu-demo-2026-%d" % i, b"0123456789abcdef", time_cost=t, memory_cost=m, parallelism=1, hash_len=32, type=Type.ID)
start = status("VmHWM")
if old:  # an account hashed at the old setting signs in: verify at the old one, then re-hash at the new one
    cpu = time.process_time()
    for i in range(hashes):
        verify_secret(old, b"Qilu-demo-2026-0", Type.ID)
        hash_once(i)
    first = None
else:
    hash_once(0)
    first = status("VmHWM")
    cpu = time.process_time()
    for i in range(hashes):
        hash_once(i)
cpu_ms = (time.process_time() - cpu) * 1000 / hashes
print(json.dumps({{"start": start, "first": first, "peak": status("VmHWM"), "rss": status("VmRSS"), "cpu_ms": cpu_ms}}))
"""


def measure(memory: int, rounds: int, hashes: int, old: bytes | None = None) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    code = ONE.format(memory=memory, rounds=rounds, hashes=hashes, old=old)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    hashes = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print(f"| Argon2id setting (p = 1) | CPU ms per hash | worker at start, MiB | peak after one hash | jump | peak after {hashes + 1} |")
    print("|---|---:|---:|---:|---:|---:|")
    for memory, rounds in OWASP:
        row = measure(memory, rounds, hashes)
        print(f"| m = {memory} ({memory // 1024} MiB), t = {rounds} | {row['cpu_ms']:.1f} | {row['start']:.0f} | {row['first']:.0f} "
              f"| +{row['first'] - row['start']:.1f} | {row['peak']:.0f} |", flush=True)
    from argon2.low_level import Type, hash_secret

    old = hash_secret(b"Qilu-demo-2026-0", b"0123456789abcdef", time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, type=Type.ID)
    for memory, rounds in OWASP[2:]:
        row = measure(memory, rounds, hashes, old=old)
        print(f"| verify at m = 19456, t = 2, re-hash at m = {memory}, t = {rounds} | {row['cpu_ms']:.1f} (both) | {row['start']:.0f} | | "
              f"+{row['peak'] - row['start']:.1f} | {row['peak']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
