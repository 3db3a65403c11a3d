"""A small exam with electives (3+1+2 style: 物理 or 历史), stored and analysed, whose
student ranks and 临界生 lines are worked out by hand in test_students.py; and an intake exam
of the same students (other 考号, the same 学籍号) for the bottom-20 % follow-up.

All subjects full 100, lines 0.85 / 0.75 / 0.60, 临界生 band 5 % (so near a line means within
5 points below it; for 总分 over three subjects of 100, 15 points).

    考号 学校 班级   语文  数学  物理  历史   总分
    01  城东 1班   90    80    70    —     240   (物理)
    02  城东 1班   80    90    —     70    240   (历史)
    03  城东 2班   58.5  70    72    —     200.5 (物理)
    04  城东 2班   缺考  60    60    —     —     (物理)
    05  城西 1班   90    80    —     80    250   (历史)
    06  城西 1班   70    70    90    —     230   (物理)
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

from yanxun.quality import services
from yanxun.quality.enums import ExamKind, ExamStatus
from yanxun.quality.models import ClassTeacher

ELECTIVE_CSV = """考号,姓名,学籍号,学校,班级,语文,数学,物理,历史
01,甲一,G001,城东实验学校,1班,90,80,70,
02,甲二,G002,城东实验学校,1班,80,90,,70
03,甲三,G003,城东实验学校,2班,58.5,70,72,
04,甲四,G004,城东实验学校,2班,缺考,60,60,
05,乙一,G005,城西中学,1班,90,80,,80
06,乙二,G006,城西中学,1班,70,70,90,
"""

# The intake exam: 总分 城东 100, 150, 120, 90; 城西 130, 110 (考号 I01 … I06).
INTAKE_CSV = """考号,姓名,学籍号,学校,班级,语文,数学
I01,甲一,G001,城东实验学校,1班,50,50
I02,甲二,G002,城东实验学校,1班,75,75
I03,甲三,G003,城东实验学校,2班,60,60
I04,甲四,G004,城东实验学校,2班,45,45
I05,乙一,G005,城西中学,1班,65,65
I06,乙二,G006,城西中学,1班,55,55
"""

# The outcome exam for the follow-up: 总分 城东 170, 130, 115, 150; 城西 180, 140.
OUTCOME_CSV = """考号,姓名,学籍号,学校,班级,语文,数学
01,甲一,G001,城东实验学校,1班,90,80
02,甲二,G002,城东实验学校,1班,60,70
03,甲三,G003,城东实验学校,2班,55,60
04,甲四,G004,城东实验学校,2班,75,75
05,乙一,G005,城西中学,1班,80,100
06,乙二,G006,城西中学,1班,70,70
"""


def stored_exam(world, folder: Path, csv: str, *, subjects, name: str, held_on=date(2026, 11, 10),
                intake=None):
    """Create, import and analyse an exam in this thread. subjects: (name, elective) pairs."""
    admin = world.users["admin"]
    exam = services.exam_create(
        actor=admin, name=name, held_on=held_on, grade="九年级", stage="junior",
        kind=ExamKind.JOINT, intake_exam=intake,
        subjects=[services.SubjectInput(s, Decimal(100), elective) for s, elective in subjects])
    path = folder / f"{name}.csv"
    path.write_text(csv, encoding="utf-8")
    services.scores_stage(actor=admin, exam=exam, upload=path, original_name=path.name)
    services.scores_write(actor=admin, exam=exam)
    services.exam_transition(exam, ExamStatus.ANALYSING)
    services.exam_analyse(exam_id=exam.pk)
    exam.refresh_from_db()
    return exam


def elective_exam(world, folder: Path, **kwargs):
    """The exam of the table above; 张晓明 (teacher A) taught 语文 in 城东实验学校 1班."""
    exam = stored_exam(world, folder, ELECTIVE_CSV, name="2026 秋季选考联考",
                       subjects=[("语文", False), ("数学", False), ("物理", True), ("历史", True)],
                       **kwargs)
    ClassTeacher.objects.create(exam=exam, school=world.school_a, class_name="1班",
                                subject=exam.subjects.get(name="语文"), teacher=world.teacher_a)
    return exam
