"""`make bench-yardsticks`: how long the policy yardsticks (portal/yardsticks.py) take at a million
applications, on PostgreSQL (started by scripts/with-services.sh), beside a baseline measured in the
same run on the same data: a plain ``SELECT count(*)`` of the applications in the period, the least
any figure over them could cost.

Loads the demo catalogue and people, then APPLICATIONS (default 1,000,000) applications spread over
the last 30 days and all items (a quarter decided by 秒批, a quarter by reviewers, a tenth rated, 3 %
overdue) with set-based SQL (generate_series), ANALYZEs, and times ``compute()`` cold (nothing
cached) three times for the province and once per filter. Writes a Markdown table to bench/results/.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("QILU_ENV", "test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

APPLICATIONS = int(os.environ.get("APPLICATIONS", "1000000"))


def load() -> None:
    from services.models import Application

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--citizens", "0", "--quiet")
    template = Application.objects.order_by("pk").first()  # its encrypted answers are copied: the figures never read them
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO services_application (number, item_id, version_id, department_id, applicant_id, channel, data_json, status,
                idempotency_key, idempotency_fingerprint, failing_rule, materials_total, materials_saved, due_at, overdue, created_at, decided_at)
            SELECT 'BENCH' || lpad(g::text, 12, '0'), i.id, i.current_version_id, i.department_id, %s, 'online', %s,
                   CASE WHEN g %% 4 = 0 THEN 'completed' WHEN g %% 4 = 1 THEN 'rejected' ELSE 'submitted' END,
                   '', '', '', 3, (g %% 3), now() + interval '10 days', (g %% 33 = 0),
                   now() - (g %% 30) * interval '1 day' - (g %% 86400) * interval '1 second',
                   CASE WHEN g %% 4 IN (0, 1) THEN now() - (g %% 30) * interval '1 day' + (g %% 7200) * interval '1 second' END
            FROM generate_series(1, %s) AS g
            JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, current_version_id, department_id FROM services_serviceitem) AS i
              ON i.k = g %% (SELECT count(*) FROM services_serviceitem)
        """, [template.applicant_id, template.data_json, APPLICATIONS])
        cursor.execute("""
            INSERT INTO services_transition (application_id, from_status, to_status, actor_id, actor_label, comment, created_at)
            SELECT id, 'submitted', 'approved', NULL, 'System', '', decided_at FROM services_application
            WHERE number LIKE 'BENCH%%' AND status = 'completed' AND right(number, 1) IN ('0', '2', '4', '6', '8')
        """)
        cursor.execute("""
            INSERT INTO services_rating (application_id, rater_id, item_id, department_id, channel, level, tags, comment, created_at)
            SELECT id, applicant_id, item_id, department_id, 'online', 1 + ((id / 5) % 5), '[]', '', decided_at FROM services_application
            WHERE number LIKE 'BENCH%%' AND status IN ('completed', 'rejected') AND id % 5 = 0
        """)
        cursor.execute("ANALYZE")
    print(f"loaded {APPLICATIONS:,} applications in {time.perf_counter() - start:.0f} s", flush=True)


def timed(function, runs: int) -> list[float]:
    from django.core.cache import cache

    times = []
    for _ in range(runs):
        cache.clear()
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    from portal import yardsticks
    from services.models import Application

    load()
    end = timezone.localdate()
    start = end - dt.timedelta(days=29)
    since = dt.datetime.combine(start, dt.time.min, timezone.get_current_timezone())
    rows = [
        ("baseline: count(*) of the period's applications", timed(lambda: Application.objects.filter(created_at__gte=since).count(), 3)),
        ("yardsticks, province, 30 days (cold)", timed(yardsticks.compute, 3)),
        ("yardsticks, one department", timed(lambda: yardsticks.compute(department="SD-GAT"), 2)),
        ("yardsticks, one city", timed(lambda: yardsticks.compute(region="370100"), 2)),
    ]
    yardsticks.cached()  # the dashboard's first view fills the cache; the second reads it
    begin = time.perf_counter()
    figures = yardsticks.cached()
    rows.append(("yardsticks, cached (the dashboard's second view)", [(time.perf_counter() - begin) * 1000]))
    out = Path(__file__).parent / "results" / f"{timezone.now():%Y-%m-%d-%H%M}-yardsticks.md"
    lines = [f"# Yardsticks at {Application.objects.count():,} applications", "",
             f"{platform.node()}, {os.cpu_count()} cores, PostgreSQL {connection.pg_version // 10000}", "",
             "| query | median ms | runs (ms) |", "|---|---:|---|"]
    lines += [f"| {name} | {statistics.median(times):.0f} | {', '.join(f'{t:.0f}' for t in times)} |" for name, times in rows]
    lines += ["", "Headline on this data:", "", *[f"- {key}: {value}" for key, value in figures.headline.items()]]
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
