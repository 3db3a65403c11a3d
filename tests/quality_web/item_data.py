"""Exams with item scores for the quality page tests.

`golden_exam`: the item sheet of tests/quality/test_items.py (数学, five items worth 2, 3, 5, 4
and 10, golden figures worked by hand in tests/quality/data/golden_items.md) as an exam in the
database: s1–s4 in 城东实验学校, s5–s8 in 城西中学 (s6 absent, s8 作弊), each student's 数学
score the sum of their item scores, and 语文 (full 10) with two items.

`with_items`: 数学 item scores (four items of 25) for the exam of exam_data.analysed_exam.
"""

import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from tests.quality.test_items import SHEET
from tests.quality_web.exam_data import write_csv
from yanxun.quality import item_scores, services
from yanxun.quality.enums import ExamKind, ExamStatus
from yanxun.quality.models import ExamItem

GOLDEN_CSV = """考号,姓名,学校,班级,数学,语文
s1,甲,城东实验学校,1班,19,10
s2,乙,城东实验学校,1班,14,8
s3,丙,城东实验学校,2班,12,7
s4,丁,城东实验学校,2班,10,5
s5,戊,城西中学,1班,9,6
s6,己,城西中学,1班,缺考,4
s7,庚,城西中学,1班,7,缺考
s8,辛,城西中学,1班,作弊,9
"""
CHINESE = [
    ["考号", "一", "二"],
    ["满分", 4, 6],
    ["s1", 4, 6], ["s2", 3, 5], ["s3", 3, 4], ["s4", 2, 3], ["s5", 2, 4], ["s6", 1, 3],
    ["s7", "缺考", "缺考"], ["s8", 4, 5],
]
GOLDEN_SHEETS = {"数学": SHEET, "语文": CHINESE}

MATRIX_SHEET = [
    ["考号", "姓名", "1", "2", "3", "4"],
    ["满分", None, 25, 25, 25, 25],
    ["01", "甲一", 20, 20, 20, 20], ["02", "甲二", 25, 20, 15, 10],
    ["03", "甲三", 20, 15, 15, 10], ["04", "甲四", 15, 10, 10, 5],
    ["05", "乙一", 25, 25, 25, 25], ["06", "乙二", 20, 15, 10, 5],
]


def item_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An item workbook: one sheet per subject, rows as given (None: an empty cell)."""
    with xlsxwriter.Workbook(path) as book:
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None:
                        sheet.write(r, c, value)
    return path


def golden_exam(world, folder: Path, *, analyse: bool = True):
    """The exam above with its scores imported (and analysed), no item scores yet."""
    admin = world.users["admin"]
    subjects = [services.SubjectInput("数学", Decimal(24)),
                services.SubjectInput("语文", Decimal(10))]
    exam = services.exam_create(actor=admin, subjects=subjects, name="2026 小题分析测试",
                                held_on=date(2026, 6, 1), grade="九年级", stage="junior",
                                kind=ExamKind.JOINT)
    services.scores_stage(actor=admin, exam=exam, upload=write_csv(folder, GOLDEN_CSV),
                          original_name="scores.csv")
    services.scores_write(actor=admin, exam=exam)
    if analyse:
        services.exam_transition(exam, ExamStatus.ANALYSING)
        services.exam_analyse(exam_id=exam.pk)
    exam.refresh_from_db()
    return exam


def with_items(world, exam):
    """Give the analysed exam_data exam its 数学 item scores (once)."""
    if not ExamItem.objects.filter(exam=exam).exists():
        with tempfile.TemporaryDirectory() as folder:
            path = item_book(Path(folder) / "items.xlsx", {"数学": MATRIX_SHEET})
            item_scores.item_scores_import(actor=world.users["admin"], exam=exam, upload=path,
                                           original_name="小题分.xlsx")
    return exam
