"""Fixtures for the import tests that run real processes: a Redis server, and a yanxun
installation of its own (file-based SQLite in a temporary folder) driven through the CLI."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_redis: needs a Redis server: REDIS_URL, or a redis-server binary to "
                   "start one (never skipped: without Redis the test fails)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_redis(port: int, process: subprocess.Popen) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"redis-server exited with {process.returncode}")
        try:
            if client.ping():
                return
        except redis.ConnectionError:
            time.sleep(0.05)
    pytest.fail("redis-server did not answer within 20 s")


@pytest.fixture
def redis_url(tmp_path):
    """REDIS_URL when the run provides one (make test's PostgreSQL pass), else a throw-away
    redis-server on a free loopback port. No Redis at all is a failure, not a skip."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("This test needs Redis: set REDIS_URL or install redis-server "
                    "(scripts/bootstrap.sh does).")
    port = free_port()
    folder = tmp_path / "redis"
    folder.mkdir()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_redis(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


class Installation:
    """A yanxun of its own in a temporary folder: SQLite file, media, file cache."""

    def __init__(self, folder: Path, **env: str):
        self.folder = folder
        self.db_path = folder / "yanxun.sqlite3"
        self.env = {k: v for k, v in os.environ.items()
                    if k not in {"DATABASE_URL", "REDIS_URL", "YANXUN_IMPORT_WRITE_BATCH_DELAY"}}
        self.env.update(YANXUN_DATA_DIR=str(folder), YANXUN_SQLITE_PATH=str(self.db_path),
                        PYTHONPATH=str(REPO / "src"), **env)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "yanxun.cli", *args]

    def run(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        result = subprocess.run(self.command(*args), cwd=REPO, env={**self.env, **env},
                                capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            pytest.fail(f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def popen(self, args: list[str], **env: str) -> subprocess.Popen:
        return subprocess.Popen(args, cwd=REPO, env={**self.env, **env},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def shell(self, code: str) -> str:
        return self.run("shell", "-v", "0", "-c", code).stdout

    def query(self, sql: str):
        import sqlite3

        with sqlite3.connect(self.db_path, timeout=20) as connection:
            return connection.execute(sql).fetchall()


SETUP_DISTRICT = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from yanxun.org.models import District, School
district = District.objects.create(name="示范区")
School.objects.create(district=district, code="S0001", name="城东实验学校",
                      school_type="junior", location="city")
"""


@pytest.fixture
def installation(tmp_path):
    """Migrated, with one district and one school."""
    site = Installation(tmp_path / "site")
    site.folder.mkdir()
    site.shell(SETUP_DISTRICT)  # one process for both: each start costs seconds
    return site
