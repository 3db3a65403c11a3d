"""Benchmark: the 学时 ledger at district scale — 10,000 teachers with five years of records
(≈ 500,000 HourRecords).

Builds the demo district (10,000 teachers, all set active) in a throw-away data folder, then in a
child process with Django set up against it:

1. generates the records with bulk inserts (PostgreSQL COPY, SQLite executemany): 50 per
   teacher over the five years of the cycle 2021–2025 (levels, four categories of which
   师德师风 has an annual cap of 30 学时, hours of 0.5–32, scaled per teacher so that every ledger state occurs), 2 % of them accredited claims under the
   default claim rules (with their cycle caps) — and prints how long that took;
2. recomputes every teacher's ledger at once (`training.ledger.all_ledgers`: two queries and
   frame operations, caps and requirement lines included), median of 5 runs after a warm-up.
   Target: < 5 s;
3. times a teacher's ledger page (`/training/hours/teachers/<id>/`, a 研训员 logged in) and
   我的学时 (`/training/hours/me/`, the teacher logged in) in-process through Django's test
   client — the whole stack: middleware, session, the view's queries, the template — 5 runs of
   20 requests over different teachers, the median of each run and of the runs. Target: a
   teacher's ledger page < 100 ms;
4. the whole-district 学时达标情况 page (研训员): served from the ledger cache (ADR 0011), 5 runs
   of 20 requests — target < 200 ms —, and right after a write of an hour record (the
   trigger changes the ledger version, so the page recomputes every ledger), 5 times.

    .venv/bin/python benchmarks/ledger.py                 # SQLite
    .venv/bin/python benchmarks/ledger.py --postgres      # a temporary PostgreSQL
    .venv/bin/python benchmarks/ledger.py --both
        options: --teachers 10000 --per-year 10 --runs 5 --requests 20 --keep --json OUT
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Instance, instance, machine, prepare_demo, say

HERE = Path(__file__).resolve()
CYCLE_START = 2021


# --- the child: generate and measure, with Django set up against the instance ----------------

def _bulk_insert(table: str, columns: list[str], frame) -> None:
    from django.db import connection

    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            data = frame.select(columns).write_csv(include_header=False,
                                                   null_value="\\N").encode()
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) "
                                    f"FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
                copy.write(data)
        else:  # 500 rows a statement: with triggers SQLite journals every statement
            marks = "(" + ", ".join("%s" for _ in columns) + ")"
            rows = list(frame.select(columns).iter_rows())
            for start in range(0, len(rows), 500):
                chunk = rows[start:start + 500]
                cursor.execute(f"INSERT INTO {table} ({quoted}) VALUES "
                               + ", ".join(marks for _ in chunk),
                               [value for row in chunk for value in row])


def generate(per_year: int, seed: int) -> dict:
    import numpy as np
    import polars as pl
    from django.utils import timezone

    from yanxun.accounts.models import User
    from yanxun.core import versions
    from yanxun.org.models import District, Teacher
    from yanxun.training.claims import claim_rules_seed
    from yanxun.training.models import Category, Certificate, ClaimRule, HourClaim, HourRecord
    from yanxun.training.policy import policy_for

    rng = np.random.default_rng(seed)
    # The demo's own year of hours (demo_hours) goes: the figures are for exactly these records.
    Certificate.objects.all().delete()
    HourRecord.objects.all().delete()
    HourClaim.objects.all().delete()
    Teacher.objects.update(status="active")
    User.objects.update(must_change_password=False)  # the pages are timed, not the password form
    policy = policy_for(District.objects.get())
    policy.cycle_start_year = CYCLE_START
    policy.save()
    claim_rules_seed()
    names = ["师德师风", "知识技能", "实践体验", "信息技术"]
    categories = [Category.objects.get_or_create(name=n)[0].pk for n in names]
    Category.objects.filter(name="师德师风").update(annual_cap=30)
    rules = list(ClaimRule.objects.filter(is_active=True, per_day=False)
                 .values_list("pk", "category_id", "level", "hours"))
    teachers = np.array(sorted(Teacher.objects.values_list("pk", flat=True)), dtype=np.int64)
    per_teacher = per_year * 5
    n = len(teachers) * per_teacher
    now = str(timezone.now().replace(tzinfo=None))  # UTC, as Django stores it
    started = time.perf_counter()
    teacher_id = np.repeat(teachers, per_teacher)
    year = CYCLE_START + np.tile(np.arange(per_teacher) // per_year, len(teachers))
    day = rng.integers(0, 365, n)
    earned = (np.array([f"{y}-01-01" for y in range(CYCLE_START, CYCLE_START + 5)],
                       dtype="datetime64[D]")[year - CYCLE_START] + day).astype(str)
    # Each teacher's hours scaled by their own zeal, so that every ledger state occurs.
    zeal = np.repeat(rng.uniform(0.3, 1.8, len(teachers)), per_teacher)
    base = rng.choice([1.5, 2, 3, 3, 6, 6, 6, 12, 12, 18], n)
    hours = np.maximum(np.round(base * zeal * 2) / 2, 0.5)
    levels = rng.choice(["national", "province", "city", "district", "district", "school",
                         "school"], n)
    category = rng.choice(categories, n)
    is_claim = rng.random(n) < 0.02
    records = pl.DataFrame({
        "teacher_id": teacher_id, "year": year, "earned_on": earned, "hours": hours,
        "category_id": category, "level": levels, "source": "manual",
        "title": "区义务教育新课标专题培训", "accredited_at": now, "note": "",
    })
    claim_rows = records.filter(pl.Series(is_claim))
    pick = rng.integers(0, len(rules), claim_rows.height)
    claim_frame = pl.DataFrame({
        "teacher_id": claim_rows["teacher_id"], "rule_id": [rules[i][0] for i in pick],
        "title": "区级公开课", "happened_on": claim_rows["earned_on"], "description": "",
        "status": "accredited", "hours": [float(rules[i][3]) for i in pick], "reason": "",
        "created_at": now})
    with versions.bulk_writes():  # a transaction; the data versions change once
        _bulk_insert(HourClaim._meta.db_table, claim_frame.columns, claim_frame)
        claim_ids = list(HourClaim.objects.order_by("pk").values_list("pk", flat=True))
        ordinary = records.filter(~pl.Series(is_claim))
        _bulk_insert(HourRecord._meta.db_table, ordinary.columns, ordinary)
        linked = claim_rows.with_columns(
            claim_id=pl.Series(claim_ids, dtype=pl.Int64), source=pl.lit("claim"),
            category_id=pl.Series([rules[i][1] for i in pick], dtype=pl.Int64),
            level=pl.Series([rules[i][2] for i in pick]),
            hours=pl.Series([float(rules[i][3]) for i in pick]))
        _bulk_insert(HourRecord._meta.db_table, linked.columns, linked)
    seconds = time.perf_counter() - started
    return {"teachers": len(teachers), "records": HourRecord.objects.count(),
            "claims": len(claim_ids), "generate_s": seconds}


def _median_run(function, runs: int) -> tuple[float, list[float], float]:
    """Median wall time, each run's wall time, and the median CPU time of this process (on a
    shared machine the CPU time is the steadier figure; with PostgreSQL it leaves out the
    server's own work)."""
    function()  # warm-up
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        function()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return statistics.median(times), times, statistics.median(cpu)


