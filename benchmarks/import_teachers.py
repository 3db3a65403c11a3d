"""Benchmark: importing a 10,000-row teacher .xlsx through the import framework.

Builds the demo district in a throw-away data folder, generates a valid 10,000-row teacher
file (xlsxwriter; the columns of the teacher importer's own template; new teachers in the
demo's schools), then times `yanxun import teachers FILE` — reading, validating the whole
file, and the one bulk write — end to end as a user runs it, several times from the same
starting database. With --update it also times re-importing the same file with 更新已有数据
(every row found, nothing changed). Target: < 10 s.

    .venv/bin/python benchmarks/import_teachers.py                 # SQLite
    .venv/bin/python benchmarks/import_teachers.py --postgres      # temporary PostgreSQL
    .venv/bin/python benchmarks/import_teachers.py --both --update
    .venv/bin/python benchmarks/import_teachers.py generate OUT.xlsx --rows 10000
        (the generator alone, against $YANXUN_DATA_DIR / $DATABASE_URL, which must hold the
        demo district)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Instance, instance, machine, prepare_demo, say

HERE = Path(__file__).resolve()
DONE = re.compile(r"共 (\d+) 行，新增 (\d+) 条，更新 (\d+) 条，未变化 (\d+) 条")


# --- the generator (runs in a subprocess with Django set up against the instance) --------

def generate(out: Path, rows: int, seed: int) -> None:
    import random

    import xlsxwriter

    from yanxun.accounts.models import User
    from yanxun.org.demo import DemoContext
    from yanxun.org.importers import TeacherImporter
    from yanxun.org.models import School, Teacher

    ctx = DemoContext(seed=seed, teachers=rows, schools=0, password_hash="")
    ctx.used_id_numbers = set(Teacher.objects.values_list("id_number", flat=True))
    ctx.used_phones = set(User.objects.exclude(phone=None).values_list("phone", flat=True))
    schools = list(School.objects.filter(is_active=True).order_by("code"))
    rng = random.Random(f"yanxun-import-bench:{seed}")
    columns = TeacherImporter.columns
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("教师")
    sheet.write_row(0, 0, [c.header for c in columns])
    for n in range(1, rows + 1):
        record = _record(ctx, rng, rng.choice(schools), n)
        for col, column in enumerate(columns):
            sheet.write_string(n, col, record[column.field])
    book.close()


def _record(ctx, rng, school, n: int) -> dict[str, str]:
    """One new teacher, as a person would type them into the template."""
    from datetime import date, timedelta

    from yanxun.org.demo import new_id_number, new_person_name, new_phone, weighted
    from yanxun.org.demo_teachers import (
        FEMALE_SHARE,
        STAGES_OF_TYPE,
        SUBJECT_MIX,
        professional_title,
    )
    from yanxun.org.enums import Gender, ProfessionalTitle, Stage

    stage = weighted(rng, STAGES_OF_TYPE[school.school_type])
    gender = Gender.FEMALE if rng.random() < FEMALE_SHARE[stage] else Gender.MALE
    entry_year = rng.randint(1995, 2025)
    birth = date(entry_year - rng.randint(22, 24), 1, 1) + timedelta(days=rng.randrange(243))
    return {
        "employee_no": f"IM{n:05d}",
        "name": new_person_name(rng, gender=gender, birth_year=birth.year),
        "gender": Gender(gender).label,
        "id_number": new_id_number(ctx, rng, birth=birth, gender=gender),
        "phone": new_phone(ctx, rng),
        "school": school.name,
        "stage": Stage(stage).label,
        "subjects": weighted(rng, SUBJECT_MIX[stage]),
        "professional_title": ProfessionalTitle(
            professional_title(rng, 2026 - entry_year)).label,
        "entry_year": str(entry_year),
        "start_date": "" if rng.random() < 0.8 else f"{entry_year}-09-01",
    }


# --- starting every run from the same database ----------------------------------------------

class Baseline:
    """A copy of the database right after the demo, restored before each timed run."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.sqlite = inst.data_dir / "yanxun.sqlite3"

    def save(self) -> None:
        if self.inst.database_url:
            self._pg("DROP DATABASE IF EXISTS bench_base", "CREATE DATABASE bench_base TEMPLATE {db}")
        else:
            with sqlite3.connect(self.sqlite) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copyfile(self.sqlite, self.sqlite.with_suffix(".base"))

    def restore(self) -> None:
        if self.inst.database_url:
            self._pg("DROP DATABASE {db}", "CREATE DATABASE {db} TEMPLATE bench_base")
        else:
            for suffix in ("-wal", "-shm"):
                Path(str(self.sqlite) + suffix).unlink(missing_ok=True)
            shutil.copyfile(self.sqlite.with_suffix(".base"), self.sqlite)

    def _pg(self, *statements: str) -> None:
        import psycopg

        base, _, db = self.inst.database_url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql.format(db=db))


