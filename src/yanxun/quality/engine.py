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
from functools import cached_property

import polars as pl

SCALE = 100  # scores are stored in hundredths of a point
TOTAL = "总分"
DISTRICT = "全区"

PRESENT, ABSENT, CHEATING, VIOLATION, EXEMPT, NOT_TAKEN = range(6)
STATUS_WORDS = {"缺考": ABSENT, "作弊": CHEATING, "违纪": VIOLATION, "免考": EXEMPT}
EXCLUDED = (CHEATING, VIOLATION, EXEMPT)
MISSING = (ABSENT, *EXCLUDED)
LINE_NAMES = ("excellent", "good", "pass")
FLAGS = ("excellent", "good", "pass", "low", "near_excellent", "near_good", "near_pass")
STATUS_NAMES = {ABSENT: "absent", CHEATING: "cheating", VIOLATION: "violation", EXEMPT: "exempt"}


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


def collect_all(plans: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Run lazy queries side by side on the in-memory engine. Every query here works on
    frames already in memory, mostly of a few thousand rows, where the streaming engine's
    start-up costs more than the work; its sorted group-bys take the fast path too."""
    return pl.collect_all(plans, engine="in-memory")


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
    students: pl.DataFrame = field(repr=False)  # one row per student: ids, 总分, 全科合格

    @cached_property
    def long(self) -> pl.DataFrame:
        """Per student and subject, with the packed counters. Built on first use (student
        ranks, 临界生 lists, teachers, follow-ups): the unit statistics do not need it."""
        return long_scores(self.students, self.spec, self.classes_index.height,
                           self.schools_index.height)

    def student_ranks(self, school_id: int | None = None) -> pl.DataFrame:
        """Per student and subject: score, rank in the district and in the school, and for
        总分 the rank within the student's elective combination (one school: school_id)."""
        return student_ranks(self, school_id)

    def tables(self) -> dict[str, pl.DataFrame]:
        from yanxun.quality import tables

        return tables.public_tables(self)


# ---------------------------------------------------------------------------------------
# Preparing: ids, totals, and the long frame (one row per student and subject)
# ---------------------------------------------------------------------------------------


def _index(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Schools and classes numbered in order of first appearance in the file (classes school
    by school), and every row's (school_id, class_id). Rows of the same class next to each
    other (files list students class by class) are collapsed into one run first, so names
    are hashed once per run rather than once per student."""
    school, klass = pl.col("学校"), pl.col("班级")
    starts = frame.select(((school != school.shift()) | (klass != klass.shift()))
                          .fill_null(True)).to_series()
    run = starts.cast(pl.UInt32).cum_sum() - 1  # every row's run
    heads = frame.select("学校", "班级").filter(starts)  # the first row of every run
    pairs = heads.unique(["学校", "班级"], keep="first", maintain_order=True)
    schools = pairs.unique("学校", keep="first", maintain_order=True).select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("school_id"), "学校")
    classes = (
        pairs.join(schools, on="学校", maintain_order="left")
        .sort("school_id", maintain_order=True).with_row_index("class_id")
        .select("class_id", "school_id", "班级", "学校")
    )
    ids = heads.join(classes, on=["学校", "班级"], how="left", maintain_order="left")
    return schools, classes, ids.select(pl.col("school_id", "class_id").gather(run))


def _student_columns(spec: ExamSpec) -> list[pl.Expr]:
    """总分 (for students present in every subject they took), its full mark, 全科合格, and
    the elective combination (e.g. 物理+化学+生物)."""
    subs = spec.subjects
    status = [pl.col(status_column(s.name)) for s in subs]
    missing = pl.any_horizontal([st.is_in(MISSING) for st in status])
    has_total = ~missing & pl.any_horizontal([st == PRESENT for st in status])
    passes = [
        (st == NOT_TAKEN) | (pl.col(s.name) >= ceil_share(spec.lines_for(s).pass_, s.full))
        for s, st in zip(subs, status, strict=True)
    ]
    taken_full = [pl.when(st != NOT_TAKEN).then(s.full).otherwise(0)
                  for s, st in zip(subs, status, strict=True)]
    electives = [(s, st) for s, st in zip(subs, status, strict=True) if s.elective]
    combination = (
        pl.concat_str([pl.when(st != NOT_TAKEN).then(pl.lit(s.name)) for s, st in electives],
                      separator="+", ignore_nulls=True)
        if electives else pl.lit(None, pl.String)
    )
    return [
        has_total.alias("has_total"),
        pl.when(has_total).then(pl.sum_horizontal([pl.col(s.name) for s in subs])).alias("total"),
        pl.sum_horizontal(taken_full).cast(pl.Int64).alias("total_full"),
        pl.when(has_total).then(pl.all_horizontal(passes)).alias("all_pass"),
        combination.alias("combination"),
    ]


def prepare(frame: pl.DataFrame, spec: ExamSpec) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(students with ids and totals, schools index, classes index). Students are ordered by
    class (a file usually lists them so already: then nothing moves), so that every group-by
    below by class or by school takes Polars' sorted fast path (contiguous slices)."""
    schools, classes, ids = _index(frame)
    students = (
        pl.concat([frame, ids], how="horizontal").lazy()
        .with_row_index("student")
        .with_columns(_student_columns(spec))
    )
    if not ids["class_id"].is_sorted():
        students = students.sort("class_id", maintain_order=True)
    # classes are numbered school by school: sorted by class is sorted by school too
    students = students.collect().with_columns(pl.col("class_id", "school_id").set_sorted())
    return students, schools, classes


# ---------------------------------------------------------------------------------------
# Counters: the facts counted per unit (lines, 临界生, statuses, score bands), packed
# ---------------------------------------------------------------------------------------

CELL_CODES = NOT_TAKEN + 1  # rows 0 … NOT_TAKEN of a lookup: a status without a score


def _thresholds(lines: Lines, width: Fraction, full: int | pl.Expr) -> dict[str, pl.Expr]:
    """Integer thresholds in hundredths: score ≥ t_<line>, score < t_low, and the 临界生
    lower bound b_<line>. Literals for a subject's full mark; per row for a column (总分)."""

    def at(share: Fraction) -> pl.Expr:
        share = max(share, Fraction(0))
        if isinstance(full, int):
            return pl.lit(ceil_share(share, full), pl.Int64)
        return ceil_share_expr(share, full)

    result = {f"t_{name}": at(share) for name, share in lines.upper().items()}
    result["t_low"] = at(lines.low)
    return result | {f"b_{name}": at(share - width) for name, share in lines.upper().items()}


def _band_count(width: Fraction) -> int:
    return -((-width.denominator) // width.numerator)  # ceil(1 / width)


def unit_flags(spec: ExamSpec, lines: Lines, score: pl.Expr, status: pl.Expr,
               full: int | pl.Expr) -> dict[str, pl.Expr]:
    """The facts counted per unit for one cell: the score is at or above each line
    (cumulative), below the low line, within the 临界生 width below each line; the cell's
    status when not present; and the score's band (band k covers [k·w, (k+1)·w) × full, the
    last one including the full mark)."""
    th = _thresholds(lines, spec.borderline_width, full)
    flags = {name: score >= th[f"t_{name}"] for name in LINE_NAMES}
    flags["low"] = score < th["t_low"]
    flags |= {f"near_{n}": (score >= th[f"b_{n}"]) & (score < th[f"t_{n}"]) for n in LINE_NAMES}
    flags |= {name: status == code for code, name in STATUS_NAMES.items()}
    width, bands = spec.band_width, _band_count(spec.band_width)
    full = pl.lit(full, pl.Int64) if isinstance(full, int) else full
    band = ((score * width.denominator) // (full * width.numerator)).clip(upper_bound=bands - 1)
    return flags | {f"band{b}": band == b for b in range(bands)}


@dataclass(frozen=True)
class Counters:
    """The facts of a row (`unit_flags`) packed into a few Int64 words, `width` bits per fact,
    so that one sum per word counts several facts at once (three sums instead of twenty-one
    for a class). A count never exceeds the number of rows summed into it — a class for the
    unit statistics, all the students for a teacher — so width = the bit length of that
    bound cannot overflow. Unpacked counts are then added up as ordinary integers."""

    width: int
    words: tuple[tuple[str, ...], ...]

    @classmethod
    def sized(cls, spec: ExamSpec, largest: int) -> Counters:
        bands = tuple(f"band{b}" for b in range(_band_count(spec.band_width)))
        names = (*FLAGS, *STATUS_NAMES.values(), *bands)
        width = max(1, largest.bit_length())
        per_word = max(1, 63 // width)
        return cls(width, tuple(names[i:i + per_word] for i in range(0, len(names), per_word)))

    @property
    def columns(self) -> list[str]:
        return [f"w{k}" for k in range(len(self.words))]

    @property
    def counts(self) -> list[str]:
        return [f"n_{name}" for word in self.words for name in word]

    def pack(self, flags: dict[str, pl.Expr], prefix: str = "") -> list[pl.Expr]:
        """Σ fact · 2^(width·j) per word (when/then with literals: 4 × faster than casts)."""
        zero = pl.lit(0, pl.Int64)
        words = []
        for k, word in enumerate(self.words):
            terms = [pl.when(flags[f]).then(pl.lit(1 << (self.width * j), pl.Int64))
                     .otherwise(zero) for j, f in enumerate(word)]
            expr = terms[0]
            for term in terms[1:]:
                expr = expr + term
            words.append(expr.alias(f"{prefix}w{k}"))  # a null fact packs 0: it counts nothing
        return words

    def unpack(self) -> list[pl.Expr]:
        mask = 1 << self.width
        return [
            ((pl.col(f"w{k}") // (1 << (self.width * j))) % mask).alias(f"n_{f}")
            for k, word in enumerate(self.words) for j, f in enumerate(word)
        ]


def _lookup(spec: ExamSpec, subject: Subject, counters: Counters, low: int,
            high: int) -> pl.DataFrame:
    """The packed words of every possible cell of a subject: rows 0 … NOT_TAKEN a status
    without a score, then one row per score from `low` to `high` (hundredths)."""
    statuses = pl.DataFrame({"status": range(CELL_CODES), "score": [None] * CELL_CODES},
                            schema={"status": pl.UInt8, "score": pl.Int64})
    scores = pl.select(status=pl.lit(PRESENT, pl.UInt8),
                       score=pl.int_range(low, high + 1, dtype=pl.Int64))
    flags = unit_flags(spec, spec.lines_for(subject), pl.col("score"), pl.col("status"),
                       subject.full)
    return pl.concat([statuses, scores]).select(counters.pack(flags))


def _packed_words(students: pl.DataFrame, spec: ExamSpec, counters: Counters) -> list[pl.Expr]:
    """Per student, the packed words `{i}:w{k}` of every subject i, then of 总分. A subject's
    facts depend on its cell alone, so they are computed once per possible cell (a few
    thousand; subjects with the same full mark and lines share them) and looked up by cell;
    总分's lines depend on the student's full mark (the electives taken), so its facts are
    computed per student."""
    names = [s.name for s in spec.subjects]
    seen = students.select(pl.col(names).min().name.suffix("::low"),
                           pl.col(names).max().name.suffix("::high")).row(0)
    tables: dict[tuple, pl.DataFrame] = {}
    words = []
    for i, s in enumerate(spec.subjects):
        low = min(0, seen[i] if seen[i] is not None else 0)
        high = max(s.full, seen[len(names) + i] or 0)
        key = (s.full, spec.lines_for(s), low, high)
        if key not in tables:
            tables[key] = _lookup(spec, s, counters, low, high)
        cell = (pl.col(s.name) - low + CELL_CODES).fill_null(pl.col(status_column(s.name)))
        words += [pl.lit(tables[key][w]).gather(cell).alias(f"{i}:{w}") for w in counters.columns]
    status = pl.when(pl.col("has_total")).then(PRESENT).otherwise(ABSENT)
    flags = unit_flags(spec, spec.lines, pl.col("total"), status, pl.col("total_full"))
    return words + counters.pack(flags, prefix=f"{len(spec.subjects)}:")


# ---------------------------------------------------------------------------------------
# Unit statistics: classes aggregated from the students in one pass (every subject side by
# side), schools from the classes, the district from the schools (sums, sums of squares,
# max, min and counts add up exactly); medians are computed at each level from the students.
# ---------------------------------------------------------------------------------------

SUMS = ("n", "sum", "sumsq")


def _scores(spec: ExamSpec) -> list[pl.Expr]:
    """The score columns of the units, in the order of `spec.names` (总分 last)."""
    return [pl.col(s.name) for s in spec.subjects] + [pl.col("total")]


def _unit_aggs(spec: ExamSpec, counters: Counters) -> list[pl.Expr]:
    """Per group and unit i: `{i}:n`, Σx, Σx², max, min, median and the packed word sums."""
    aggs = []
    for i, score in enumerate(_scores(spec)):
        score = pl.col(f"{i}:score")
        aggs += [
            score.count().cast(pl.Int64).alias(f"{i}:n"),
            score.sum().alias(f"{i}:sum"),
            (score * score).sum().alias(f"{i}:sumsq"),
            score.max().alias(f"{i}:max_h"),
            score.min().alias(f"{i}:min_h"),
            score.median().alias(f"{i}:median_h"),
            *[pl.col(f"{i}:{w}").sum() for w in counters.columns],
        ]
    return aggs


def _stack(wide: pl.LazyFrame, keys: list[str], units: int, names: list[str]) -> pl.LazyFrame:
    """Columns `{i}:<name>` of a wide frame as one row per unit i and key (unit by unit)."""
    return pl.concat([
        wide.select(*keys, subject=pl.lit(i, pl.UInt8),
                    **{name: pl.col(f"{i}:{name}") for name in names})
        for i in range(units)
    ], how="vertical")


def _student_passes(students: pl.DataFrame, spec: ExamSpec, counters: Counters):
    """The only passes over the scores, run side by side: per class (every subject and 总分:
    sums, extremes, medians, packed counts, and the 全科合格 counts), per school (medians) and
    for the district (medians)."""
    scores = _scores(spec)
    medians = [score.median().alias(f"{i}:median_h") for i, score in enumerate(scores)]
    rows = students.select(  # materialised: each lookup runs once, not once per class
        "class_id", "school_id", "has_total", "all_pass",
        *[score.alias(f"{i}:score") for i, score in enumerate(scores)],
        *_packed_words(students, spec, counters),
    )
    return collect_all([
        rows.lazy().group_by("class_id", maintain_order=True).agg(
            pl.col("school_id").first(), *_unit_aggs(spec, counters),
            pl.col("has_total").sum().cast(pl.Int64).alias("with_total"),
            pl.col("all_pass").sum().cast(pl.Int64).alias("all_pass"),
        ),
        students.lazy().group_by("school_id", maintain_order=True).agg(medians),
        students.lazy().select(medians),
    ])


def unit_keys(n_classes: int, n_schools: int) -> dict[str, pl.Expr]:
    """class_key = subject · classes + class_id, school_key = subject · schools + school_id:
    with the rows unit by unit and, within a unit, by class (classes are numbered school by
    school), both keys rise, so grouping or joining by them takes the sorted fast path."""
    subject = pl.col("subject").cast(pl.UInt32)
    return {"class_key": subject * n_classes + pl.col("class_id"),
            "school_key": subject * n_schools + pl.col("school_id")}


def _rollup(sums: pl.LazyFrame, keys: list[str], counts: list[str]) -> pl.LazyFrame:
    return sums.group_by(keys, maintain_order=True).agg(
        *[pl.col(c).sum() for c in (*SUMS, *counts)], pl.col("max_h").max(),
        pl.col("min_h").min(),
    )


def _medians(rows: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    return rows.group_by(keys, maintain_order=True).agg(pl.col("score").median().alias("median_h"))


def _rate(count: str) -> pl.Expr:
    return pl.when(pl.col("n") > 0).then(pl.col(count) / pl.col("n"))


def _finish(frame: pl.LazyFrame, total_index: int, counts: list[str]) -> pl.LazyFrame:
    """Means, population std (exact integer numerator n·Σx² − (Σx)²), rates; counts of a unit
    nobody sat are 0 and its figures null. 总分 has no exclusions of its own: null."""
    n = pl.col("n")
    wide = pl.Int128
    numerator = n.cast(wide) * pl.col("sumsq").cast(wide) - pl.col("sum").cast(wide) ** 2
    reasons = ["cheating", "violation", "exempt"]
    subject = pl.col("subject") != total_index
    return frame.with_columns(pl.col(*SUMS, *counts).fill_null(0)).with_columns(
        absent=pl.col("n_absent"),
        excluded=pl.when(subject).then(pl.sum_horizontal([f"n_{r}" for r in reasons])),
        **{r: pl.when(subject).then(pl.col(f"n_{r}")) for r in reasons},
        mean=pl.when(n > 0).then(pl.col("sum") / (n * SCALE)),
        std=pl.when(n > 0).then(numerator.cast(pl.Float64).sqrt() / (n * SCALE)),
        max=exact_div(pl.col("max_h"), SCALE),
        min=exact_div(pl.col("min_h"), SCALE),
        median=exact_div(pl.col("median_h"), SCALE),
        excellent_rate=_rate("n_excellent"),
        good_rate=_rate("n_good"),
        pass_rate=_rate("n_pass"),
        low_rate=_rate("n_low"),
    )


def unit_stats(students: pl.DataFrame, spec: ExamSpec, classes: pl.DataFrame, n_schools: int):
    """(district, school, class) rows for every subject and every unit, 总分 included (with the
    band counts n_band<k>), and the per-class 全科合格 counts. One pass over the scores by
    class, every subject at once; schools and the district are rolled up from it; medians
    are taken at each level from the scores. The rest works on a few thousand rows."""
    largest = students["class_id"].unique_counts().max() or 0
    counters = Counters.sized(spec, int(largest))
    per_class, per_school, district = _student_passes(students, spec, counters)
    units, sums = len(spec.names), ["n", "sum", "sumsq", "max_h", "min_h", "median_h"]
    keys = unit_keys(classes.height, n_schools)
    class_sums = (
        _stack(per_class.lazy(), ["class_id", "school_id"], units, [*sums, *counters.columns])
        .with_columns(**keys).with_columns(counters.unpack()).drop(counters.columns)
    ).collect(engine="in-memory").lazy()
    school_sums = _rollup(class_sums, ["school_key", "school_id", "subject"], counters.counts)
    school_sums = school_sums.collect(engine="in-memory").lazy()
    school_med = _stack(per_school.lazy(), ["school_id"], units, ["median_h"]).select(
        "median_h", school_key=keys["school_key"])
    district_med = _stack(district.lazy(), [], units, ["median_h"])
    levels = (  # each in key order: by subject, then school, then class
        _rollup(school_sums, ["subject"], counters.counts).join(
            district_med, on="subject", how="left", maintain_order="left"),
        school_sums.join(school_med, on="school_key", how="left", maintain_order="left"),
        class_sums,
    )
    stats = collect_all([_finish(level, len(spec.subjects), counters.counts) for level in levels])
    all_pass = per_class.select("school_id", "class_id", n="with_total", n_all_pass="all_pass")
    return (*stats, all_pass)


def _relative(ref_mean: str) -> list[pl.Expr]:
    m, ref = pl.col("mean"), pl.col(ref_mean)
    return [
        pl.when(ref != 0).then((m - ref) / ref).alias("above_mean_rate"),
        pl.when(ref != 0).then(m / ref).alias("mean_ratio"),
        pl.when(pl.col("d_std") > 0)
        .then(50 + 10 * (m - pl.col("d_mean")) / pl.col("d_std")).alias("t_score"),
    ]


def _rank(over: list[str]) -> pl.Expr:
    return pl.col("mean").rank("min", descending=True).over(over).cast(pl.Int64).alias("rank")


def compare_units(district: pl.DataFrame, schools: pl.DataFrame, classes: pl.DataFrame):
    """超均率, 比均率, T-score and rank: schools against the district, classes against their
    school (T-score always against the district). References are read by position: the
    district has one row per subject, the schools one per school_key, both in key order."""
    reference = {f"d_{c}": pl.lit(district[c]).gather(pl.col("subject")) for c in ("mean", "std")}
    school_mean = pl.lit(schools["mean"]).gather(pl.col("school_key"))
    return (
        schools.lazy().with_columns(**reference)
        .with_columns(*_relative("d_mean"), _rank(["subject"])),
        classes.lazy().with_columns(**reference, s_mean=school_mean)
        .with_columns(*_relative("s_mean"), _rank(["school_key"])),
    )


# ---------------------------------------------------------------------------------------
# Per student: the long frame, built on demand; ranks in the district and in the school (min
# method: 1, 2, 2, 4), and 总分 within each elective combination: 1 + the number of scores
# above, read from a histogram of the (integer) scores, so no sort over a million rows.
# ---------------------------------------------------------------------------------------


def long_scores(students: pl.DataFrame, spec: ExamSpec, n_classes: int, n_schools: int):
    """One row per student and subject taken (an elective not taken has no row), then 总分,
    with the packed counters (sized for any group of students: a teacher's classes) and the
    unit keys (class_key, school_key)."""
    base = ("student", "school_id", "class_id")
    counters, parts = Counters.sized(spec, students.height), []
    score, status = pl.col("score"), pl.col("status")
    for i, s in enumerate(spec.subjects):
        cell = pl.col(status_column(s.name))
        rows = students.lazy().filter(cell != NOT_TAKEN) if s.elective else students.lazy()
        parts.append(
            rows.select(*base, subject=pl.lit(i, pl.UInt8), score=pl.col(s.name), status=cell,
                        full=pl.lit(s.full, pl.Int64))
            .with_columns(counters.pack(unit_flags(spec, spec.lines_for(s), score, status,
                                                   s.full)))
        )
    parts.append(
        students.lazy().select(
            *base, subject=pl.lit(len(spec.subjects), pl.UInt8), score=pl.col("total"),
            status=pl.when(pl.col("has_total")).then(PRESENT).otherwise(ABSENT).cast(pl.UInt8),
            full=pl.col("total_full"),
        ).with_columns(counters.pack(unit_flags(spec, spec.lines, score, status,
                                                pl.col("full"))))
    )
    return pl.concat(parts, how="vertical").with_columns(
        **unit_keys(n_classes, n_schools)
    ).with_columns(pl.col("subject", "class_key", "school_key").set_sorted()).collect()


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


# ---------------------------------------------------------------------------------------
# 全科合格率, top-N, score bands, 临界生, balance (coefficient of variation)
# ---------------------------------------------------------------------------------------


def all_pass_rates(per_class: pl.DataFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Among students present in every subject they took (those with a 总分): the share who
    pass every one. (schools with a 全区 row last, classes), from the per-class counts (n,
    n_all_pass) taken in the pass over the scores and added up."""
    counts = per_class.lazy()
    schools = counts.group_by("school_id", maintain_order=True).agg(pl.col("n", "n_all_pass").sum())
    district = counts.select(pl.lit(None, pl.UInt32).alias("school_id"),
                             pl.col("n", "n_all_pass").sum())
    rate = _rate("n_all_pass").alias("all_pass_rate")
    return (pl.concat([schools, district], how="vertical").with_columns(rate),
            counts.with_columns(rate))


def top_n(students: pl.DataFrame, spec: ExamSpec) -> pl.LazyFrame:
    """For each N: the students whose 总分 ≥ the N-th best 总分 (ties may enlarge the group);
    per school its count, its share of the group and its share of all students with 总分."""
    total = pl.col("total")
    best = students.select(total.drop_nulls().top_k(max(spec.top)).sort(descending=True),
                           pl.col("has_total").sum().alias("m"))
    ordered, m = best["total"], int(best["m"][0]) if best.height else 0
    cut = {n: ordered[min(n, m) - 1] for n in spec.top} if m else {}
    per_school = students.lazy().group_by("school_id", maintain_order=True).agg(
        pl.col("has_total").sum().cast(pl.Int64).alias("enrolment"),
        *[(total >= cut[n]).sum().cast(pl.Int64).alias(f"c{n}") for n in cut],
    )
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


def score_bands(district: pl.LazyFrame, schools: pl.LazyFrame, students: pl.DataFrame,
                spec: ExamSpec, n_schools: int) -> pl.LazyFrame:
    """Counts per band of `band_width` × full mark (the last band includes the full mark),
    for the district (school_id null) and every school, every band listed: the unit rows'
    band counts n_band<k>, one row per band, with shares of the unit's banded scores."""
    bands = _band_count(spec.band_width)
    cols = [f"n_band{b}" for b in range(bands)]
    units = pl.concat([
        district.select("subject", pl.lit(None, pl.UInt32).alias("school_id"), *cols),
        schools.select("subject", "school_id", *cols),
    ], how="vertical").with_columns(banded=pl.sum_horizontal(cols))
    frame = pl.concat([
        units.select("subject", "school_id", band=pl.lit(b, pl.UInt8), count=pl.col(col),
                     banded="banded")
        for b, col in enumerate(cols)
    ], how="vertical")
    school = pl.col("school_id").cast(pl.Int64).fill_null(-1) + 1  # the district first
    order = (pl.col("subject").cast(pl.Int64) * (n_schools + 1) + school) * bands + pl.col("band")
    n = pl.col("banded")
    return (
        frame.sort(order)
        .select("subject", "school_id", "band", "count",
                share=pl.when(n > 0).then(pl.col("count") / n))
        .join(_band_edges(students, spec), on=["subject", "band"], how="left",
              maintain_order="left")
    )


def _band_edges(students: pl.DataFrame, spec: ExamSpec) -> pl.LazyFrame:
    """Band edges as shares and as scores. A subject's scores only where every student has the
    same full mark (总分 over electives of different full marks has shares only)."""
    width = spec.band_width
    totals = students["total_full"]
    fulls = [s.full for s in spec.subjects]
    fulls.append(totals.min() if totals.min() == totals.max() else None)
    rows = []
    for subject, uniform in enumerate(fulls):
        for band in range(_band_count(width)):
            low, high = width * band, min(width * (band + 1), Fraction(1))
            rows.append((subject, band, float(low), float(high),
                         *((None, None) if uniform is None else
                           (float(low * uniform / SCALE), float(high * uniform / SCALE)))))
    return pl.LazyFrame(rows, orient="row", schema={
        "subject": pl.UInt8, "band": pl.UInt8, "from_share": pl.Float64,
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
    cols = [f"n_near_{name}" for name in LINE_NAMES]
    dist = district.select("subject", pl.lit(None, pl.UInt32).alias("school_id"), *cols)
    frame = pl.concat([dist, schools.select("subject", "school_id", *cols)], how="vertical")
    line = pl.col("line").replace_strict({c: i for i, c in enumerate(cols)},
                                         return_dtype=pl.Int64)
    school = pl.col("school_id").cast(pl.Int64).fill_null(-1) + 1  # the district first
    order = (pl.col("subject").cast(pl.Int64) * (1 << 32) + school) * 4 + line
    return frame.unpivot(index=["subject", "school_id"], on=cols, variable_name="line",
                         value_name="count").sort(order).with_columns(
        pl.col("line").str.strip_prefix("n_near_"))


def borderline_students(analysis: Analysis, line: str) -> pl.DataFrame:
    """The students within `borderline_width` × full mark below `line` (excellent/good/pass),
    with how far below the line they are (in points)."""
    spec = analysis.spec
    rows = []
    for i, s in enumerate(spec.subjects):
        th = _thresholds(spec.lines_for(s), spec.borderline_width, s.full)
        rows.append(analysis.long.lazy().filter(pl.col("subject") == i).with_columns(
            line_h=th[f"t_{line}"], lower_h=th[f"b_{line}"]))
    th = _thresholds(spec.lines, spec.borderline_width, pl.col("full"))
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
# The whole analysis
# ---------------------------------------------------------------------------------------


def analyze(frame: pl.DataFrame, spec: ExamSpec) -> Analysis:
    students, schools, classes = prepare(frame, spec)
    district, school_rows, class_rows, all_pass = unit_stats(students, spec, classes,
                                                             schools.height)
    school_rows, class_rows = compare_units(district, school_rows, class_rows)
    district = district.lazy()
    all_pass_schools, all_pass_classes = all_pass_rates(all_pass)
    plans = {
        "district": district, "schools": school_rows, "classes": class_rows,
        "all_pass": all_pass_schools, "all_pass_classes": all_pass_classes,
        "top_n": top_n(students, spec),
        "bands": score_bands(district, school_rows, students, spec, schools.height),
        "borderline": borderline_counts(district, school_rows),
        "balance": balance(school_rows),
    }
    results = dict(zip(plans, collect_all(list(plans.values())), strict=True))
    return Analysis(spec=spec, schools_index=schools, classes_index=classes, students=students,
                    **results)


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
    frame = _sums(rows, keys, counters).join(_medians(rows, keys), on=keys).join(classes, on=keys)
    return _finish(frame, len(spec.subjects), counters.counts).sort(keys).collect()


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
    ).with_columns(counters.unpack()).drop(counters.columns)


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
