"""学时档案 (the ledger): a teacher's accredited hours in a cycle, counted under the caps and
checked against the cycle's requirements. Computed from HourRecords on every read, never
stored or typed in.

How hours are counted (docs/training.md, "学时档案"):
1. The records of the cycle (TrainingPolicy.cycle_years from cycle_start_year), in the order
   they were earned (earned_on, then record id).
2. A claim rule's cycle cap (ClaimRule.cycle_cap, e.g. 区级公开课 at most 18 per cycle): the
   records accredited under that rule count until the cap is reached; the rest of a record
   that crosses it, and every later one, is shown and not counted.
3. A category's annual cap (Category.annual_cap) on what step 2 left, per calendar year, the
   same way.
4. Each LedgerRequirement sums the counted hours of its categories (none: all) at its level
   or above (none: any level), in 学时 or in 学分 (hours / TrainingPolicy.hours_per_credit).

All arithmetic is exact: hours have one decimal place and are handled as integer tenths.
Credits are shown truncated to two decimal places (never more than earned) and a shortfall in
credits rounded up to two places (never less than missing); whether a requirement is met is
decided exactly (earned hours ≥ minimum × hours_per_credit).

One core (`count_records`, `summarise`: pure Polars over frames) serves both entry points:
`teacher_ledger` (one teacher, with every record explained) and `all_ledgers` (every teacher
in scope at once, set-wise: two queries and frame operations, for the dashboard and exports).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

import polars as pl
from django.db import connection
from django.db.models import CharField, F, IntegerField, QuerySet
from django.db.models.functions import Cast, Round
from django.utils import timezone

from yanxun.org.enums import TeacherStatus
from yanxun.org.models import Teacher
from yanxun.training.enums import ProgramLevel, RequirementUnit
from yanxun.training.models import (
    Category,
    ClaimRule,
    HourRecord,
    LedgerRequirement,
    TrainingPolicy,
)

CENT = Decimal("0.01")
# Below this share of the pace a teacher is 严重落后 (far behind), at or above it 落后.
FAR_BEHIND_SHARE = Decimal("0.5")
LEVEL_RANK = {level: ProgramLevel.rank(level) for level in ProgramLevel.values}


class LedgerState:
    """Where a teacher stands in a cycle; derived, never stored."""

    COMPLETE = "complete"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    FAR_BEHIND = "far_behind"
    LABELS = {COMPLETE: "已达标", ON_TRACK: "进度正常", BEHIND: "落后", FAR_BEHIND: "严重落后"}
    ORDER = (FAR_BEHIND, BEHIND, ON_TRACK, COMPLETE)
    choices = tuple(LABELS.items())


def tenths(hours: Decimal) -> int:
    """Hours (one decimal place) as an integer number of tenths."""
    return int((Decimal(hours) * 10).to_integral_value())


def hours_of(count: int) -> Decimal:
    """Tenths back to hours, written with one decimal place (18.0)."""
    return Decimal(int(count)).scaleb(-1)


# --- cycles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    start: int
    years: int

    @property
    def end(self) -> int:
        return self.start + self.years - 1

    @property
    def label(self) -> str:
        return f"{self.start}—{self.end} 年"

    def contains(self, year: int) -> bool:
        return self.start <= year <= self.end

    def months_elapsed(self, today: date) -> int:
        """Months of the cycle gone by at the end of `today`'s month (0 … 12 × years)."""
        months = (today.year - self.start) * 12 + today.month
        return max(0, min(months, 12 * self.years))


def cycle_of(policy: TrainingPolicy, year: int) -> Cycle:
    offset = (year - policy.cycle_start_year) // policy.cycle_years
    return Cycle(policy.cycle_start_year + offset * policy.cycle_years, policy.cycle_years)


def current_cycle(policy: TrainingPolicy, today: date | None = None) -> Cycle:
    return cycle_of(policy, (today or timezone.localdate()).year)


def cycle_choices(policy: TrainingPolicy, *, back: int = 2, today: date | None = None
                  ) -> list[Cycle]:
    """The current cycle and the `back` before it, newest first (for a cycle selector)."""
    now = current_cycle(policy, today)
    return [Cycle(now.start - i * now.years, now.years) for i in range(back + 1)]


def cycle_from_param(policy: TrainingPolicy, raw: str | None,
                     today: date | None = None) -> Cycle:
    """The cycle named by a start year in a query string, else the current one."""
    if raw and raw.isdigit() and len(raw) == 4:
        return cycle_of(policy, int(raw))
    return current_cycle(policy, today)


