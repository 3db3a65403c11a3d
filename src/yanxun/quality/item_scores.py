"""小题分 (item scores) of an exam in the database, and their item analysis (小题分析).

The workbook has the layout `yanxun quality analyze --items` reads (quality.items): one sheet
per subject, named as the subject; row 1 the key columns (考号, and any of 姓名, 学校, 班级,
学籍号) then one column per item; row 2 the items' full marks; then one row per student.
`item_scores_import` checks the whole workbook against the exam before anything is written:
every sheet is one of the exam's subjects, every 考号 one of its students (once per sheet), the
items' full marks add up to the subject's full mark, and each student's item scores add up to
the score already imported for that subject (a student absent from the paper has no item
scores). Then, in one transaction, each subject in the workbook gets its items (ExamItem) and
one ItemScores row per present student, replacing what it had; other subjects keep theirs.

The analysis is quality.items.analyze_sheet over the stored item scores, for the district and
for each school, kept as ExamTable rows named "items:<subject>" (school null: the district's).
They are derived: every exam analysis rebuilds them, and so does an item import into an exam
that is already analysed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from yanxun.core.audit import audit_record
from yanxun.core.permissions import has_perm
from yanxun.quality import engine, items, rules
from yanxun.quality.enums import ExamStatus, ScoreStatus
from yanxun.quality.models import (
    Exam,
    ExamItem,
    ExamStudent,
    ExamSubject,
    ExamTable,
    ItemScores,
    Score,
)
from yanxun.quality.scores_io import InputError, read_raw
from yanxun.quality.services import _bulk_insert, _json_safe, _select

TABLE_PREFIX = "items:"
UNKNOWN_LISTED = 20  # unknown 考号 named one by one, then "等 N 处"
MISMATCHES_LISTED = 5
LABEL_MAX = ExamItem._meta.get_field("label").max_length
ROW, NO, PK, TOTAL = items.ROW, "考号", "student_pk", "_item_total"


@dataclass
class SubjectSheet:
    """One checked sheet: its items and, per row of a present student, their item scores."""

    subject: ExamSubject
    source: str
    labels: list[str]
    fulls: list[int]  # hundredths
    listed: pl.DataFrame  # every student row: _row, 考号
    scores: pl.DataFrame  # present students: _row, 考号, one column per item (hundredths)


# --- the import ----------------------------------------------------------------------------


def item_scores_import(*, actor, exam: Exam, upload: Path, original_name: str) -> dict[str, int]:
    """Read the workbook, check it, then write its items and item scores. Returns, per
    subject in the workbook, the number of students with item scores. Raises InputError or
    ValidationError (Chinese messages naming sheet, row and column) and then writes nothing."""
    _require(actor)
    _check_exam(exam)
    subjects = {s.name: s for s in exam.subjects.all()}
    sheets = [_read_sheet(upload, name, original_name, subjects)
              for name in items.sheet_names(upload, original_name)]
    return item_scores_save(actor=actor, exam=exam, sheets=sheets, original_name=original_name)


def item_scores_save(*, actor, exam: Exam, sheets: list[SubjectSheet],
                     original_name: str) -> dict[str, int]:
    """Check parsed sheets against the exam (items, students, sums) and write them in one
    transaction; the upload's second half (the demo hands over sheets it made itself)."""
    _require(actor)
    _check_exam(exam)
    seen: set[str] = set()
    for sheet in sheets:
        if sheet.subject.exam_id != exam.pk:
            raise ValueError(f"{sheet.subject} is not a subject of {exam}")
        if sheet.subject.name in seen:
            raise InputError(f"{original_name}：科目「{sheet.subject.name}」有两个工作表")
        seen.add(sheet.subject.name)
        _check_sheet(sheet)
    students = _select(ExamStudent.objects.filter(exam=exam).values_list("exam_no", "pk"),
                       {NO: pl.String, PK: pl.Int64})
    _check_known(sheets, students, original_name)
    _check_sums(sheets, students, original_name)
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        _check_exam(locked)
        counts = {sheet.subject.name: _write(locked, sheet, students) for sheet in sheets}
        audit_record(actor=actor, action="quality.item_scores_import", obj=locked,
                     after={"file": original_name, "subjects": {
                         s.subject.name: {"items": len(s.labels), "students": counts[s.subject.name]}
                         for s in sheets}})
        if locked.status == ExamStatus.ANALYSED:
            item_tables_store(locked)
    return counts


