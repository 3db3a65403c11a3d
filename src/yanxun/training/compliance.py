"""学时达标情况: who is behind and by how much, per teacher, per school and per stage, from the
set-wise ledgers of training.ledger.all_ledgers (one frame, no query per teacher)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
import xlsxwriter

from yanxun.org.enums import Stage
from yanxun.training.ledger import Cycle, LedgerState, Rules, hours_of, in_unit

STAGES = dict(Stage.choices)
STATE_RANK = {state: i for i, state in enumerate(LedgerState.ORDER)}
SORTS = {"short": "缺口从大到小", "name": "姓名", "school": "学校"}


@dataclass
class Filters:
    school_id: int | None = None
    stage: str = ""
    state: str = ""
    search: str = ""
    sort: str = "short"

    @classmethod
    def from_params(cls, params, school_ids: set[int]) -> Filters:
        school = params.get("school", "")
        school_id = int(school) if school.isdigit() and len(school) < 19 else None
        stage, state = params.get("stage", ""), params.get("state", "")
        sort = params.get("sort", "short")
        return cls(school_id=school_id if school_id in school_ids else None,
                   stage=stage if stage in STAGES else "",
                   state=state if state in LedgerState.LABELS else "",
                   search=params.get("q", "").strip()[:50],
                   sort=sort if sort in SORTS else "short")

    def describe(self) -> dict:
        return {"school": self.school_id, "stage": self.stage, "state": self.state,
                "q": self.search, "sort": self.sort}


def filtered(frame: pl.DataFrame, filters: Filters, rules: Rules) -> pl.DataFrame:
    if filters.school_id:
        frame = frame.filter(pl.col("school_id") == filters.school_id)
    if filters.stage:
        frame = frame.filter(pl.col("stage") == filters.stage)
    if filters.state:
        frame = frame.filter(pl.col("state") == filters.state)
    if filters.search:
        text = filters.search
        frame = frame.filter(pl.col("name").str.contains(text, literal=True)
                             | (pl.col("employee_no") == text))
    return sort(frame, filters.sort, rules)


def sort(frame: pl.DataFrame, key: str, rules: Rules) -> pl.DataFrame:
    if key == "name":
        return frame.sort(["name", "teacher_id"])
    if key == "school":
        return frame  # all_ledgers reads teachers in school, then 工号 order
    rank = pl.col("state").replace_strict(STATE_RANK, return_dtype=pl.Int64)
    short = pl.sum_horizontal([pl.col(f"r{i}_short") for i in range(len(rules.requirements))]
                              or [pl.lit(0)])
    return frame.with_columns(_rank=rank, _short=short).sort(
        ["_rank", "_short", "teacher_id"], descending=[False, True, False]).drop("_rank",
                                                                                 "_short")


@dataclass
class GroupRow:
    key: object
    label: str
    teachers: int
    states: dict[str, int]
    short_counts: list[int]
    short_totals: list[Decimal]

    @property
    def pairs(self) -> list[tuple[int, Decimal]]:
        return list(zip(self.short_counts, self.short_totals, strict=True))

    @property
    def complete_share(self) -> str:
        if not self.teachers:
            return "—"
        return f"{self.states[LedgerState.COMPLETE] * 100 / self.teachers:.1f}%"


def groups(frame: pl.DataFrame, by: str, labels: dict, rules: Rules) -> list[GroupRow]:
    """Per school or per stage: teachers, how many in each state, and per requirement how many
    are short and by how much in all."""
    n = len(rules.requirements)
    aggregates = [pl.len().alias("teachers")]
    aggregates += [(pl.col("state") == s).sum().alias(s) for s in LedgerState.LABELS]
    aggregates += [(pl.col(f"r{i}_short") > 0).sum().alias(f"n{i}") for i in range(n)]
    aggregates += [pl.col(f"r{i}_short").sum().alias(f"s{i}") for i in range(n)]
    summary = frame.group_by(by, maintain_order=True).agg(aggregates)
    out = []
    for row in summary.iter_rows(named=True):
        out.append(GroupRow(
            key=row[by], label=labels.get(row[by], str(row[by])), teachers=row["teachers"],
            states={s: row[s] for s in LedgerState.LABELS},
            short_counts=[row[f"n{i}"] for i in range(n)],
            short_totals=[in_unit(row[f"s{i}"], req.unit, rules.hours_per_credit, short=True)
                          for i, req in enumerate(rules.requirements)]))
    return out


@dataclass
class TeacherRow:
    teacher_id: int
    name: str
    employee_no: str
    school: str
    stage: str
    counted: Decimal
    done: list[Decimal] = field(default_factory=list)
    short: list[Decimal] = field(default_factory=list)
    state: str = ""

    @property
    def state_label(self) -> str:
        return LedgerState.LABELS[self.state]

    @property
    def pairs(self) -> list[tuple[Decimal, Decimal]]:
        return list(zip(self.done, self.short, strict=True))


def teacher_rows(frame: pl.DataFrame, rules: Rules) -> list[TeacherRow]:
    per_credit = rules.hours_per_credit
    out = []
    for row in frame.iter_rows(named=True):
        out.append(TeacherRow(
            teacher_id=row["teacher_id"], name=row["name"], employee_no=row["employee_no"],
            school=row["school"], stage=STAGES.get(row["stage"], row["stage"]),
            counted=hours_of(row["counted"]),
            done=[in_unit(row[f"r{i}_done"], r.unit, per_credit)
                  for i, r in enumerate(rules.requirements)],
            short=[in_unit(row[f"r{i}_short"], r.unit, per_credit, short=True)
                   for i, r in enumerate(rules.requirements)],
            state=row["state"]))
    return out


def state_counts(frame: pl.DataFrame) -> list[dict]:
    counts = dict(frame.group_by("state").len().iter_rows())
    return [{"state": s, "label": LedgerState.LABELS[s], "count": counts.get(s, 0)}
            for s in reversed(LedgerState.ORDER)]


def workbook(frame: pl.DataFrame, rules: Rules, cycle: Cycle, school_labels: dict) -> bytes:
    """.xlsx: the filtered teachers, then the per-school and per-stage summaries."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    number = book.add_format({"num_format": "0.0#"})
    names = [f"{r.name}（{r.unit_label}）" for r in rules.requirements]
    sheet = book.add_worksheet("教师")
    headers = ["姓名", "工号", "学校", "学段", "计入学时",
               *[h for name in names for h in (f"{name}已完成", f"{name}缺口")], "状态"]
    _header(sheet, headers, bold)
    for r, row in enumerate(teacher_rows(frame, rules), start=1):
        values = [row.name, row.employee_no, row.school, row.stage, row.counted,
                  *[v for pair in zip(row.done, row.short, strict=True) for v in pair],
                  row.state_label]
        _row(sheet, r, values, number)
    for title, by, labels in (("按学校", "school_id", school_labels), ("按学段", "stage", STAGES)):
        sheet = book.add_worksheet(title)
        headers = [title[1:], "教师数", *LedgerState.LABELS.values(),
                   *[h for name in names for h in (f"{name}未达人数", f"{name}合计缺口")]]
        _header(sheet, headers, bold)
        for r, group in enumerate(groups(frame, by, labels, rules), start=1):
            values = [group.label, group.teachers, *group.states.values(),
                      *[v for pair in zip(group.short_counts, group.short_totals, strict=True)
                        for v in pair]]
            _row(sheet, r, values, number)
    book.add_worksheet("说明").write_string(0, 0, f"学时周期 {cycle.label}；学时按认定记录计算，"
                                                 "已扣除各类上限。")
    book.close()
    return buffer.getvalue()


def _header(sheet, headers: list[str], bold) -> None:
    for c, text in enumerate(headers):
        sheet.set_column(c, c, 14 if c else 10)
        sheet.write_string(0, c, text, bold)
    sheet.freeze_panes(1, 0)


def _row(sheet, r: int, values: list, number) -> None:
    for c, value in enumerate(values):
        if isinstance(value, Decimal):
            sheet.write_number(r, c, float(value), number)
        elif isinstance(value, int):
            sheet.write_number(r, c, value)
        else:
            sheet.write_string(r, c, str(value))
