#!/usr/bin/env bash
# Installs the Debian packages `make test` needs when they are missing: PostgreSQL, Redis, Chromium
# (for Playwright; its own browser download cannot work offline), CJK fonts for screenshots, wrk
# for make bench, nginx, PgBouncer, etcd and HAProxy for the production-stack tests (never started as services), Pango
# for WeasyPrint, and poppler's pdfsig with NSS's certutil to verify sealed PDFs.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)  # Sentinel for the production stack's Redis failover test
command -v chromium >/dev/null || missing+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
command -v wrk >/dev/null || missing+=(wrk)  # HTTP load generator for make bench
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)  # the reverse proxy of the production-stack tests
[ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)  # the connection pooler of the production stack (never started as a service)
command -v npm >/dev/null || missing+=(nodejs npm)  # the generated TypeScript client check (tests/contract)
command -v pdfsig >/dev/null || missing+=(poppler-utils)  # pdfsig: the sealed PDFs checked by a verifier no one here wrote
command -v certutil >/dev/null || missing+=(libnss3-tools)  # certutil: pdfsig's trust store (NSS) with the seal CA's root
ldconfig -p | grep -q libzbar.so.0 || missing+=(libzbar0)  # zbar: the independent QR decoder of the 亮证 QR test (pyzbar)
command -v etcd >/dev/null || missing+=(etcd-server)  # Patroni's store in the database failover test (never started as a service)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)  # routes to Patroni's leader and replica by its REST checks in that test
[ -x /usr/bin/python3 ] || missing+=(python3)  # Patroni runs as the postgres user, on Debian's python3 (devtools/patroni.py)
ldconfig -p | grep -q libpangoft2-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint renders result documents with Pango
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Not root: install them yourself (apt-get install ${missing[*]}) and run make test again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
