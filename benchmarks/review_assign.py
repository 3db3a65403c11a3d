"""Benchmark: assign 3,000 entries to 150 judges, 3 judges per entry, realistic conflicts.

Two parts.

1. From database rows to written assignments (`review.assign.assignment_run`: read the
   round's entries, co-authors, panel, judges' teacher records, education groups, relations
   and pins; build the conflicts with set operations; max flow; write 9,000 Assignment rows
   with positions and the audit row, in one transaction). A throw-away data folder is migrated
   and filled with bulk inserts: 100 schools in 20 education groups of 5; 3,000 accepted
   entries, each by a teacher of a random school, 300 with a co-author from another school;
   150 judges, each a teacher of one of the 100 schools (so: same school and same education
   group conflicts, about 150 entries each) and 300 declared relations with random authors.
   Each run starts from no assignments. Target: < 2 s (issue 5).

2. The solver alone on the same kind of input (no database), also with 149 judges, where
   loads cannot all be equal (60 or 61).

    .venv/bin/python benchmarks/review_assign.py [--runs 5] [--seed 2026] [--postgres]
        [--solver-only]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

import numpy as np
from common import instance, machine, say

ENTRIES, JUDGES, PER_ENTRY, SCHOOLS, GROUP_SIZE = 3000, 150, 3, 100, 5
CO_AUTHORED, RELATIONS = 300, 300


# --- part 1: the database ------------------------------------------------------------------------


def _fill(seed: int):
    """The district, competition, round, entries, panel and relations, by bulk inserts."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from yanxun.accounts.models import User
    from yanxun.org.models import District, EducationGroup, School, Teacher
    from yanxun.review.models import (
        Competition,
        CompetitionGroup,
        Entry,
        Relation,
        Round,
        RoundEntry,
        RoundJudge,
        Rubric,
    )

    rng = np.random.default_rng(seed)
    now = timezone.now()
    with transaction.atomic():
        district = District.objects.create(name="基准区")
        schools = School.objects.bulk_create(
            School(district=district, code=f"B{n:04d}", name=f"基准学校{n}", school_type="junior",
                   location="city") for n in range(SCHOOLS))
        for g in range(SCHOOLS // GROUP_SIZE):
            group = EducationGroup.objects.create(name=f"基准集团{g}")
            group.schools.set(schools[g * GROUP_SIZE:(g + 1) * GROUP_SIZE])
        hashed = make_password(None)
        owner = User.objects.create(username="bench-owner", password=hashed)
        judge_users = User.objects.bulk_create(
            User(username=f"bench-judge{n}", name=f"评委{n}", password=hashed)
            for n in range(JUDGES))
        n_teachers = ENTRIES + CO_AUTHORED + JUDGES
        school_of = rng.integers(0, SCHOOLS, n_teachers)
        teachers = Teacher.objects.bulk_create(
            Teacher(school=schools[int(school_of[n])], employee_no=f"BT{n:06d}", name=f"教师{n}",
                    gender="female", id_number=f"X{n:017d}", stage="junior", entry_year=2010,
                    user=judge_users[n - ENTRIES - CO_AUTHORED]
                    if n >= ENTRIES + CO_AUTHORED else None)
            for n in range(n_teachers))
        competition = Competition.objects.create(name="基准评比", year=2026, organiser="基准中心",
                                                 status="reviewing", created_by=owner)
        group = CompetitionGroup.objects.create(competition=competition, name="初中数学组")
        entries = Entry.objects.bulk_create(
            Entry(competition=competition, group=group, code=f"A{n + 1:04d}", title=f"课例{n}",
                  teacher=teachers[n], school_id=teachers[n].school_id, status="accepted")
            for n in range(ENTRIES))
        through = Entry.co_authors.through
        picked = rng.choice(ENTRIES, CO_AUTHORED, replace=False)
        through.objects.bulk_create(
            through(entry_id=entries[int(e)].pk, teacher_id=teachers[ENTRIES + i].pk)
            for i, e in enumerate(picked))
        rubric = Rubric.objects.create(name="课堂教学评价量表")
        round_ = Round.objects.create(competition=competition, name="初评", rubric=rubric,
                                      judges_per_entry=PER_ENTRY, opens_at=now,
                                      closes_at=now + timedelta(days=7))
        RoundEntry.objects.bulk_create(RoundEntry(round=round_, entry=e) for e in entries)
        RoundJudge.objects.bulk_create(RoundJudge(round=round_, judge=u) for u in judge_users)
        pairs = {(int(j), int(e)) for j, e in zip(rng.integers(0, JUDGES, RELATIONS),
                                                   rng.integers(0, ENTRIES, RELATIONS),
                                                   strict=True)}
        Relation.objects.bulk_create(
            Relation(judge=judge_users[j], teacher=teachers[e], kind="mentor") for j, e in pairs)
    return round_


def _check(round_) -> tuple[int, int, int]:
    """Every entry k judges, no conflicting pair, loads within one: (pairs, min, max)."""
    from collections import Counter

    from yanxun.review.assign import conflict_index
    from yanxun.review.models import Assignment, RoundJudge

    pairs = set(Assignment.objects.filter(round=round_).values_list("judge_id", "entry_id"))
    judges = list(RoundJudge.objects.filter(round=round_).values_list("judge_id", flat=True))
    assert not pairs & conflict_index(round_).pairs(judges), "a conflicting pair was written"
    per_entry = Counter(e for _, e in pairs)
    assert set(per_entry.values()) == {PER_ENTRY} and len(per_entry) == ENTRIES
    loads = Counter(j for j, _ in pairs)
    assert max(loads.values()) - min(loads.values()) <= 1
    return len(pairs), min(loads.values()), max(loads.values())


def database_part(runs: int, seed: int, postgres: bool) -> None:
    with instance(postgres=postgres) as inst:
        inst.run("migrate", "--noinput")
        inst.django()
        from yanxun.review.assign import assignment_run, conflict_index
        from yanxun.review.models import Assignment, RoundJudge

        started = time.perf_counter()
        round_ = _fill(seed)
        say(f"[{inst.label}] data: {ENTRIES} entries ({CO_AUTHORED} co-authored), {JUDGES} "
            f"judges from {SCHOOLS} schools in {SCHOOLS // GROUP_SIZE} education groups, "
            f"{RELATIONS} relations — built in {time.perf_counter() - started:.1f} s")
        judges = list(RoundJudge.objects.filter(round=round_).values_list("judge_id", flat=True))
        times, index_times = [], []
        for _ in range(runs):
            Assignment.objects.filter(round=round_).delete()
            start = time.perf_counter()
            pairs = conflict_index(round_).pairs(judges)
            index_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = assignment_run(actor=None, round_=round_)
            times.append(time.perf_counter() - start)
            assert not result.shortfalls, result.shortfalls[:3]
        written, low, high = _check(round_)
        say(f"  conflicts: {len(pairs)} forbidden pairs; building them: median "
            f"{statistics.median(index_times):.3f} s")
        say(f"  rows → written assignments: median {statistics.median(times):.3f} s over {runs} "
            f"runs (min {min(times):.3f}, max {max(times):.3f}); {written} assignments, "
            f"loads {low}-{high}; target < 2 s")


# --- part 2: the solver alone --------------------------------------------------------------------


def conflicts(
    rng: np.random.Generator, n_judges: int
) -> tuple[list[str], list[str], set[tuple[str, str]]]:
    entry_school = rng.integers(0, SCHOOLS, ENTRIES)
    judge_school = rng.integers(0, SCHOOLS, n_judges)
    leader = rng.random(n_judges) < 1 / 3
    entries = [f"E{i:04d}" for i in range(ENTRIES)]
    judges = [f"J{i:03d}" for i in range(n_judges)]
    forbidden = set()
    for j in range(n_judges):
        same = entry_school == judge_school[j]
        if leader[j]:
            same |= entry_school // GROUP_SIZE == judge_school[j] // GROUP_SIZE
        forbidden.update((judges[j], entries[e]) for e in np.flatnonzero(same))
    for j, e in zip(rng.integers(0, n_judges, 300), rng.integers(0, ENTRIES, 300), strict=True):
        forbidden.add((judges[j], entries[e]))
    return entries, judges, forbidden


def check(result, forbidden: set[tuple[str, str]]) -> None:
    assert result.feasible, result.shortfalls[:3]
    assert {len(js) for js in result.pairs.values()} == {PER_ENTRY}
    assert not set(result.judge_pairs()) & forbidden
    assert result.max_load - result.min_load <= 1


def solver_part(runs: int, seed: int) -> None:
    from yanxun.review.assignment import assign_judges

    for n_judges in (JUDGES, JUDGES - 1):  # 149: 9,000 / 149 is not whole, loads 60-61
        entries, judges, forbidden = conflicts(np.random.default_rng(seed), n_judges)
        say(f"solver only: {ENTRIES} entries, {n_judges} judges, k = {PER_ENTRY}, "
            f"{len(forbidden)} forbidden pairs")
        for label, shuffle in (("input order", None), ("seeded shuffle", 7)):
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                result = assign_judges(entries, judges, PER_ENTRY, forbidden=forbidden,
                                       seed=shuffle)
                times.append(time.perf_counter() - start)
            check(result, forbidden)
            say(f"  assign ({label}): median {statistics.median(times):.3f} s over {runs} runs "
                f"(min {min(times):.3f}, max {max(times):.3f}); "
                f"loads {result.min_load}-{result.max_load}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--postgres", action="store_true", help="a temporary PostgreSQL")
    parser.add_argument("--solver-only", action="store_true")
    options = parser.parse_args()
    say(machine())
    if not options.solver_only:
        database_part(options.runs, options.seed, options.postgres)
    solver_part(options.runs, options.seed)


if __name__ == "__main__":
    main()
