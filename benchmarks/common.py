"""Shared pieces of the benchmarks: a throw-away data folder and database, the demo district,
a served instance, and the figures. Not part of the application; run from the repo root with
the project's venv (see benchmarks/README.md)."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
YANXUN = str(VENV_BIN / "yanxun")


def say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> str:
    """One line describing where the figures were measured."""
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.1f} GB RAM"
    return (f"{time.strftime('%Y-%m-%d')}, {cpu}, {os.cpu_count()} CPUs{memory}, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def cpu_seconds() -> float:
    """CPU time (user + system) this process has used so far."""
    times = os.times()
    return times.user + times.system


# --- data folder and database -----------------------------------------------------------------

@dataclass
class Instance:
    """A data folder (and maybe a PostgreSQL database) the benchmark may throw away."""

    data_dir: Path
    database_url: str = ""
    redis_url: str = ""
    label: str = "SQLite"
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = {**os.environ, "YANXUN_DATA_DIR": str(self.data_dir),
                    "DJANGO_SETTINGS_MODULE": "yanxun.settings", "YANXUN_LOG_LEVEL": "ERROR"}
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        if self.database_url:
            self.env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            self.env["REDIS_URL"] = self.redis_url

    def run(self, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
        """`yanxun <args>` against this instance; raises with its output if it fails."""
        result = subprocess.run([YANXUN, *args], cwd=ROOT, env=self.env, text=True,
                                capture_output=True)
        if result.returncode != 0:
            raise RuntimeError(f"yanxun {' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout}\n{result.stderr}")
        if not quiet:
            say(result.stdout.rstrip())
        return result

    def django(self) -> None:
        """Set up Django in this process against the instance (for generators and checks)."""
        os.environ.update(self.env)
        if str(ROOT / "src") not in sys.path:
            sys.path.insert(0, str(ROOT / "src"))
        import django

        django.setup()


@contextlib.contextmanager
def temp_postgres() -> Iterator[tuple[str, str]]:
    """A throw-away PostgreSQL (and Redis) on loopback, started and stopped with the
    project's scripts/test-services.sh (initdb runs as the postgres user)."""
    folder = Path(tempfile.mkdtemp(prefix="yanxun-bench-svc-"))
    env_file = folder / "services.env"
    script = str(ROOT / "scripts" / "test-services.sh")
    subprocess.run([script, "start", str(env_file)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    try:
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        yield values["DATABASE_URL"], values.get("REDIS_URL", "")
    finally:
        subprocess.run([script, "stop", str(env_file)], cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def instance(*, postgres: bool = False, database_url: str = "",
             keep: bool = False) -> Iterator[Instance]:
    """A fresh data folder; with `postgres` a temporary cluster, with `database_url` that
    database (which must be empty or already hold the demo district)."""
    data_dir = Path(tempfile.mkdtemp(prefix="yanxun-bench-"))
    try:
        if postgres:
            with temp_postgres() as (url, redis_url):
                yield Instance(data_dir, url, redis_url, "PostgreSQL (temporary cluster)")
        elif database_url:
            yield Instance(data_dir, database_url, "", "PostgreSQL (--database-url)")
        else:
            yield Instance(data_dir)
    finally:
        if keep:
            say(f"data folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def prepare_demo(inst: Instance, *, teachers: int, schools: int, seed: int = 2026) -> float:
    """Migrate and build the demo district; returns the seconds the demo took."""
    inst.run("migrate", "--noinput")
    started = time.perf_counter()
    inst.run("demo", "--seed", str(seed), "--teachers", str(teachers), "--schools", str(schools))
    return time.perf_counter() - started


# --- a served instance -------------------------------------------------------------------

@dataclass
class Server:
    base: str
    pgid: int

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (granian and its workers; with
        SQLite that includes the database work, PostgreSQL's own processes are not counted)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.pgid:  # pgrp
                    total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / tick


@contextlib.contextmanager
def served(inst: Instance, *, workers: int = 2) -> Iterator[Server]:
    """`yanxun serve` (granian) on a free loopback port. The server runs in its own process
    group, which is stopped (and only it) on exit."""
    port = free_port()
    log = open(inst.data_dir / "serve.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [YANXUN, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--no-migrate"], cwd=ROOT, env=inst.env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, inst.data_dir / "serve.log")
        yield Server(base, process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"yanxun serve exited ({process.returncode}):\n{log.read_text()}")
        with (contextlib.suppress(OSError),
              urllib.request.urlopen(base + "/accounts/login/", timeout=2) as response):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"yanxun serve did not answer within 90 s:\n{log.read_text()}")