# --- the settings the ledger reads -------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    pk: int
    name: str
    minimum: Decimal
    unit: str
    category_ids: frozenset[int]
    category_names: tuple[str, ...]
    min_level: str

    @property
    def unit_label(self) -> str:
        return RequirementUnit(self.unit).label

    def required_hours(self, hours_per_credit: Decimal) -> Decimal:
        if self.unit == RequirementUnit.CREDITS:
            return self.minimum * hours_per_credit
        return self.minimum

    def required_tenths(self, hours_per_credit: Decimal) -> int:
        """The smallest whole number of tenths that meets the requirement."""
        return int((self.required_hours(hours_per_credit) * 10).to_integral_value(ROUND_CEILING))

    def scope_text(self) -> str:
        parts = []
        if self.category_names:
            parts.append("、".join(self.category_names) + "类")
        if self.min_level:
            parts.append(f"{ProgramLevel(self.min_level).label}及以上")
        return "，".join(parts) or "全部学时"


@dataclass(frozen=True)
class Rules:
    hours_per_credit: Decimal
    category_caps: dict[int, int]  # category id -> annual cap in tenths
    category_names: dict[int, str]
    rule_caps: dict[int, int]  # claim rule id -> cycle cap in tenths
    rule_names: dict[int, str]
    requirements: tuple[Requirement, ...]


def load_rules(policy: TrainingPolicy) -> Rules:
    categories = list(Category.objects.values_list("pk", "name", "annual_cap"))
    claim_rules = ClaimRule.objects.filter(cycle_cap__isnull=False).values_list(
        "pk", "name", "cycle_cap")
    names = {pk: name for pk, name, _ in categories}
    requirements = []
    for line in LedgerRequirement.objects.filter(policy=policy).prefetch_related("categories"):
        chosen = sorted(line.categories.all(), key=lambda c: (c.sort_order, c.name))
        requirements.append(Requirement(
            line.pk, line.name, line.minimum, line.unit, frozenset(c.pk for c in chosen),
            tuple(c.name for c in chosen), line.min_level))
    return Rules(
        hours_per_credit=policy.hours_per_credit,
        category_caps={pk: tenths(cap) for pk, _, cap in categories if cap is not None},
        category_names=names,
        rule_caps={pk: tenths(cap) for pk, _, cap in claim_rules},
        rule_names=dict(ClaimRule.objects.values_list("pk", "name")),
        requirements=tuple(requirements),
    )


# --- the core: pure frame operations -----------------------------------------------------------

# earned_on as ISO text (sorts as dates do; no date objects to build), hours as tenths.
RECORD_SCHEMA = {
    "teacher_id": pl.Int64, "record_id": pl.Int64, "year": pl.Int64, "earned_on": pl.String,
    "tenths": pl.Int64, "category_id": pl.Int64, "level": pl.String, "rule_id": pl.Int64,
}


