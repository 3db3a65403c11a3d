"""The student list of one school (page and .xlsx, through core.listing's ListSpec, parameters
and table partials) and the pseudonymous student-level export of a whole exam (.csv).

The rows are the stored records of quality.students, not a queryset: search, filters, sort and
paging run here over the school's records (a few thousand at most). Names and 学籍号 are
columns only when the scope allows them (rules.VIEW_STUDENT_NAMES); otherwise the list and its
export carry the 考号 alone. Every export is audited (`quality.students_export`)."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import xlsxwriter

from yanxun.core.audit import audit_record
from yanxun.core.listing import Column, Filter, ListPage, ListQuery, ListSpec, as_text, resolve
from yanxun.quality import engine, rules
from yanxun.quality.models import Exam
from yanxun.quality.students import (
    FIELDS,
    LINE_LABELS,
    NEAR,
    NEAR_BITS,
    POINTS,
    RANK_COMBINATION,
    RANK_DISTRICT,
    RANK_SCHOOL,
    STATUS,
    STATUS_WORDS,
    StudentRow,
    StudentScope,
    exam_student_frame,
    pseudonym,
)

PAGE_SIZES = (50, 100, 200)


@dataclass(frozen=True)
class Score:
    """A column's value: the subject's score (a number, or the status word)."""

    subject: str

    def __call__(self, row: StudentRow):
        return row.score(self.subject)


@dataclass(frozen=True)
class Entry:
    """A column's value: one entry of the subject's record (a rank)."""

    subject: str
    field: str

    def __call__(self, row: StudentRow):
        return row.entry(self.subject, self.field)


@dataclass(frozen=True)
class Near:
    subject: str

    def __call__(self, row: StudentRow) -> str:
        return row.near(self.subject)


def _ranks(subject: str, key: str, *, electives: bool, page: bool, export: bool) -> list[Column]:
    label = subject
    columns = [
        Column(f"{key}district", f"{label}区排名", Entry(subject, RANK_DISTRICT),
               sort="rank" if page else None, width=8, page=page, export=export),
        Column(f"{key}school", f"{label}校排名", Entry(subject, RANK_SCHOOL),
               sort="rank" if page else None, width=8, page=page, export=export),
    ]
    if electives and subject == engine.TOTAL:
        columns.append(Column(f"{key}combination", "组合内排名", Entry(subject, RANK_COMBINATION),
                              sort="rank" if page else None, width=10, page=page,
                              export=export))
    columns.append(Column(f"{key}near", f"{label}临界", Near(subject), width=12, page=page,
                          export=export))
    return columns


def student_spec(*, subjects: list[str], focus: str, classes: list[str], names: bool,
                 electives: bool) -> ListSpec:
    """The list's columns and filters. The page shows every subject's score, then the ranks and
    临界生 lines of one subject (`focus`, 总分 by default); the export has every subject's."""
    columns = [Column("exam_no", "考号", "exam_no", sort="exam_no", width=14)]
    if names:
        columns += [Column("name", "姓名", "name", width=10),
                    Column("student_id", "学籍号", "student_id", width=20)]
    columns.append(Column("class", "班级", "class_name", sort="class", width=10))
    if electives:
        columns.append(Column("combination", "选考组合", "combination", width=14))
    columns += [Column(f"score{i}", s, Score(s), sort="score", width=8)
                for i, s in enumerate(subjects)]
    columns += _ranks(focus, "rank_", electives=electives, page=True, export=False)
    for i, subject in enumerate(subjects):
        columns += _ranks(subject, f"x{i}_", electives=electives, page=False, export=True)
    near = tuple((line, f"{label}临界生") for line, label in LINE_LABELS.items())
    return ListSpec(
        name="exam_students", title="学生成绩", columns=tuple(columns),
        base_queryset=lambda user: None,
        search_label="考号 / 姓名" if names else "考号",
        filters=(Filter("class", "班级", choices=tuple((c, c) for c in classes)),
                 Filter("near", "临界生", choices=near),
                 Filter("subject", "排名科目", choices=tuple((s, s) for s in subjects))),
        default_sort="rank_school", page_sizes=PAGE_SIZES,
        view_perm=rules.VIEW_REPORTS, export_perm=rules.VIEW_REPORTS, personal_data=True)


def focus_subject(subjects: list[str], raw: str | None) -> str:
    return raw if raw in subjects else engine.TOTAL


# --- search, filters, sort, page ---------------------------------------------------------


def filtered_rows(spec: ListSpec, rows: list[StudentRow], query: ListQuery, *,
                  focus: str, names: bool) -> list[StudentRow]:
    """The rows matching the search (考号, and 姓名 where names are shown), the class and the
    临界生 line (of the focus subject), in the chosen order; empty values sort last."""
    text = query.search
    if text:
        rows = [r for r in rows if text in r.exam_no or (names and text in r.name)]
    if "class" in query.filters:
        rows = [r for r in rows if r.class_name == query.filters["class"]]
    if "near" in query.filters:
        bit = NEAR_BITS[query.filters["near"]]
        rows = [r for r in rows if (r.entry(focus, NEAR) or 0) & bit]
    return _sorted(spec, rows, query.sort)


