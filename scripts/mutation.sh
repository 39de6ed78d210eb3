#!/usr/bin/env bash
# `make mutation`, inside scripts/with-services.sh: mutmut mutates the trust-critical modules named in
# pyproject.toml [tool.mutmut] and runs their tests against each mutant, then prints the score and
# every survivor. Fails when fewer than 80 % of the mutants are killed.
set -euo pipefail
export QILU_ENV=test
.venv/bin/mutmut run --max-children "$(nproc)"
.venv/bin/mutmut results --all true > mutants/results.txt || true
killed=$(grep -c ": killed" mutants/results.txt || true)
total=$(grep -cE ": (killed|survived|timeout|no tests|suspicious|segfault)" mutants/results.txt || true)
survived=$(grep -E ": (survived|no tests)" mutants/results.txt || true)
echo "$survived"
echo "mutation score: $killed of $total mutants killed"
python3 -c "import sys; k, t = $killed, max($total, 1); sys.exit(0 if k / t >= 0.8 else 1)"
