"""Writes of an exam's class–subject–teacher table (任课表): the import (check the whole file,
preview, confirm) and the edit of one cell (add or remove a teacher), each audited; after a
change the per-teacher figures of the schools concerned are rebuilt (quality.teacher_results).

The import reuses the import framework's validation (core.imports: reading by content, header
and cell checks, messages by row and column, the errors workbook) through an importer that is
not registered: an import job of the framework belongs to no exam, writes as soon as the file
is valid and counts 新增/更新 by a natural key, while this one is exam-scoped, previewed before
the write, and replaces the rows of the schools the file names. See docs/quality-monitoring.md.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from yanxun.core.audit import audit_record
from yanxun.core.imports.columns import Column
from yanxun.core.imports.errors import RowError
from yanxun.core.imports.framework import LOOKUP_CHUNK, Importer, validate_file
from yanxun.core.imports.readers import ROW
from yanxun.core.imports.templates import TEXT_FORMAT
from yanxun.core.permissions import has_perm, scoped
from yanxun.org.enums import TeacherStatus
from yanxun.org.models import School, Teacher
from yanxun.quality import rules
from yanxun.quality.enums import ExamStatus
from yanxun.quality.models import ClassTeacher, Exam, ExamStudent, ExamSubject
from yanxun.quality.teacher_results import teacher_results_changed

COLUMNS = [
    Column("学校", "school_name", required=True, max_length=100, help="学校全称，如 城东实验学校"),
    Column("班级", "class_name", required=True, max_length=50,
           help="与成绩文件中的班级写法一致，如 1班"),
    Column("科目", "subject_name", required=True, max_length=20, help="本次考试的科目之一"),
    Column("工号", "employee_no", max_length=30, text_format=True,
           help="任课教师的工号；工号和姓名都空着的行表示该班该科暂不指定教师"),
    Column("姓名", "teacher_name", max_length=50, help="任课教师的姓名，须与工号对应"),
]
NOTES = [
    "导入会替换文件中出现的学校在本次考试的全部任课记录；文件中没有的学校不受影响。",
    "同一班级同一科目可有多位任课教师（各占一行）；教师须为在职教师，不是本校教师时给出提示。",
]


def class_order(name: str) -> tuple:
    """2班 before 10班: numbers inside class names compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


# --- who may change what --------------------------------------------------------------


def editable_schools(actor, exam: Exam):
    """The schools of this exam (those with students) whose 任课表 the actor may change."""
    ids = ExamStudent.objects.filter(exam=exam).values("school_id")
    return scoped(School.objects.filter(pk__in=ids), actor, rules.EDIT_CLASS_TEACHERS)


def _require(actor, exam: Exam, school: School | None = None) -> None:
    if not has_perm(actor, rules.EDIT_CLASS_TEACHERS):
        raise PermissionDenied("无权维护任课表。")
    if school is not None and not editable_schools(actor, exam).filter(pk=school.pk).exists():
        raise PermissionDenied("只能维护本单位的任课表。")
    if exam.purged_at is not None:
        raise ValidationError("该考试的学生明细已按保存期限删除，任课表不能再修改。")
    if exam.status == ExamStatus.DRAFT:
        raise ValidationError("本次考试还没有导入成绩：任课表的班级以成绩中的班级为准，请先导入成绩。")


# --- the import: checks ---------------------------------------------------------------


