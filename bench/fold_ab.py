"""The session-read fold (``identity.prefetch``) measured on and off in one process: the bench's requests
(``bench/inprocess.py``) for ``BENCH_ONLY``'s scenarios and the signed-in baseline, in rounds, each
scenario's block run once with the hot routes' declarations in place and once without (in turn, the
order flipped each round) (the code path
of the commit before the fold: the session's plain ``GET``, then the route's own read), CPU time
around each block. Same process, same data, same load: the difference is the fold.

    QILU_ENV=test QILU_BENCH=true QILU_CHECK_JOURNAL=redis BENCH_ONLY="show a health pass" \\
        scripts/with-services.sh .venv/bin/python bench/fold_ab.py ROUNDS N
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import inprocess  # noqa: E402 — after the path (sets the bench's environment)


def main(count: int, n: int) -> None:
    import django

    django.setup()
    from bench.run import CITIZEN_KEYS, PEOPLE, scenarios
    from identity import prefetch

    app = inprocess.InProcess()
    app.get("/healthz")
    tokens = {key: app.sign_in(PEOPLE[key]) for key in [*CITIZEN_KEYS, "clerk", "checkpoint"]}
    planned, _ = scenarios(app, tokens)
    base_name = "baseline: bare authenticated DRF view"
    wanted = [base_name, *(name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip())]
    plan = {name: lines() if callable(lines) else lines for name, lines in planned if name in wanted}
    declared = dict(prefetch._ROUTES)
    spent = {(name, fold): 0.0 for name in plan for fold in (True, False)}
    paired: dict[str, list[float]] = {name: [] for name in plan}  # per round: on − off, CPU ms per request
    for lines in plan.values():  # warm up (the scripts loaded, the snapshots attached with their companions)
        for i in range(50):
            app.line(lines[i % len(lines)], i)
    for round_ in range(count):
        for name, lines in plan.items():
            block = {}
            for fold in ((True, False) if round_ % 2 == 0 else (False, True)):
                prefetch._ROUTES.clear()
                prefetch._ROUTES.update(declared if fold else {})
                cpu = time.process_time()
                for i in range(n):
                    app.line(lines[i % len(lines)], i)
                block[fold] = time.process_time() - cpu
                spent[name, fold] += block[fold]
            paired[name].append((block[True] - block[False]) * 1000 / n)
    prefetch._ROUTES.update(declared)
    per = {key: value * 1000 / (count * n) for key, value in spent.items()}
    base = (per[base_name, True] + per[base_name, False]) / 2
    print(f"baseline (signed-in DRF view, no route declared): {base:.3f} CPU ms/req")
    for name in plan:
        if name == base_name:
            continue
        off, on = per[name, False], per[name, True]
        print(f"{name}: fold off {off:.3f} → on {on:.3f} CPU ms/req ({on - off:+.3f}; median of the rounds' paired differences "
              f"{statistics.median(paired[name]):+.3f}); × baseline {off / base:.2f} → {on / base:.2f} (inverse {base / off:.2f} → {base / on:.2f})",
              flush=True)


if __name__ == "__main__":
    if not os.environ.get("INPROCESS_PREPARED"):
        inprocess.prepare()
    main(int(sys.argv[1]), int(sys.argv[2]))
