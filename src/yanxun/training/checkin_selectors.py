"""Reads of attendance: a session's live counts, its roster with the derived status of each
enrolled teacher, and the derived absentees. "Absent" without a record is never stored: an
enrolled (已录取) teacher with no record once the session has ended is absent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from yanxun.org.models import Teacher
from yanxun.training.checkin import ATTENDED, window_of
from yanxun.training.enums import AttendanceStatus, EnrolmentStatus
from yanxun.training.models import Attendance, TrainingSession

NOT_YET = "not_yet"
DERIVED_ABSENT = "derived_absent"
ROSTER_STATUS_LABELS = {
    **{value: str(label) for value, label in AttendanceStatus.choices},
    NOT_YET: "未签到",
    DERIVED_ABSENT: "缺勤（未签到）",
}


def enrolled_teachers(session: TrainingSession) -> QuerySet:
    return Teacher.objects.filter(enrolments__training_class_id=session.training_class_id,
                                  enrolments__status=EnrolmentStatus.ENROLLED)


def has_ended(session: TrainingSession, now: datetime) -> bool:
    return now >= window_of(session).ends


def session_counts(session: TrainingSession) -> dict[str, int]:
    """签到 n / 应到 m, late, leave, marked absent, checked out, and not yet (no record)."""
    expected = enrolled_teachers(session).count()
    per_status = dict(Attendance.objects
                      .filter(session=session, teacher__in=enrolled_teachers(session))
                      .values_list("status").annotate(n=Count("pk")).order_by())
    recorded = sum(per_status.values())
    checked_out = Attendance.objects.filter(session=session, checked_out_at__isnull=False).count()
    return {
        "expected": expected,
        "attended": sum(per_status.get(s, 0) for s in ATTENDED),
        "present": per_status.get(AttendanceStatus.PRESENT, 0),
        "late": per_status.get(AttendanceStatus.LATE, 0),
        "leave": per_status.get(AttendanceStatus.LEAVE, 0),
        "absent": per_status.get(AttendanceStatus.ABSENT, 0),
        "not_yet": expected - recorded,
        "checked_out": checked_out,
    }


def absent_teacher_ids(session: TrainingSession, now: datetime) -> list[int]:
    """The derived absentees: enrolled, no record, the session over (none before its end)."""
    if not has_ended(session, now):
        return []
    recorded = Attendance.objects.filter(session=session).values("teacher_id")
    return list(enrolled_teachers(session).exclude(pk__in=recorded)
                .order_by("pk").values_list("pk", flat=True))


def recent_check_ins(session: TrainingSession, limit: int = 12) -> list[Attendance]:
    return list(Attendance.objects.filter(session=session, checked_in_at__isnull=False)
                .select_related("teacher__school").order_by("-checked_in_at", "-pk")[:limit])


@dataclass
class RosterLine:
    teacher: Teacher
    attendance: Attendance | None
    status: str  # an AttendanceStatus, NOT_YET or DERIVED_ABSENT
    enrolled: bool = True

    @property
    def status_label(self) -> str:
        return ROSTER_STATUS_LABELS[self.status]


def roster(session: TrainingSession, *, now: datetime, search: str = "",
           status: str = "") -> list[RosterLine]:
    """Every enrolled teacher of the session's class with their record or derived status,
    plus teachers who have a record but are no longer enrolled; by school and 工号."""
    records = {a.teacher_id: a for a in Attendance.objects.filter(session=session)}
    teachers = (Teacher.objects.filter(Q(pk__in=enrolled_teachers(session).values("pk"))
                                       | Q(pk__in=list(records)))
                .select_related("school").order_by("school__code", "employee_no", "pk"))
    if search:
        teachers = teachers.filter(Q(name__icontains=search) | Q(employee_no__icontains=search))
    enrolled = set(enrolled_teachers(session).values_list("pk", flat=True))
    ended = has_ended(session, now)
    lines = []
    for teacher in teachers:
        record = records.get(teacher.pk)
        derived = record.status if record else (DERIVED_ABSENT if ended else NOT_YET)
        lines.append(RosterLine(teacher, record, derived, teacher.pk in enrolled))
    if status:
        wanted = {status, DERIVED_ABSENT} if status == AttendanceStatus.ABSENT else {status}
        lines = [line for line in lines if line.status in wanted]
    return lines
