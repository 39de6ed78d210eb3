"""`make bench-crypto`: the national algorithms beside the international ones, in the same run, and the
at-rest migration's rates on PostgreSQL.

1. µs per operation through the crypto provider (core.crypto): SM2 sign/verify beside ES256 and
   EdDSA, SM4-GCM beside AES-256-GCM (a 32-byte field and a 64 KiB file), HMAC-SM3 beside
   HMAC-SHA256, SM3 beside SHA-256 — on the software provider, then the same rows on the device
   provider against the fake cipher device on loopback (what one round trip adds).
2. With PEOPLE (default 20,000) citizens loaded by bench/load_citizens.py: ``reencrypt_at_rest`` to
   SM4 (rows/s), ``blind_index fill`` (rows/s) and ``blind_index switch`` (s), each extrapolated to
   1,000,000 people. Skipped without PostgreSQL, and with --smoke (make test runs that: < 20 s).

Writes a Markdown table to bench/results/ (BENCH_RESULTS) and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("QILU_ENV", "test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from core import crypto  # noqa: E402
from core.crypto import algorithms as algs  # noqa: E402
from core.crypto.device import DeviceConfig, DeviceProvider  # noqa: E402

FIELD, FILE = b"370102198001010011", os.urandom(64 * 1024)


def per_op(func, seconds: float) -> float:
    """Median µs per call over five slices of ``seconds / 5``."""
    func()  # warm (keys loaded, sessions open)
    slices = []
    for _ in range(5):
        n, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds / 5 or n == 0:
            func()
            n += 1
        slices.append(elapsed / n * 1e6)
    return statistics.median(slices)


def operations(p) -> list[tuple[str, object]]:
    rows = []
    for alg in (algs.SM2, algs.ES256, algs.EDDSA):
        pair = p.generate_signing_key(alg)
        signature = p.sign(alg, pair.handle, b"qilu" * 64)
        rows.append((f"{alg} sign (256 B)", lambda a=alg, h=pair.handle: p.sign(a, h, b"qilu" * 64)))
        rows.append((f"{alg} verify (256 B)", lambda a=alg, k=pair.public, s=signature: p.verify(a, k, b"qilu" * 64, s)))
    for alg in (algs.SM4_GCM, algs.AES_256_GCM):
        for name, data in (("field, 18 B", FIELD), ("file, 64 KiB", FILE)):
            blob = p.encrypt(alg, "bench/v1", data, b"ctx")
            rows.append((f"{alg} encrypt ({name})", lambda a=alg, d=data: p.encrypt(a, "bench/v1", d, b"ctx")))
            rows.append((f"{alg} decrypt ({name})", lambda a=alg, b=blob: p.decrypt(a, "bench/v1", b, b"ctx")))
    for alg in (algs.HMAC_SM3, algs.HMAC_SHA256):
        rows.append((f"{alg} (blind index)", lambda a=alg: p.mac(a, "bench/v1", b"id_number\x00" + FIELD)))
    for alg in (algs.SM3, algs.SHA256):
        rows.append((f"{alg} (64 KiB)", lambda a=alg: p.hash(a, FILE)))
    return rows


def primitives(seconds: float) -> list[str]:
    from core.crypto import fake_device

    software, secret = crypto.provider(), "bench-device-secret"
    lines = ["| operation | software provider µs/op | device provider (fake device, loopback) µs/op |", "|---|---:|---:|"]
    with tempfile.TemporaryDirectory() as store, fake_device.running(Path(store) / "keys.json", app="qilu", secret=secret) as url:
        device = DeviceProvider(DeviceConfig.parse(url, app="qilu", secret=secret.encode()))
        for (name, soft), (_, dev) in zip(operations(software), operations(device), strict=True):
            lines.append(f"| {name} | {per_op(soft, seconds):,.1f} | {per_op(dev, seconds):,.1f} |")
        device.close()
    return lines


def migration(people: int) -> list[str]:
    from django.core.management import call_command

    import bench.load_citizens as loader
    from credentials.models import CredentialType
    from identity.models import PopulationRecord, User

    call_command("migrate", verbosity=0)
    if not CredentialType.objects.filter(code="id_card").exists():
        call_command("seed_demo", "--citizens", "0", "--quiet")
    loader.main(people)
    rows = User.objects.count() + PopulationRecord.objects.count()
    scale = 1_000_000 / people
    lines = ["", f"Migration steps at {people:,} people (an account, a base record and an ID-card credential each; {rows:,} indexed rows), "
             "extrapolated linearly to 1,000,000 people:", "", "| step | measured | rate | at 1,000,000 people |", "|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as work:
        settings.QILU_AT_REST_SUITE = "national"
        started = time.perf_counter()
        call_command("reencrypt_at_rest", "--checkpoint", f"{work}/at-rest.json", stdout=io.StringIO())
        took = time.perf_counter() - started
        lines.append(f"| reencrypt_at_rest → SM4-GCM (every encrypted column) | {took:.1f} s | {people / took:,.0f} people/s | {took * scale / 60:.1f} min |")
        settings.QILU_BLIND_INDEX = "dual"
        started = time.perf_counter()
        call_command("blind_index", "fill", "--checkpoint", f"{work}/fill.json", stdout=io.StringIO())
        took = time.perf_counter() - started
        lines.append(f"| blind_index fill (HMAC-SM3 staged, online) | {took:.1f} s | {rows / took:,.0f} indexed rows/s | {took * scale / 60:.1f} min |")
        started = time.perf_counter()
        call_command("blind_index", "switch", "--checkpoint", f"{work}/fill.json", stdout=io.StringIO())
        took = time.perf_counter() - started
        lines.append(f"| blind_index switch (one transaction, writes paused) | {took:.1f} s | {rows / took:,.0f} rows/s | {took * scale:.0f} s |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="tiny slices, no database part (make test)")
    args = parser.parse_args()
    people = int(os.environ.get("PEOPLE", "20000"))
    seconds = 0.05 if args.smoke else 1.0
    lines = [f"# Crypto bench — {dt.datetime.now():%Y-%m-%d %H:%M}", "",
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; median of five slices.", ""]
    lines += primitives(seconds)
    if not args.smoke and connection.vendor == "postgresql":
        lines += migration(people)
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.smoke:
        out = Path(os.environ.get("BENCH_RESULTS", Path(__file__).parent / "results"))
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{dt.datetime.now():%Y-%m-%d-%H%M}-crypto.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