def count_records(records: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """`records` (RECORD_SCHEMA) with `rule_cut`, `category_cut` and `counted` (tenths)
    added. Only the records a cap can touch (a capped rule's claims, a capped category's
    records) are put in order and run through the caps; the others count in full."""
    rule_caps = pl.DataFrame({"rule_id": list(rules.rule_caps), "rule_cap":
                              list(rules.rule_caps.values())},
                             schema={"rule_id": pl.Int64, "rule_cap": pl.Int64})
    category_caps = pl.DataFrame(
        {"category_id": list(rules.category_caps), "category_cap":
         list(rules.category_caps.values())},
        schema={"category_id": pl.Int64, "category_cap": pl.Int64})
    frame = (records.join(rule_caps, on="rule_id", how="left", maintain_order="left")
             .join(category_caps, on="category_id", how="left", maintain_order="left"))
    touched = pl.col("rule_cap").is_not_null() | pl.col("category_cap").is_not_null()
    free = frame.filter(~touched).with_columns(after_rule=pl.col("tenths"),
                                               counted=pl.col("tenths"))
    capped = frame.filter(touched).sort(["teacher_id", "earned_on", "record_id"])
    capped = capped.with_columns(after_rule=_capped("tenths", "rule_cap",
                                                    ["teacher_id", "rule_id"]))
    capped = capped.with_columns(counted=_capped("after_rule", "category_cap",
                                                 ["teacher_id", "category_id", "year"]))
    frame = pl.concat([capped, free], how="vertical_relaxed")
    return frame.with_columns(rule_cut=pl.col("tenths") - pl.col("after_rule"),
                              category_cut=pl.col("after_rule") - pl.col("counted")
                              ).drop("rule_cap", "category_cap", "after_rule")


def _capped(value: str, cap: str, group: list[str]) -> pl.Expr:
    """What of `value` still fits under `cap` once the earlier rows of the group are counted."""
    before = pl.col(value).cum_sum().over(group) - pl.col(value)
    room = pl.max_horizontal(pl.col(cap) - before, pl.lit(0))
    return (pl.when(pl.col(cap).is_null()).then(pl.col(value))
            .otherwise(pl.min_horizontal(room, pl.col(value))))


def _requirement_mask(requirement: Requirement) -> pl.Expr:
    mask = pl.lit(True)
    if requirement.category_ids:
        mask &= pl.col("category_id").is_in(sorted(requirement.category_ids))
    if requirement.min_level:
        rank = pl.col("level").replace_strict(LEVEL_RANK, default=0, return_dtype=pl.Int64)
        mask &= rank >= LEVEL_RANK[requirement.min_level]
    return mask


def summarise(counted: pl.DataFrame, teachers: pl.DataFrame, rules: Rules, cycle: Cycle,
              today: date) -> pl.DataFrame:
    """One row per teacher of `teachers` (a frame with `teacher_id` and whatever else): raw and
    counted tenths, per requirement i `r{i}_done` (tenths counted toward it) and `r{i}_short`
    (tenths missing), and `state`. Pace: a requirement is on pace when done ≥ minimum × the
    share of the cycle's months gone by (integer arithmetic, no rounding)."""
    aggregates = [pl.col("tenths").sum().alias("raw"), pl.col("counted").sum().alias("counted")]
    for i, requirement in enumerate(rules.requirements):
        aggregates.append(pl.col("counted").filter(_requirement_mask(requirement)).sum()
                          .alias(f"r{i}_done"))
    sums = counted.group_by("teacher_id").agg(aggregates)
    frame = teachers.join(sums, on="teacher_id", how="left", maintain_order="left")
    value_columns = ["raw", "counted", *[f"r{i}_done" for i in range(len(rules.requirements))]]
    frame = frame.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in value_columns)
    elapsed, months = cycle.months_elapsed(today), 12 * cycle.years
    met, on_pace, half_pace, shorts = [], [], [], []
    for i, requirement in enumerate(rules.requirements):
        need = requirement.required_tenths(rules.hours_per_credit)
        done = pl.col(f"r{i}_done")
        shorts.append(pl.max_horizontal(pl.lit(need) - done, pl.lit(0)).alias(f"r{i}_short"))
        met.append(done >= need)
        on_pace.append(done * months >= need * elapsed)
        half_pace.append(done * months * 2 >= need * elapsed)
    frame = frame.with_columns(shorts)
    if not rules.requirements:
        return frame.with_columns(state=pl.lit(LedgerState.COMPLETE))
    state = (pl.when(pl.all_horizontal(met)).then(pl.lit(LedgerState.COMPLETE))
             .when(pl.all_horizontal(on_pace)).then(pl.lit(LedgerState.ON_TRACK))
             .when(pl.all_horizontal(half_pace)).then(pl.lit(LedgerState.BEHIND))
             .otherwise(pl.lit(LedgerState.FAR_BEHIND)))
    return frame.with_columns(state=state)


# --- reading records -------------------------------------------------------------------------


