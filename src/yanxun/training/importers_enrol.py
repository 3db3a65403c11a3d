"""统一报名 from an Excel list of 工号 / 身份证号, through the import framework: the whole file
is read and checked first (row-level Chinese errors: unknown teacher, ineligible, already
enrolled, over the cap, over capacity), and only a fully valid file is written, in one
transaction, by enrolment.bulk_enrol (which checks everything again under the locks).

The class to enrol into is chosen on the page, so this importer is not in the framework's
registry of kinds (whose jobs carry no such parameter); its upload page is the program's
bulk enrolment page, which uses the framework's reader, checks, template and error list."""

from __future__ import annotations

from pathlib import Path

from yanxun.core.audit import audit_record
from yanxun.core.imports.framework import Column, Importer, Row, RowError, validate_file
from yanxun.core.imports.readers import ROW
from yanxun.org.importers import EXAMPLE_ID
from yanxun.org.models import Teacher
from yanxun.training import rules
from yanxun.training.enrolment import BulkResult, bulk_enrol, bulk_plan
from yanxun.training.enums import EnrolmentSource
from yanxun.training.models import Enrolment, TrainingClass


class EnrolmentImporter(Importer):
    kind = "training_enrolments"
    label = "培训报名名单"
    model = Enrolment
    natural_key = "id_number"
    permission = rules.MANAGE_ENROLMENTS
    columns = [
        Column("工号", "employee_no", max_length=30, example="BJ00001", text_format=True,
               help="工号与身份证号至少填一项；工号在全区不唯一时请填身份证号"),
        Column("身份证号", "id_number", kind="id_number", example=EXAMPLE_ID),
        Column("姓名", "name", max_length=50, example="张晓明",
               help="选填；填写时须与系统中的姓名一致，用于核对"),
    ]
    notes = ["每行一名教师；同一教师不能出现两次。",
             "不符合项目面向条件、已报名、超过同时参加长期项目上限的教师会作为错误列出，"
             "整份名单都无误才会报名。"]

    def __init__(self, *, training_class: TrainingClass, overflow_waits: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.training_class = training_class
        self.overflow_waits = overflow_waits
        self.teachers: dict[int, Teacher] = {}  # row number -> teacher
        self.plan: dict[int, list[str]] = {}  # teacher pk -> reasons refused

    def check_row(self, row: Row) -> list[RowError]:
        if not row["employee_no"] and not row["id_number"]:
            return [RowError(row[ROW], "", "工号与身份证号至少填写一项")]
        return []

    def load_context(self, rows: list[Row]) -> None:
        """Find every row's teacher (two queries), then plan the enrolment of all of them at
        once, in file order, with the same checks as bulk_enrol."""
        self.existing = {}
        teachers = Teacher.objects.select_related("school__district")
        by_id = self.fetch_in(teachers, "id_number", [r["id_number"] for r in rows])
        by_number: dict[str, list[Teacher]] = {}
        numbers = sorted({r["employee_no"] for r in rows if r["employee_no"]})
        for teacher in teachers.filter(employee_no__in=numbers):
            by_number.setdefault(teacher.employee_no, []).append(teacher)
        self.by_id, self.by_number = by_id, by_number
        self.errors: dict[int, list[RowError]] = {}
        seen: dict[int, int] = {}
        for row in rows:
            teacher, errors = self._resolve(row)
            if teacher is not None and teacher.pk in seen:
                errors.append(RowError(row[ROW], "", f"与第 {seen[teacher.pk]} 行是同一名教师"))
            elif teacher is not None:
                seen[teacher.pk] = row[ROW]
                self.teachers[row[ROW]] = teacher
            self.errors[row[ROW]] = errors
        plan = bulk_plan(actor=self.actor, training_class=self.training_class,
                         teachers=list(self.teachers.values()),
                         overflow_waits=self.overflow_waits)
        self.plan = {r.teacher.pk: r.reasons for r in plan.rows if r.outcome == "skipped"}

    def _resolve(self, row: Row) -> tuple[Teacher | None, list[RowError]]:
        by_id = self.by_id.get(row["id_number"]) if row["id_number"] else None
        by_number = self.by_number.get(row["employee_no"], []) if row["employee_no"] else []
        if row["id_number"] and by_id is None:
            return None, [self.error(row, "id_number", "系统中没有该身份证号的教师")]
        if by_id is not None:
            if row["employee_no"] and by_id.employee_no != row["employee_no"]:
                return None, [self.error(row, "employee_no", "与身份证号不是同一名教师")]
            teacher = by_id
        elif not by_number:
            return None, [self.error(row, "employee_no", "系统中没有该工号的教师")]
        elif len(by_number) > 1:
            return None, [self.error(row, "employee_no", "对应多名教师，请填写身份证号")]
        else:
            teacher = by_number[0]
        if row["name"] and row["name"] != teacher.name:
            return None, [self.error(row, "name", f"与系统中的姓名「{teacher.name}」不一致")]
        return teacher, []

    def prepare_row(self, row: Row) -> list[RowError]:
        errors = self.errors.get(row[ROW], [])
        teacher = self.teachers.get(row[ROW])
        if errors or teacher is None:
            return errors
        return [RowError(row[ROW], "", f"{teacher.name}：{reason}")
                for reason in self.plan.get(teacher.pk, [])]

    def enrol(self, rows: list[Row]) -> BulkResult:
        """Write a validated file: all or nothing, re-checked under the locks."""
        teachers = [self.teachers[r[ROW]] for r in rows]
        result = bulk_enrol(actor=self.actor, training_class=self.training_class,
                            teachers=teachers, source=EnrolmentSource.IMPORT,
                            overflow_waits=self.overflow_waits, all_or_nothing=True)
        return result


def import_enrolments(*, actor, training_class: TrainingClass, path: Path, original_name: str,
                      overflow_waits: bool) -> tuple[list[RowError], BulkResult | None]:
    """Check the file; if it is valid, enrol its teachers. (errors, None) or ([], result)."""
    from django.db import transaction

    importer = EnrolmentImporter(actor=actor, training_class=training_class,
                                 overflow_waits=overflow_waits)
    validation = validate_file(importer, path)
    if validation.errors:
        return validation.errors, None
    with transaction.atomic():
        result = importer.enrol(validation.rows)
        audit_record(actor=actor, action="training.enrolment.import", obj=training_class,
                     object_repr=f"{training_class.program.name} {training_class.name}",
                     after={"file": original_name, "rows": validation.total, **result.counts})
    return [], result
