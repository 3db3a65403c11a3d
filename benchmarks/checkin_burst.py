"""Benchmark: the check-in burst. 3,000 enrolled teachers check in to one session within 20 s —
150 teachers a second, each scanning the QR code twice (the second scan 0.5–3 s after the
first), so 300 requests a second — against `yanxun serve` (granian, 2 workers) on loopback.

Then the highest sustained rate with p99 < 300 ms: the same pattern on fresh sessions at rising
rates, beside the same ladder for a bare route of the same stack (middleware, session, user)
that writes one row (`YANXUN_BENCHMARK_ROUTES=1`), the ceiling.

    .venv/bin/python benchmarks/checkin_burst.py              # SQLite, then PostgreSQL
    .venv/bin/python benchmarks/checkin_burst.py --sqlite     # or --postgres
    options: --teachers 3000 --rate 150 --workers 2 --json OUT --keep

Teachers are already logged in: their sessions are saved through the session engine as a
login saves them (hashing 3,000 passwords would measure PBKDF2). Tokens are made in the load generator with the
application's own signer (the same SECRET_KEY), fresh every second, as the screen makes them.
The load generator is open-loop on raw asyncio streams (loadgen.Connection), one connection per
teacher like one phone each; its own CPU time is printed, since it shares the 2 cores.
Each database runs in a child process (Django is set up once per process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, Instance, cpu_seconds, instance, machine, percentile, say, served
from loadgen import Connection

TARGET_P99_MS = 300.0
REQUEST_TIMEOUT = 15.0
CHECKIN_LADDER = (100, 150, 200, 250, 300, 400)  # teachers a second (2 requests each)
CHECKIN_STEP_SECONDS = 8.0
BARE_LADDER = (150, 300, 450, 600, 800, 1000)  # requests a second
BARE_STEP_SECONDS = 6.0
FIRST = b'data-outcome="checked_in"'
REPEAT = b'data-outcome="repeat"'


# --- results ---------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)  # "time-out", "HTTP 500" ...
    seconds: float = 0.0
    loadgen_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    late_start_ms: float = 0.0  # the worst delay of a request behind its schedule
    load_average: float = 0.0

    def error(self, sample: str) -> None:
        self.errors += 1
        kind = sample.split(":")[0] if sample.startswith("HTTP") else (
            "time-out" if sample.startswith("TimeoutError") else sample.split("(")[0])
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        if len(self.error_samples) < 5:
            self.error_samples.append(sample)

    def figures(self) -> dict:
        done = len(self.latencies_ms)
        requests = done + self.errors
        return {
            "label": self.label, "requests": requests, "errors": self.errors,
            "p50_ms": percentile(self.latencies_ms, 50), "p95_ms": percentile(self.latencies_ms, 95),
            "p99_ms": percentile(self.latencies_ms, 99), "max_ms": max(self.latencies_ms, default=0),
            "throughput_rps": done / self.seconds if self.seconds else 0.0,
            "seconds": self.seconds, "loadgen_cpu_s": self.loadgen_cpu_s,
            "loadgen_cpu_share": self.loadgen_cpu_s / self.seconds if self.seconds else 0.0,
            "server_cpu_ms_per_request": self.server_cpu_s * 1000 / requests if requests else 0,
            "late_start_ms": self.late_start_ms, "load_average": self.load_average,
            "error_samples": self.error_samples, "error_kinds": self.error_kinds,
        }

    def ok(self) -> bool:
        return self.errors == 0 and percentile(self.latencies_ms, 99) < TARGET_P99_MS


def describe(f: dict) -> str:
    return (f"{f['label']:<28} {f['requests']:>5} req  p50 {f['p50_ms']:6.1f}  p95 "
            f"{f['p95_ms']:6.1f}  p99 {f['p99_ms']:6.1f}  max {f['max_ms']:6.1f} ms  "
            f"{f['throughput_rps']:6.1f} req/s  errors {f['errors']}  server CPU "
            f"{f['server_cpu_ms_per_request']:.1f} ms/req  loadgen CPU {f['loadgen_cpu_s']:.1f} s "
            f"({f['loadgen_cpu_share']:.0%} of a core)  load {f['load_average']:.1f}")


# --- the child: one database -----------------------------------------------------------------


class Tokens:
    """The token the screen would show now: one per second, made with the app's signer."""

    def __init__(self, session_pk: int):
        from yanxun.training import checkin

        self.session_pk, self.checkin = session_pk, checkin
        self.second, self.path = -1, ""

    def current(self) -> str:
        now = int(time.time())
        if now != self.second:
            token = self.checkin.token_issue(self.session_pk)
            self.second, self.path = now, f"/training/c/{token}/"
        return self.path


