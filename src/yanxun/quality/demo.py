"""Demo records of quality monitoring: the junior-secondary cohort of the demo district sits an
intake exam (八年级期末调研) and, a year later, a city joint exam (九年级联考); both go through
the real import (a CSV file staged, checked and written) and the real analysis, so every report
page has data. Deterministic from the demo seed."""

from __future__ import annotations

import math
import random
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from yanxun.core.enums import Role
from yanxun.org.demo import DemoContext, demo_step, new_person_name
from yanxun.org.enums import Gender, SchoolType, TeacherStatus
from yanxun.org.models import Teacher
from yanxun.quality import services
from yanxun.quality.enums import ExamKind, ExamStatus
from yanxun.quality.models import ClassTeacher, Exam, SchoolAlias

JUNIOR_TYPES = (SchoolType.JUNIOR, SchoolType.COMPLETE, SchoolType.NINE_YEAR)
SUBJECTS = (("语文", 120), ("数学", 120), ("英语", 120), ("物理", 100), ("道德与法治", 100))
INTAKE = "2025 学年八年级期末调研"
OUTCOME = "2026 年九年级联考"


def wipe_quality(ctx: DemoContext) -> None:
    Exam.objects.filter(name__in=[INTAKE, OUTCOME]).update(intake_exam=None)
    Exam.objects.filter(name__in=[INTAKE, OUTCOME]).delete()
    SchoolAlias.objects.filter(school__district=ctx.district).delete()


@demo_step("quality.exams", order=100, wipe=wipe_quality)
def build_exams(ctx: DemoContext) -> None:
    rng = ctx.rng("quality.exams")
    schools = [s for s in ctx.school_rows if s.school_type in JUNIOR_TYPES and s.is_active]
    if not schools:
        return
    cohort = _cohort(rng, schools)
    actor = ctx.users[Role.TRAINER]
    intake = _exam(actor, INTAKE, date(2025, 7, 2), "八年级", ExamKind.FINAL)
    _import(actor, intake, cohort, rng, shift=0.0, weight_school=1.0)
    outcome = _exam(actor, OUTCOME, date(2026, 5, 20), "九年级", ExamKind.JOINT)
    _import(actor, outcome, cohort, rng, shift=0.02, weight_school=1.0, added=True)
    Exam.objects.filter(pk=outcome.pk).update(intake_exam=intake)
    _class_teachers(ctx, outcome, cohort, rng)
    for exam in (intake, outcome):
        services.exam_transition(exam, ExamStatus.ANALYSING)
        services.exam_analyse(exam_id=exam.pk)


def _exam(actor, name: str, held_on: date, grade: str, kind: str) -> Exam:
    subjects = [services.SubjectInput(n, Decimal(full)) for n, full in SUBJECTS]
    return services.exam_create(actor=actor, subjects=subjects, name=name, held_on=held_on,
                                grade=grade, stage="junior", kind=kind)


def _cohort(rng: random.Random, schools) -> list[dict]:
    """Students with an ability, in classes of their school; schools differ in level and, for
    the value-added page, in how much they add between the two exams."""
    students = []
    number = 0
    for school in schools:
        level = rng.gauss(0, 0.35) - (0.25 if school.is_weak else 0)
        added = rng.gauss(0, 0.15)
        for c in range(1, rng.randint(3, 7) + 1):
            class_effect = rng.gauss(0, 0.12)
            for _ in range(rng.randint(34, 46)):
                number += 1
                students.append({
                    "no": f"2609{number:05d}", "id": f"G3201{number:09d}",
                    "name": new_person_name(rng, gender=rng.choice(Gender.values),
                                            birth_year=2011),
                    "school": school, "class": f"{c}班",
                    "ability": rng.gauss(0, 1) + level + class_effect, "added": added})
    return students


def _import(actor, exam: Exam, cohort: list[dict], rng: random.Random, *, shift: float,
            weight_school: float, added: bool = False) -> None:
    lines = ["考号,学籍号,姓名,学校,班级," + ",".join(n for n, _ in SUBJECTS)]
    for s in cohort:
        ability = s["ability"] + (s["added"] if added else 0)
        cells = []
        for _, full in SUBJECTS:
            roll = rng.random()
            if roll < 0.008:
                cells.append("缺考")
                continue
            if roll < 0.009:
                cells.append("作弊")
                continue
            share = 0.66 + shift + 0.16 * ability + rng.gauss(0, 0.07)
            cells.append(str(max(0, min(full, math.floor(share * full + 0.5)))))
        lines.append(",".join([s["no"], s["id"], s["name"], s["school"].name, s["class"],
                               *cells]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scores.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        services.scores_stage(actor=actor, exam=exam, upload=path,
                              original_name=f"{exam.name}.csv")
        services.scores_write(actor=actor, exam=exam)


def _class_teachers(ctx: DemoContext, exam: Exam, cohort: list[dict], rng: random.Random):
    """Each class and subject gets a teacher of that school who teaches the subject; the
    demo teacher login teaches 1班 of their school when it took part."""
    classes = sorted({(s["school"].pk, s["class"]) for s in cohort})
    subjects = {s.name: s for s in exam.subjects.all()}
    by_school: dict[tuple[int, str], list[Teacher]] = {}
    for teacher in Teacher.objects.filter(school_id__in={pk for pk, _ in classes},
                                          status=TeacherStatus.ACTIVE, stage="junior"):
        for name in ctx.teacher_subjects.get(teacher.pk, []):
            by_school.setdefault((teacher.school_id, name), []).append(teacher)
    demo_teacher = Teacher.objects.filter(user=ctx.users.get(Role.TEACHER)).first()
    links = []
    for school_pk, class_name in classes:
        for name, subject in subjects.items():
            pool = by_school.get((school_pk, name))
            if not pool:
                continue
            teacher = pool[rng.randrange(len(pool))]
            if (demo_teacher and demo_teacher.school_id == school_pk and class_name == "1班"
                    and name in ctx.teacher_subjects.get(demo_teacher.pk, [])):
                teacher = demo_teacher
            links.append(ClassTeacher(exam=exam, school_id=school_pk, class_name=class_name,
                                      subject=subject, teacher=teacher))
    ClassTeacher.objects.bulk_create(links)
