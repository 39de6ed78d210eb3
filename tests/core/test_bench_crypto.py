"""`make bench-crypto` at a tiny size, so a change that breaks it fails `make test` (no figure is asserted)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = ["SM2 sign", "SM2 verify", "ES256 sign", "ES256 verify", "EdDSA verify", "sm4-gcm encrypt (field", "aes-256-gcm encrypt (field",
        "sm4-gcm decrypt (file", "aes-256-gcm decrypt (file", "hmac-sm3", "hmac-sha256", "sm3 (64 KiB)", "sha256 (64 KiB)"]


def test_the_crypto_bench_measures_every_row_on_both_providers():
    done = subprocess.run([sys.executable, "bench/crypto.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    for row in ROWS:
        line = next((line for line in done.stdout.splitlines() if line.startswith(f"| {row}")), None)
        assert line, f"{row!r} missing:\n{done.stdout}"
        software, device = (float(cell.replace(",", "")) for cell in re.findall(r"\| ([\d,.]+) ", line + " ")[-2:])
        assert software > 0 and device > 0, line
