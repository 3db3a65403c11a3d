"""Staff's writes of attendance: marks by hand, a session's check-in options, and the
online-meeting import. Every change is audited with the values before and after.

`attendance_set` is the one function that changes an attendance record on staff's behalf (the
Excel import writes in bulk through the same rules, see importers_checkin.py); a teacher's own
scans go through checkin.check_in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from yanxun.core.audit import audit_record, changed_fields, snapshot
from yanxun.core.permissions import has_perm
from yanxun.org.models import Teacher
from yanxun.training import rules
from yanxun.training.enums import AttendanceMethod, AttendanceStatus, EnrolmentStatus
from yanxun.training.models import Attendance, Enrolment, TrainingSession

AUDIT_FIELDS = ["status", "method", "checked_in_at", "checked_out_at", "online_minutes", "note"]
GEOFENCE_RADIUS = (50, 5000)  # metres


def require_run_check_in(actor) -> None:
    if not has_perm(actor, rules.RUN_CHECK_IN):
        raise PermissionDenied("无权组织签到与考勤。")


def is_enrolled(session: TrainingSession, teacher_id: int) -> bool:
    return Enrolment.objects.filter(training_class_id=session.training_class_id,
                                    teacher_id=teacher_id,
                                    status=EnrolmentStatus.ENROLLED).exists()


def attendance_set(*, actor, session: TrainingSession, teacher: Teacher, status: str,
                   note: str = "", method: str = AttendanceMethod.MANUAL,
                   online_minutes: int | None = None) -> Attendance:
    """Staff record a teacher's attendance of a session (出勤/迟到/请假/缺勤), creating or
    changing the one record; audited. A teacher who is not an enrolled member of the class
    can only be changed if they already have a record."""
    require_run_check_in(actor)
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": "请选择考勤状态。"})
    if len(note) > 200:
        raise ValidationError({"note": "说明不能超过 200 个字。"})
    with transaction.atomic():
        existing = (Attendance.objects.select_for_update()
                    .filter(session=session, teacher=teacher).first())
        if existing is None and not is_enrolled(session, teacher.pk):
            raise ValidationError(f"「{teacher.name}」不是该班次的已录取学员，不能登记考勤。")
        return _write(actor, session, teacher, existing, status=status, note=note,
                      method=method, online_minutes=online_minutes)


def _write(actor, session, teacher, existing: Attendance | None, **values) -> Attendance:
    attendance = existing or Attendance(session=session, teacher=teacher)
    before = snapshot(attendance, AUDIT_FIELDS) if existing else None
    attendance.status = values["status"]
    attendance.method = values["method"]
    attendance.note = values["note"]
    if values["online_minutes"] is not None:
        attendance.online_minutes = values["online_minutes"]
    after = snapshot(attendance, AUDIT_FIELDS)
    if before is not None:
        before, after = changed_fields(before, after)
        if not after:
            return attendance
    attendance.recorded_by = actor
    attendance.save()
    audit_record(actor=actor, action="training.attendance.set", obj=attendance,
                 object_repr=f"{session} {teacher.name}", before=before, after=after,
                 reason=values["note"])
    return attendance


@dataclass
class CheckInOptions:
    geofence_lat: Decimal | None
    geofence_lng: Decimal | None
    geofence_radius: int | None
    check_out: bool
    min_stay_minutes: int
    code_enabled: bool


OPTION_FIELDS = ["geofence_lat", "geofence_lng", "geofence_radius", "check_out",
                 "min_stay_minutes", "code_enabled"]


def session_options_set(*, actor, session: TrainingSession,
                        options: CheckInOptions) -> TrainingSession:
    """A session's check-in options (geofence, 签退, 签到码); audited."""
    require_run_check_in(actor)
    fence = [options.geofence_lat, options.geofence_lng, options.geofence_radius]
    if any(v is not None for v in fence) and any(v is None for v in fence):
        raise ValidationError("定位签到需同时填写中心纬度、中心经度和半径；不用定位请全部留空。")
    if options.geofence_radius is not None and not (
            GEOFENCE_RADIUS[0] <= options.geofence_radius <= GEOFENCE_RADIUS[1]):
        raise ValidationError({"geofence_radius": f"签到半径应在 {GEOFENCE_RADIUS[0]} 到 "
                                                  f"{GEOFENCE_RADIUS[1]} 米之间。"})
    before = snapshot(session, OPTION_FIELDS)
    for name in OPTION_FIELDS:
        setattr(session, name, getattr(options, name))
    before, after = changed_fields(before, snapshot(session, OPTION_FIELDS))
    if not after:
        return session
    with transaction.atomic():
        session.save(update_fields=OPTION_FIELDS)
        audit_record(actor=actor, action="training.session.checkin_options", obj=session,
                     before=before, after=after)
    return session