def prepare(teachers: int) -> tuple:
    """Migrate, build the class and log every teacher in: each session is saved through the
    deployment's session engine, as a login saves it (with Redis: in the database and in
    Redis), without checking a password (hashing 3,000 passwords would measure PBKDF2)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from tests.training.factories_checkin import enrolled_class

    call_command("migrate", interactive=False, verbosity=0)
    klass, session, people = enrolled_class(teachers, prefix="BURST")
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    backend = "yanxun.accounts.backends.LoginNameOrPhoneBackend"
    cookies = []
    for teacher in people:
        store = store_class()
        store.update({SESSION_KEY: str(teacher.user_id), BACKEND_SESSION_KEY: backend,
                      HASH_SESSION_KEY: teacher.user.get_session_auth_hash()})
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    settle()
    return klass, session, cookies


def settle() -> None:
    """The set-up just wrote thousands of rows; in a real district they were written days
    before the session. Vacuum and analyse now (and checkpoint, where allowed) so that
    PostgreSQL's autovacuum and checkpointer do not start in the middle of the burst."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        with contextlib.suppress(Exception):
            cursor.execute("CHECKPOINT")


def new_session(klass):
    from tests.training.factories_checkin import session_now

    return session_now(klass)


async def _get(conn: Connection, path: str) -> tuple[int, bytes]:
    return await asyncio.wait_for(conn.get(path), timeout=REQUEST_TIMEOUT)


