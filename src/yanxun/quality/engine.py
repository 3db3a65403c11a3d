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
    long: pl.DataFrame = field(repr=False)  # per student and subject, with line flags

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
    by school), and every row's (school_id, class_id). Names are hashed once as categorical
    codes; the rest works on integers."""
    code = {c: pl.col(c).cast(pl.Categorical).to_physical().cast(pl.UInt64) for c in ("学校", "班级")}
    codes = frame.select(school=code["学校"], pair=code["学校"] * (1 << 32) + code["班级"])
    firsts = codes.with_row_index("row").unique("pair", keep="first", maintain_order=True)
    schools = firsts.unique("school", keep="first", maintain_order=True).with_row_index("school_id")
    classes = (
        firsts.join(schools.select("school", "school_id"), on="school", maintain_order="left")
        .sort("school_id", maintain_order=True).with_row_index("class_id")
    )
    ids = codes.join(classes.select("pair", "class_id", "school_id"), on="pair", how="left",
                     maintain_order="left").select("school_id", "class_id")
    names = frame.select("学校", "班级")
    return (
        schools.select("school_id", names["学校"].gather(schools["row"])),
        classes.select("class_id", "school_id", names["班级"].gather(classes["row"]),
                       names["学校"].gather(classes["row"])),
        ids,
    )


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
    """(students with ids and totals, schools index, classes index)."""
    schools, classes, ids = _index(frame)
    students = (
        pl.concat([frame, ids], how="horizontal").lazy()
        .with_row_index("student")
        .with_columns(_student_columns(spec))
        .sort("class_id", maintain_order=True)  # so that every unit key below is sorted
        .collect()
    )
    return students, schools, classes


def _thresholds(lines: Lines, width: Fraction, full: int | None) -> dict[str, pl.Expr]:
    """Integer thresholds in hundredths: score ≥ t_<line>, score < t_low, and the 临界生
    lower bound b_<line>. Literals for a subject; per row (from total_full) for 总分."""

    def at(share: Fraction) -> pl.Expr:
        share = max(share, Fraction(0))
        if full is not None:
            return pl.lit(ceil_share(share, full), pl.Int64)
        return ceil_share_expr(share, pl.col("full"))

    result = {f"t_{name}": at(share) for name, share in lines.upper().items()}
    result["t_low"] = at(lines.low)
    return result | {f"b_{name}": at(share - width) for name, share in lines.upper().items()}


@dataclass(frozen=True)
class FlagLayout:
    """The line flags of a row packed into a few Int64 words, `width` bits per flag, so that
    one sum per word counts several flags at once (three sums instead of seven: the largest
    single cost of the analysis otherwise). A count never exceeds the number of students, so
    width = its bit length cannot overflow."""

    width: int
    words: tuple[tuple[str, ...], ...]

    @classmethod
    def for_students(cls, students: int) -> FlagLayout:
        width = max(1, students.bit_length())
        per_word = max(1, 63 // width)
        return cls(width, tuple(FLAGS[i:i + per_word] for i in range(0, len(FLAGS), per_word)))

    def pack(self, flags: dict[str, pl.Expr]) -> list[pl.Expr]:
        """Σ flag · 2^(width·j) per word (when/then with literals: 4 × faster than casts)."""
        zero = pl.lit(0, pl.Int64)
        words = []
        for k, word in enumerate(self.words):
            terms = [pl.when(flags[f]).then(pl.lit(1 << (self.width * j), pl.Int64))
                     .otherwise(zero) for j, f in enumerate(word)]
            expr = terms[0]
            for term in terms[1:]:
                expr = expr + term
            words.append(expr.alias(f"w{k}"))  # an absent row packs 0: it counts nothing
        return words

    def unpack(self) -> list[pl.Expr]:
        mask = 1 << self.width
        return [
            ((pl.col(f"w{k}") // (1 << (self.width * j))) % mask).alias(f"n_{f}")
            for k, word in enumerate(self.words) for j, f in enumerate(word)
        ]


def _flags(th: dict[str, pl.Expr], width: Fraction, full: pl.Expr, layout: FlagLayout):
    score = pl.col("score")
    bands = _band_count(width)
    band = ((score * width.denominator) // (full * width.numerator)).clip(upper_bound=bands - 1)
    flags = {name: score >= th[f"t_{name}"] for name in LINE_NAMES}
    flags["low"] = score < th["t_low"]
    flags |= {f"near_{n}": (score >= th[f"b_{n}"]) & (score < th[f"t_{n}"]) for n in LINE_NAMES}
    return [
        *layout.pack(flags),
        (score * score).alias("sq"),
        band.cast(pl.UInt8).alias("band"),
    ]


def unit_keys(n_classes: int, n_schools: int) -> dict[str, pl.Expr]:
    """class_key = subject · classes + class_id, school_key = subject · schools + school_id:
    with the students sorted by class (classes are numbered school by school) and the rows
    in subject order, both keys rise along the long frame, so grouping by them takes the
    sorted fast path (contiguous slices, no hashing)."""
    subject = pl.col("subject").cast(pl.UInt32)
    return {"class_key": subject * n_classes + pl.col("class_id"),
            "school_key": subject * n_schools + pl.col("school_id")}


def long_scores(students: pl.DataFrame, spec: ExamSpec, n_classes: int, n_schools: int):
    """One row per student and subject taken (an elective not taken has no row), then 总分,
    with the line flags, the score band and the unit keys (class_key, school_key)."""
    base = ("student", "school_id", "class_id")
    width, parts = spec.borderline_width, []
    layout = FlagLayout.for_students(students.height)
    for i, s in enumerate(spec.subjects):
        status = pl.col(status_column(s.name))
        th = _thresholds(spec.lines_for(s), width, s.full)
        rows = students.lazy().filter(status != NOT_TAKEN) if s.elective else students.lazy()
        parts.append(
            rows
            .select(*base, subject=pl.lit(i, pl.UInt8), score=pl.col(s.name), status=status,
                    full=pl.lit(s.full, pl.Int64))
            .with_columns(_flags(th, spec.band_width, pl.lit(s.full, pl.Int64), layout))
        )
    parts.append(
        students.lazy().select(
            *base, subject=pl.lit(len(spec.subjects), pl.UInt8), score=pl.col("total"),
            status=pl.when(pl.col("has_total")).then(PRESENT).otherwise(ABSENT).cast(pl.UInt8),
            full=pl.col("total_full"),
        ).with_columns(_flags(_thresholds(spec.lines, width, None), spec.band_width,
                              pl.col("full"), layout))
    )
    return pl.concat(parts, how="vertical").with_columns(
        **unit_keys(n_classes, n_schools)
    ).with_columns(pl.col("subject", "class_key", "school_key").set_sorted()).collect()


# ---------------------------------------------------------------------------------------
# Unit statistics: classes aggregated from the students, schools from the classes, the
# district from the schools (sums, sums of squares, max, min and counts add up exactly);
# medians are computed at each level from the students.
# ---------------------------------------------------------------------------------------

STATUS_SUMS = tuple(f"n_{name}" for name in STATUS_NAMES.values())
SUMS = ("n", "sum", "sumsq", *(f"n_{f}" for f in FLAGS), *STATUS_SUMS)


def _sums(rows: pl.LazyFrame, keys: list[str], layout: FlagLayout,
          median: bool = False) -> pl.LazyFrame:
    """n, Σx, Σx², max, min and the flag counts per key (and the median if asked)."""
    score = pl.col("score")
    words = [pl.col(f"w{k}").sum() for k in range(len(layout.words))]
    return rows.group_by(keys, maintain_order=True).agg(
        score.count().cast(pl.Int64).alias("n"),
        score.sum().alias("sum"),
        pl.col("sq").sum().alias("sumsq"),
        score.max().alias("max_h"),
        score.min().alias("min_h"),
        *words,
        *([score.median().alias("median_h")] if median else []),
    ).with_columns(layout.unpack()).drop([f"w{k}" for k in range(len(layout.words))])


def _status_counts(rows: pl.LazyFrame, key: str) -> pl.LazyFrame:
    """Absent / 作弊 / 违纪 / 免考 counts per key, from the few rows that are not present."""
    code = pl.col("code") % 8
    return (
        rows.filter(pl.col("status") != PRESENT)
        .group_by(code=pl.col(key).cast(pl.UInt32) * 8 + pl.col("status"))
        .agg(pl.len().cast(pl.Int64).alias("c"))
        .group_by((pl.col("code") // 8).alias(key))
        .agg(*[pl.col("c").filter(code == status).sum().alias(f"n_{name}")
               for status, name in STATUS_NAMES.items()])
    )


def _rollup(sums: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    return sums.group_by(keys).agg(
        *[pl.col(c).sum() for c in SUMS], pl.col("max_h").max(), pl.col("min_h").min()
    )


def _medians(rows: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    return rows.group_by(keys, maintain_order=True).agg(pl.col("score").median().alias("median_h"))


def _rate(count: str) -> pl.Expr:
    return pl.when(pl.col("n") > 0).then(pl.col(count) / pl.col("n"))


def _finish(frame: pl.LazyFrame, total_index: int) -> pl.LazyFrame:
    """Means, population std (exact integer numerator n·Σx² − (Σx)²), rates; counts of a unit
    nobody sat are 0 and its figures null. 总分 has no exclusions of its own: null."""
    n = pl.col("n")
    wide = pl.Int128
    numerator = n.cast(wide) * pl.col("sumsq").cast(wide) - pl.col("sum").cast(wide) ** 2
    reasons = ["cheating", "violation", "exempt"]
    subject = pl.col("subject") != total_index
    return frame.with_columns(pl.col(list(SUMS)).fill_null(0)).with_columns(
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


def _subjects(spec: ExamSpec) -> pl.LazyFrame:
    return pl.LazyFrame({"subject": range(len(spec.names))}, schema={"subject": pl.UInt8})


def _unit_keys(classes: pl.DataFrame, n_schools: int, spec: ExamSpec) -> pl.LazyFrame:
    """Every class × subject (总分 included), with its class_key and school_key."""
    units = classes.lazy().select("class_id", "school_id").join(_subjects(spec), how="cross")
    return units.with_columns(**unit_keys(classes.height, n_schools))


def unit_stats(long: pl.DataFrame, spec: ExamSpec, classes: pl.DataFrame, n_schools: int,
               layout: FlagLayout):
    """(district, school, class) rows for every subject and every unit, 总分 included, and the
    school × subject × band counts. One pass over the scores by class × subject; schools and
    the district are rolled up from it (sums, sums of squares, max, min and counts add up
    exactly); medians are taken at each level from the scores. Every pass over the long frame
    runs once, side by side; the rest works on a few thousand rows."""
    total, span = len(spec.subjects), _band_count(spec.band_width)
    rows, units = long.lazy(), _unit_keys(classes, n_schools, spec)
    band_counts = (  # one integer key: cheaper to group by than two columns
        rows.filter(pl.col("band").is_not_null())
        .group_by(band_key=pl.col("school_key").cast(pl.UInt32) * span + pl.col("band"))
        .agg(pl.len().cast(pl.Int64).alias("count"))
    )
    passes = pl.collect_all([
        _sums(rows, ["class_key"], layout, median=True), _status_counts(rows, "class_key"),
        _medians(rows, ["school_key"]), _medians(rows, ["subject"]), band_counts,
    ])
    sums, statuses, school_med, district_med, bands = (p.lazy() for p in passes)
    class_sums = (units.join(sums, on="class_key", how="left")
                  .join(statuses, on="class_key", how="left")).collect().lazy()
    class_med = class_sums.select("class_key", "median_h")
    class_sums = class_sums.drop("median_h")
    school_sums = _rollup(class_sums, ["school_key", "school_id", "subject"]).collect().lazy()
    district_sums = _rollup(school_sums, ["subject"])
    levels = (  # each key orders its rows by subject, then school, then class
        (district_sums, district_med, "subject"),
        (school_sums, school_med, "school_key"),
        (class_sums, class_med, "class_key"),
    )
    stats = pl.collect_all([_finish(level.join(medians, on=key, how="left"), total).sort(key)
                            for level, medians, key in levels])
    return (*(frame.lazy() for frame in stats), bands)


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


def compare_units(district: pl.LazyFrame, schools: pl.LazyFrame, classes: pl.LazyFrame):
    """超均率, 比均率, T-score and rank: schools against the district, classes against their
    school (T-score always against the district)."""
    dist = district.select("subject", d_mean="mean", d_std="std")
    schools = (
        schools.join(dist, on="subject", how="left", maintain_order="left")
        .with_columns(*_relative("d_mean"), _rank(["subject"]))
    )
    ref = schools.select("school_key", s_mean="mean")
    classes = (
        classes.join(dist, on="subject", how="left", maintain_order="left")
        .join(ref, on="school_key", how="left", maintain_order="left")
        .with_columns(*_relative("s_mean"), _rank(["school_key"]))
    )
    return schools, classes


# ---------------------------------------------------------------------------------------
# Per student: ranks in the district and in the school (min method: 1, 2, 2, 4), and 总分
# within each elective combination: 1 + the number of scores above, read from a histogram of
# the (integer) scores, so no sort over a million rows.
# ---------------------------------------------------------------------------------------


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


def all_pass_rates(students: pl.DataFrame, keys: list[str], units: pl.DataFrame | None):
    """Among students present in every subject they took: the share who pass every one."""
    aggs = [pl.col("has_total").sum().cast(pl.Int64).alias("n"),
            pl.col("all_pass").sum().cast(pl.Int64).alias("n_all_pass")]
    if not keys:
        frame = students.lazy().select(aggs)
    else:
        key = keys[-1]  # class_id implies school_id; students are sorted by class
        grouped = students.lazy().group_by(key, maintain_order=True).agg(aggs)
        frame = units.lazy().join(grouped, on=key, how="left", maintain_order="left").with_columns(
            pl.col("n", "n_all_pass").fill_null(0)
        ).sort(key)
    return frame.with_columns(all_pass_rate=_rate("n_all_pass"))


def top_n(students: pl.DataFrame, spec: ExamSpec, schools: pl.DataFrame) -> pl.LazyFrame:
    """For each N: the students whose 总分 ≥ the N-th best 总分 (ties may enlarge the group);
    per school its count, its share of the group and its share of all students with 总分."""
    totals = students.lazy().filter(pl.col("has_total")).select("school_id", "total")
    best = totals.select(pl.col("total").top_k(max(spec.top)).sort(descending=True),
                         pl.len().alias("m")).collect()
    ordered, m = best["total"], int(best["m"][0]) if best.height else 0
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


def score_bands(band_counts: pl.LazyFrame, students: pl.DataFrame, spec: ExamSpec,
                schools: pl.DataFrame) -> pl.LazyFrame:
    """Counts per band of `band_width` × full mark (the last band includes the full mark),
    for the district (school_id null) and every school, every band listed. `band_counts`
    holds (band_key = school_key · bands + band, count)."""
    n_schools, bands = schools.height, _band_count(spec.band_width)
    keys = pl.LazyFrame().select(
        pl.int_range(len(spec.names) * n_schools * bands, dtype=pl.UInt32).alias("band_key"))
    school_key = pl.col("band_key") // bands
    per_school = keys.join(band_counts, on="band_key", how="left", maintain_order="left").select(
        subject=(school_key // n_schools).cast(pl.UInt8),
        school_id=(school_key % n_schools).cast(pl.UInt32),
        band=(pl.col("band_key") % bands).cast(pl.UInt8),
        count=pl.col("count").fill_null(0),
    )
    district = per_school.group_by("subject", "band").agg(pl.col("count").sum()).select(
        "subject", pl.lit(None, pl.UInt32).alias("school_id"), "band", "count")
    frame = pl.concat([district, per_school], how="vertical")
    school = pl.col("school_id").cast(pl.Int64).fill_null(-1) + 1  # the district first
    order = (pl.col("subject").cast(pl.Int64) * (n_schools + 1) + school) * bands + pl.col("band")
    n = pl.col("count").sum().over("subject", "school_id")
    return (
        frame.sort(order)
        .with_columns(share=pl.when(n > 0).then(pl.col("count") / n))
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
    th = _thresholds(spec.lines, spec.borderline_width, None)
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
    long = long_scores(students, spec, classes.height, schools.height)
    layout = FlagLayout.for_students(students.height)
    district, school_rows, class_rows, band_counts = unit_stats(long, spec, classes,
                                                                schools.height, layout)
    school_rows, class_rows = (frame.lazy() for frame in pl.collect_all(
        compare_units(district, school_rows, class_rows)))
    district_all_pass = all_pass_rates(students, [], None).select(
        pl.lit(None, pl.UInt32).alias("school_id"), pl.all())
    plans = {
        "district": district, "schools": school_rows, "classes": class_rows,
        "all_pass": pl.concat([
            all_pass_rates(students, ["school_id"], schools.select("school_id")),
            district_all_pass,
        ], how="vertical"),
        "all_pass_classes": all_pass_rates(students, ["school_id", "class_id"],
                                           classes.select("school_id", "class_id")),
        "top_n": top_n(students, spec, schools.select("school_id")),
        "bands": score_bands(band_counts, students, spec, schools),
        "borderline": borderline_counts(district, school_rows),
        "balance": balance(school_rows),
    }
    results = dict(zip(plans, pl.collect_all(list(plans.values())), strict=True))
    return Analysis(spec=spec, schools_index=schools, classes_index=classes, long=long,
                    students=students, **results)


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
    layout = FlagLayout.for_students(analysis.students.height)
    sums = _sums(rows, keys, layout).join(_status_counts_by(rows, keys), on=keys, how="left")
    classes = links.group_by(keys).agg(pl.len().cast(pl.Int64).alias("classes"))
    frame = sums.join(_medians(rows, keys), on=keys).join(classes, on=keys)
    return _finish(frame, len(spec.subjects)).sort(keys).collect()


def _status_counts_by(rows: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    return rows.group_by(keys).agg(
        *[(pl.col("status") == code).sum().cast(pl.Int64).alias(f"n_{name}")
          for code, name in STATUS_NAMES.items()])


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