def subject_sheet(subject: ExamSubject, labels: list[str], fulls: list[int],
                  frame: pl.DataFrame, source: str) -> SubjectSheet:
    """A sheet from a frame of present students: 考号 and one column per item (hundredths),
    rows numbered from 3 as in a workbook."""
    scores = frame.with_row_index(ROW, offset=3).select(pl.col(ROW).cast(pl.Int64), NO, *labels)
    for label, full in zip(labels, fulls, strict=True):
        bad = scores.filter(pl.col(label).is_null() | (pl.col(label) < 0) | (pl.col(label) > full))
        if bad.height:
            raise InputError(f"{source}：第 {bad[ROW][0]} 行，「{label}」列：应为 0 到 "
                             f"{full / engine.SCALE:g} 之间的分数")
    return SubjectSheet(subject, source, labels, fulls, scores.select(ROW, NO), scores)


def _require(actor) -> None:
    if actor is not None and not has_perm(actor, rules.MANAGE_EXAMS):
        raise PermissionDenied("无权管理考试与成绩。")


def _check_exam(exam: Exam) -> None:
    if exam.purged_at is not None:
        raise ValidationError(f"考试「{exam.name}」的学生明细已按保存期限删除，不能再导入小题分。")
    if exam.status == ExamStatus.ANALYSING:
        raise ValidationError(f"考试「{exam.name}」正在分析，请分析完成后再导入小题分。")
    if exam.status == ExamStatus.DRAFT or not ExamStudent.objects.filter(exam=exam).exists():
        raise ValidationError(f"考试「{exam.name}」还没有导入成绩（没有考生），请先导入成绩再导入小题分。")


def _read_sheet(path: Path, name: str, original_name: str,
                subjects: dict[str, ExamSubject]) -> SubjectSheet:
    source = f"{original_name}「{name}」工作表"
    subject = subjects.get(name.strip())
    if subject is None:
        raise InputError(f"{source}：本考试没有科目「{name.strip()}」；工作表名应为科目名"
                         f"（{'、'.join(subjects)}）")
    raw = read_raw(path, sheet=name, source=source)
    labels, fulls, scores = items.read_sheet(raw, source)
    listed = _listed(raw)
    return SubjectSheet(subject, source, labels, fulls, listed,
                        scores.with_columns(pl.col(ROW).cast(pl.Int64))
                        .join(listed, on=ROW, how="left").select(ROW, NO, *labels))


def _listed(raw: pl.DataFrame) -> pl.DataFrame:
    """Every row below the full marks that is not blank: its row number and 考号."""
    text = raw.with_columns(pl.all().cast(pl.String).str.strip_chars().replace("", None))
    rows = text.slice(1).with_row_index(ROW, offset=3).filter(
        pl.any_horizontal([pl.col(c).is_not_null() for c in raw.columns]))
    return rows.select(pl.col(ROW).cast(pl.Int64), pl.col(NO))


def _check_sheet(sheet: SubjectSheet) -> None:
    """题号 that fit, full marks adding up to the subject's, every row's 考号 given once."""
    source, subject = sheet.source, sheet.subject
    for label in sheet.labels:
        if len(label) > LABEL_MAX:
            raise InputError(f"{source}：第 1 行：题号「{label}」超过 {LABEL_MAX} 个字")
    full = engine.hundredths(Fraction(subject.full_mark))
    if sum(sheet.fulls) != full:
        raise InputError(f"{source}：各小题满分合计 {sum(sheet.fulls) / engine.SCALE:g} 分，"
                         f"与「{subject.name}」的满分 {full / engine.SCALE:g} 分不符")
    rows = sheet.listed
    blank = rows.filter(pl.col(NO).is_null())
    if blank.height:
        raise InputError(f"{source}：第 {blank[ROW][0]} 行：考号不能为空")
    dup = rows.filter(pl.col(NO).is_duplicated())
    if dup.height:
        value = dup[NO][0]
        first, second = dup.filter(pl.col(NO) == value)[ROW].head(2).to_list()
        raise InputError(f"{source}：第 {second} 行：考号「{value}」与第 {first} 行重复")


