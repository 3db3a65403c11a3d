"""Exam indicators as pure functions over Polars frames. No Django in this package.

Input layout (what ``scores_io.read_scores`` produces, and what the database import will
produce from the stored scores): one row per student with the columns ``学校`` and ``班级``
and, for every subject ``s`` of the exam, ``s`` (Int64: the score in hundredths of a point,
null unless the student sat the subject) and ``status_column(s)`` (UInt8, one of the
``STATUS_*`` codes). Scores are held as integers so that every comparison with a line is
exact: a line is a share of the full mark held as a ``Fraction``, and "score ≥ 0.55 × 100"
becomes "score_hundredths ≥ ceil(0.55 × 10000)" computed in integers.

Every rate is a fraction in [0, 1]; an undefined value (a subject nobody sat, a reference
mean of 0) is null, never NaN. Definitions and formulas: docs/quality-indicators.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import polars as pl

SCALE = 100  # scores are stored in hundredths of a point
TOTAL = "总分"
DISTRICT = "全区"

PRESENT, ABSENT, CHEATING, VIOLATION, EXEMPT, NOT_TAKEN = range(6)
STATUS_WORDS = {"缺考": ABSENT, "作弊": CHEATING, "违纪": VIOLATION, "免考": EXEMPT}
EXCLUDED = (CHEATING, VIOLATION, EXEMPT)
MISSING = (ABSENT, *EXCLUDED)
LINE_NAMES = ("excellent", "good", "pass")
KEYS = {"district": ("subject",), "school": ("subject", "school_id"),
        "class": ("subject", "school_id", "class_id")}


def status_column(subject: str) -> str:
    return f"{subject}::status"


@dataclass(frozen=True)
class Lines:
    """Lines as shares of the full mark: cumulative ≥ for excellent/good/pass, < for low."""

    excellent: Fraction = Fraction("0.85")
    good: Fraction = Fraction("0.75")
    pass_: Fraction = Fraction("0.6")
    low: Fraction = Fraction("0.4")

    def upper(self) -> dict[str, Fraction]:
        return {"excellent": self.excellent, "good": self.good, "pass": self.pass_}


@dataclass(frozen=True)
class Subject:
    name: str
    full_mark: Fraction
    elective: bool = False
    lines: Lines | None = None  # None: the exam's lines

    @property
    def full(self) -> int:
        """The full mark in hundredths of a point."""
        return hundredths(self.full_mark)


@dataclass(frozen=True)
class ExamSpec:
    subjects: tuple[Subject, ...]
    lines: Lines = field(default_factory=Lines)
    top: tuple[int, ...] = (10, 50, 100, 500, 1000)
    band_width: Fraction = Fraction(1, 10)  # score bands, as a share of the full mark
    borderline_width: Fraction = Fraction(1, 20)  # 临界生: within this share below a line

    def lines_for(self, subject: Subject) -> Lines:
        return subject.lines or self.lines

    @property
    def names(self) -> list[str]:
        """Subjects in file order, then 总分: the order of every output table."""
        return [s.name for s in self.subjects] + [TOTAL]

    @property
    def has_electives(self) -> bool:
        return any(s.elective for s in self.subjects)


def hundredths(value: Fraction) -> int:
    scaled = Fraction(value) * SCALE
    if scaled.denominator != 1:
        raise ValueError(f"{value} has more than two decimal places")
    return int(scaled)


def ceil_share(share: Fraction, full: int) -> int:
    """ceil(share × full) in exact integer arithmetic (full in hundredths)."""
    return -((-share.numerator * full) // share.denominator)


def ceil_share_expr(share: Fraction, full: pl.Expr) -> pl.Expr:
    """The same for a column of non-negative full marks."""
    return (full * share.numerator + (share.denominator - 1)) // share.denominator


def exact_div(numerator: pl.Expr, denominator: pl.Expr | float) -> pl.Expr:
    """numerator / denominator, correctly rounded. Polars divides a column by a broadcast
    scalar as a multiplication by its reciprocal, one unit in the last place off (7 / 10
    would come out as 0.7000000000000001); a denominator as long as the column avoids it."""
    return numerator / (numerator.cast(pl.Float64) * 0 + denominator)


@dataclass
class Analysis:
    """Every indicator of one exam. Frames carry ids; `tables()` gives the named output."""

    spec: ExamSpec
    schools_index: pl.DataFrame  # school_id, 学校
    classes_index: pl.DataFrame  # class_id, school_id, 班级
    district: pl.DataFrame
    schools: pl.DataFrame
    classes: pl.DataFrame
    all_pass: pl.DataFrame
    all_pass_classes: pl.DataFrame
    top_n: pl.DataFrame
    bands: pl.DataFrame
    borderline: pl.DataFrame
    balance: pl.DataFrame
    students: pl.DataFrame  # per student and subject: score and ranks
    long: pl.DataFrame = field(repr=False)  # per student and subject, with line thresholds

    def tables(self) -> dict[str, pl.DataFrame]:
        from yanxun.quality import tables

        return tables.public_tables(self)


# ---------------------------------------------------------------------------------------
# Preparing: ids, totals, the long frame with line thresholds
# ---------------------------------------------------------------------------------------


def _index(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Schools and classes numbered in order of first appearance in the file."""
    schools = frame.select("学校").unique(maintain_order=True).with_row_index("school_id")
    classes = (
        frame.select("学校", "班级").unique(maintain_order=True)
        .join(schools, on="学校", how="left", maintain_order="left")
        .sort("school_id", maintain_order=True)
        .with_row_index("class_id")
        .select("class_id", "school_id", "班级", "学校")
    )
    return schools, classes


