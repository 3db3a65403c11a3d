"""Builders for the files the import tests feed in: .xlsx (xlsxwriter), CSV bytes, and rows
of the teacher template. Every bad file is generated here rather than committed."""

import io
from dataclasses import dataclass
from datetime import date, datetime

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from yanxun.core.imports.services import import_job_create, import_job_run
from yanxun.core.validators import id_number_check_digit
from yanxun.org.importers import SchoolImporter, TeacherImporter

TEACHER_HEADERS = [c.header for c in TeacherImporter.columns]
SCHOOL_HEADERS = [c.header for c in SchoolImporter.columns]


@dataclass
class Formula:
    formula: str
    value: object = 0


def id_number(n: int, *, male: bool, birth: str = "") -> str:
    """A valid 身份证号, different for each n below 900; the 17th digit is odd for men."""
    birth = birth or f"19850{1 + n // 100 % 9}12"
    first17 = f"320102{birth}{n % 100:02d}{(1 if male else 2) + 2 * (n % 4)}"
    return first17 + id_number_check_digit(first17)


def teacher_row(n: int, **overrides) -> list:
    """A valid row of the teacher template, as cells in template order."""
    male = overrides.pop("male", n % 2 == 1)
    values = {
        "工号": f"T{n:04d}", "姓名": f"测试教师{n}", "性别": "男" if male else "女",
        "身份证号": id_number(n, male=male), "手机号": f"1380000{n:04d}",
        "学校": "城东实验学校", "学段": "初中", "任教学科": "语文", "职称": "一级教师",
        "入职年份": "2012", "到校日期": "",
    }
    values.update(overrides)
    return [values[h] for h in TEACHER_HEADERS]


def xlsx(rows: list[list], *, merge: str | None = None, sheet: str = "教师") -> bytes:
    """rows[0] is the header. str -> text cell, int/float -> number, date -> date cell,
    Formula -> formula cell with a cached value, None -> blank."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            _write(ws, r, c, value, date_format)
    if merge:
        ws.merge_range(merge, rows[0][0])
    book.close()
    return buffer.getvalue()


def _write(ws, r: int, c: int, value, date_format) -> None:
    if value is None:
        return
    if isinstance(value, Formula):
        ws.write_formula(r, c, value.formula, None, value.value)
    elif isinstance(value, (date, datetime)):
        ws.write_datetime(r, c, value, date_format)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value)
    else:
        ws.write_string(r, c, value)


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    text = "\r\n".join(delimiter.join(str(v) for v in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def teachers_xlsx(*rows: list) -> bytes:
    return xlsx([TEACHER_HEADERS, *rows])


def run_import(kind: str, data: bytes, *, actor=None, update: bool = False,
               name: str = "导入.xlsx"):
    """Create and run a job synchronously, as the page does for small files."""
    job = import_job_create(actor=actor, kind=kind, file=SimpleUploadedFile(name, data),
                            original_name=name, update_existing=update)
    return import_job_run(job_id=job.pk)


def messages(job) -> list[str]:
    from yanxun.core.imports.services import job_errors

    return [str(e) for e in job_errors(job)]
