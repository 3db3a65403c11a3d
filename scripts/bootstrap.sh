#!/usr/bin/env bash
# Install what Yanxun needs on Debian 12, only what is missing, then sync the venv and the
# front-end packages. Idempotent: on a machine that has everything it changes nothing.
#
#   scripts/bootstrap.sh            (called by `make run`, `make test`, `make test-fast`)
#
# Environment: YANXUN_SKIP_APT=1 skips the Debian package step (a machine without apt).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

UV_VERSION="0.13.9"
PYTHON=/usr/bin/python3.11
export UV_PYTHON_DOWNLOADS=never
export DEBIAN_FRONTEND=noninteractive

say() { printf 'bootstrap: %s\n' "$*"; }

# Debian packages: python, database and cache servers for tests and production, Chromium for
# browser tests, CJK fonts and Pango for WeasyPrint PDFs, build tools.
DEBIAN_PACKAGES=(
    python3.11 python3-venv python3-pip
    postgresql redis-server
    chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
    make git
)

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        say "需要 root 权限安装系统软件包: $*" >&2
        exit 1
    fi
}

install_debian_packages() {
    [ "${YANXUN_SKIP_APT:-0}" = "1" ] && return 0
    command -v dpkg-query >/dev/null 2>&1 || { say "no dpkg: skipping Debian packages"; return 0; }
    local missing=() pkg
    for pkg in "${DEBIAN_PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    # Node.js may come from elsewhere (NodeSource ships npm inside nodejs): only ask Debian
    # for what is absent.
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    [ "${#missing[@]}" -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -q
    as_root apt-get install -y -q "${missing[@]}"
}

find_uv() {
    if uv --version >/dev/null 2>&1; then
        UV=uv
    elif [ -x .tools/venv/bin/uv ]; then
        UV=.tools/venv/bin/uv
    else
        say "installing uv ${UV_VERSION} into .tools/venv"
        rm -rf .tools/venv
        "$PYTHON" -m venv .tools/venv
        .tools/venv/bin/pip install -q --disable-pip-version-check "uv==${UV_VERSION}"
        UV=.tools/venv/bin/uv
    fi
}

sync_python() {
    # The dev group (pytest, playwright, ruff ...) is uv's default group: one venv serves
    # `make run` and `make test` alike, so switching between them reinstalls nothing.
    "$UV" sync --frozen --quiet --python "$PYTHON"
    compile_bytecode
}

compile_bytecode() {
    # Byte-compile the installed packages once per lock file. Where PYTHONDONTWRITEBYTECODE is
    # set (as on this project's machines) nothing else ever writes .pyc files, and every
    # `yanxun` command, server start and test subprocess would compile Django, Polars ... from
    # source again: 2.6 s instead of 0.5 s to start.
    local marker=.venv/.yanxun-compiled
    if [ ! -f "$marker" ] || [ uv.lock -nt "$marker" ]; then
        say "byte-compiling the Python packages"
        .venv/bin/python -m compileall -q -j 0 .venv/lib/python3.11/site-packages >/dev/null || true
        touch "$marker"
    fi
}

sync_node() {
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        say "installing front-end packages (npm ci)"
        npm ci --no-audit --no-fund --loglevel=error
        touch node_modules/.package-lock.json
    fi
}

install_debian_packages
find_uv
sync_python
sync_node
