"""Views of a finished analysis that the reports drill into: per-student ranks (in district,
school and elective combination), students near a line, results per teacher through the
class–subject–teacher table, and the bottom 20 % of each school followed into a later exam
of the same cohort. Pure functions over Polars frames, like
``engine`` (no Django); split from it to keep each module readable.
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl

from yanxun.quality.engine import (
    SCALE,
    TOTAL,
    Analysis,
    Counters,
    exact_div,
    finish_units,
    line_thresholds,
    unit_medians,
)


def _ranked(targets: pl.LazyFrame, pool: pl.LazyFrame, group: list[str], name: str):
    score = pl.col("score")
    above = (
        pool.filter(score.is_not_null()).group_by(*group, "score").agg(pl.len().alias("c"))
        .sort(*group, "score", descending=[*(False for _ in group), True])
        .select(*group, "score", (pl.col("c").cum_sum().over(group) - pl.col("c") + 1)
                .cast(pl.Int64).alias(name))
    )
    return targets.join(above, on=[*group, "score"], how="left", maintain_order="left")


def student_ranks(analysis: Analysis, school_id: int | None = None) -> pl.DataFrame:
    spec, long = analysis.spec, analysis.long.lazy()
    targets = long if school_id is None else long.filter(pl.col("school_id") == school_id)
    targets = targets.select("student", "school_id", "class_id", "subject", "score", "status")
    frame = _ranked(targets, long, ["subject"], "rank_district")
    frame = _ranked(frame, targets, ["subject", "school_id"], "rank_school")
    if not spec.has_electives:
        return frame.with_columns(combination=pl.lit(None, pl.String),
                                  rank_combination=pl.lit(None, pl.Int64)).collect()
    is_total = pl.col("subject") == len(spec.subjects)
    combos = analysis.students.lazy().select("student", "combination")
    pool = long.filter(is_total).join(combos, on="student", how="left")
    frame = frame.join(combos, on="student", how="left", maintain_order="left").with_columns(
        combination=pl.when(is_total).then(pl.col("combination")))
    frame = _ranked(frame, pool, ["subject", "combination"], "rank_combination")
    return frame.with_columns(
        rank_combination=pl.when(is_total).then(pl.col("rank_combination"))).collect()


def borderline_students(analysis: Analysis, line: str) -> pl.DataFrame:
    """The students within `borderline_width` × full mark below `line` (excellent/good/pass),
    with how far below the line they are (in points)."""
    spec = analysis.spec
    rows = []
    for i, s in enumerate(spec.subjects):
        th = line_thresholds(spec.lines_for(s), spec.borderline_width, s.full)
        rows.append(analysis.long.lazy().filter(pl.col("subject") == i).with_columns(
            line_h=th[f"t_{line}"], lower_h=th[f"b_{line}"]))
    th = line_thresholds(spec.lines, spec.borderline_width, pl.col("full"))
    rows.append(analysis.long.lazy().filter(pl.col("subject") == len(spec.subjects))
                .with_columns(line_h=th[f"t_{line}"], lower_h=th[f"b_{line}"]))
    score = pl.col("score")
    near = (score >= pl.col("lower_h")) & (score < pl.col("line_h"))
    return pl.concat(rows).filter(near).select(
        "student", "school_id", "class_id", "subject",
        score=exact_div(pl.col("score"), SCALE),
        gap=exact_div(pl.col("line_h") - pl.col("score"), SCALE),
    ).collect()


# ---------------------------------------------------------------------------------------
# Per teacher (through the class–subject–teacher table) and the bottom 20 % followed into a
# later exam of the same cohort
# ---------------------------------------------------------------------------------------


def teacher_stats(analysis: Analysis, assignments: pl.DataFrame) -> pl.DataFrame:
    """Per teacher and subject, over the students of all the classes they taught it: the same
    figures as a unit row. `assignments`: 学校, 班级, 科目, 教师 (科目 may be 总分)."""
    spec = analysis.spec
    names = pl.LazyFrame({"科目": spec.names, "subject": range(len(spec.names))},
                         schema={"科目": pl.String, "subject": pl.UInt8})
    links = (
        assignments.lazy().join(analysis.classes_index.lazy(), on=["学校", "班级"])
        .join(names, on="科目").select("教师", "subject", "class_id").unique()
    )
    rows = analysis.long.lazy().join(links, on=["subject", "class_id"])
    keys = ["教师", "subject"]
    counters = Counters.sized(spec, analysis.students.height)  # as packed in the long frame
    classes = links.group_by(keys).agg(pl.len().cast(pl.Int64).alias("classes"))
    frame = _sums(rows, keys, counters).join(unit_medians(rows, keys), on=keys).join(classes, on=keys)
    return finish_units(frame, len(spec.subjects), counters.counts).sort(keys).collect()


def _sums(rows: pl.LazyFrame, keys: list[str], counters: Counters) -> pl.LazyFrame:
    """n, Σx, Σx², max, min and the counts per key, from rows of the long frame."""
    score = pl.col("score")
    return rows.group_by(keys, maintain_order=True).agg(
        score.count().cast(pl.Int64).alias("n"),
        score.sum().alias("sum"),
        (score * score).sum().alias("sumsq"),
        score.max().alias("max_h"),
        score.min().alias("min_h"),
        *[pl.col(w).sum() for w in counters.columns],
    ).pipe(counters.unpack)


def bottom_followup(earlier: Analysis, later: Analysis, *, key: str = "考号",
                    share: Fraction = Fraction(1, 5), subject: str = TOTAL) -> pl.DataFrame:
    """The bottom `share` of each school in the earlier exam (students whose score is ≤ the
    score at position ceil(share × n) from the bottom: ties join the group), followed into
    the later exam by `key`: per earlier school, how many were found, how many are still in
    the bottom `share` of their (later) school, and their mean district percentile before
    and after (percentile = share of the district's students with a lower score)."""
    before = _percentiles(earlier, subject, key, share)
    after = _percentiles(later, subject, key, share)
    group = before.filter(pl.col("bottom"))
    joined = group.join(after.select(key, after_pct="pct", still="bottom"), on=key, how="left")
    names = earlier.schools_index.rename({"学校": "school"})
    per_school = joined.group_by("school_id").agg(
        pl.len().cast(pl.Int64).alias("n_bottom"),
        pl.col("after_pct").count().cast(pl.Int64).alias("matched"),
        pl.col("still").sum().cast(pl.Int64).alias("still_bottom"),
        pl.col("pct").mean().alias("percentile_before"),
        pl.col("after_pct").mean().alias("percentile_after"),
    )
    return names.join(per_school, on="school_id", how="left", maintain_order="left").with_columns(
        pl.col("n_bottom", "matched", "still_bottom").fill_null(0)).drop("school_id")


def _percentiles(analysis: Analysis, subject: str, key: str, share: Fraction) -> pl.DataFrame:
    index = analysis.spec.names.index(subject)
    score = pl.col("score")
    rows = analysis.long.lazy().filter((pl.col("subject") == index) & score.is_not_null())
    keys = analysis.students.lazy().select("student", key)
    cut_rank = (pl.len() * share.numerator + share.denominator - 1) // share.denominator
    cut = score.sort().gather(cut_rank - 1).first().over("school_id")  # ceil(share·n)-th lowest
    return rows.join(keys, on="student").with_columns(
        pct=exact_div(score.rank("min") - 1, pl.len()),
        bottom=score <= cut,
    ).select(key, "school_id", "pct", "bottom").collect()
