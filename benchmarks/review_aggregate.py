"""Benchmark: the aggregation report of a round with 3,000 entries x 3 scores.

One report = build the score sheet from rows, then for each method (mean, trimmed, zscore)
finals, ranks, ICC and verdict, judge statistics, spread flags and the JSON payload.
Two designs: 150 judges, 3 different judges per entry (ICC null: incomplete), and one
panel of 3 judges scoring everything (ICC computed). Target: under 1 s (issue 5).

    .venv/bin/python benchmarks/review_aggregate.py [--runs 5] [--seed 2026]
"""

import argparse
import statistics
import time

import numpy as np

from yanxun.review.aggregate import METHODS, ScoreSheet, round_report
from yanxun.review.cli import report_json

ENTRIES, PER_ENTRY, JUDGES = 3000, 3, 150


def score_rows(rng: np.random.Generator, n_judges: int) -> list[tuple[str, str, float]]:
    quality = rng.normal(80, 6, ENTRIES)
    bias = rng.normal(0, 2, n_judges)
    rows = []
    for e in range(ENTRIES):
        panel = rng.choice(n_judges, PER_ENTRY, replace=False)
        for j in panel:
            score = np.clip(quality[e] + bias[j] + rng.normal(0, 3), 0, 100)
            rows.append((f"E{e:04d}", f"J{j:03d}", round(float(score) * 2) / 2))  # half points
    return rows


def report(rows: list[tuple[str, str, float]]) -> dict:
    sheet = ScoreSheet.from_rows(rows)
    return {method: report_json(round_report(sheet, method=method)) for method in METHODS}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    rng = np.random.default_rng(options.seed)
    for label, n_judges in (("150 judges, incomplete", JUDGES), ("3 judges, complete", PER_ENTRY)):
        rows = score_rows(rng, n_judges)
        times = []
        for _ in range(options.runs):
            start = time.perf_counter()
            result = report(rows)
            times.append(time.perf_counter() - start)
        icc = result["mean"]["icc"]["icc2"]
        print(
            f"aggregate report, all methods ({len(rows)} scores, {label}): median "
            f"{statistics.median(times):.3f} s over {options.runs} runs "
            f"(min {min(times):.3f}, max {max(times):.3f}); ICC(2,1) = {icc}"
        )


if __name__ == "__main__":
    main()