def _sorted(spec: ListSpec, rows: list[StudentRow], sort: str) -> list[StudentRow]:
    column = spec.column(sort.lstrip("-"))
    if column is None:
        return rows
    value = _sort_value(column)
    rows = sorted(rows, key=lambda r: r.exam_no)  # ties in 考号 order
    present = [r for r in rows if value(r) is not None]
    empty = [r for r in rows if value(r) is None]
    return sorted(present, key=value, reverse=sort.startswith("-")) + empty


def _sort_value(column: Column) -> Callable[[StudentRow], object]:
    if isinstance(column.value, Score):  # by points; a status word counts as no score
        subject = column.value.subject
        return lambda r: r.entry(subject, POINTS)
    return lambda r: resolve(r, column.value)


def page_of(spec: ListSpec, rows: list[StudentRow], query: ListQuery) -> ListPage:
    pages = max(1, math.ceil(len(rows) / query.per_page))
    number = min(query.page, pages)
    start = (number - 1) * query.per_page
    return ListPage(spec, query, len(rows), rows[start:start + query.per_page], number, pages)


# --- exports -----------------------------------------------------------------------------


def _write(sheet, row: int, col: int, value) -> None:
    if value is None or value == "":
        return  # a blank cell
    if isinstance(value, bool):
        sheet.write_string(row, col, as_text(value))
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


def _workbook(title: str, headers: list[tuple[str, int]], rows) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    for index, (header, width) in enumerate(headers):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, header, bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for values in rows:
        count += 1
        for index, value in enumerate(values):
            _write(sheet, count, index, value)
    workbook.close()
    return buffer.getvalue(), count


def school_xlsx(*, actor, exam: Exam, scope: StudentScope, spec: ListSpec,
                rows: list[StudentRow], query: ListQuery) -> bytes:
    """The filtered list of one school, every page, with the export's columns; audited."""
    columns = [c for c in spec.columns if c.export]
    data, count = _workbook(f"{scope.school.name}学生成绩", [(c.header, c.width) for c in columns],
                            ([resolve(r, c.value) for c in columns] for r in rows))
    _audit(actor, exam, scope=f"学校：{scope.school.name}"
           + (f"（任教班级 {'、'.join(sorted(scope.classes))}）" if scope.classes is not None
              else ""), names=scope.names, rows=count, filters=query.describe())
    return data


def _points_text(points: pl.Expr, status: pl.Expr) -> pl.Expr:
    """A score as the list shows it: 90 or 90.5, else the status word (缺考 …)."""
    whole = (points % 100) == 0
    number = pl.when(whole).then((points // 100).cast(pl.String)).otherwise(
        (points / 100).cast(pl.String))
    return number.fill_null(status.replace_strict(STATUS_WORDS, default=None,
                                                  return_dtype=pl.String))


def _near_text(bits: pl.Expr) -> pl.Expr:
    text = pl.concat_str([pl.when((bits & NEAR_BITS[line]) > 0).then(pl.lit(label))
                          for line, label in LINE_LABELS.items()],
                         separator="、", ignore_nulls=True)
    return pl.when(bits > 0).then(text)


def pseudonymous_csv(*, actor, exam: Exam, subjects: list[str], electives: bool,
                     school_names: dict[int, str]) -> bytes:
    """Every school's students without names, 学籍号 or 考号: a pseudonym per student
    (students.pseudonym), school, class, combination, each subject's score, ranks and
    临界生 lines. CSV (UTF-8 with BOM, opens in Excel and WPS): a city exam has some
    4.7 million cells, which xlsxwriter takes about 30 s to write, too long for a page;
    Polars writes the CSV in about a second. Audited."""
    frame = exam_student_frame(exam)
    codes = [pseudonym(exam, no) for no in frame["exam_no"].to_list()] if frame.height else []
    columns = [pl.lit(pl.Series("编号", codes, pl.String)).alias("编号"),
               pl.col("school_id").replace_strict(school_names, default="",
                                                  return_dtype=pl.String).alias("学校"),
               pl.col("class").alias("班级")]
    if electives:
        columns.append(pl.col("combination").alias("选考组合"))
    for subject in subjects:
        field = {name: pl.col(f"{subject}:{name}") for name in FIELDS}
        columns += [_points_text(field[POINTS], field[STATUS]).alias(subject),
                    field[RANK_DISTRICT].alias(f"{subject}区排名"),
                    field[RANK_SCHOOL].alias(f"{subject}校排名")]
        if electives and subject == engine.TOTAL:
            columns.append(pl.col(f"{subject}:{RANK_COMBINATION}").alias("组合内排名"))
        columns.append(_near_text(field[NEAR]).alias(f"{subject}临界"))
    out = frame.select(columns) if frame.height else pl.DataFrame(
        schema=[c.meta.output_name() for c in columns])
    _audit(actor, exam, scope="全区（匿名）", names=False, rows=out.height, filters={})
    return out.write_csv(include_bom=True).encode()


def _audit(actor, exam: Exam, *, scope: str, names: bool, rows: int, filters: dict) -> None:
    audit_record(actor=actor, action="quality.students_export", obj=exam,
                 object_repr=f"导出学生成绩：{exam.name}"[:200],
                 after={"scope": scope, "names": names, "rows": rows, "filters": filters})