def _student_columns(spec: ExamSpec) -> list[pl.Expr]:
    subs = spec.subjects
    status = [pl.col(status_column(s.name)) for s in subs]
    missing = pl.any_horizontal([st.is_in(MISSING) for st in status])
    has_total = ~missing & pl.any_horizontal([st == PRESENT for st in status])
    passes = [
        (st == NOT_TAKEN) | (pl.col(s.name) >= ceil_share(spec.lines_for(s).pass_, s.full))
        for s, st in zip(subs, status, strict=True)
    ]
    columns = [
        has_total.alias("has_total"),
        pl.when(has_total).then(pl.sum_horizontal([pl.col(s.name) for s in subs])).alias("total"),
        pl.sum_horizontal(
            [pl.when(st != NOT_TAKEN).then(s.full).otherwise(0) for s, st in zip(subs, status, strict=True)]
        ).cast(pl.Int64).alias("total_full"),
        pl.when(has_total).then(pl.all_horizontal(passes)).alias("all_pass"),
    ]
    electives = [(s, st) for s, st in zip(subs, status, strict=True) if s.elective]
    combination = (
        pl.concat_str([pl.when(st != NOT_TAKEN).then(pl.lit(s.name)) for s, st in electives],
                      separator="+", ignore_nulls=True)
        if electives else pl.lit(None, pl.String)
    )
    return [*columns, combination.alias("combination")]