class ClassTeacherImporter(Importer):
    """The rows of a 任课表 file, checked against one exam. Not registered: it has no page of
    its own under 数据导入 (see the module's docstring)."""

    kind = "class_teachers"
    label = "任课表"
    model = ClassTeacher
    natural_key = "key"
    permission = rules.EDIT_CLASS_TEACHERS
    columns = COLUMNS
    notes = NOTES

    def __init__(self, *, actor, exam: Exam):
        super().__init__(actor=actor, update_existing=True)
        self.exam = exam
        self.warnings: list[RowError] = []
        self._seen: dict[tuple, int] = {}  # (school, class, subject, teacher) → first row
        self._cells: dict[tuple, int] = {}  # (school, class, subject) → first row

    def validate_frame(self, frame):
        rows, errors = super().validate_frame(frame)
        for row in rows:  # duplicates are found on resolved ids, in prepare_row
            row[self.natural_key] = None
        return rows, errors

    def check_row(self, row):
        number, name = row["employee_no"], row["teacher_name"]
        if name and not number:
            return [self.error(row, "employee_no", "不能为空（已填写姓名）")]
        if number and not name:
            return [self.error(row, "teacher_name", "不能为空（已填写工号）")]
        return []

    def load_context(self, rows):
        from yanxun.quality.services import match_schools

        self.schools = match_schools(sorted({r["school_name"] for r in rows}))
        self.classes = set(ExamStudent.objects.filter(exam=self.exam)
                           .values_list("school_id", "class_name").distinct())
        self.exam_schools = {school for school, _ in self.classes}
        self.subjects = {s.name: s for s in self.exam.subjects.all()}
        numbers = sorted({r["employee_no"] for r in rows if r["employee_no"]})
        self.teachers: dict[str, list[Teacher]] = {}
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            for teacher in Teacher.objects.filter(
                    employee_no__in=numbers[start:start + LOOKUP_CHUNK]).only(
                    "pk", "employee_no", "name", "school_id", "status"):
                self.teachers.setdefault(teacher.employee_no, []).append(teacher)
        self.allowed = self.allowed_school_ids()

    def prepare_row(self, row):
        problem = self._school(row)
        if problem:
            return [problem]
        errors = []
        subject = self.subjects.get(row["subject_name"])
        if subject is None:
            errors.append(self.error(row, "subject_name", f"「{row['subject_name']}」不是本次考试的"
                                     f"科目（本次考试科目：{'、'.join(self.subjects)}）"))
        if (row["school"], row["class_name"]) not in self.classes:
            errors.append(self.error(row, "class_name", f"「{row['class_name']}」不是该校参加本次"
                                     "考试的班级（以成绩中的班级为准）"))
        row["subject"], row["teacher"] = subject, None
        if errors or not row["employee_no"]:
            return errors
        teacher, errors = self._teacher(row)
        if teacher is not None:
            row["teacher"] = teacher
            errors += self._repeated(row)
        return errors

    def _school(self, row) -> RowError | None:
        """The school, checked first: a row of a school outside the actor's scope says nothing
        about that school's classes."""
        name = row["school_name"]
        school = self.schools.get(name)
        if school is None:
            return self.error(row, "school_name", f"找不到学校「{name}」，请填写学校全称")
        if self.allowed is not None and school not in self.allowed:
            return self.error(row, "school_name", "不在您的管理范围内：只能导入本单位的数据")
        if school not in self.exam_schools:
            return self.error(row, "school_name", f"「{name}」没有参加本次考试")
        row["school"] = school
        return None

    def _teacher(self, row) -> tuple[Teacher | None, list[RowError]]:
        """The teacher of the 工号: at the row's school, else the only one (or the only one of
        that name) elsewhere — 工号 are unique per school, not always across the district."""
        number, name = row["employee_no"], row["teacher_name"]
        found = self.teachers.get(number, [])
        here = [t for t in found if t.school_id == row["school"]]
        candidates = here or [t for t in found if t.name == name] or found
        if not candidates:
            return None, [self.error(row, "employee_no", f"找不到工号为「{number}」的教师")]
        if len(candidates) > 1:
            return None, [self.error(row, "employee_no", f"工号「{number}」在多所学校都有，且都不是"
                                     "本校教师，无法确定是哪一位")]
        teacher = candidates[0]
        if teacher.name != name:
            return None, [self.error(row, "teacher_name",
                                     f"「{name}」与工号「{number}」的教师姓名不一致")]
        if teacher.status != TeacherStatus.ACTIVE:
            label = TeacherStatus(teacher.status).label
            return None, [self.error(row, "employee_no",
                                     f"工号「{number}」的教师{name}不是在职教师（{label}）")]
        if teacher.school_id != row["school"]:
            self.warnings.append(self.error(row, "employee_no", f"{name}（工号 {number}）不是"
                                            f"「{row['school_name']}」的教师，请确认其在该校任教"))
        return teacher, []

    def _repeated(self, row) -> list[RowError]:
        school, class_name, subject = row["school"], row["class_name"], row["subject"]
        key = (school, class_name, subject.pk, row["teacher"].pk)
        if key in self._seen:
            return [self.error(row, "", f"与第 {self._seen[key]} 行重复（同一班级、科目和教师）")]
        self._seen[key] = row[ROW]
        cell = key[:3]
        if cell in self._cells:
            self.warnings.append(self.error(row, "", f"{class_name}{subject.name}与第 "
                                            f"{self._cells[cell]} 行是同一班级同一科目：将有多位任课教师"))
        else:
            self._cells[cell] = row[ROW]
        return []


