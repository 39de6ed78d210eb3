#!/usr/bin/env bash
# Runs a command with throwaway PostgreSQL and Redis servers on loopback: temporary data
# directories, free ports, always stopped on exit (even when the command fails).
# Exports DATABASE_URL and REDIS_URL for the command.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/qilu-services.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgport=$(free_port)
redisport=$(free_port)

as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  status=$?
  as_pg "$pgbin/pg_ctl" -D "$tmp/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -n "${redispid:-}" ] && kill "$redispid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
  exit $status
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/pg" "$tmp/run"
[ "$(id -u)" -eq 0 ] && chown -R postgres "$tmp"
chmod 755 "$tmp"
as_pg "$pgbin/initdb" -D "$tmp/pg" -U qilu --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pgbin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg.log" -w -o "-h 127.0.0.1 -p $pgport -k $tmp/run -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
redis-server --bind 127.0.0.1 --port "$redisport" --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
redispid=$!
for _ in $(seq 50); do redis-cli -p "$redisport" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://qilu@127.0.0.1:$pgport/postgres"
export REDIS_URL="redis://127.0.0.1:$redisport/0"
export QILU_PG_BIN="$pgbin" QILU_PG_DATA="$tmp/pg" QILU_SERVICES_TMP="$tmp"
echo "PostgreSQL on 127.0.0.1:$pgport, Redis on 127.0.0.1:$redisport"
cd "$here"
"$@"