def prepare(frame: pl.DataFrame, spec: ExamSpec) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(students with ids and totals, schools index, classes index)."""
    schools, classes = _index(frame)
    students = (
        frame.lazy()
        .with_row_index("student")
        .join(classes.lazy().select("class_id", "school_id", "学校", "班级"),
              on=["学校", "班级"], how="left", maintain_order="left")
        .with_columns(_student_columns(spec))
        .collect()
    )
    return students, schools, classes


def _thresholds(lines: Lines, full: pl.Expr, width: Fraction, full_int: int | None) -> dict:
    """t_<line> (score must be ≥), t_low (score must be <), b_<line> (临界生 lower bound)."""

    def at(share: Fraction) -> pl.Expr:
        share = max(share, Fraction(0))
        if full_int is not None:
            return pl.lit(ceil_share(share, full_int), pl.Int64)
        return ceil_share_expr(share, full)

    result = {f"t_{name}": at(share) for name, share in lines.upper().items()}
    result["t_low"] = at(lines.low)
    result |= {f"b_{name}": at(share - width) for name, share in lines.upper().items()}
    return result


def long_scores(students: pl.DataFrame, spec: ExamSpec) -> pl.DataFrame:
    """One row per student and subject taken (electives not taken are left out), plus 总分."""
    base = ("student", "school_id", "class_id")
    parts = []
    for i, s in enumerate(spec.subjects):
        status = pl.col(status_column(s.name))
        parts.append(
            students.lazy().filter(status != NOT_TAKEN).select(
                *base, subject=pl.lit(i, pl.UInt8), score=pl.col(s.name), status=status,
                full=pl.lit(s.full, pl.Int64),
                **_thresholds(spec.lines_for(s), pl.lit(s.full), spec.borderline_width, s.full),
            )
        )
    full = pl.col("total_full")
    parts.append(
        students.lazy().select(
            *base, subject=pl.lit(len(spec.subjects), pl.UInt8), score=pl.col("total"),
            status=pl.when(pl.col("has_total")).then(PRESENT).otherwise(ABSENT).cast(pl.UInt8),
            full=full, **_thresholds(spec.lines, full, spec.borderline_width, None),
        )
    )
    return pl.concat(parts, how="vertical").collect()


# ---------------------------------------------------------------------------------------
# Unit statistics: district, school, class
# ---------------------------------------------------------------------------------------

COUNTS = ("n", "absent", "cheating", "violation", "exempt", "n_excellent", "n_good", "n_pass",
          "n_low", "near_excellent", "near_good", "near_pass")


def _aggregations() -> list[pl.Expr]:
    score, status = pl.col("score"), pl.col("status")
    upper = [(score >= pl.col(f"t_{name}")).sum().alias(f"n_{name}") for name in LINE_NAMES]
    near = [
        ((score >= pl.col(f"b_{name}")) & (score < pl.col(f"t_{name}"))).sum().alias(f"near_{name}")
        for name in LINE_NAMES
    ]
    return [
        score.count().alias("n"),
        (status == ABSENT).sum().alias("absent"),
        (status == CHEATING).sum().alias("cheating"),
        (status == VIOLATION).sum().alias("violation"),
        (status == EXEMPT).sum().alias("exempt"),
        score.sum().alias("sum"),
        score.std(ddof=0).alias("std_h"),
        score.max().alias("max_h"),
        score.min().alias("min_h"),
        score.median().alias("median_h"),
        *upper,
        (score < pl.col("t_low")).sum().alias("n_low"),
        *near,
    ]


def _rate(count: str) -> pl.Expr:
    return pl.when(pl.col("n") > 0).then(pl.col(count) / pl.col("n"))


def _finish(frame: pl.LazyFrame, total_index: int) -> pl.LazyFrame:
    n = pl.col("n")
    reasons = ["cheating", "violation", "exempt"]
    subject = pl.col("subject") != total_index  # 总分 has no exclusions of its own: null
    return frame.with_columns(
        pl.col(list(COUNTS)).fill_null(0).cast(pl.Int64),
    ).with_columns(
        excluded=pl.when(subject).then(pl.sum_horizontal(reasons)),
        **{r: pl.when(subject).then(pl.col(r)) for r in reasons},
        mean=pl.when(n > 0).then(pl.col("sum") / (n * SCALE)),
        std=exact_div(pl.col("std_h"), SCALE),
        max=exact_div(pl.col("max_h"), SCALE),
        min=exact_div(pl.col("min_h"), SCALE),
        median=exact_div(pl.col("median_h"), SCALE),
        excellent_rate=_rate("n_excellent"),
        good_rate=_rate("n_good"),
        pass_rate=_rate("n_pass"),
        low_rate=_rate("n_low"),
    )


def _grid(spec: ExamSpec, units: pl.DataFrame | None) -> pl.LazyFrame:
    subjects = pl.LazyFrame({"subject": range(len(spec.names))}, schema={"subject": pl.UInt8})
    return subjects if units is None else subjects.join(units.lazy(), how="cross")


def unit_stats(long: pl.DataFrame, spec: ExamSpec, level: str, units: pl.DataFrame | None):
    """Counts, mean, std, max, min, median and rates of every unit of a level, every subject
    (a unit where nobody sat a subject gets n = 0 and nulls)."""
    keys = list(KEYS[level])
    grid = _grid(spec, units)
    agg = long.lazy().group_by(keys).agg(_aggregations())
    joined = grid.join(agg, on=keys, how="left", maintain_order="left")
    return _finish(joined, len(spec.subjects)).sort(keys)


def _relative(mean: str, ref_mean: str, dist_mean: str, dist_std: str) -> list[pl.Expr]:
    m, ref = pl.col(mean), pl.col(ref_mean)
    return [
        pl.when(ref != 0).then((m - ref) / ref).alias("above_mean_rate"),
        pl.when(ref != 0).then(m / ref).alias("mean_ratio"),
        pl.when(pl.col(dist_std) > 0)
        .then(50 + 10 * (m - pl.col(dist_mean)) / pl.col(dist_std)).alias("t_score"),
    ]


def _rank(over: list[str]) -> pl.Expr:
    return pl.col("mean").rank("min", descending=True).over(over).cast(pl.Int64).alias("rank")


def compare_units(district: pl.LazyFrame, schools: pl.LazyFrame, classes: pl.LazyFrame):
    """超均率, 比均率, T-score and rank: schools against the district, classes against their
    school (T-score always against the district)."""
    dist = district.select("subject", d_mean="mean", d_std="std")
    schools = (
        schools.join(dist, on="subject", how="left", maintain_order="left")
        .with_columns(*_relative("mean", "d_mean", "d_mean", "d_std"), _rank(["subject"]))
    )
    ref = schools.select("subject", "school_id", s_mean="mean")
    classes = (
        classes.join(dist, on="subject", how="left", maintain_order="left")
        .join(ref, on=["subject", "school_id"], how="left", maintain_order="left")
        .with_columns(*_relative("mean", "s_mean", "d_mean", "d_std"),
                      _rank(["subject", "school_id"]))
    )
    return schools, classes


# ---------------------------------------------------------------------------------------
# Per student: ranks (district, school, and 总分 within each subject combination)
# ---------------------------------------------------------------------------------------


def student_ranks(long: pl.DataFrame, students: pl.DataFrame, spec: ExamSpec) -> pl.LazyFrame:
    def rank(over: list[str]) -> pl.Expr:
        return pl.col("score").rank("min", descending=True).over(over).cast(pl.Int64)

    frame = long.lazy().select("student", "school_id", "class_id", "subject", "score", "status")
    frame = frame.with_columns(
        rank_district=rank(["subject"]), rank_school=rank(["subject", "school_id"])
    )
    if not spec.has_electives:
        return frame.with_columns(combination=pl.lit(None, pl.String),
                                  rank_combination=pl.lit(None, pl.Int64))
    total = len(spec.subjects)
    combos = students.lazy().select("student", "combination")
    return frame.join(combos, on="student", how="left", maintain_order="left").with_columns(
        combination=pl.when(pl.col("subject") == total).then(pl.col("combination")),
        rank_combination=pl.when(pl.col("subject") == total).then(rank(["subject", "combination"])),
    )


# ---------------------------------------------------------------------------------------
# 全科合格率, top-N, bands, 临界生, balance (coefficient of variation)
# ---------------------------------------------------------------------------------------


def all_pass_rates(students: pl.DataFrame, keys: list[str], units: pl.DataFrame | None):
    """Among students present in every subject they took: the share who pass every one."""
    aggs = [pl.col("has_total").sum().cast(pl.Int64).alias("n"),
            pl.col("all_pass").sum().cast(pl.Int64).alias("n_all_pass")]
    if not keys:
        frame = students.lazy().select(aggs)
    else:
        grouped = students.lazy().group_by(keys).agg(aggs)
        frame = units.lazy().join(grouped, on=keys, how="left", maintain_order="left").with_columns(
            pl.col("n", "n_all_pass").fill_null(0)
        ).sort(keys)
    return frame.with_columns(all_pass_rate=_rate("n_all_pass"))


def top_n(students: pl.DataFrame, spec: ExamSpec, schools: pl.DataFrame) -> pl.LazyFrame:
    """For each N: the students whose 总分 ≥ the N-th best 总分 (ties may enlarge the group);
    per school its count, its share of the group and its share of all students with 总分."""
    totals = students.lazy().filter(pl.col("has_total")).select("school_id", "total")
    ordered = totals.select(pl.col("total").sort(descending=True)).collect().to_series()
    m = len(ordered)
    cut = {n: ordered[min(n, m) - 1] for n in spec.top} if m else {}
    counts = totals.group_by("school_id").agg(
        pl.len().cast(pl.Int64).alias("enrolment"),
        *[(pl.col("total") >= cut[n]).sum().cast(pl.Int64).alias(f"c{n}") for n in cut],
    )
    per_school = schools.lazy().join(counts, on="school_id", how="left",
                                     maintain_order="left").fill_null(0)
    parts = []
    for n in spec.top:
        count = pl.col(f"c{n}") if n in cut else pl.lit(0, pl.Int64)
        parts.append(per_school.select(
            pl.lit(n, pl.Int64).alias("n_top"), "school_id", count.alias("count"),
            pl.when(count.sum() > 0).then(exact_div(count, count.sum())).alias("share"),
            (exact_div(pl.col("enrolment"), m) if m else pl.lit(None, pl.Float64))
            .alias("enrolment_share"),
        ))
    return pl.concat(parts, how="vertical")


def _band_count(width: Fraction) -> int:
    return -((-width.denominator) // width.numerator)  # ceil(1 / width)


def score_bands(long: pl.DataFrame, spec: ExamSpec, schools: pl.DataFrame) -> pl.LazyFrame:
    """Counts per band of `band_width` × full mark (the last band includes the full mark),
    for the district (school_id null) and every school."""
    width, bands = spec.band_width, _band_count(spec.band_width)
    band = pl.min_horizontal(
        (pl.col("score") * width.denominator) // (pl.col("full") * width.numerator),
        pl.lit(bands - 1, pl.Int64),
    ).cast(pl.Int64)
    present = long.lazy().filter(pl.col("score").is_not_null()).with_columns(band=band)
    grid = _grid(spec, pl.DataFrame({"band": range(bands)}, schema={"band": pl.Int64}))
    district = grid.join(present.group_by("subject", "band").agg(pl.len().alias("count")),
                         on=["subject", "band"], how="left").with_columns(
        pl.lit(None, pl.UInt32).alias("school_id"))
    per_school = grid.join(schools.lazy().select("school_id"), how="cross").join(
        present.group_by("subject", "school_id", "band").agg(pl.len().alias("count")),
        on=["subject", "school_id", "band"], how="left")
    frame = pl.concat([district, per_school.select(district.collect_schema().names())],
                      how="vertical")
    n = pl.col("count").sum().over("subject", "school_id")
    return (
        frame.with_columns(pl.col("count").fill_null(0).cast(pl.Int64))
        .with_columns(share=pl.when(n > 0).then(pl.col("count") / n))
        .join(_band_edges(long, width), on=["subject", "band"], how="left")
        .sort("subject", "school_id", "band", nulls_last=False)
    )


def _band_edges(long: pl.DataFrame, width: Fraction) -> pl.LazyFrame:
    """Band edges as shares and as scores. A subject's scores only where every student has the
    same full mark (总分 over electives of different full marks has shares only)."""
    full = pl.col("full")
    fulls = long.group_by("subject").agg(
        pl.when(full.min() == full.max()).then(full.min()).alias("full")).sort("subject")
    rows = []
    for subject, uniform in fulls.iter_rows():
        for band in range(_band_count(width)):
            low, high = width * band, min(width * (band + 1), Fraction(1))
            rows.append((subject, band, float(low), float(high),
                         *((None, None) if uniform is None else
                           (float(low * uniform / SCALE), float(high * uniform / SCALE)))))
    return pl.LazyFrame(rows, orient="row", schema={
        "subject": pl.UInt8, "band": pl.Int64, "from_share": pl.Float64,
        "to_share": pl.Float64, "from_score": pl.Float64, "to_score": pl.Float64})


def balance(schools: pl.LazyFrame) -> pl.LazyFrame:
    """Coefficient of variation of school means weighted by students present:
    sqrt(Σ n_i (m_i − m̄)² / Σ n_i) / m̄ with m̄ = Σ n_i m_i / Σ n_i."""
    present = schools.filter(pl.col("n") > 0)
    w, m = pl.col("n"), pl.col("mean")
    weighted_mean = (w * m).sum() / w.sum()
    frame = present.group_by("subject").agg(
        pl.len().cast(pl.Int64).alias("schools"),
        weighted_mean.alias("weighted_mean"),
        ((w * (m - weighted_mean) ** 2).sum() / w.sum()).sqrt().alias("sd_between"),
    )
    return frame.with_columns(
        cv=pl.when(pl.col("weighted_mean") != 0).then(pl.col("sd_between") / pl.col("weighted_mean"))
    ).sort("subject")


def borderline_counts(district: pl.LazyFrame, schools: pl.LazyFrame) -> pl.LazyFrame:
    """临界生 counts per subject and line, for the district (school_id null) and each school."""
    cols = [f"near_{name}" for name in LINE_NAMES]
    dist = district.select("subject", pl.lit(None, pl.UInt32).alias("school_id"), *cols)
    frame = pl.concat([dist, schools.select("subject", "school_id", *cols)], how="vertical")
    order = pl.col("line").replace_strict({c: i for i, c in enumerate(cols)}, return_dtype=pl.UInt8)
    return frame.unpivot(index=["subject", "school_id"], on=cols, variable_name="line",
                         value_name="count").sort(
        "subject", "school_id", order, nulls_last=False
    ).with_columns(pl.col("line").str.strip_prefix("near_"))


def borderline_students(analysis: Analysis, line: str) -> pl.DataFrame:
    """The students within `borderline_width` × full mark below `line` (excellent/good/pass)."""
    score = pl.col("score")
    return analysis.long.filter(
        (score >= pl.col(f"b_{line}")) & (score < pl.col(f"t_{line}"))
    ).select("student", "school_id", "class_id", "subject", "score", gap=pl.col(f"t_{line}") - score)


# ---------------------------------------------------------------------------------------
# The whole analysis
# ---------------------------------------------------------------------------------------


def analyze(frame: pl.DataFrame, spec: ExamSpec) -> Analysis:
    students, schools, classes = prepare(frame, spec)
    long = long_scores(students, spec)
    district = unit_stats(long, spec, "district", None)
    school_rows = unit_stats(long, spec, "school", schools.select("school_id"))
    class_rows = unit_stats(long, spec, "class", classes.select("school_id", "class_id"))
    school_rows, class_rows = compare_units(district, school_rows, class_rows)
    plans = {
        "district": district, "schools": school_rows, "classes": class_rows,
        "all_pass": pl.concat([
            all_pass_rates(students, ["school_id"], schools.select("school_id")),
            all_pass_rates(students, [], None).select(pl.lit(None, pl.UInt32).alias("school_id"),
                                                      pl.all()),
        ], how="vertical"),
        "all_pass_classes": all_pass_rates(students, ["school_id", "class_id"],
                                           classes.select("school_id", "class_id")),
        "top_n": top_n(students, spec, schools.select("school_id")),
        "bands": score_bands(long, spec, schools),
        "borderline": borderline_counts(district, school_rows),
        "balance": balance(school_rows),
        "students": student_ranks(long, students, spec),
    }
    results = dict(zip(plans, pl.collect_all(list(plans.values())), strict=True))
    return Analysis(spec=spec, schools_index=schools, classes_index=classes, long=long, **results)


def combine_teachers(long: pl.DataFrame, analysis: Analysis, assignments: pl.DataFrame):
    """Results per teacher and subject through a class–subject–teacher table with the columns
    学校, 班级, 科目, 教师: the teacher's students pooled over their classes."""
    names = pl.DataFrame({"科目": analysis.spec.names, "subject": range(len(analysis.spec.names))},
                         schema={"科目": pl.String, "subject": pl.UInt8})
    links = (
        assignments.lazy()
        .join(analysis.classes_index.lazy(), on=["学校", "班级"], how="inner")
        .join(names.lazy(), on="科目", how="inner")
        .select("教师", "subject", "class_id")
        .unique()
    )
    rows = long.lazy().join(links, on=["subject", "class_id"], how="inner")
    agg = rows.group_by("教师", "subject").agg(_aggregations())
    return _finish(agg, len(analysis.spec.subjects)).sort("教师", "subject").collect()