@dataclass
class Checked:
    """A 任课表 file checked against an exam. `rows` are the assignments to write, `schools`
    the schools the file covers (their rows are replaced), `skipped` rows without a teacher."""

    original_name: str
    total: int
    rows: list[dict]
    schools: dict[int, str]
    skipped: int
    errors: list[RowError]
    warnings: list[RowError]


def class_teachers_check(*, actor, exam: Exam, source: bytes | Path,
                         original_name: str) -> Checked:
    """Check a whole file; writes nothing."""
    _require(actor, exam)
    importer = ClassTeacherImporter(actor=actor, exam=exam)
    validation = validate_file(importer, source)
    if validation.errors:
        return Checked(original_name, validation.total, [], {}, 0, validation.errors, [])
    names = {r["school"]: r["school_name"] for r in validation.rows}
    official = dict(School.objects.filter(pk__in=names).values_list("pk", "name"))
    rows = [{"school": r["school"], "class_name": r["class_name"], "subject": r["subject"].pk,
             "teacher": r["teacher"].pk} for r in validation.rows if r["teacher"] is not None]
    return Checked(original_name, validation.total, rows, official,
                   validation.total - len(rows), [], sorted(importer.warnings))


# --- the import: stage, preview, write ------------------------------------------------


def _folder(actor, exam: Exam) -> Path:
    """One staged 任课表 per user and exam, named by the exam's creation time too, so that a
    new exam reusing a deleted one's id never finds its leftovers."""
    return (Path(settings.DATA_DIR) / "quality" / "class-teachers"
            / f"exam-{exam.pk}-{exam.created_at:%Y%m%d%H%M%S%f}" / f"user-{actor.pk}")


def class_teachers_stage(*, actor, exam: Exam, data: bytes, original_name: str) -> Checked:
    """Check the uploaded file. A good file is kept for the confirmation with its preview;
    a bad one leaves only its errors (for the errors workbook)."""
    checked = class_teachers_check(actor=actor, exam=exam, source=data,
                                   original_name=original_name)
    folder = _folder(actor, exam)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if checked.errors:
        (folder / "errors.json").write_text(json.dumps([e.as_dict() for e in checked.errors],
                                                       ensure_ascii=False))
        return checked
    (folder / "upload").write_bytes(data)
    (folder / "preview.json").write_text(json.dumps(_preview(exam, checked), ensure_ascii=False))
    return checked


def _preview(exam: Exam, checked: Checked) -> dict:
    before: dict[int, int] = {}
    for school in ClassTeacher.objects.filter(exam=exam, school_id__in=checked.schools) \
            .values_list("school_id", flat=True):
        before[school] = before.get(school, 0) + 1
    after: dict[int, int] = {}
    for row in checked.rows:
        after[row["school"]] = after.get(row["school"], 0) + 1
    schools = sorted(checked.schools.items(), key=lambda item: item[1])
    return {"original_name": checked.original_name, "total": checked.total,
            "rows": len(checked.rows), "skipped": checked.skipped,
            "schools": [{"name": name, "before": before.get(pk, 0), "after": after.get(pk, 0)}
                        for pk, name in schools],
            "warnings": [w.as_dict() for w in checked.warnings]}