def measure(runs: int, requests: int) -> dict:
    from collections import Counter

    from django.test import Client

    from yanxun.accounts.models import User
    from yanxun.org.models import Teacher
    from yanxun.training.ledger import Cycle, all_ledgers
    from yanxun.training.policy import current_policy

    policy = current_policy()
    cycle = Cycle(CYCLE_START, policy.cycle_years)
    holder = {}

    def recompute():
        holder["frame"] = all_ledgers(None, cycle, policy=policy)

    ledgers_s, ledger_runs, ledgers_cpu = _median_run(recompute, runs)
    frame = holder["frame"]
    out = {"ledgers_s": ledgers_s, "ledger_runs_s": ledger_runs, "ledgers_cpu_s": ledgers_cpu,
           "rows": frame.height,
           "states": dict(Counter(frame["state"].to_list()))}
    teachers = list(Teacher.objects.filter(user__isnull=False).order_by("pk")
                    .values_list("pk", "user_id")[:: max(1, frame.height // (requests * runs))])
    trainer, staff = Client(), User.objects.get(username="trainer")
    trainer.force_login(staff)
    out["page"] = _pages(trainer, [f"/training/hours/teachers/{pk}/?cycle={CYCLE_START}"
                                   for pk, _ in teachers], runs, requests)
    own = Client()
    users = {u.pk: u for u in User.objects.filter(pk__in=[u for _, u in teachers])}

    def as_teacher(i: int) -> str:
        own.force_login(users[teachers[i % len(teachers)][1]])
        return f"/training/hours/me/?cycle={CYCLE_START}"

    out["my_hours"] = _pages(own, as_teacher, runs, requests)
    compliance = f"/training/hours/compliance/?cycle={CYCLE_START}"
    out["compliance"] = _pages(trainer, [compliance], runs, requests)  # 1st GET fills the cache
    out["compliance_cold"] = _after_write(trainer, compliance, runs)
    return out


def _after_write(client, url: str, runs: int) -> dict:
    """The page right after a write of an hour record (its ledgers are then recomputed)."""
    from yanxun.training.models import HourRecord

    record = HourRecord.objects.order_by("pk").values_list("pk", flat=True).first()
    times = []
    for i in range(runs):
        HourRecord.objects.filter(pk=record).update(note=f"benchmark {i}")
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return {"median_ms": statistics.median(times) * 1000, "run_medians_ms": [t * 1000
                                                                          for t in times]}


def _pages(client, urls, runs: int, requests: int) -> dict:
    """`runs` runs of `requests` GETs; each run's median, and the median of those."""
    url_of = urls if callable(urls) else (lambda i: urls[i % len(urls)])
    check = client.get(url_of(0))
    if check.status_code != 200:
        raise RuntimeError(f"{url_of(0)} answered {check.status_code}")
    medians, index = [], 0
    for _ in range(runs):
        times = []
        for _ in range(requests):
            url = url_of(index)
            index += 1
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        medians.append(statistics.median(times))
    return {"median_ms": statistics.median(medians) * 1000,
            "run_medians_ms": [m * 1000 for m in medians]}


def child(args: argparse.Namespace) -> None:
    Instance(Path(os.environ["YANXUN_DATA_DIR"]), os.environ.get("DATABASE_URL", "")).django()
    figures = generate(args.per_year, args.seed)
    figures.update(measure(args.runs, args.requests))
    args.json.write_text(json.dumps(figures, ensure_ascii=False))


# --- the parent: instances and the report -------------------------------------------------------

def benchmark(label: str, args: argparse.Namespace, **where) -> dict:
    with instance(keep=args.keep, **where) as inst:
        say(f"\n== {inst.label}: demo district ({args.teachers} teachers)")
        demo_s = prepare_demo(inst, teachers=args.teachers, schools=args.schools)
        say(f"demo built in {demo_s:.1f} s; generating records and measuring …")
        out = inst.data_dir / "ledger.json"
        subprocess.run([sys.executable, str(HERE), "child", "--json", str(out),
                        "--per-year", str(args.per_year), "--runs", str(args.runs),
                        "--requests", str(args.requests), "--seed", str(args.seed)],
                       cwd=ROOT, env=inst.env, check=True)
        figures = json.loads(out.read_text())
    figures["database"] = label
    report(figures, args)
    return figures


def report(f: dict, args: argparse.Namespace) -> None:
    verdict = "meets" if f["ledgers_s"] < 5 else "MISSES"
    page_verdict = "meets" if f["page"]["median_ms"] < 100 else "MISSES"
    say(f"{f['database']}: {f['teachers']:,} teachers, {f['records']:,} hour records "
        f"({f['claims']:,} from claims), generated in {f['generate_s']:.1f} s; "
        f"load {os.getloadavg()[0]:.1f}")
    say(f"  all ledgers: median of {args.runs} runs {f['ledgers_s']:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in f['ledger_runs_s'])}; CPU "
        f"{f['ledgers_cpu_s']:.2f} s) — {verdict} < 5 s; "
        f"states {f['states']}")
    compliance_verdict = "meets" if f["compliance"]["median_ms"] < 200 else "MISSES"
    for key, label in (("page", "teacher's ledger page (研训员)"), ("my_hours", "我的学时"),
                       ("compliance", "学时达标情况, whole district, from the ledger cache"),
                       ("compliance_cold", "学时达标情况 right after a write (recomputed)")):
        runs = ", ".join(f"{m:.0f}" for m in f[key]["run_medians_ms"])
        extra = {"page": f" — {page_verdict} < 100 ms",
                 "compliance": f" — {compliance_verdict} < 200 ms"}.get(key, "")
        say(f"  {label}: median {f[key]['median_ms']:.0f} ms (run medians {runs}){extra}")


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "child"])
    parser.add_argument("--teachers", type=int, default=10_000)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--per-year", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    db = parser.add_mutually_exclusive_group()
    db.add_argument("--postgres", action="store_true", help="start a temporary PostgreSQL")
    db.add_argument("--both", action="store_true", help="SQLite, then a temporary PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    return parser.parse_args(argv)


def main() -> None:
    args = arguments(sys.argv[1:])
    if args.command == "child":
        child(args)
        return
    say(f"machine: {machine()}")
    results = []
    if args.both or not args.postgres:
        results.append(benchmark("SQLite", args))
    if args.both or args.postgres:
        results.append(benchmark("PostgreSQL", args, postgres=True))
    say(f"\nmachine: {machine()}")
    for f in results:
        report(f, args)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results},
                                        ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
