"""Benchmark: assign 3,000 entries to 150 judges, 3 judges per entry, realistic conflicts.

Also run with 149 judges, where loads cannot all be equal (60 or 61).
Judges and entries come from 100 schools in 20 education groups (5 schools each). Forbidden:
same school; for a third of the judges (group leaders) every entry of their education group;
plus 300 declared relations (师徒, 亲属 ...) at random. Target: under 2 s (issue 5).

    .venv/bin/python benchmarks/review_assign.py [--runs 5] [--seed 2026]
"""

import argparse
import statistics
import time

import numpy as np

from yanxun.review.assignment import assign_judges

ENTRIES, JUDGES, PER_ENTRY, SCHOOLS, GROUP_SIZE = 3000, 150, 3, 100, 5


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    for n_judges in (JUDGES, JUDGES - 1):  # 149: 9,000 / 149 is not whole, loads 60-61
        entries, judges, forbidden = conflicts(np.random.default_rng(options.seed), n_judges)
        print(
            f"{ENTRIES} entries, {n_judges} judges, k = {PER_ENTRY}, {len(forbidden)} forbidden pairs"
        )
        for label, seed in (("input order", None), ("seeded shuffle", 7)):
            times = []
            for _ in range(options.runs):
                start = time.perf_counter()
                result = assign_judges(entries, judges, PER_ENTRY, forbidden=forbidden, seed=seed)
                times.append(time.perf_counter() - start)
            check(result, forbidden)
            print(
                f"  assign ({label}): median {statistics.median(times):.3f} s over "
                f"{options.runs} runs (min {min(times):.3f}, max {max(times):.3f}); "
                f"loads {result.min_load}-{result.max_load}"
            )


if __name__ == "__main__":
    main()
