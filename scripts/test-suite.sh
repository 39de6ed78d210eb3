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
$py -m pytest -n "${QILU_TEST_WORKERS:-2}" --dist loadfile "$@"  # pytest-xdist: one worker per core (tests/conftest.py says why the order is safe)
