#!/usr/bin/env bash
# The whole check that `make test` (and so CI) runs, or its quick form for use while working.
#
#   scripts/test.sh                 bootstrap; ruff; makemigrations --check; the suite on SQLite
#                                   with the browser tests; the suite again on PostgreSQL + Redis
#   scripts/test.sh --fast [ARGS]   bootstrap; the suite on SQLite without browser tests, -x;
#                                   ARGS go to pytest (a path, -k EXPR ...)
#
# Every stage runs even when an earlier one failed; the exit code is non-zero if any failed.
# Environment: YANXUN_TEST_WORKERS (pytest-xdist workers, default 2),
#              YANXUN_TEST_STAGE_TIMEOUT (seconds one pytest run may take, default 1500).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

MODE=full
if [ "${1:-}" = "--fast" ]; then MODE=fast; shift; fi
WORKERS="${YANXUN_TEST_WORKERS:-2}"
STAGE_TIMEOUT="${YANXUN_TEST_STAGE_TIMEOUT:-1500}"
VENV=.venv/bin
declare -a SUMMARY=() FAILED_STAGES=()
FAILED=0

say() { printf '\n==> %s\n' "$*"; }

stage() {  # stage NAME COMMAND...: run, time, record; never exits
    local name="$1" start rc
    shift
    say "$name"
    start=$(date +%s)
    "$@"
    rc=$?
    SUMMARY+=("$(printf '%-34s %-6s %5ss' "$name" "$([ $rc -eq 0 ] && echo ok || echo FAIL)" \
        "$(( $(date +%s) - start ))")")
    if [ $rc -ne 0 ]; then
        FAILED=1
        FAILED_STAGES+=("$name")
        [ $rc -eq 5 ] && echo "pytest collected no tests: that counts as a failure here" >&2
    fi
    # pytest exits 2 when interrupted (Ctrl-C) and a killed command >= 128: stop here; the
    # EXIT trap stops the servers.
    if [ $rc -eq 2 ] || [ $rc -ge 128 ]; then
        echo "stage \"$name\" was interrupted or broke off (exit $rc): stopping" >&2
        stop_services
        report
        exit 1
    fi
    return 0
}

pytest_run() {  # pytest_run JUNIT_XML ARGS...
    local xml="$1"
    shift
    # --foreground: Ctrl-C reaches pytest; on time-out pytest gets TERM, then KILL 30 s later.
    timeout --foreground -k 30 "$STAGE_TIMEOUT" "$VENV/pytest" -q -n "$WORKERS" --durations=10 \
        --junitxml="$xml" "$@"
}

pytest_on_postgresql() {  # the production configuration; browser tests ran on SQLite already
    (
        set -a
        # shellcheck disable=SC1090
        source "$SERVICES_ENV"
        set +a
        pytest_run "$RUN_DIR/postgresql.xml" -m "not e2e"
    )
}

stop_services() {
    if [ -n "${SERVICES_ENV:-}" ]; then
        scripts/test-services.sh stop "$SERVICES_ENV" >/dev/null
        SERVICES_ENV=""
    fi
}

cleanup() {  # on every exit, failures and Ctrl-C included
    stop_services
    case "${RUN_DIR:-}" in /tmp/yanxun-test.*) rm -rf "$RUN_DIR" ;; esac
}

totals() {  # one plain closing line over every pytest run of this script
    "$VENV/python" - "$RUN_DIR"/*.xml <<'EOF'
import sys
import xml.etree.ElementTree as ET

tests = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        continue
    for suite in root.iter("testsuite"):
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
line = f"total: {tests - failed - skipped} passed, {failed} failed"
print(line + (f", {skipped} skipped" if skipped else ""))
EOF
}

report() {
    say "summary"
    printf '%s\n' "${SUMMARY[@]}"
    if [ ${#FAILED_STAGES[@]} -gt 0 ]; then
        printf 'failed stages: %s\n' "$(IFS=,; echo "${FAILED_STAGES[*]}" | sed 's/,/, /g')"
    fi
    totals
}

trap cleanup EXIT
trap 'exit 130' INT TERM

# --- set-up ---------------------------------------------------------------------------------
scripts/bootstrap.sh || exit 1

RUN_DIR="$(mktemp -d /tmp/yanxun-test.XXXXXX)"
# The tests get a data folder of their own, the embedded configuration and a fast hasher; no
# setting of the developer's shell leaks in.
unset DATABASE_URL REDIS_URL SECRET_KEY YANXUN_SQLITE_PATH YANXUN_HTTPS
export YANXUN_DATA_DIR="$RUN_DIR/data"
export YANXUN_FAST_HASHER=1
mkdir -p "$YANXUN_DATA_DIR" test-results

if [ "$MODE" = fast ]; then
    stage "pytest (SQLite, no browser)" pytest_run "$RUN_DIR/fast.xml" -x -m "not e2e" "$@"
    report
    exit $FAILED
fi

# --- full run -------------------------------------------------------------------------------
SERVICES_ENV="$RUN_DIR/test-services.env"
YANXUN_TEST_OWNER_PID=$$ stage "start PostgreSQL + Redis" \
    scripts/test-services.sh start "$SERVICES_ENV"
stage "ruff check" "$VENV/ruff" check src tests
stage "makemigrations --check" "$VENV/python" manage.py makemigrations --check --dry-run
stage "pytest on SQLite (with browser)" pytest_run "$RUN_DIR/sqlite.xml"
if [ -f "$SERVICES_ENV" ] && grep -q '^REDIS_URL=' "$SERVICES_ENV"; then
    stage "pytest on PostgreSQL + Redis" pytest_on_postgresql
else
    SUMMARY+=("pytest on PostgreSQL + Redis       FAIL   (servers did not start)")
    FAILED_STAGES+=("pytest on PostgreSQL + Redis")
    FAILED=1
fi
stop_services
report
exit $FAILED
