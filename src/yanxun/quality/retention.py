"""The retention rule for students' exam data (个人信息保护法: keep what the work needs).

An exam held more than `District.student_data_years` years ago (default 3, settable 1–30 by
the 系统管理员) loses its student-level rows: ExamStudent (names, 学籍号, 考号), Score,
ItemScores, the per-school student results (StudentResults) and any per-student ExamTable
rows (students.STUDENT_TABLES). The aggregate results stay — UnitResult and the other
ExamTable rows — so every report keeps working; the exam is marked `purged_at` and can no
longer be re-imported, re-analysed or listed by student.

`purge_expired` runs daily (`yanxun quality purge`, from cron or a systemd timer: see
docs/deploy.md); every purge and every change of the setting is audited.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.permissions import has_perm
from yanxun.org.models import District
from yanxun.quality import rules
from yanxun.quality.enums import ExamStatus
from yanxun.quality.models import Exam, ExamStudent, ExamTable, ItemScores, Score, StudentResults
from yanxun.quality.students import STUDENT_TABLES

YEARS_MIN, YEARS_MAX = 1, 30
DEFAULT_YEARS = District._meta.get_field("student_data_years").default


def current_district() -> District | None:
    """The installation's district (the first one, as the importers take it)."""
    return District.objects.order_by("pk").first()


def retention_years() -> int:
    district = current_district()
    return district.student_data_years if district is not None else DEFAULT_YEARS


def today() -> date:
    return timezone.localdate()


def cutoff(on: date, years: int) -> date:
    """The same day `years` years before `on` (28 February for a 29 February): an exam held
    before it was held more than `years` years ago."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def expired_exams(on: date):
    """Exams held more than the retention period before `on` whose students are still kept."""
    return Exam.objects.filter(purged_at__isnull=True,
                               held_on__lt=cutoff(on, retention_years())).order_by("held_on", "pk")


def purged_message(exam: Exam) -> str:
    when = timezone.localtime(exam.purged_at).date() if exam.purged_at else today()
    return (f"学生明细已按保留期限于 {when:%Y-%m-%d} 删除：不能再导入成绩、重新分析或查看学生成绩，"
            "统计报告仍可查看。")


def require_student_data(exam: Exam) -> None:
    """Refuse work that needs the exam's students once the retention rule removed them."""
    if exam.purged_at is not None:
        raise ValidationError(purged_message(exam))


# --- the setting -------------------------------------------------------------------------


def retention_set(*, actor, district: District | None, years: int) -> District:
    if actor is not None and not has_perm(actor, rules.MANAGE_RETENTION):
        raise PermissionDenied("只有系统管理员可以设置学生数据保留期限。")
    if district is None:
        raise ValidationError("尚未建立区县，无法设置学生数据保留期限。")
    if not isinstance(years, int) or not YEARS_MIN <= years <= YEARS_MAX:
        raise ValidationError(f"保留年限应为 {YEARS_MIN} 到 {YEARS_MAX} 之间的整数（年）。")
    with transaction.atomic():
        locked = District.objects.select_for_update().get(pk=district.pk)
        before = locked.student_data_years
        locked.student_data_years = years
        locked.save(update_fields=["student_data_years"])
        audit_record(actor=actor, action="quality.retention_set", obj=locked,
                     before={"student_data_years": before}, after={"student_data_years": years})
    district.student_data_years = years
    return district


# --- purging -----------------------------------------------------------------------------


@dataclass
class PurgeCounts:
    students: int = 0
    scores: int = 0
    item_scores: int = 0
    tables: int = 0  # StudentResults (one per school) and per-student ExamTable rows

    def describe(self) -> str:
        return (f"考生 {self.students} 人，成绩 {self.scores} 条，小题得分 {self.item_scores} 条，"
                f"学生成绩明细表 {self.tables} 张")


def _by_students(model) -> str:
    q = connection.ops.quote_name
    return (f"FROM {q(model._meta.db_table)} WHERE {q('student_id')} IN (SELECT {q('id')} "
            f"FROM {q(ExamStudent._meta.db_table)} WHERE {q('exam_id')} = %s)")


def purge_counts(exam: Exam) -> PurgeCounts:
    """What exam_purge would delete (for a dry run)."""
    with connection.cursor() as cursor:
        counts = []
        for model in (Score, ItemScores):
            cursor.execute(f"SELECT COUNT(*) {_by_students(model)}", [exam.pk])
            counts.append(cursor.fetchone()[0])
    tables = (StudentResults.objects.filter(exam=exam).count()
              + ExamTable.objects.filter(exam=exam, name__in=STUDENT_TABLES).count())
    return PurgeCounts(ExamStudent.objects.filter(exam=exam).count(), *counts, tables)


def exam_purge(*, actor, exam: Exam, reason: str = "") -> PurgeCounts:
    """Delete the exam's students, scores, item scores and per-student tables, keep its
    aggregate results, mark it purged; in one transaction, audited. Statements by SQL, not
    the ORM's cascade, which would load a city exam's students into memory (ADR 0009)."""
    if actor is not None and not has_perm(actor, rules.MANAGE_RETENTION):
        raise PermissionDenied("无权删除考试学生明细。")
    from yanxun.quality.services import staged_discard

    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        require_student_data(locked)
        if locked.status == ExamStatus.ANALYSING:
            raise ValidationError(f"考试「{locked.name}」正在分析，稍后再删除学生明细。")
        counts = PurgeCounts()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE {_by_students(ItemScores)}", [exam.pk])
            counts.item_scores = cursor.rowcount
            cursor.execute(f"DELETE {_by_students(Score)}", [exam.pk])
            counts.scores = cursor.rowcount
            q = connection.ops.quote_name
            cursor.execute(f"DELETE FROM {q(ExamStudent._meta.db_table)} WHERE {q('exam_id')} = %s",
                           [exam.pk])
            counts.students = cursor.rowcount
        results, _ = StudentResults.objects.filter(exam=locked).delete()
        tables, _ = ExamTable.objects.filter(exam=locked, name__in=STUDENT_TABLES).delete()
        counts.tables = results + tables
        locked.purged_at = timezone.now()
        locked.save(update_fields=["purged_at"])
        audit_record(actor=actor, action="quality.exam_purge", obj=locked,
                     after={"held_on": locked.held_on.isoformat(), **asdict(counts)},
                     reason=reason or "学生数据保留期限到期")
        transaction.on_commit(lambda: staged_discard(locked))
    exam.purged_at = locked.purged_at
    return counts


def purge_expired(*, on: date, dry_run: bool = False, actor=None) -> list[tuple[Exam, PurgeCounts]]:
    """Purge every exam held more than the retention period before `on` (dry run: count what
    would go, change nothing). An exam being analysed is left for the next run."""
    done = []
    for exam in expired_exams(on):
        if dry_run:
            done.append((exam, purge_counts(exam)))
            continue
        try:
            done.append((exam, exam_purge(actor=actor, exam=exam,
                                          reason=f"学生数据保留期限 {retention_years()} 年到期")))
        except ValidationError:
            continue
    return done
