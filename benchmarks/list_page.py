"""Benchmark: the teacher list page (filtered, paginated) under 20 concurrent users.

Builds the demo district at 10,000 teachers in a throw-away data folder, serves it with
`yanxun serve` (granian, 2 workers) on a free loopback port, logs in virtual users as the
研训员 (all teachers) and the 学校管理员 (one school), and drives the page with the asyncio
load generator in loadgen.py. Prints p50/p95/p99, throughput, errors and the generator's own
CPU time for each run, then the median of the runs. Target: p95 < 150 ms.

Pages of the org lists are kept per worker under the org data version (ADR 0012), so the
default mix — six filtered pages asked for again and again — measures pages served from that
cache (each worker computes each page once). `--spread` measures the other end: every user
walks through every page of several filters and sort orders in a shuffled order, about 1,500
different pages for the 研训员, more than a worker keeps, so nearly every request computes its
page.

    .venv/bin/python benchmarks/list_page.py                 # SQLite
    .venv/bin/python benchmarks/list_page.py --postgres      # temporary PostgreSQL cluster
    .venv/bin/python benchmarks/list_page.py --both          # SQLite, then PostgreSQL
    .venv/bin/python benchmarks/list_page.py --database-url postgres://...  # your database
    .venv/bin/python benchmarks/list_page.py --spread        # pages not cached
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import re
import statistics
import time
import urllib.parse
from pathlib import Path

from common import ROOT, instance, machine, median_of, prepare_demo, say, served
from loadgen import VirtualUser, format_figures, login, run_load

PASSWORD = "Demo@2026"
TRAINER_PATHS = [
    "/org/teachers/?stage=junior&page=3",
    "/org/teachers/?stage=primary&page=5",
    "/org/teachers/?stage=senior&status=active&page=2",
    "/org/teachers/?stage=junior&title=senior&page=1",
]
SCHOOL_ADMIN_PATHS = [
    "/org/teachers/?stage=junior&page=3",
    "/org/teachers/?status=active&page=2",
]
EXPECT = b'data-testid="list-table"'
SPREAD_FILTERS = {
    "trainer": ["stage=primary", "stage=junior", "stage=senior&status=active"],
    "schooladmin": ["status=active", "stage=junior", ""],
}
SPREAD_SORTS = ["", "sort=name", "sort=-employee_no"]
PAGES = re.compile(rb'data-testid="list-summary">[^<]*<strong>\d+</strong>[^/]*/(\d+)')
WARM_UP_REQUESTS = 200


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=10_000)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="per run")
    parser.add_argument("--duration", type=float, default=30, help="seconds, per run at most")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--path", action="append",
                        help="request this path instead of the default mix (repeatable)")
    parser.add_argument("--spread", action="store_true",
                        help="every page of several filters and sorts, shuffled: cache misses")
    db = parser.add_mutually_exclusive_group()
    db.add_argument("--postgres", action="store_true", help="start a temporary PostgreSQL")
    db.add_argument("--both", action="store_true", help="SQLite, then a temporary PostgreSQL")
    db.add_argument("--database-url", default="", help="an empty PostgreSQL database to use")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args()


def virtual_users(base: str, args: argparse.Namespace) -> list[VirtualUser]:
    """Half the users are the 研训员, half the 学校管理员; each logs in on its own session."""
    users = []
    spread: dict[str, list[str]] = {}
    for i in range(args.concurrency):
        who = "trainer" if i % 2 == 0 else "schooladmin"
        cookie = login(base, who, PASSWORD)
        if args.spread:
            if who not in spread:
                spread[who] = spread_paths(base, cookie, who)
                say(f"{who}: {len(spread[who])} different pages")
            paths = random.Random(i).sample(spread[who], len(spread[who]))
        else:
            paths = args.path or (TRAINER_PATHS if who == "trainer" else SCHOOL_ADMIN_PATHS)
        users.append(VirtualUser(cookie, paths, EXPECT))
    return users


def spread_paths(base: str, cookie: str, who: str) -> list[str]:
    """Every page of each filter and sort order the user can ask for."""
    parts = urllib.parse.urlsplit(base)
    out = []
    for flt in SPREAD_FILTERS[who]:
        for sort in SPREAD_SORTS:
            query = "&".join(q for q in (flt, sort) if q)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            conn.request("GET", f"/org/teachers/?{query}", headers={"Cookie": cookie})
            page = conn.getresponse().read()
            conn.close()
            pages = int(PAGES.search(page).group(1))
            out += [f"/org/teachers/?{query}&page={n}" for n in range(1, pages + 1)]
    return out


def benchmark(label: str, args: argparse.Namespace, **where) -> dict:
    with instance(keep=args.keep, **where) as inst:
        say(f"\n== {inst.label}: building the demo district ({args.teachers} teachers, "
            f"{args.schools} schools)")
        seconds = prepare_demo(inst, teachers=args.teachers, schools=args.schools)
        say(f"demo built in {seconds:.1f} s (including process start)")
        with served(inst, workers=args.workers) as server:
            base = server.base
            say(f"serving {base} with {args.workers} granian workers; "
                f"{args.concurrency} users log in")
            users = virtual_users(base, args)
            asyncio.run(run_load(base, users, requests=WARM_UP_REQUESTS, duration=30))
            single = asyncio.run(run_load(base, users[:1], requests=100, duration=30))
            say(f"one user alone: {format_figures(single.figures())}")
            runs = []
            for n in range(1, args.runs + 1):
                figures = measured_run(server, users, args)
                runs.append(figures)
                say(f"run {n}: {format_figures(figures)}  server CPU "
                    f"{figures['server_cpu_ms_per_request']:.1f} ms/req")
    return summarise(label, runs, seconds, single.figures())


def measured_run(server, users: list[VirtualUser], args: argparse.Namespace) -> dict:
    cpu_before = server.cpu_seconds()
    result = asyncio.run(run_load(server.base, users, requests=args.requests,
                                  duration=args.duration))
    figures = result.figures()
    done = figures["requests"] or 1
    figures["server_cpu_ms_per_request"] = (server.cpu_seconds() - cpu_before) * 1000 / done
    for sample in result.error_samples:
        say(f"  error: {sample}")
    return figures


def summarise(label: str, runs: list[dict], demo_seconds: float, single: dict) -> dict:
    keys = ["p50_ms", "p95_ms", "p99_ms", "throughput_rps", "loadgen_cpu_s",
            "loadgen_cpu_share", "load_average", "server_cpu_ms_per_request"]
    median = {k: median_of(runs, k) for k in keys}
    median["requests"] = int(statistics.median(r["requests"] for r in runs))
    median["errors"] = sum(r["errors"] for r in runs)
    median["seconds"] = median_of(runs, "seconds")
    say(f"{label} median of {len(runs)} runs: {format_figures(median)}  "
        f"(errors summed over runs)")
    verdict = "meets" if median["p95_ms"] < 150 and not median["errors"] else "MISSES"
    say(f"{label}: p95 {median['p95_ms']:.1f} ms {verdict} the target of < 150 ms; server CPU "
        f"{median['server_cpu_ms_per_request']:.1f} ms per request")
    return {"database": label, "median": median, "runs": runs, "demo_seconds": demo_seconds,
            "single_user": single}


def main() -> None:
    args = arguments()
    say(f"machine: {machine()}")
    started = time.perf_counter()
    results = []
    if args.both or not (args.postgres or args.database_url):
        results.append(benchmark("SQLite", args))
    if args.both or args.postgres:
        results.append(benchmark("PostgreSQL", args, postgres=True))
    if args.database_url:
        results.append(benchmark("PostgreSQL", args, database_url=args.database_url))
    say(f"\nmachine: {machine()}")
    for r in results:
        m = r["median"]
        say(f"{r['database']:<10} p50 {m['p50_ms']:.1f} ms  p95 {m['p95_ms']:.1f} ms  "
            f"p99 {m['p99_ms']:.1f} ms  {m['throughput_rps']:.0f} req/s  errors {m['errors']}  "
            f"server CPU {m['server_cpu_ms_per_request']:.1f} ms/req  "
            f"one user alone p50 {r['single_user']['p50_ms']:.1f} ms  "
            f"load {m['load_average']:.1f}")
    say(f"total {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "args": vars(args) | {
            "json": str(args.json)}, "results": results}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    assert (ROOT / "src" / "yanxun").is_dir()
    main()
