"""Per-teacher figures of an analysed exam, through its class–subject–teacher table (任课表):
for each school, teacher and subject, the figures of all the students of the classes the
teacher taught that subject there (quality.followup.teacher_stats), with 超均率, 比均率 and
T-score against the district.

They are derived records, like UnitResult: one ExamTable row named "teachers" per school,
written when the exam is analysed and rebuilt for a school whenever its 任课表 changes after
the analysis — in the same transaction when the school is small, else in the background
(core.tasks). Each row remembers a fingerprint of the 任课表 it was computed from, so "being
refreshed" is read from the data (stored fingerprint ≠ current one), never kept by hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import polars as pl
from django.conf import settings
from django.db import transaction

from yanxun.core.tasks import run_in_background
from yanxun.quality import engine, followup, tables
from yanxun.quality.enums import ExamStatus, ResultLevel
from yanxun.quality.models import ClassTeacher, Exam, ExamStudent, ExamTable, UnitResult

TABLE = "teachers"
REFRESH_PATH = "yanxun.quality.teacher_results.teacher_results_refresh"
def fingerprint(links: Iterable[tuple]) -> str:
    """A school's 任课表 as a short hash of its sorted (class, subject id, teacher id) rows."""
    text = json.dumps(sorted(links), ensure_ascii=False)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _links(exam: Exam, school_ids: Iterable[int] | None) -> dict[int, list[tuple]]:
    """Per school: (class, subject id, subject name, teacher id) of its 任课表."""
    rows = ClassTeacher.objects.filter(exam=exam)
    if school_ids is not None:
        rows = rows.filter(school_id__in=list(school_ids))
    out: dict[int, list[tuple]] = {}
    for school, class_name, subject_id, subject, teacher in rows.order_by(
            "school_id", "class_name", "subject_id", "teacher_id").values_list(
            "school_id", "class_name", "subject_id", "subject__name", "teacher_id"):
        out.setdefault(school, []).append((class_name, subject_id, subject, teacher))
    return out


def _source(links: list[tuple]) -> str:
    return fingerprint((c, s, t) for c, s, _, t in links)


def _district(exam: Exam) -> dict[str, dict]:
    return {r.subject: r.figures for r in
            UnitResult.objects.filter(exam=exam, level=ResultLevel.DISTRICT)}


def against_district(mean: float | None, district: dict | None) -> dict:
    """超均率, 比均率 and T-score of a mean against the district, as the engine defines them
    for schools (null where the reference is missing or 0)."""
    d_mean = (district or {}).get("mean")
    d_std = (district or {}).get("std")
    if mean is None or d_mean is None:
        return {"above_mean_rate": None, "mean_ratio": None, "t_score": None}
    return {
        "above_mean_rate": (mean - d_mean) / d_mean if d_mean != 0 else None,
        "mean_ratio": mean / d_mean if d_mean != 0 else None,
        "t_score": 50 + 10 * (mean - d_mean) / d_std if d_std else None,
    }


def teacher_rows(analysis: engine.Analysis, links: dict[int, list[tuple]],
                 district: dict[str, dict]) -> dict[int, list[dict]]:
    """Per school, one record per teacher and subject: teacher (id), subject, classes, the
    unit figures (tables.STATS) and the three figures against the district."""
    flat = [(school, *link) for school, rows in links.items() for link in rows]
    if not flat:
        return {}
    assignments = pl.DataFrame({
        "学校": [str(s) for s, *_ in flat], "班级": [c for _, c, *_ in flat],
        "科目": [name for *_, name, _ in flat], "教师": [f"{s}:{t}" for s, *_, t in flat],
    }, schema={"学校": pl.String, "班级": pl.String, "科目": pl.String, "教师": pl.String})
    stats = followup.teacher_stats(analysis, assignments)
    names = analysis.spec.names
    out: dict[int, list[dict]] = {}
    for row in stats.iter_rows(named=True):
        school, teacher = (int(part) for part in row["教师"].split(":"))
        subject = names[row["subject"]]
        figures = {key: row[key] for key in tables.STATS}
        figures |= against_district(figures["mean"], district.get(subject))
        out.setdefault(school, []).append(
            {"teacher": teacher, "subject": subject, "classes": row["classes"], **figures})
    return out