# --- online sessions: the meeting platform's export ------------------------------------------


def session_minutes(session: TrainingSession) -> int:
    start = datetime.combine(session.date, session.starts_at)
    end = datetime.combine(session.date, session.ends_at)
    return int((end - start).total_seconds() // 60)


def online_status(session: TrainingSession, minutes: int) -> str:
    """Minutes in the meeting against the session's length, read as if the teacher had joined
    late and stayed to the end: present if they missed at most the program's on-time minutes,
    late if at most its late minutes, otherwise absent."""
    program = session.training_class.program
    length = session_minutes(session)
    if minutes >= length - program.on_time_until:
        return AttendanceStatus.PRESENT
    if minutes > 0 and minutes >= length - program.late_until:
        return AttendanceStatus.LATE
    return AttendanceStatus.ABSENT


@dataclass
class MeetingRow:
    """One participant line of a meeting platform's export."""

    row: int
    name: str
    phone: str
    employee_no: str
    minutes: int


@dataclass
class OnlineImportResult:
    written: list[dict] = field(default_factory=list)  # teachers whose record was written
    kept: list[dict] = field(default_factory=list)  # had a record by another method
    by_name: list[dict] = field(default_factory=list)  # matched by name only: for staff
    unmatched: list[dict] = field(default_factory=list)  # nobody of the class

    def as_dict(self) -> dict:
        return {"written": self.written, "kept": self.kept, "by_name": self.by_name,
                "unmatched": self.unmatched}


def _digits(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-11:] if "*" not in phone and len(digits) >= 11 else ""


class _ClassRoster:
    """The enrolled teachers of a session's class, findable by phone, 工号 and name."""

    def __init__(self, session: TrainingSession):
        teachers = list(Teacher.objects.filter(
            enrolments__training_class_id=session.training_class_id,
            enrolments__status=EnrolmentStatus.ENROLLED).select_related("school"))
        self.by_phone: dict[str, list[Teacher]] = {}
        self.by_number: dict[str, list[Teacher]] = {}
        self.by_name: dict[str, list[Teacher]] = {}
        for teacher in teachers:
            if teacher.phone:
                self.by_phone.setdefault(teacher.phone, []).append(teacher)
            self.by_number.setdefault(teacher.employee_no.upper(), []).append(teacher)
            self.by_name.setdefault(teacher.name, []).append(teacher)

    def match(self, row: MeetingRow) -> Teacher | None:
        """By phone, else by 工号 — only when exactly one teacher of the class has it."""
        for found in (self.by_phone.get(_digits(row.phone)),
                      self.by_number.get(row.employee_no.strip().upper())):
            if found and len(found) == 1:
                return found[0]
        return None


def _line(row: MeetingRow, **extra) -> dict:
    return {"row": row.row, "name": row.name, "minutes": row.minutes, **extra}


def online_attendance_import(*, actor, session: TrainingSession,
                             rows: list[MeetingRow]) -> OnlineImportResult:
    """Write the attendance of the teachers found by phone or 工号 (minutes summed over their
    lines); list lines that match by name only, or nobody, for staff to resolve by hand —
    never guessed. A record made another way (scan, code, by hand) is kept as it is."""
    require_run_check_in(actor)
    roster, result = _ClassRoster(session), OnlineImportResult()
    minutes: dict[int, int] = {}
    teachers: dict[int, Teacher] = {}
    for row in rows:
        teacher = roster.match(row)
        if teacher is not None:
            minutes[teacher.pk] = minutes.get(teacher.pk, 0) + row.minutes
            teachers[teacher.pk] = teacher
            continue
        candidates = roster.by_name.get(row.name.strip(), [])
        target = result.by_name if candidates else result.unmatched
        target.append(_line(row, status=online_status(session, row.minutes), candidates=[
            {"id": t.pk, "label": f"{t.name}（{t.school.name} {t.employee_no}）"}
            for t in candidates]))
    with transaction.atomic():
        existing = {a.teacher_id: a for a in Attendance.objects.select_for_update()
                    .filter(session=session, teacher_id__in=list(teachers))}
        for teacher_id, total in minutes.items():
            teacher, record = teachers[teacher_id], existing.get(teacher_id)
            line = {"name": teacher.name, "minutes": total,
                    "status": online_status(session, total)}
            if record is not None and record.method != AttendanceMethod.ONLINE:
                result.kept.append({**line, "status": record.status,
                                    "status_label": AttendanceStatus(record.status).label,
                                    "method_label": AttendanceMethod(record.method).label})
                continue
            _write(actor, session, teacher, record, status=line["status"],
                   method=AttendanceMethod.ONLINE, note="线上会议导入", online_minutes=total)
            result.written.append(line)
    return result