def _check_known(sheets: list[SubjectSheet], students: pl.DataFrame, original_name: str):
    unknown = []
    for sheet in sheets:
        missing = sheet.listed.join(students, on=NO, how="anti")
        unknown += [f"「{sheet.subject.name}」工作表第 {row} 行「{no}」"
                    for row, no in missing.iter_rows()]
    if unknown:
        more = f"等 {len(unknown)} 处" if len(unknown) > UNKNOWN_LISTED else ""
        raise InputError(f"{original_name}：以下考号不是本考试的考生："
                         f"{'、'.join(unknown[:UNKNOWN_LISTED])}{more}")


def _stored(sheet: SubjectSheet) -> pl.DataFrame:
    queryset = Score.objects.filter(student__exam=sheet.subject.exam_id, subject=sheet.subject)
    return _select(queryset.values_list("student_id", "points", "status"),
                   {PK: pl.Int64, "points": pl.Int64, "status": pl.Int64})


def _check_sums(sheets: list[SubjectSheet], students: pl.DataFrame, original_name: str):
    """Each listed student's item total against their stored score: a present student's total
    must equal the score, an absent one (no item scores) must not have a score."""
    problems: list[str] = []
    for sheet in sheets:
        totals = sheet.scores.select(ROW, pl.sum_horizontal(sheet.labels).alias(TOTAL))
        rows = (sheet.listed.join(students, on=NO).join(totals, on=ROW, how="left")
                .join(_stored(sheet), on=PK, how="left").sort(ROW))
        present = pl.col("status") == ScoreStatus.PRESENT
        bad = rows.filter(pl.when(pl.col(TOTAL).is_null()).then(present.fill_null(False))
                          .otherwise(~present.fill_null(False)
                                     | (pl.col("points") != pl.col(TOTAL))))
        problems += [f"「{sheet.subject.name}」工作表第 {r[ROW]} 行，考号 {r[NO]}，"
                     f"小题合计 {_points(r[TOTAL])}，成绩 {_score(r['points'], r['status'])}"
                     for r in bad.iter_rows(named=True)]
    if problems:
        more = f"；等 {len(problems)} 处" if len(problems) > MISMATCHES_LISTED else ""
        raise InputError(f"{original_name}：{len(problems)} 处小题合计与已导入的成绩不符，"
                         f"请核对后重新上传：{'；'.join(problems[:MISMATCHES_LISTED])}{more}")


def _points(value: int | None) -> str:
    return "无（空白或缺考等）" if value is None else f"{value / engine.SCALE:g}"


def _score(points: int | None, status: int | None) -> str:
    if status is None:
        return "无"
    return _points(points) if status == ScoreStatus.PRESENT else ScoreStatus(status).label


def _write(exam: Exam, sheet: SubjectSheet, students: pl.DataFrame) -> int:
    """Replace one subject's items and item scores; rows in sheet order (their ids then give
    the file order that breaks ties at the 27 % group edges, as the command line does)."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {q(ItemScores._meta.db_table)} WHERE {q('subject_id')} = %s AND "
            f"{q('student_id')} IN (SELECT {q('id')} FROM {q(ExamStudent._meta.db_table)} "
            f"WHERE {q('exam_id')} = %s)", [sheet.subject.pk, exam.pk])
    ExamItem.objects.filter(subject=sheet.subject).delete()
    ExamItem.objects.bulk_create([
        ExamItem(exam=exam, subject=sheet.subject, label=label, position=i,
                 full_mark=Decimal(full) / engine.SCALE)
        for i, (label, full) in enumerate(zip(sheet.labels, sheet.fulls, strict=True))])
    points = pl.concat_str([pl.col(label).cast(pl.String) for label in sheet.labels],
                           separator=",")
    rows = sheet.scores.sort(ROW).join(students, on=NO, how="left", maintain_order="left").select(
        pl.col(PK).alias("student_id"), pl.lit(sheet.subject.pk, pl.Int64).alias("subject_id"),
        pl.concat_str(pl.lit("["), points, pl.lit("]")).alias("points"))
    _bulk_insert(ItemScores._meta.db_table, ["student_id", "subject_id", "points"], rows)
    return rows.height


# --- the template --------------------------------------------------------------------------


def template_xlsx(exam: Exam) -> bytes:
    """An empty workbook to fill in: one sheet per subject with the key columns, three item
    columns to rename or extend, and 满分 in row 2."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        for subject in exam.subjects.all():
            sheet = book.add_worksheet(subject.name[:31])
            sheet.write_row(0, 0, ["考号", "姓名", "学校", "班级", "1", "2", "3"], bold)
            sheet.write_string(1, 0, "满分", bold)
            sheet.write_comment(0, 4, f"每题一列，列名为题号；第 2 行填各题满分，合计应为 "
                                      f"{subject.full_mark:g} 分。", {"x_scale": 2})
            sheet.write_comment(0, 0, "考号须与已导入成绩中的考号一致；每名学生的小题合计须等于其"
                                      "该科成绩。缺考或作弊等：小题格留空或填缺考、作弊。",
                                {"x_scale": 2, "y_scale": 1.5})
            sheet.set_column(0, 3, 12)
            sheet.freeze_panes(2, 1)
    return buffer.getvalue()


