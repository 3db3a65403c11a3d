"""A small exam stored in the database and analysed: two schools of the `world` fixture, two
classes in school A, one in school B; 张晓明 (teacher A) taught 语文 in 城东实验学校 1班.

语文 (full 100):  A/1班 90, 60 · A/2班 55, 缺考 · B/1班 80, 作弊
数学 (full 100):  A/1班 80, 70 · A/2班 60, 40 · B/1班 100, 50
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

from yanxun.org.models import School
from yanxun.quality import services
from yanxun.quality.enums import ExamKind, ExamStatus
from yanxun.quality.models import ClassTeacher

CSV = """考号,姓名,学校,班级,语文,数学
01,甲一,城东实验学校,1班,90,80
02,甲二,城东实验学校,1班,60,70
03,甲三,城东实验学校,2班,55,60
04,甲四,城东实验学校,2班,缺考,40
05,乙一,城西中学,1班,80,100
06,乙二,城西,1班,作弊,50
"""


def new_exam(actor, **overrides):
    fields = {"name": "2026 秋季九年级联考", "held_on": date(2026, 11, 10), "grade": "九年级",
              "stage": "junior", "kind": ExamKind.JOINT}
    fields.update(overrides)
    subjects = [services.SubjectInput("语文", Decimal(100)),
                services.SubjectInput("数学", Decimal(100))]
    return services.exam_create(actor=actor, subjects=subjects, **fields)


def write_csv(folder: Path, text: str = CSV, name: str = "scores.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def analysed_exam(world, folder: Path):
    """The exam above, imported (城西 mapped to 城西中学) and analysed in this thread."""
    admin = world.users["admin"]
    exam = new_exam(admin)
    services.scores_stage(actor=admin, exam=exam, upload=write_csv(folder),
                          original_name="scores.csv")
    services.school_aliases_save(actor=admin, mapping={"城西": School.objects.get(
        name="城西中学")})
    services.scores_write(actor=admin, exam=exam)
    subject = exam.subjects.get(name="语文")
    ClassTeacher.objects.create(exam=exam, school=world.school_a, class_name="1班",
                                subject=subject, teacher=world.teacher_a)
    services.exam_transition(exam, ExamStatus.ANALYSING)
    services.exam_analyse(exam_id=exam.pk)
    exam.refresh_from_db()
    return exam
