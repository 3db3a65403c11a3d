#!/usr/bin/env bash
# Throw-away PostgreSQL and Redis servers for the test suite, on loopback, in a temporary folder.
#
#   scripts/test-services.sh start [ENV_FILE]   start both; write DATABASE_URL and REDIS_URL
#   scripts/test-services.sh stop  [ENV_FILE]   stop what `start` started; remove its folder
#
# ENV_FILE defaults to var/test-services.env; `source` it to point the tests at the servers.
# PostgreSQL refuses to run as root, so initdb and the server run as the `postgres` user
# (`runuser -u postgres`) when this script runs as root. Nothing here listens beyond 127.0.0.1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ACTION="${1:-}"
ENV_FILE="${2:-var/test-services.env}"

say() { printf 'test-services: %s\n' "$*"; }

pg_bin() {
    if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$dir" ] || { say "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
    echo "$dir"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    local bin port
    bin="$(pg_bin)"
    port="$(free_port)"
    mkdir -p "$WORK/pg" "$WORK/pgsock"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$WORK/pg" "$WORK/pgsock"
    as_pg "$bin/initdb" -D "$WORK/pg/data" -U yanxun --auth=trust --encoding=UTF8 --no-locale \
        >"$WORK/pg/initdb.log" 2>&1 || { cat "$WORK/pg/initdb.log" >&2; return 1; }
    # Durability is pointless for a database that is thrown away: trade it for speed.
    as_pg "$bin/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $WORK/pgsock -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        >/dev/null || { cat "$WORK/pg/server.log" >&2; return 1; }
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U yanxun yanxun
    echo "DATABASE_URL=postgres://yanxun@127.0.0.1:$port/yanxun" >>"$ENV_FILE.tmp"
    echo "YANXUN_TEST_PG_DATA=$WORK/pg/data" >>"$ENV_FILE.tmp"
    echo "YANXUN_TEST_PG_BIN=$bin" >>"$ENV_FILE.tmp"
}

start_redis() {
    local port
    port="$(free_port)"
    mkdir -p "$WORK/redis"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$WORK/redis" --save "" --appendonly no \
        --daemonize yes --pidfile "$WORK/redis/redis.pid" --logfile "$WORK/redis/redis.log"
    local i
    for i in $(seq 50); do
        redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null
    echo "REDIS_URL=redis://127.0.0.1:$port/0" >>"$ENV_FILE.tmp"
    echo "YANXUN_TEST_REDIS_PIDFILE=$WORK/redis/redis.pid" >>"$ENV_FILE.tmp"
}

reap_orphans() {
    # Servers of an earlier run whose owner died without stopping them (SIGKILL, a lost shell).
    local copy owner
    for copy in /tmp/yanxun-test-services.*/services.env; do
        [ -f "$copy" ] || continue
        owner="$(sed -n 's/^YANXUN_TEST_OWNER_PID=//p' "$copy")"
        if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
            say "stopping the servers of a finished run (owner $owner)"
            ENV_FILE="$copy" stop >/dev/null
        fi
    done
}

start() {
    if [ -f "$ENV_FILE" ]; then
        say "$ENV_FILE exists: stopping the servers it names first"
        stop
    fi
    reap_orphans
    mkdir -p "$(dirname "$ENV_FILE")"
    WORK="$(mktemp -d /tmp/yanxun-test-services.XXXXXX)"
    chmod 755 "$WORK"
    : >"$ENV_FILE.tmp"
    echo "YANXUN_TEST_SERVICES_DIR=$WORK" >>"$ENV_FILE.tmp"
    # The process whose life the servers share: the caller (scripts/test.sh passes its own).
    echo "YANXUN_TEST_OWNER_PID=${YANXUN_TEST_OWNER_PID:-$PPID}" >>"$ENV_FILE.tmp"
    # Write the env file even when a server fails to start, so that `stop` can clean up; a
    # copy inside the folder lets a later run stop them if their owner dies first.
    trap 'cp "$ENV_FILE.tmp" "$WORK/services.env"; mv -f "$ENV_FILE.tmp" "$ENV_FILE"' EXIT
    start_postgres
    start_redis
    say "PostgreSQL and Redis up (env in $ENV_FILE)"
}

stop() {
    [ -f "$ENV_FILE" ] || { say "nothing to stop ($ENV_FILE absent)"; return 0; }
    # shellcheck disable=SC1090
    (
        set -a; source "$ENV_FILE"; set +a
        if [ -n "${YANXUN_TEST_PG_DATA:-}" ] && [ -f "$YANXUN_TEST_PG_DATA/postmaster.pid" ]; then
            as_pg "$YANXUN_TEST_PG_BIN/pg_ctl" -D "$YANXUN_TEST_PG_DATA" -m immediate -w stop \
                >/dev/null || true
        fi
        if [ -n "${YANXUN_TEST_REDIS_PIDFILE:-}" ] && [ -f "$YANXUN_TEST_REDIS_PIDFILE" ]; then
            pid="$(cat "$YANXUN_TEST_REDIS_PIDFILE")"
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
        case "${YANXUN_TEST_SERVICES_DIR:-}" in
            /tmp/yanxun-test-services.*) rm -rf "$YANXUN_TEST_SERVICES_DIR" ;;
        esac
    )
    rm -f "$ENV_FILE"
    say "stopped"
}

case "$ACTION" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop [ENV_FILE]" >&2; exit 2 ;;
esac