# --- the benchmark -----------------------------------------------------------------------

def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_import(inst: Instance, path: Path, *, update: bool) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the import process, its summary line). On a busy
    machine the CPU time is the better guide to what an idle one would take (the import is
    one process, one thread; PostgreSQL's own work is not in it)."""
    args = [str(ROOT / ".venv/bin/yanxun"), "import", "teachers", str(path)]
    cpu_before, started = children_cpu(), time.perf_counter()
    result = subprocess.run(args + (["--update"] if update else []), cwd=ROOT, env=inst.env,
                            text=True, capture_output=True)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu_before
    match = DONE.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"import failed ({result.returncode}):\n{result.stdout}\n"
                           f"{result.stderr[-3000:]}")
    return seconds, cpu, match.group(0)


def benchmark(label: str, args: argparse.Namespace, **where) -> dict:
    with instance(keep=args.keep, **where) as inst:
        say(f"\n== {inst.label}: demo district ({args.teachers} teachers), then "
            f"{args.rows}-row imports")
        prepare_demo(inst, teachers=args.teachers, schools=args.schools)
        path = inst.data_dir / f"teachers-{args.rows}.xlsx"
        started = time.perf_counter()
        subprocess.run([sys.executable, str(HERE), "generate", str(path), "--rows",
                        str(args.rows)], cwd=ROOT, env=inst.env, check=True)
        say(f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) in "
            f"{time.perf_counter() - started:.1f} s")
        baseline = Baseline(inst)
        baseline.save()
        runs, update_runs = [], []
        for n in range(1, args.runs + 1):
            baseline.restore()
            seconds, cpu, summary = timed_import(inst, path, update=False)
            runs.append((seconds, cpu))
            say(f"run {n}: {seconds:.2f} s (CPU {cpu:.2f} s)  {summary}  "
                f"load {os.getloadavg()[0]:.1f}")
            if args.update:
                seconds, cpu, summary = timed_import(inst, path, update=True)
                update_runs.append((seconds, cpu))
                say(f"        re-import with --update: {seconds:.2f} s (CPU {cpu:.2f} s)  "
                    f"{summary}")
    return summarise(label, runs, update_runs)


def summarise(label: str, runs: list[tuple[float, float]],
              update_runs: list[tuple[float, float]]) -> dict:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    median = statistics.median(walls)
    verdict = "meets" if median < 10 else "MISSES"
    say(f"{label} median of {len(runs)} runs: {median:.2f} s (min {min(walls):.2f}, max "
        f"{max(walls):.2f}; CPU median {statistics.median(cpus):.2f} s) — {verdict} the "
        f"target of < 10 s")
    out = {"database": label, "median_s": median, "runs_s": walls,
           "cpu_median_s": statistics.median(cpus), "cpu_runs_s": cpus}
    if update_runs:
        out["update_median_s"] = statistics.median(w for w, _ in update_runs)
        out["update_cpu_median_s"] = statistics.median(c for _, c in update_runs)
        say(f"{label} re-import with --update, median: {out['update_median_s']:.2f} s "
            f"(CPU {out['update_cpu_median_s']:.2f} s)")
    return out


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--teachers", type=int, default=4000, help="demo district size")
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--update", action="store_true",
                        help="also time re-importing the file with --update")
    db = parser.add_mutually_exclusive_group()
    db.add_argument("--postgres", action="store_true", help="start a temporary PostgreSQL")
    db.add_argument("--both", action="store_true", help="SQLite, then a temporary PostgreSQL")
    db.add_argument("--database-url", default="",
                    help="a PostgreSQL database to use (the role needs CREATEDB)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "generate":
        parser = argparse.ArgumentParser()
        parser.add_argument("command")
        parser.add_argument("out", type=Path)
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2026)
        gen = parser.parse_args()
        Instance(Path(os.environ["YANXUN_DATA_DIR"]), os.environ.get("DATABASE_URL", "")).django()
        generate(gen.out, gen.rows, gen.seed)
        return
    args = arguments()
    say(f"machine: {machine()}")
    results = []
    if args.both or not (args.postgres or args.database_url):
        results.append(benchmark("SQLite", args))
    if args.both or args.postgres:
        results.append(benchmark("PostgreSQL", args, postgres=True))
    if args.database_url:
        results.append(benchmark("PostgreSQL", args, database_url=args.database_url))
    say(f"\nmachine: {machine()}")
    for r in results:
        extra = (f", re-import --update {r['update_median_s']:.2f} s "
                 f"(CPU {r['update_cpu_median_s']:.2f} s)" if "update_median_s" in r else "")
        say(f"{r['database']:<10} {args.rows}-row import, median {r['median_s']:.2f} s "
            f"(CPU {r['cpu_median_s']:.2f} s){extra}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results},
                                        ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
