"""Benchmark: a round's results and agreement report from the database — 3,000 entries x 3
submitted scores (issue 5: under 1 s).

In a throw-away data folder (SQLite; `--postgres` a temporary PostgreSQL) it migrates, then in a
child process with Django set up against it builds one round with bulk inserts: 100 schools,
3,000 entries in 10 groups by 3,000 teachers, 150 judges, 3 judges per entry (9,000
assignments and submitted scores with item scores for the classroom rubric, a tie-break item, a
few abstentions left out of the 3 so that some entries have 2 scores), then times, after a
warm-up, the median of `--runs` runs of:

1. `review.results.round_results(round)` — the one query for the scores, the entries, groups
   and panel, the aggregation (finals, ranks per group with the tie-break, ICC per round and
   group, judge statistics, spread flags) — for each method (mean, trimmed, zscore);
2. the results page `/review/rounds/<id>/results/` rendered for a 研训员 through Django's test
   client (the whole stack: middleware, session, the view, the template of 3,000 rows).

Each line carries the 1-minute load average; run it when the machine is quiet (load < 1.5).

    .venv/bin/python benchmarks/review_report.py [--runs 5] [--postgres] [--keep]
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

from common import ROOT, Instance, instance, machine, say

HERE = Path(__file__).resolve()
ENTRIES, PER_ENTRY, JUDGES, SCHOOLS, GROUPS = 3000, 3, 150, 100, 10


def build(seed: int) -> int:
    """The round, with bulk inserts; returns its pk."""
    from datetime import timedelta
    from decimal import Decimal

    import numpy as np
    from django.db import transaction
    from django.utils import timezone

    from yanxun.accounts.models import RoleAssignment, User
    from yanxun.core.enums import Role
    from yanxun.org.models import District, School, Teacher
    from yanxun.review.models import (
        Assignment,
        Competition,
        CompetitionGroup,
        Entry,
        Round,
        RoundEntry,
        RoundJudge,
        Rubric,
        RubricItem,
        Score,
    )

    rng = np.random.default_rng(seed)
    now = timezone.now()
    with transaction.atomic():
        district = District.objects.create(name="基准区")
        schools = School.objects.bulk_create(
            School(district=district, code=f"B{n:04d}", name=f"基准学校{n}", school_type="junior",
                   location="city") for n in range(SCHOOLS))
        teachers = Teacher.objects.bulk_create(
            Teacher(school=schools[n % SCHOOLS], employee_no=f"T{n:05d}", name=f"教师{n}",
                    gender="female", id_number=f"33990119850101{n:04d}", stage="junior",
                    entry_year=2010) for n in range(ENTRIES))
        staff = User.objects.create_user(username="trainer", password="Bench@2026", name="研训员",
                                         must_change_password=False)
        RoleAssignment.objects.create(user=staff, role=Role.TRAINER)
        judges = User.objects.bulk_create(User(username=f"judge{n:03d}", name=f"评委{n}")
                                          for n in range(JUDGES))
        competition = Competition.objects.create(name="基准评比", year=2026, organiser="中心",
                                                 status="reviewing", created_by=staff)
        groups = CompetitionGroup.objects.bulk_create(
            CompetitionGroup(competition=competition, name=f"组别{g}", position=g)
            for g in range(GROUPS))
        rubric = Rubric.objects.create(name="课堂教学评价量表")
        items = RubricItem.objects.bulk_create(
            RubricItem(rubric=rubric, name=name, max_score=Decimal(full), position=i)
            for i, (name, full) in enumerate([("教学目标", 10), ("教学内容", 15),
                                              ("教学过程", 25), ("教学方法", 30),
                                              ("教师素养", 20)]))
        round_ = Round.objects.create(competition=competition, name="初评", rubric=rubric,
                                      opens_at=now - timedelta(days=7), closes_at=now,
                                      status="closed", tie_break_item=items[3])
        entries = Entry.objects.bulk_create(
            Entry(competition=competition, group=groups[n % GROUPS], code=f"A{n:05d}",
                  title=f"参评课例{n}", teacher=teachers[n], school=teachers[n].school,
                  status="accepted") for n in range(ENTRIES))
        RoundEntry.objects.bulk_create(RoundEntry(round=round_, entry=e) for e in entries)
        RoundJudge.objects.bulk_create(RoundJudge(round=round_, judge=j) for j in judges)
        quality = rng.normal(80, 6, ENTRIES)
        bias = rng.normal(0, 2, JUDGES)
        assignments, totals = [], []
        for n, entry in enumerate(entries):
            for j in rng.choice(JUDGES, PER_ENTRY, replace=False):
                assignments.append(Assignment(round=round_, judge=judges[j], entry=entry))
                totals.append(float(np.clip(round(quality[n] + bias[j] + rng.normal(0, 3)),
                                            20, 100)))
        assignments = Assignment.objects.bulk_create(assignments, batch_size=2000)
        shares = [0.1, 0.15, 0.25, 0.3, 0.2]
        scores = []
        for assignment, total in zip(assignments, totals, strict=True):
            values = [round(total * s) for s in shares]
            values[-1] += int(total) - sum(values)
            abstain = rng.random() < 0.01
            scores.append(Score(assignment=assignment, status="abstained" if abstain
                                else "submitted",
                                total=None if abstain else Decimal(int(total)),
                                items={} if abstain else {str(i.pk): str(v) for i, v in
                                                          zip(items, values, strict=True)},
                                submitted_at=None if abstain else now))
        Score.objects.bulk_create(scores, batch_size=2000)
    return round_.pk


def _timed(function, runs: int) -> tuple[float, list[float]]:
    function()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def measure(round_pk: int, runs: int) -> dict:
    from django.test import Client

    from yanxun.accounts.models import User
    from yanxun.review.models import Round
    from yanxun.review.results import round_results

    out = {}
    for method in ("mean", "trimmed", "zscore"):
        Round.objects.filter(pk=round_pk).update(method=method)

        def results():
            round_ = Round.objects.select_related("competition", "tie_break_item").get(
                pk=round_pk)
            out["last"] = round_results(round_)

        median, times = _timed(results, runs)
        out[method] = {"median_s": median, "runs_s": times}
    last = out.pop("last")
    out["scored"] = sum(1 for r in last.rows if r.scored)
    out["flags"] = len(last.flags)
    Round.objects.filter(pk=round_pk).update(method="mean")
    client = Client()
    client.force_login(User.objects.get(username="trainer"))
    url = f"/review/rounds/{round_pk}/results/"

    def page():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        out["page_bytes"] = len(response.content)

    median, times = _timed(page, runs)
    out["page"] = {"median_s": median, "runs_s": times}
    return out


def child(args: argparse.Namespace) -> None:
    Instance(Path(os.environ["YANXUN_DATA_DIR"]), os.environ.get("DATABASE_URL", "")).django()
    started = time.perf_counter()
    round_pk = build(args.seed)
    figures = {"build_s": time.perf_counter() - started}
    figures.update(measure(round_pk, args.runs))
    args.json.write_text(json.dumps(figures))


def benchmark(args: argparse.Namespace, **where) -> dict:
    with instance(keep=args.keep, **where) as inst:
        say(f"\n== {inst.label}: migrating and building the round …")
        inst.run("migrate", "--noinput", quiet=True)
        out = inst.data_dir / "review_report.json"
        subprocess.run([sys.executable, str(HERE), "child", "--json", str(out),
                        "--runs", str(args.runs), "--seed", str(args.seed)],
                       cwd=ROOT, env=inst.env, check=True)
        figures = json.loads(out.read_text())
    figures["database"] = inst.label
    return figures


def report(f: dict, args: argparse.Namespace) -> None:
    say(f"{f['database']}: {ENTRIES:,} entries x {PER_ENTRY} judges ({JUDGES} judges, "
        f"{GROUPS} groups; {f['scored']:,} entries scored, {f['flags']} flags), built in "
        f"{f['build_s']:.1f} s; load {os.getloadavg()[0]:.2f}")
    for method in ("mean", "trimmed", "zscore"):
        m = f[method]
        verdict = "meets" if m["median_s"] < 1 else "MISSES"
        say(f"  round_results ({method}): median of {args.runs} runs {m['median_s']:.3f} s "
            f"(runs {', '.join(f'{t:.3f}' for t in m['runs_s'])}) — {verdict} < 1 s")
    p = f["page"]
    say(f"  results page (3,000 rows, {f['page_bytes'] / 1e6:.1f} MB): median "
        f"{p['median_s']:.3f} s (runs {', '.join(f'{t:.3f}' for t in p['runs_s'])})")


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "child"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--postgres", action="store_true", help="a temporary PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    return parser.parse_args(argv)


def main() -> None:
    args = arguments(sys.argv[1:])
    if args.command == "child":
        child(args)
        return
    say(f"machine: {machine()}")
    figures = benchmark(args, postgres=args.postgres)
    report(figures, args)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), **figures}, indent=2))


if __name__ == "__main__":
    main()
