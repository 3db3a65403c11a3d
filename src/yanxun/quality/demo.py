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

import polars as pl

from yanxun.core.enums import Role
from yanxun.org.demo import DemoContext, demo_step, new_person_name
from yanxun.org.enums import Gender, SchoolType, TeacherStatus
from yanxun.org.models import Teacher
from yanxun.quality import engine, item_scores, services
from yanxun.quality.enums import ExamKind, ExamStatus
from yanxun.quality.models import ClassTeacher, Exam, SchoolAlias

JUNIOR_TYPES = (SchoolType.JUNIOR, SchoolType.COMPLETE, SchoolType.NINE_YEAR)
SUBJECTS = (("语文", 120), ("数学", 120), ("英语", 120), ("物理", 100), ("道德与法治", 100))
# 小题 of the joint exam's 数学 and 英语 papers: (题号, full mark, kind, difficulty b, slope a)
# on the ability scale. Later items are harder; a few have a small slope (weak items) and
# one or two are very easy or very hard, so that every flag of the item analysis shows up.
MATH_ITEMS = [
    *[(str(i), 4, "choice", b, a) for i, b, a in (
        (1, -2.6, 1.2), (2, -1.8, 1.4), (3, -1.5, 1.5), (4, -1.2, 1.3), (5, -0.9, 1.6),
        (6, -0.6, 1.5), (7, -0.4, 0.15), (8, -0.1, 1.4), (9, 0.3, 1.2), (10, 0.8, 1.1))],
    *[(str(i), 4, "choice", b, a) for i, b, a in (
        (11, -1.0, 1.4), (12, -0.5, 1.3), (13, 0.0, 1.2), (14, 0.5, 0.3), (15, 1.0, 1.2),
        (16, 1.6, 1.0))],
    ("17", 6, "open", -1.4, 1.3), ("18", 6, "open", -0.8, 1.4), ("19", 8, "open", -0.3, 1.5),
    ("20", 8, "open", 0.2, 1.4), ("21", 10, "open", 0.6, 1.3), ("22", 10, "open", 1.2, 1.2),
    ("23", 8, "open", 2.2, 0.9),
]
ENGLISH_ITEMS = [
    *[(str(i), 2, "choice", -2.2 + 0.15 * i, 1.2) for i in range(1, 11)],  # 听力
    *[(str(i), 1, "choice", -1.5 + 0.1 * (i - 10), 0.15 if i == 16 else 1.0)
      for i in range(11, 21)],  # 单项选择
    *[(str(i), 1, "choice", -0.5 + 0.1 * (i - 20), 0.25 if i == 27 else 1.1)
      for i in range(21, 31)],  # 完形填空
    *[(str(i), 2, "choice", -0.6 + 0.2 * (i - 30), 1.3) for i in range(31, 41)],  # 阅读理解
    ("41", 10, "open", 0.3, 1.2), ("42", 10, "open", 0.8, 1.1), ("43", 15, "open", 1.6, 1.3),
    ("44", 25, "open", 0.2, 1.5),  # 任务型阅读, 词汇运用, 短文填空, 书面表达
]
ITEM_SUBJECTS = {"数学": MATH_ITEMS, "英语": ENGLISH_ITEMS}
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
    _item_scores(actor, outcome, ctx.rng("quality.items"))
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


def _item_scores(actor, exam: Exam, rng: random.Random) -> None:
    """Item scores for 数学 and 英语: each present student's stored score split over the
    items by a logistic model of their ability, then evened out so that the items add up to
    the score exactly; checked and written by the upload's own service (without the detour
    through an .xlsx file, which took longer than everything else here)."""
    frame = services.scores_frame(exam)
    subjects = {s.name: s for s in exam.subjects.all()}
    sheets = []
    for name, items in ITEM_SUBJECTS.items():
        present = frame.filter(pl.col(engine.status_column(name)) == engine.PRESENT)
        full = int(subjects[name].full_mark)
        labels = [label for label, *_ in items]
        rows = [[p * engine.SCALE for p in _split(points // engine.SCALE, full, items, rng)]
                for points in present[name]]
        scores = pl.DataFrame(rows, schema=dict.fromkeys(labels, pl.Int64), orient="row")
        sheets.append(item_scores.subject_sheet(
            subjects[name], labels, [mark * engine.SCALE for _, mark, *_ in items],
            scores.insert_column(0, present["考号"]), f"演示小题分「{name}」"))
    item_scores.item_scores_save(actor=actor, exam=exam, sheets=sheets,
                                 original_name=f"{exam.name}_小题分（演示）")


def _split(total: int, full: int, items: list[tuple], rng: random.Random) -> list[int]:
    theta = (total / full - 0.66) / 0.17  # the cohort's shares are about 0.66 ± 0.17
    scores = []
    for _, mark, kind, b, a in items:
        p = 1 / (1 + math.exp(-1.7 * a * (theta - b)))
        if kind == "choice":
            scores.append(mark if rng.random() < p else 0)
        else:
            scores.append(max(0, min(mark, round(mark * p + rng.gauss(0, mark * 0.1)))))
    choice = [i for i, item in enumerate(items) if item[2] == "choice"]
    open_ = [i for i, item in enumerate(items) if item[2] == "open"]
    open_full = sum(items[i][1] for i in open_)
    rest = total - sum(scores[i] for i in choice)  # what the open items must make up
    while rest > open_full:
        i = rng.choice([i for i in choice if scores[i] == 0])
        scores[i], rest = items[i][1], rest - items[i][1]
    while rest < 0:
        i = rng.choice([i for i in choice if scores[i] > 0])
        scores[i], rest = 0, rest + items[i][1]
    gap = rest - sum(scores[i] for i in open_)
    while gap:  # a point at a time to (from) an open item, the more room the likelier
        step = 1 if gap > 0 else -1
        rooms = [items[i][1] - scores[i] if step > 0 else scores[i] for i in open_]
        i = rng.choices(open_, weights=rooms)[0]
        scores[i], gap = scores[i] + step, gap - step
    return scores