def _select(queryset, schema: dict) -> pl.DataFrame:
    """A values_list query read straight into Polars (PostgreSQL: COPY … TO STDOUT as CSV;
    SQLite: the cursor's rows), several times faster than iterating the queryset."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = cursor.cursor.mogrify(sql, params)
            buffer = bytearray()
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer += block
            if not buffer:
                return pl.DataFrame(schema=schema)
            return pl.read_csv(bytes(buffer), has_header=False, new_columns=list(schema),
                               schema_overrides=schema)
        cursor.execute(sql, params)
        return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")


def _record_rows(records: QuerySet[HourRecord]) -> QuerySet:
    """The ledger's columns of each record, as plain values: hours in tenths and the date as
    text computed by the database (no Decimal or date objects built for every row)."""
    return records.order_by().annotate(
        _tenths=Cast(Round(F("hours") * 10), IntegerField()),
        _earned=Cast("earned_on", CharField(max_length=10)),
    ).values_list("teacher_id", "pk", "year", "_earned", "_tenths", "category_id", "level",
                  "claim__rule_id")


def _frame_of(records: list[HourRecord]) -> pl.DataFrame:
    rows = [(r.teacher_id, r.pk, r.year, r.earned_on.isoformat(), tenths(r.hours),
             r.category_id, r.level, r.claim.rule_id if r.claim_id else None) for r in records]
    return pl.DataFrame(rows, schema=RECORD_SCHEMA, orient="row")


# --- all ledgers at once -----------------------------------------------------------------------

TEACHER_SCHEMA = {"teacher_id": pl.Int64, "name": pl.String, "employee_no": pl.String,
                  "school_id": pl.Int64, "school": pl.String, "stage": pl.String}


def all_ledgers(teachers: QuerySet[Teacher] | None, cycle: Cycle, *, policy: TrainingPolicy,
                rules: Rules | None = None, today: date | None = None) -> pl.DataFrame:
    """Every active teacher of `teachers` (None: the whole district) with their ledger summary
    (see `summarise`), in two queries however many teachers there are."""
    rules = rules or load_rules(policy)
    base = Teacher.objects.all() if teachers is None else teachers
    base = base.filter(status=TeacherStatus.ACTIVE)
    teacher_frame = _select(base.order_by("school__code", "employee_no").values_list(
        "pk", "name", "employee_no", "school_id", "school__name", "stage"), TEACHER_SCHEMA)
    records = HourRecord.objects.filter(year__gte=cycle.start, year__lte=cycle.end,
                                        teacher__status=TeacherStatus.ACTIVE)
    if teachers is not None:
        records = records.filter(teacher__in=teachers.values("pk"))
    record_frame = _select(_record_rows(records), RECORD_SCHEMA)
    counted = count_records(record_frame, rules)
    return summarise(counted, teacher_frame, rules, cycle, today or timezone.localdate())


# --- one teacher's ledger, explained -----------------------------------------------------------


@dataclass
class RecordLine:
    record: HourRecord
    hours: Decimal
    counted: Decimal
    notes: list[str] = field(default_factory=list)


@dataclass
class Breakdown:
    label: str
    hours: Decimal
    counted: Decimal


@dataclass
class RequirementLine:
    requirement: Requirement
    done: Decimal  # in the requirement's unit
    short: Decimal  # in the requirement's unit, 0 when met
    met: bool
    pace: Decimal  # what the pace asks for by now, in the requirement's unit
    percent: int  # done against the minimum, 0-100, for a progress bar

    @property
    def name(self) -> str:
        return self.requirement.name


@dataclass
class Ledger:
    teacher: Teacher
    cycle: Cycle
    rules: Rules
    lines: list[RecordLine]
    by_year: list[Breakdown]
    by_level: list[Breakdown]
    by_category: list[Breakdown]
    total: Decimal
    counted: Decimal
    requirements: list[RequirementLine]
    state: str

    @property
    def not_counted(self) -> Decimal:
        return self.total - self.counted

    @property
    def credits(self) -> Decimal:
        return credits_of(self.counted, self.rules.hours_per_credit)

    @property
    def state_label(self) -> str:
        return LedgerState.LABELS[self.state]

    def lines_by_year(self) -> list[tuple[int, list[RecordLine]]]:
        groups: dict[int, list[RecordLine]] = defaultdict(list)
        for line in self.lines:
            groups[line.record.year].append(line)
        return sorted(groups.items(), reverse=True)


def credits_of(hours: Decimal, hours_per_credit: Decimal) -> Decimal:
    """学分, truncated to two decimal places (never shows more than was earned)."""
    return (hours / hours_per_credit).quantize(CENT, rounding=ROUND_DOWN)


def in_unit(count: int, unit: str, hours_per_credit: Decimal, *, short: bool = False) -> Decimal:
    """Tenths of an hour in a requirement's unit: hours as they are; credits truncated, or for
    a shortfall rounded up, to two decimal places."""
    hours = hours_of(count)
    if unit != RequirementUnit.CREDITS:
        return hours
    return (hours / hours_per_credit).quantize(CENT, rounding=ROUND_CEILING if short
                                               else ROUND_DOWN)


def teacher_ledger(teacher: Teacher, cycle: Cycle | None = None, *,
                   policy: TrainingPolicy, rules: Rules | None = None,
                   today: date | None = None) -> Ledger:
    today = today or timezone.localdate()
    cycle = cycle or current_cycle(policy, today)
    rules = rules or load_rules(policy)
    records = list(HourRecord.objects.filter(teacher=teacher, year__gte=cycle.start,
                                             year__lte=cycle.end)
                   .select_related("category", "program", "claim")
                   .order_by("earned_on", "pk"))
    counted = count_records(_frame_of(records), rules)
    summary = summarise(counted, pl.DataFrame({"teacher_id": [teacher.pk]}), rules, cycle,
                        today).row(0, named=True)
    by_id = {r.pk: r for r in records}
    lines = [_line(by_id[row["record_id"]], row, rules)
             for row in counted.iter_rows(named=True)]
    lines.sort(key=lambda line: (line.record.earned_on, line.record.pk), reverse=True)
    return Ledger(
        teacher=teacher, cycle=cycle, rules=rules, lines=lines,
        by_year=_breakdown(lines, lambda r: r.year, range(cycle.start, cycle.end + 1),
                           lambda year: f"{year} 年"),
        by_level=_breakdown(lines, lambda r: r.level, ProgramLevel.values,
                            lambda level: ProgramLevel(level).label, skip_empty=True),
        by_category=_breakdown(lines, lambda r: r.category_id, rules.category_names,
                               lambda pk: rules.category_names[pk], skip_empty=True),
        total=hours_of(summary["raw"]), counted=hours_of(summary["counted"]),
        requirements=[_requirement_line(req, summary[f"r{i}_done"], summary[f"r{i}_short"],
                                        rules, cycle, today)
                      for i, req in enumerate(rules.requirements)],
        state=summary["state"],
    )


def _line(record: HourRecord, row: dict, rules: Rules) -> RecordLine:
    line = RecordLine(record, hours_of(row["tenths"]), hours_of(row["counted"]))
    if row["rule_cut"]:
        line.notes.append(f"超出「{rules.rule_names.get(row['rule_id'], '')}」每周期上限 "
                          f"{hours_of(rules.rule_caps[row['rule_id']])} 学时，"
                          f"{hours_of(row['rule_cut'])} 学时不计入")
    if row["category_cut"]:
        line.notes.append(f"超出「{rules.category_names.get(row['category_id'], '')}」"
                          f"{row['year']} 年上限 "
                          f"{hours_of(rules.category_caps[row['category_id']])} 学时，"
                          f"{hours_of(row['category_cut'])} 学时不计入")
    return line


def _breakdown(lines, key, order, label, *, skip_empty: bool = False) -> list[Breakdown]:
    raw: dict = defaultdict(lambda: Decimal("0.0"))
    counted: dict = defaultdict(lambda: Decimal("0.0"))
    for line in lines:
        raw[key(line.record)] += line.hours
        counted[key(line.record)] += line.counted
    return [Breakdown(label(k), raw[k], counted[k]) for k in order
            if not skip_empty or k in raw]


def _requirement_line(requirement: Requirement, done: int, short: int, rules: Rules,
                      cycle: Cycle, today: date) -> RequirementLine:
    unit, per_credit = requirement.unit, rules.hours_per_credit
    need = requirement.required_tenths(per_credit)
    pace = Decimal(need * cycle.months_elapsed(today)) / (12 * cycle.years)
    percent = 100 if need == 0 else min(100, math.floor(done * 100 / need))
    return RequirementLine(
        requirement=requirement, done=in_unit(done, unit, per_credit),
        short=in_unit(short, unit, per_credit, short=True), met=short == 0,
        pace=in_unit(int(pace.to_integral_value(ROUND_CEILING)), unit, per_credit,
                     short=True),
        percent=percent)


@dataclass(frozen=True)
class CapPreview:
    cap: Decimal
    used: Decimal  # hours already accredited under the rule in the claim's cycle
    excess: Decimal  # how many more hours the cycle will not count once this claim is in


def claim_cap_preview(*, teacher: Teacher, rule: ClaimRule, hours: Decimal, on: date,
                      policy: TrainingPolicy) -> CapPreview | None:
    """What accrediting `hours` under `rule` does to the rule's cycle cap (shown to the center
    before it accredits a claim); None when the rule has no cap. Exact in total whichever
    record the ledger cuts (it cuts the latest earned)."""
    if rule.cycle_cap is None:
        return None
    cycle = cycle_of(policy, on.year)
    used = sum(HourRecord.objects.filter(teacher=teacher, claim__rule=rule,
                                         year__gte=cycle.start, year__lte=cycle.end)
               .values_list("hours", flat=True), Decimal("0"))
    over_before = max(used - rule.cycle_cap, Decimal("0"))
    over_after = max(used + hours - rule.cycle_cap, Decimal("0"))
    return CapPreview(rule.cycle_cap, used, over_after - over_before)