def _tables(exam: Exam, analysis: engine.Analysis, links: dict[int, list[tuple]]
            ) -> list[ExamTable]:
    rows = teacher_rows(analysis, links, _district(exam))
    return [ExamTable(exam=exam, name=TABLE, school_id=school,
                      rows=[{"source": _source(links[school]), "teachers": rows.get(school, [])}])
            for school in links]


def teacher_results_store(exam: Exam, analysis: engine.Analysis) -> None:
    """At the end of an analysis (after its UnitResults are stored): every school's
    per-teacher figures, replacing whatever was stored."""
    made = _tables(exam, analysis, _links(exam, None))
    with transaction.atomic():
        ExamTable.objects.filter(exam=exam, name=TABLE).delete()
        ExamTable.objects.bulk_create(made)


def teacher_results_refresh(*, exam_id: int, school_ids: list[int]) -> None:
    """Rebuild the figures of `school_ids` from their current 任课表 (reading only their
    students' scores). Written only if the 任课表 is still the one the figures were computed
    from: otherwise a newer change has queued (or done) its own refresh."""
    exam = Exam.objects.get(pk=exam_id)
    if exam.status != ExamStatus.ANALYSED or exam.purged_at is not None:
        return
    links, made = teacher_results_compute(exam, school_ids)
    teacher_results_save(exam, school_ids, links, made)


def teacher_results_compute(exam: Exam, school_ids: list[int]) -> tuple[dict, list[ExamTable]]:
    """The 任课表 of `school_ids` as read now, and the figures computed from it (unsaved)."""
    from yanxun.quality import services

    links = _links(exam, school_ids)
    if not links:
        return links, []
    frame = services.scores_frame(exam, school_ids=list(links))
    return links, _tables(exam, engine.analyze(frame, services.exam_spec(exam)), links)


def teacher_results_save(exam: Exam, school_ids: list[int], links: dict,
                         made: list[ExamTable]) -> bool:
    """Store `made` if the 任课表 is still `links` (checked under the exam's row lock, where
    every writer queues); False, and nothing written, when it changed meanwhile."""
    with transaction.atomic():
        Exam.objects.select_for_update().filter(pk=exam.pk).first()
        if _links(exam, school_ids) != links:
            return False
        ExamTable.objects.filter(exam=exam, name=TABLE, school_id__in=school_ids).delete()
        ExamTable.objects.bulk_create(made)
    return True


def teacher_results_changed(*, exam: Exam, school_ids: set[int]) -> bool:
    """Called inside the transaction that changed the 任课表 of `school_ids`: rebuild their
    figures now when they are small, else after the commit in the background. True when
    queued (the page then tells the user the figures are being refreshed)."""
    if exam.status != ExamStatus.ANALYSED or exam.purged_at is not None or not school_ids:
        return False
    ids = sorted(school_ids)
    students = ExamStudent.objects.filter(exam=exam, school_id__in=ids).count()
    # Small schools are rebuilt at once (a school of 2,000 students takes a few hundredths
    # of a second), larger ones in the background.
    if students <= settings.QUALITY_INLINE_REFRESH_STUDENTS:
        teacher_results_refresh(exam_id=exam.pk, school_ids=ids)
        return False
    run_in_background(REFRESH_PATH, exam_id=exam.pk, school_ids=ids)
    return True


def stale_schools(exam: Exam, school_ids: Iterable[int]) -> set[int]:
    """The schools whose stored figures were computed from another 任课表 than the current
    one (a refresh is under way). Only an analysed exam has figures to be stale."""
    ids = list(school_ids)
    if exam.status != ExamStatus.ANALYSED or not ids:
        return set()
    current = {school: _source(rows) for school, rows in _links(exam, ids).items()}
    stored = {t.school_id: (t.rows[0] or {}).get("source") for t in
              ExamTable.objects.filter(exam=exam, name=TABLE, school_id__in=ids)}
    empty = fingerprint([])
    return {s for s in ids if current.get(s, empty) != stored.get(s, empty)}


def stored_rows(exam: Exam, school_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The stored per-teacher records of these schools."""
    return {t.school_id: (t.rows[0] or {}).get("teachers", []) for t in
            ExamTable.objects.filter(exam=exam, name=TABLE, school_id__in=list(school_ids))
            if t.school_id is not None}