# --- the analysis --------------------------------------------------------------------------


def item_tables_store(exam: Exam) -> int:
    """Recompute the item analysis of every subject with items, for the district and each
    school, and replace the stored "items:" tables. Returns the number of tables written."""
    tables = []
    for subject, labels, fulls in _subjects_with_items(exam):
        frame = _item_frame(exam, subject, len(labels))
        names = [f"i{i}" for i in range(len(labels))]
        name = f"{TABLE_PREFIX}{subject.name}"
        tables.append(ExamTable(exam=exam, name=name, school_id=None,
                                rows=[_analysed(subject.name, labels, names, fulls, frame)]))
        for (school,), part in frame.group_by("school", maintain_order=True):
            tables.append(ExamTable(exam=exam, name=name, school_id=school,
                                    rows=[_analysed(subject.name, labels, names, fulls, part)]))
    with transaction.atomic():
        ExamTable.objects.filter(exam=exam, name__startswith=TABLE_PREFIX).delete()
        ExamTable.objects.bulk_create(tables, batch_size=500)
    return len(tables)


def _subjects_with_items(exam: Exam):
    by_subject: dict[int, tuple[list[str], list[int]]] = {}
    for item in ExamItem.objects.filter(exam=exam).order_by("subject__position", "position"):
        labels, fulls = by_subject.setdefault(item.subject_id, ([], []))
        labels.append(item.label)
        fulls.append(engine.hundredths(Fraction(item.full_mark)))
    for subject in exam.subjects.filter(pk__in=by_subject):
        yield subject, *by_subject[subject.pk]


def _item_frame(exam: Exam, subject: ExamSubject, count: int) -> pl.DataFrame:
    """_row (the row's id: file order), school, i0 … i<count−1> (hundredths)."""
    queryset = ItemScores.objects.filter(student__exam=exam, subject=subject).values_list(
        "pk", "student__school_id", "points")
    frame = _select(queryset, {ROW: pl.Int64, "school": pl.Int64, "points": pl.String})
    frame = frame.sort(ROW).with_columns(  # "[100,0,250]" (PostgreSQL: "[100, 0, 250]")
        pl.col("points").str.strip_chars("[]").str.replace_all(" ", "", literal=True)
        .str.split(",").cast(pl.List(pl.Int64)))
    return frame.select(ROW, "school", *[pl.col("points").list.get(i).alias(f"i{i}")
                                         for i in range(count)])


def _analysed(subject: str, labels: list[str], names: list[str], fulls: list[int],
              frame: pl.DataFrame) -> dict:
    """{"paper": {n, items, alpha}, "items": one row per item} (items.analyze_sheet's)."""
    rows, paper = items.analyze_sheet(subject, names, fulls, frame.select(ROW, *names))
    label = dict(zip(names, labels, strict=True))
    return {"paper": _json_safe(paper),
            "items": [_json_safe({**row, "item": label[row["item"]]}) for row in rows]}


__all__ = ["item_scores_import", "item_scores_save", "item_tables_store", "subject_sheet",
           "template_xlsx"]
