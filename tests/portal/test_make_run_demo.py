"""``make run``'s own steps, for real: SQLite, ``migrate`` then ``seed_demo`` — the demo every feature adds
to. 免申即享's matching is compiled to PostgreSQL's SQL; on SQLite the same rules run in Python, and this
is the test that notices when a feature's demo only works on PostgreSQL (seed_demo once failed on SQLite
and nothing in make test ran it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import datetime as dt, json
from benefits.matching import dry_run
from benefits.models import Entitlement, Policy, PolicyVersion
from identity.models import Notice, User
from services.models import ServiceItem
version = PolicyVersion.objects.get(policy__code="LN-ZHJT", status="published")
report = dry_run(version, dt.date.today())
print("STATE=" + json.dumps({
    "entitled": {p.code: Entitlement.objects.filter(policy=p).count() for p in Policy.objects.all()},
    "told": Notice.objects.filter(kind="benefit").count(), "people": User.objects.count(), "items": ServiceItem.objects.count(),
    "dry_run": report.total}))
"""


def test_make_run_migrates_and_seeds_the_demo_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QILU_", "DATABASE_", "REDIS_", "PAYSIM_", "CELERY"))}
    env |= {"QILU_ENV": "dev", "DATABASE_URL": f"sqlite:///{tmp_path / 'qilu.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media")}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600)
    seeded = subprocess.run([*manage, "seed_demo", "--url", "http://127.0.0.1:8123"], cwd=ROOT, env=env, timeout=600, capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "Sign up as a new person" in seeded.stdout  # it printed the sign-ins
    checked = subprocess.run([*manage, "shell", "-c", CHECK], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True)
    state = json.loads(checked.stdout.split("STATE=")[1])
    assert state["people"] > 5 and state["items"] > 10, state
    assert all(state["entitled"].values()) and len(state["entitled"]) == 3, state  # each demo policy matched someone, in Python
    assert state["dry_run"] == state["entitled"]["LN-ZHJT"] and state["told"] > 0, state
