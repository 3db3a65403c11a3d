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
        from yanxun.quality import followup

        return followup.student_ranks(self, school_id)

    def tables(self) -> dict[str, pl.DataFrame]:
        from yanxun.quality import tables

        return tables.public_tables(self)


# ---------------------------------------------------------------------------------------
# Preparing: ids and totals (one row per student)
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
        pl.when(has_total).then(_added([pl.col(s.name).fill_null(0) for s in subs])).alias("total"),
        pl.sum_horizontal(taken_full).cast(pl.Int64).alias("total_full"),
        pl.when(has_total).then(pl.all_horizontal(passes)).alias("all_pass"),
        combination.alias("combination"),
    ]


def _added(terms: list[pl.Expr]) -> pl.Expr:
    """t1 + t2 + … (a chain of additions: quicker than sum_horizontal on a few columns)."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


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


def _threshold_shares(lines: Lines, width: Fraction) -> dict[str, Fraction]:
    """Thresholds as shares of the full mark: score ≥ t_<line>, score < t_low, and the 临界生
    lower bound b_<line> = line − width (a share below 0 counts as 0)."""
    shares = {f"t_{name}": share for name, share in lines.upper().items()}
    shares["t_low"] = lines.low
    shares |= {f"b_{name}": share - width for name, share in lines.upper().items()}
    return {name: max(share, Fraction(0)) for name, share in shares.items()}


def line_thresholds(lines: Lines, width: Fraction, full: int | pl.Expr) -> dict[str, pl.Expr]:
    """Integer thresholds in hundredths, ceil(share × full): literals for a subject's full
    mark, per row for a column of full marks (总分)."""
    return {name: pl.lit(ceil_share(share, full), pl.Int64) if isinstance(full, int)
            else ceil_share_expr(share, full)
            for name, share in _threshold_shares(lines, width).items()}


def _band_count(width: Fraction) -> int:
    return -((-width.denominator) // width.numerator)  # ceil(1 / width)


def unit_flags(spec: ExamSpec, lines: Lines, score: pl.Expr, status: pl.Expr,
               full: int | pl.Expr) -> dict[str, pl.Expr]:
    """The facts counted per unit for one cell: the score is at or above each line
    (cumulative), below the low line, within the 临界生 width below each line; the cell's
    status when not present; and the score's band (band k covers [k·w, (k+1)·w) × full, the
    last one including the full mark)."""
    th = line_thresholds(lines, spec.borderline_width, full)
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
    """The facts of a row (`unit_flags`) packed into Int128 words, `width` bits per fact, so
    that one sum per word counts many facts at once (one sum instead of twenty-one for a
    subject in a class of up to 63). A count never exceeds the number of rows summed into
    it — a class for the unit statistics, all the students for a teacher — so width = the
    bit length of that bound cannot overflow. Unpacked counts are ordinary Int64 again."""

    width: int
    words: tuple[tuple[str, ...], ...]

    @classmethod
    def sized(cls, spec: ExamSpec, largest: int) -> Counters:
        bands = tuple(f"band{b}" for b in range(_band_count(spec.band_width)))
        names = (*FLAGS, *STATUS_NAMES.values(), *bands)
        width = max(1, largest.bit_length())
        per_word = max(1, 127 // width)  # Int128 sums cost what Int64 sums do
        return cls(width, tuple(names[i:i + per_word] for i in range(0, len(names), per_word)))

    @property
    def columns(self) -> list[str]:
        return [f"w{k}" for k in range(len(self.words))]

    @property
    def counts(self) -> list[str]:
        return [f"n_{name}" for word in self.words for name in word]

    def pack_rows(self, facts: pl.DataFrame) -> pl.DataFrame:
        """Σ fact · 2^(width·j) per word, for a small frame of facts (a lookup of a few dozen
        rows): a null fact packs 0, it counts nothing."""
        rows = facts.rows(named=True)
        return pl.DataFrame(
            {f"w{k}": [sum(1 << (self.width * j) for j, f in enumerate(word) if row[f])
                       for row in rows] for k, word in enumerate(self.words)},
            schema={f"w{k}": pl.Int128 for k in range(len(self.words))},
        )

    def unpack(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """The counts n_<fact> in place of the words, in two steps: each word into Int64
        pieces of whole fields, then the fields (Int128 division costs twice Int64's)."""
        per_piece, mask = 63 // self.width, 1 << self.width
        pieces, fields = [], []
        for k, word in enumerate(self.words):
            for p in range(0, len(word), per_piece):
                shift, piece = 1 << (self.width * p), f"w{k}p{p}"
                pieces.append(((pl.col(f"w{k}") // shift) % (1 << (self.width * per_piece)))
                              .cast(pl.Int64).alias(piece))
                fields += [((pl.col(piece) // (1 << (self.width * j))) % mask).alias(f"n_{f}")
                           for j, f in enumerate(word[p:p + per_piece])]
        names = [*self.columns, *(e.meta.output_name() for e in pieces)]
        return frame.with_columns(pieces).with_columns(fields).drop(names)


def _breaks(spec: ExamSpec, lines: Lines, full: int) -> list[int]:
    """The scores at which a fact of `unit_flags` can change, for one full mark: 0, the
    lines, the 临界生 lower bounds and the band edges (band ≥ k from ceil(k·w·full)). Every
    fact is constant from one break to the next, and below 0."""
    width = spec.band_width
    edges = [ceil_share(k * width, full) for k in range(1, _band_count(width))]
    lines_at = [ceil_share(share, full)
                for share in _threshold_shares(lines, spec.borderline_width).values()]
    return sorted({0, *lines_at, *edges})


@dataclass(frozen=True)
class Intervals:
    """The packed words of every cell without a score (rows 0 … NOT_TAKEN, by status) and of
    every interval between breaks for each full mark (one row per interval, the facts taken
    at its lowest score): a few dozen rows per set of lines, whatever the number of students."""

    words: pl.DataFrame
    first: dict[int, int]  # full mark → row of its first interval (the scores below 0)
    breaks: dict[int, list[int]]

    @classmethod
    def build(cls, spec: ExamSpec, lines: Lines, fulls: list[int],
              counters: Counters) -> Intervals:
        breaks = {full: _breaks(spec, lines, full) for full in fulls}
        first, rows = {}, [(None, code, 0) for code in range(CELL_CODES)]
        for full, cuts in breaks.items():
            first[full] = len(rows)
            rows += [(score, PRESENT, full) for score in (-1, *cuts)]
        cells = pl.DataFrame(rows, orient="row",
                             schema={"score": pl.Int64, "status": pl.UInt8, "full": pl.Int64})
        facts = unit_flags(spec, lines, pl.col("score"), pl.col("status"), pl.col("full"))
        return cls(counters.pack_rows(cells.select(**facts)), first, breaks)

    def lookup(self, fulls: list[int], low: int, high: int) -> pl.DataFrame:
        """One row per cell: the statuses, then for each full mark in `fulls` the scores
        from `low` to `high` (hundredths), each given the words of its interval."""
        scores = pl.int_range(low, high + 1, eager=True)
        index = [pl.int_range(CELL_CODES, eager=True)]
        for full in fulls:  # the interval of a score: the number of breaks ≤ it
            inside = pl.Series(self.breaks[full]).search_sorted(scores, side="right")
            index.append(inside.cast(pl.Int64) + self.first[full])
        return self.words.select(pl.all().gather(pl.concat(index)))


def _lookups(students: pl.DataFrame, spec: ExamSpec,
             counters: Counters) -> list[tuple[pl.Expr, pl.DataFrame]]:
    """Per unit (subjects, then 总分): each student's cell, and the packed words by cell. A
    unit's facts depend on the cell alone (for 总分 with electives, on the cell and the
    student's full mark), so they are computed once per possible cell and looked up: the
    cell of a score is its row in the lookup, a cell without a score its status code."""
    scores = _scores(spec)
    seen = students.select(*[x.min().alias(f"low{i}") for i, x in enumerate(scores)],
                           *[x.max().alias(f"high{i}") for i, x in enumerate(scores)]).row(0)
    fulls = students["total_full"].unique().sort().to_list()
    which = (pl.col("total_full").replace_strict(fulls, range(len(fulls)), return_dtype=pl.Int64)
             if len(fulls) > 1 else pl.lit(0, pl.Int64))
    units = [(spec.lines_for(s), [s.full], pl.lit(0, pl.Int64), pl.col(status_column(s.name)))
             for s in spec.subjects]
    units.append((spec.lines, fulls, which, _total_status()))
    by_lines: dict[Lines, list[int]] = {}
    for lines, unit_fulls, _, _ in units:
        by_lines.setdefault(lines, []).extend(f for f in unit_fulls if f not in by_lines[lines])
    intervals = {lines: Intervals.build(spec, lines, f, counters) for lines, f in by_lines.items()}
    tables: dict[tuple, pl.DataFrame] = {}
    result = []
    for i, (score, (lines, unit_fulls, full_index, status)) in enumerate(zip(scores, units,
                                                                           strict=True)):
        low, high = seen[i], seen[len(scores) + i]
        low, high = (0, -1) if low is None else (low, high)
        key = (lines, tuple(unit_fulls), low, high)
        if key not in tables:
            tables[key] = intervals[lines].lookup(unit_fulls, low, high)
        cell = (score - low + CELL_CODES + full_index * (high - low + 1)).fill_null(status)
        result.append((cell, tables[key]))
    return result


def _total_status() -> pl.Expr:
    """总分 is present for a student with a 总分, absent otherwise (whatever the reason)."""
    return pl.when(pl.col("has_total")).then(PRESENT).otherwise(ABSENT).cast(pl.UInt8)


def _packed_words(students: pl.DataFrame, spec: ExamSpec, counters: Counters) -> list[pl.Expr]:
    """Per student, the packed words `{i}:w{k}` of every subject i, then of 总分."""
    return [pl.lit(table[w]).gather(cell).alias(f"{i}:{w}")
            for i, (cell, table) in enumerate(_lookups(students, spec, counters))
            for w in counters.columns]


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
    """Per group and unit i: `{i}:n`, Σx, Σx², max, min and the packed word sums."""
    aggs = []
    for i in range(len(spec.names)):
        score = pl.col(f"{i}:score")
        aggs += [
            score.count().cast(pl.Int64).alias(f"{i}:n"),
            score.sum().alias(f"{i}:sum"),
            (score * score).sum().alias(f"{i}:sumsq"),
            score.max().alias(f"{i}:max_h"),
            score.min().alias(f"{i}:min_h"),
            *[pl.col(f"{i}:{w}").sum() for w in counters.columns],
        ]
    return aggs


def _stack(wide: pl.DataFrame, keys: list[str], units: int, names: list[str]) -> pl.LazyFrame:
    """Columns `{i}:<name>` of a wide frame as one row per unit i and key (unit by unit). By
    unpivoting, not by concatenating a selection per unit: for an exam of a single class
    those would be one-row frames, whose concatenation Polars keeps as constant columns and
    divides by through a reciprocal, one unit in the last place off."""
    first, *rest = names
    stacked = wide.unpivot(on=[f"{i}:{first}" for i in range(units)], index=keys,
                           value_name=first)
    return stacked.lazy().select(
        *keys, subject=(pl.int_range(pl.len()) // max(wide.height, 1)).cast(pl.UInt8),
        **{first: pl.col(first)},
        **{name: pl.lit(wide.unpivot(on=[f"{i}:{name}" for i in range(units)])["value"])
           for name in rest},
    )


def _student_passes(students: pl.DataFrame, spec: ExamSpec, counters: Counters):
    """The only passes over the scores: per class (every subject and 总分 side by side: n, Σx,
    Σx², max, min, the packed counts and the 全科合格 counts), medians per class and per
    school (on the streaming engine, quicker at them), and medians for the district."""
    scores = _scores(spec)
    medians = [score.median().alias(f"{i}:median_h") for i, score in enumerate(scores)]
    rows = students.select(  # materialised: each lookup runs once, not once per class
        "class_id", "school_id", "has_total", "all_pass",
        *[score.alias(f"{i}:score") for i, score in enumerate(scores)],
        *_packed_words(students, spec, counters),
    )
    per_class = rows.lazy().group_by("class_id", maintain_order=True).agg(
        pl.col("school_id").first(), *_unit_aggs(spec, counters),
        pl.col("has_total").sum().cast(pl.Int64).alias("with_total"),
        pl.col("all_pass").sum().cast(pl.Int64).alias("all_pass"),
    ).collect(engine="in-memory")
    per_class_median, per_school = pl.collect_all([
        students.lazy().group_by(key, maintain_order=True).agg(medians)
        for key in ("class_id", "school_id")
    ], engine="streaming")
    per_class = per_class.join(per_class_median, on="class_id", maintain_order="left")
    return per_class, per_school, _district_medians(students, spec)


def _district_medians(students: pl.DataFrame, spec: ExamSpec) -> pl.DataFrame:
    """The median of every unit over all students: the middle score, or the mean of the two
    middle scores, found among the n // 2 + 1 smallest (a selection in linear time, where
    Polars' median sorts the whole column)."""
    scores = _scores(spec)
    counts = students.select(score.count() for score in scores).row(0)
    return students.select(_middle(score, n).alias(f"{i}:median_h")
                           for i, (score, n) in enumerate(zip(scores, counts, strict=True)))


def _middle(score: pl.Expr, n: int) -> pl.Expr:
    if n == 0:
        return pl.lit(None, pl.Float64)
    smallest = score.bottom_k(n // 2 + 1)  # nulls come last: only scores are taken
    if n % 2:
        return smallest.max().cast(pl.Float64)
    return smallest.top_k(2).sum() / 2


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


def unit_medians(rows: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    return rows.group_by(keys, maintain_order=True).agg(pl.col("score").median().alias("median_h"))


def _rate(count: str) -> pl.Expr:
    return pl.when(pl.col("n") > 0).then(pl.col(count) / pl.col("n"))


def finish_units(frame: pl.LazyFrame, total_index: int, counts: list[str]) -> pl.LazyFrame:
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
        _stack(per_class, ["class_id", "school_id"], units, [*sums, *counters.columns])
        .with_columns(**keys).pipe(counters.unpack)
    ).collect(engine="in-memory").with_columns(pl.col("class_key", "school_key").set_sorted())
    class_sums = class_sums.lazy()
    school_sums = _rollup(class_sums, ["school_key", "school_id", "subject"], counters.counts)
    school_sums = school_sums.collect(engine="in-memory").lazy()
    school_med = _stack(per_school, ["school_id"], units, ["median_h"]).select(
        "median_h", school_key=keys["school_key"])
    district_med = _stack(district, [], units, ["median_h"])
    levels = (  # each in key order: by subject, then school, then class
        _rollup(school_sums, ["subject"], counters.counts).join(
            district_med, on="subject", how="left", maintain_order="left"),
        school_sums.join(school_med, on="school_key", how="left", maintain_order="left"),
        class_sums,
    )
    district, schools, classes = (finish_units(level, len(spec.subjects), counters.counts)
                                  for level in levels)
    all_pass = per_class.select("school_id", "class_id", n="with_total", n_all_pass="all_pass")
    return (*collect_all([district, schools]), classes, all_pass)  # classes: still lazy


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
    counters = Counters.sized(spec, students.height)
    units = [(pl.col(s.name), pl.col(status_column(s.name)), pl.lit(s.full, pl.Int64), s.elective)
             for s in spec.subjects]
    units.append((pl.col("total"), _total_status(), pl.col("total_full"), False))
    parts = []
    for i, ((score, status, full, elective), (cell, table)) in enumerate(
            zip(units, _lookups(students, spec, counters), strict=True)):
        rows = students.lazy().filter(status != NOT_TAKEN) if elective else students.lazy()
        parts.append(rows.select(
            *base, subject=pl.lit(i, pl.UInt8), score=score, status=status, full=full,
            **{w: pl.lit(table[w]).gather(cell) for w in counters.columns},
        ))
    return pl.concat(parts, how="vertical").with_columns(
        **unit_keys(n_classes, n_schools)
    ).with_columns(pl.col("subject", "class_key", "school_key").set_sorted()).collect()


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
    rate = _rate("n_all_pass").alias("all_pass_rate")  # before the concatenation: see _stack
    return (pl.concat([schools.with_columns(rate), district.with_columns(rate)], how="vertical"),
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
    shares = [(width * band, min(width * (band + 1), Fraction(1)))
              for band in range(_band_count(width))]
    rows = [
        (subject, band, float(low), float(high),
         *((None, None) if uniform is None else
           (float(low * uniform / SCALE), float(high * uniform / SCALE))))
        for subject, uniform in enumerate(fulls) for band, (low, high) in enumerate(shares)
    ]
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