def staged_preview(*, actor, exam: Exam) -> dict | None:
    """What the staged file will do (per school: rows before and after), or None."""
    try:
        return json.loads((_folder(actor, exam) / "preview.json").read_text())
    except (OSError, ValueError):
        return None


def staged_errors(*, actor, exam: Exam) -> list[RowError]:
    try:
        data = json.loads((_folder(actor, exam) / "errors.json").read_text())
    except (OSError, ValueError):
        return []
    return [RowError.from_dict(e) for e in data]


def staged_discard(*, actor, exam: Exam) -> None:
    shutil.rmtree(_folder(actor, exam), ignore_errors=True)


@dataclass
class Imported:
    rows: int
    schools: list[str]
    refreshing: bool  # the per-teacher figures are being rebuilt in the background


def class_teachers_import(*, actor, exam: Exam) -> Imported:
    """Write the staged file: check it again (the exam or the teachers may have changed since
    the preview), then replace the rows of its schools in one transaction, audited per
    school. Raises ValidationError (errors kept for the workbook) if it no longer passes."""
    folder = _folder(actor, exam)
    preview = staged_preview(actor=actor, exam=exam)
    if preview is None or not (folder / "upload").exists():
        raise ValidationError("没有待写入的任课表文件，请重新上传。")
    checked = class_teachers_stage(actor=actor, exam=exam, data=(folder / "upload").read_bytes(),
                                   original_name=preview["original_name"])
    if checked.errors:
        raise ValidationError(f"文件「{checked.original_name}」现在有 {len(checked.errors)} 处错误，"
                              "没有写入任何数据。")
    with transaction.atomic():
        Exam.objects.select_for_update().filter(pk=exam.pk).first()
        before = _described(exam, checked.schools)
        ClassTeacher.objects.filter(exam=exam, school_id__in=checked.schools).delete()
        ClassTeacher.objects.bulk_create([
            ClassTeacher(exam=exam, school_id=r["school"], class_name=r["class_name"],
                         subject_id=r["subject"], teacher_id=r["teacher"])
            for r in checked.rows], batch_size=1000)
        after = _described(exam, checked.schools)
        for pk, name in sorted(checked.schools.items(), key=lambda item: item[1]):
            audit_record(actor=actor, action="quality.class_teachers_import", obj=exam,
                         before={"school": name, "rows": before.get(pk, [])},
                         after={"school": name, "file": checked.original_name,
                                "rows": after.get(pk, [])})
        refreshing = teacher_results_changed(exam=exam, school_ids=set(checked.schools))
    staged_discard(actor=actor, exam=exam)
    return Imported(len(checked.rows), sorted(checked.schools.values()), refreshing)


def _described(exam: Exam, school_ids) -> dict[int, list[str]]:
    """Per school, its rows as 「1班 语文 A0001 张晓明」, for the 操作日志."""
    out: dict[int, list[str]] = {}
    for school, class_name, subject, number, name in ClassTeacher.objects.filter(
            exam=exam, school_id__in=list(school_ids)).order_by(
            "class_name", "subject__position", "teacher__employee_no").values_list(
            "school_id", "class_name", "subject__name", "teacher__employee_no", "teacher__name"):
        out.setdefault(school, []).append(f"{class_name} {subject} {number} {name}")
    return out


# --- the template --------------------------------------------------------------------------