async def _teacher(host: str, port: int, cookie: str, tokens: Tokens, start: float,
                   gap: float, run: Run) -> None:
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    run.late_start_ms = max(run.late_start_ms, (time.perf_counter() - start) * 1000)
    conn = Connection(host, port, cookie)
    for expected in (FIRST, REPEAT):
        if expected is REPEAT:
            await asyncio.sleep(gap)
        path = tokens.current()
        began = time.perf_counter()
        try:
            status, body = await _get(conn, path)
        except (TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            run.error(f"{exc!r}")
            await conn.close()
            continue
        elapsed = (time.perf_counter() - began) * 1000
        if status != 200 or not (expected in body or (expected is REPEAT and FIRST in body)):
            run.error(f"HTTP {status}: {body[:160]!r}")
        else:
            run.latencies_ms.append(elapsed)
    await conn.close()


async def checkin_wave(base: str, cookies: list[str], session_pk: int, rate: float,
                       label: str, seed: int) -> Run:
    """Teacher i starts at i / rate seconds; each scans, waits 0.5–3 s, scans again."""
    host, port = base.removeprefix("http://").split(":")
    rng, tokens, run = random.Random(seed), Tokens(session_pk), Run(label)
    began = time.perf_counter() + 0.2
    await asyncio.gather(*(_teacher(host, int(port), cookie, tokens, began + i / rate,
                                    rng.uniform(0.5, 3.0), run)
                           for i, cookie in enumerate(cookies)))
    run.seconds = time.perf_counter() - began
    return run


async def bare_wave(base: str, cookies: list[str], rate: float, seconds: float,
                    label: str) -> Run:
    """The bare route at `rate` requests a second, on a pool of keep-alive connections."""
    host, port = base.removeprefix("http://").split(":")
    run, pool, count = Run(label), [], int(rate * seconds)
    began = time.perf_counter() + 0.2

    async def one(i: int) -> None:
        await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
        run.late_start_ms = max(run.late_start_ms,
                                (time.perf_counter() - began - i / rate) * 1000)
        conn = pool.pop() if pool else Connection(host, int(port), cookies[i % len(cookies)])
        started = time.perf_counter()
        try:
            status, body = await _get(conn, "/training/checkin/bench/write-one/")
        except (TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            run.error(f"{exc!r}")
            await conn.close()
            return
        if status != 200 or body != b"ok":
            run.error(f"HTTP {status}: {body[:160]!r}")
        else:
            run.latencies_ms.append((time.perf_counter() - started) * 1000)
        pool.append(conn)

    await asyncio.gather(*(one(i) for i in range(count)))
    run.seconds = time.perf_counter() - began
    for conn in pool:
        await conn.close()
    return run


def wait_until_idle(base: str, *, limit: float = 90.0) -> float:
    """Before each run: requests that timed out in the run before may still be queued in the
    server (an open loop keeps sending when the server falls behind). Wait until three light
    requests in a row answer within 50 ms; returns the seconds waited."""
    began, quick = time.perf_counter(), 0
    while quick < 3 and time.perf_counter() - began < limit:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            urllib.request.urlopen(base + "/accounts/login/", timeout=10).read()
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0
        time.sleep(0.2)
    return time.perf_counter() - began


def measured(server, coroutine) -> dict:
    waited = wait_until_idle(server.base)
    if waited > 2:
        say(f"    (waited {waited:.0f} s for the server to finish the previous run's queue)")
    cpu, server_cpu = cpu_seconds(), server.cpu_seconds()
    run = asyncio.run(coroutine)
    run.loadgen_cpu_s = cpu_seconds() - cpu
    run.server_cpu_s = server.cpu_seconds() - server_cpu
    run.load_average = os.getloadavg()[0]
    figures = run.figures()
    say(describe(figures))
    if run.errors:
        say(f"    errors by kind: {run.error_kinds}; first: {run.error_samples[0]}")
    figures["ok"] = run.ok()
    return figures


def recorded_once(session_pk: int) -> dict:
    from django.db.models import Count

    from yanxun.training.models import Attendance

    rows = Attendance.objects.filter(session_id=session_pk)
    per_teacher = rows.values("teacher_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    return {"records": rows.count(), "teachers": rows.values("teacher_id").distinct().count(),
            "teachers_with_two": per_teacher}


def child(args: argparse.Namespace) -> dict:
    inst = Instance(Path(os.environ["YANXUN_DATA_DIR"]), os.environ.get("DATABASE_URL", ""),
                    os.environ.get("REDIS_URL", ""), args.label)
    inst.django()
    started = time.perf_counter()
    klass, session, cookies = prepare(args.teachers)
    say(f"{args.label}: {args.teachers} teachers enrolled and logged in "
        f"({time.perf_counter() - started:.1f} s)")
    out: dict = {"database": args.label, "teachers": args.teachers,
                 "load_before": os.getloadavg()[0]}
    with served(inst, workers=args.workers) as server:
        warm = new_session(klass)
        asyncio.run(checkin_wave(server.base, cookies[:60], warm.pk, 30, "warm-up", 1))
        asyncio.run(bare_wave(server.base, cookies, 50, 2, "warm-up"))
        say(f"\n== burst: {args.teachers} teachers at {args.rate:g}/s, two scans each")
        out["burst"] = measured(server, checkin_wave(server.base, cookies, session.pk,
                                                     args.rate, "burst", 2026))
        out["burst"]["recorded"] = recorded_once(session.pk)
        say(f"    recorded: {out['burst']['recorded']}")
        out["checkin_ladder"] = ladder(server, klass, cookies, args)
        out["bare_ladder"] = bare_ladder(server, cookies, args)
    out["load_after"] = os.getloadavg()[0]
    return out


def ladder(server, klass, cookies: list[str], args) -> list[dict]:
    seconds = 2.0 if args.quick else CHECKIN_STEP_SECONDS
    say(f"\n== check-in at rising rates ({seconds:g} s each, fresh session)")
    steps = []
    for rate in CHECKIN_LADDER[:1] if args.quick else CHECKIN_LADDER:
        count = min(len(cookies), int(rate * seconds))
        session = new_session(klass)
        figures = measured(server, checkin_wave(server.base, cookies[:count], session.pk, rate,
                                                f"check-in {rate}/s ({2 * rate} req/s)", rate))
        figures.update(teachers_per_second=rate, requests_per_second=2 * rate,
                       recorded=recorded_once(session.pk))
        steps.append(figures)
        if not figures["ok"]:
            break
    return steps


def bare_ladder(server, cookies: list[str], args) -> list[dict]:
    seconds = 2.0 if args.quick else BARE_STEP_SECONDS
    say(f"\n== bare route writing one row ({seconds:g} s each)")
    steps = []
    for rate in BARE_LADDER[:1] if args.quick else BARE_LADDER:
        figures = measured(server, bare_wave(server.base, cookies, rate, seconds,
                                             f"bare {rate} req/s"))
        figures["requests_per_second"] = rate
        steps.append(figures)
        if not figures["ok"]:
            break
    return steps


# --- the parent --------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=150, help="teachers a second")
    parser.add_argument("--workers", type=int, default=2)
    db = parser.add_mutually_exclusive_group()
    db.add_argument("--sqlite", action="store_true")
    db.add_argument("--postgres", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test of the script: one short step of each ladder")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--label", default="SQLite", help=argparse.SUPPRESS)
    return parser.parse_args()


def run_database(label: str, args: argparse.Namespace, **where) -> dict:
    with instance(keep=args.keep, **where) as inst:
        # Static files from the npm folders (no collectstatic, ~40 s and more on a busy
        # machine, in every fresh data folder): the load generator fetches none of them.
        env = {**inst.env, "YANXUN_BENCHMARK_ROUTES": "1", "YANXUN_STATIC_FINDERS": "1",
               "PYTHONPATH": str(ROOT)}
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--label", label,
                   "--teachers", str(args.teachers), "--rate", str(args.rate),
                   "--workers", str(args.workers), *(["--quick"] if args.quick else [])]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        result = None
        for line in process.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT "):])
            else:
                print(line, end="", flush=True)
        if process.wait() != 0 or result is None:
            raise RuntimeError(f"the {label} run failed ({process.returncode})")
        return result


def best(steps: list[dict]) -> str:
    good = [s for s in steps if s["ok"]]
    return f"{good[-1]['requests_per_second']} req/s" if good else "none of the ladder"


def summary(results: list[dict]) -> None:
    say(f"\nmachine: {machine()}")
    for r in results:
        b, rec = r["burst"], r["burst"]["recorded"]
        once = rec["records"] == rec["teachers"] == r["teachers"]
        # The issue's targets: PostgreSQL zero errors and p99 < 300 ms; SQLite zero errors.
        fast_enough = b["ok"] or (r["database"] == "SQLite" and b["errors"] == 0)
        verdict = "meets" if once and b["errors"] == 0 and fast_enough else "MISSES"
        say(f"{r['database']:<10} burst: {rec['records']} records of {rec['teachers']} teachers "
            f"(teachers with two: {rec['teachers_with_two']}), errors {b['errors']}, "
            f"p99 {b['p99_ms']:.1f} ms, server CPU {b['server_cpu_ms_per_request']:.1f} ms/req "
            f"— {verdict} the target; highest sustained with p99 < "
            f"300 ms: check-in {best(r['checkin_ladder'])}, bare one-row route "
            f"{best(r['bare_ladder'])}; loadgen CPU {b['loadgen_cpu_share']:.0%} of a core; "
            f"load {r['load_before']:.1f} before, {r['load_after']:.1f} after")


def main() -> None:
    args = arguments()
    if args.child:
        print("RESULT " + json.dumps(child(args), ensure_ascii=False), flush=True)
        return
    say(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    results = []
    if not args.postgres:
        results.append(run_database("SQLite", args))
    if not args.sqlite:
        results.append(run_database("PostgreSQL", args, postgres=True))
    summary(results)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results},
                                        ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
