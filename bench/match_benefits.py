"""`make bench`'s 免申即享 rows: on the loaded population, in one process against the primary —

- ``count(*)`` of the population base (the floor: one pass over the same table);
- the matching statement alone (the demo's 老年综合津贴 rule compiled to SQL inside one
  ``INSERT … SELECT … ON CONFLICT DO NOTHING``), rolled back;
- the whole ``match_run`` use case (that insert, the notices and audit events set-based, the encrypted
  evidence in Python), committed;
- a rerun (inserts nothing) and a day's delta after 0.1 % of the records changed (half of them deaths).

Prints one JSON line. ``DJANGO_SETTINGS_MODULE=portal.settings python bench/match_benefits.py``
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from benefits import matching  # noqa: E402
from benefits.models import Entitlement, MatchRun, Policy  # noqa: E402
from benefits.services import delta_run, match_run, published  # noqa: E402
from core.usecases import SYSTEM  # noqa: E402


def timed(func):
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started


def main() -> None:
    policy = Policy.objects.get(code="LN-ZHJT")
    version, now = published(policy), timezone.now()
    period = matching.period_of(version, timezone.localdate())
    with connection.cursor() as cursor:
        (people,), count_s = timed(lambda: (cursor.execute("SELECT count(*) FROM identity_populationrecord"), cursor.fetchone())[1])

    def statement_alone():
        with transaction.atomic():
            run = MatchRun.objects.create(version=version, kind=MatchRun.Kind.FULL, period=period.label + "-bench", started_at=now)
            sql, params = matching.insert_sql(version=version, run_id=run.pk, period=matching.Period(period.label + "-bench", period.first_day,
                                                                                                     period.months), now=now, since=None)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                inserted = cursor.rowcount
            transaction.set_rollback(True)
        return inserted

    matched, sql_s = timed(statement_alone)
    run, full_s = timed(lambda: match_run(actor=SYSTEM, policy=policy))
    rerun, rerun_s = timed(lambda: match_run(actor=SYSTEM, policy=policy))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE identity_populationrecord SET updated_at = now(), status = CASE WHEN id %% 2000 = 0 THEN 'cancelled' ELSE status END "
                       "WHERE id %% 1000 = 0", [])
        changed = cursor.rowcount
    delta, delta_s = timed(lambda: delta_run(actor=SYSTEM, policy=policy))
    print(json.dumps({"people": people, "count_s": count_s, "matched": matched, "sql_s": sql_s, "inserted": run.inserted, "full_s": full_s,
                      "rerun_inserted": rerun.inserted, "rerun_s": rerun_s, "changed": changed, "delta_s": delta_s, "delta_inserted": delta.inserted,
                      "delta_revoked": delta.revoked, "delta_queued": delta.queued, "entitlements": Entitlement.objects.count()}))


if __name__ == "__main__":
    main()
