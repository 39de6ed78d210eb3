#!/usr/bin/env bash
# The whole suite, run by `make test` inside scripts/with-services.sh.
set -euo pipefail
export QILU_ENV=test
py=.venv/bin/python
.venv/bin/ruff check .
$py manage.py check --fail-level WARNING
$py manage.py makemigrations --check --dry-run
$py manage.py spectacular --validate --fail-on-warn --file /dev/null  # the OpenAPI schema is clean
$py -m pytest "$@"
