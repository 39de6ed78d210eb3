#!/usr/bin/env bash
# The whole suite, run by `make test` inside scripts/with-services.sh.
set -euo pipefail
export QILU_ENV=test
py=.venv/bin/python
.venv/bin/ruff check .
.venv/bin/lint-imports  # layers, no API in use cases, read-only selectors, no circles (pyproject.toml)
.venv/bin/xenon --max-absolute C --exclude "*/migrations/*,*/demo.py,.venv/*,tests/*,bench/*,devtools/*,mutants/*" .  # no function above complexity C
$py manage.py check --fail-level WARNING
$py manage.py makemigrations --check --dry-run
$py manage.py spectacular --validate --fail-on-warn --file /dev/null  # the OpenAPI schema is clean
# Two pytest-xdist workers where there are two cores (18 min of tests instead of about 28);
# QILU_TEST_WORKERS=0 runs everything in one process (docs/testing.md).
workers=${QILU_TEST_WORKERS:-$([ "$(nproc)" -ge 2 ] && echo 2 || echo 0)}
if [ "$workers" -gt 0 ]; then set -- -n "$workers" --dist loadfile "$@"; fi
$py -m pytest "$@"