def class_teachers_template(*, actor, exam: Exam) -> bytes:
    """The exam's 任课表 to fill in: one row per class and subject of the schools the actor
    may edit, 工号 and 姓名 empty; a 填写说明 sheet."""
    _require(actor, exam)
    schools = dict(editable_schools(actor, exam).values_list("pk", "name"))
    classes = sorted(ExamStudent.objects.filter(exam=exam, school_id__in=schools)
                     .values_list("school_id", "class_name").distinct(),
                     key=lambda c: (schools[c[0]], class_order(c[1])))
    subjects = list(exam.subjects.values_list("name", flat=True))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("任课表")
    head = {True: book.add_format({"bold": True, "font_color": "#C00000", "bg_color": "#FCE4D6",
                                   "border": 1}),
            False: book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})}
    text = book.add_format({"num_format": TEXT_FORMAT})
    for index, column in enumerate(COLUMNS):
        sheet.set_column(index, index, 22 if index == 0 else 12, text if column.as_text else None)
        sheet.write_string(0, index, column.header, head[column.required])
        sheet.write_comment(0, index, ("必填。" if column.required else "选填。") + column.help)
    row = 1
    for school, class_name in classes:
        for subject in subjects:
            sheet.write_row(row, 0, [schools[school], class_name, subject])
            row += 1
    if subjects:
        sheet.data_validation(1, 2, max(row, 2) + 500, 2, {"validate": "list", "source": subjects})
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet("填写说明")
    notes.set_column(0, 0, 100)
    lines = [f"{c.header}：{'必填' if c.required else '选填'}。{c.help}" for c in COLUMNS]
    lines += ["整个文件校验通过才会写入；有错误时不写入任何数据，并逐行列出错误。", *NOTES]
    for index, line in enumerate(lines):
        notes.write_string(index, 0, line)
    book.close()
    return buffer.getvalue()


# --- editing one cell ------------------------------------------------------------------


def _check_cell(exam: Exam, school: School, class_name: str, subject: ExamSubject) -> None:
    if subject.exam_id != exam.pk:
        raise ValidationError(f"「{subject.name}」不是本次考试的科目。")
    if not ExamStudent.objects.filter(exam=exam, school=school, class_name=class_name).exists():
        raise ValidationError(f"「{class_name}」不是{school.name}参加本次考试的班级。")


def _snapshot(link: ClassTeacher) -> dict:
    return {"school": link.school.name, "class": link.class_name, "subject": link.subject.name,
            "employee_no": link.teacher.employee_no, "teacher": link.teacher.name}


def class_teacher_add(*, actor, exam: Exam, school: School, class_name: str,
                      subject: ExamSubject, teacher: Teacher) -> ClassTeacher:
    """Add a teacher to one cell (class × subject) of a school's 任课表: an active teacher of
    that school (the page offers only those)."""
    _require(actor, exam, school)
    _check_cell(exam, school, class_name, subject)
    if teacher.school_id != school.pk or teacher.status != TeacherStatus.ACTIVE:
        raise ValidationError(f"只能选择{school.name}的在职教师。")
    with transaction.atomic():
        Exam.objects.select_for_update().filter(pk=exam.pk).first()
        if ClassTeacher.objects.filter(exam=exam, school=school, class_name=class_name,
                                       subject=subject, teacher=teacher).exists():
            raise ValidationError(f"{teacher.name}已是{class_name}{subject.name}的任课教师。")
        link = ClassTeacher.objects.create(exam=exam, school=school, class_name=class_name,
                                           subject=subject, teacher=teacher)
        audit_record(actor=actor, action="quality.class_teacher_add", obj=link,
                     after=_snapshot(link))
        teacher_results_changed(exam=exam, school_ids={school.pk})
    return link


def class_teacher_remove(*, actor, link: ClassTeacher) -> None:
    exam, school = link.exam, link.school
    _require(actor, exam, school)
    with transaction.atomic():
        Exam.objects.select_for_update().filter(pk=exam.pk).first()
        audit_record(actor=actor, action="quality.class_teacher_remove", obj=link,
                     before=_snapshot(link))
        link.delete()
        teacher_results_changed(exam=exam, school_ids={school.pk})
