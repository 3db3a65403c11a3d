"""Demo attendance: every session of the demo's programs that took place before the demo's
"today" gets the records a real hall would leave — most teachers on time by QR code, some late,
a few by 签到码, some on leave marked by staff, the rest with no record (absent, derived) —
and online sessions their meeting minutes. Deterministic from the random generator given.

    from yanxun.training.demo_checkin import build_checkin_demo
    build_checkin_demo(district, rng)        # after programs, classes, sessions, enrolments

Fast: one read of the sessions and enrolments, bulk inserts of 2,000 rows.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from yanxun.accounts.models import User
from yanxun.core.enums import Role
from yanxun.org.demo import REFERENCE_DATE
from yanxun.org.models import District
from yanxun.training.attendance import online_status, session_minutes
from yanxun.training.enums import AttendanceMethod, AttendanceStatus, EnrolmentStatus
from yanxun.training.models import Attendance, Enrolment, TrainingSession

BATCH = 2000
# Shares of enrolled teachers per outcome at an in-person session (the rest: absent).
PRESENT, LATE, LEAVE = 0.86, 0.06, 0.03
CODE_SHARE = 0.05  # of those who checked in, by the typed code
GEOFENCE_EVERY = 4  # every fourth in-person session takes check-in with a geofence


def build_checkin_demo(district: District, rng: random.Random, *,
                       today: date = REFERENCE_DATE) -> int:
    """Attendance of the sessions held before `today`; returns the number of records.
    `district` is the demo district (a deployment serves one; its sessions are all of them)."""
    sessions = list(TrainingSession.objects.filter(date__lt=today)
                    .select_related("training_class__program").order_by("date", "starts_at", "pk"))
    members = _members([s.training_class_id for s in sessions])
    staff = _staff_user(district)
    records: list[Attendance] = []
    for index, session in enumerate(sessions):
        if not session.online_url and index % GEOFENCE_EVERY == 0:
            _geofence(session, rng)
        for teacher_id in members.get(session.training_class_id, []):
            record = _record(session, teacher_id, rng, staff)
            if record is not None:
                records.append(record)
    TrainingSession.objects.bulk_update(sessions, ["geofence_lat", "geofence_lng",
                                                   "geofence_radius"], batch_size=BATCH)
    Attendance.objects.bulk_create(records, batch_size=BATCH, ignore_conflicts=True)
    return len(records)


def _members(class_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for class_id, teacher_id in (Enrolment.objects
                                 .filter(training_class_id__in=set(class_ids),
                                         status=EnrolmentStatus.ENROLLED)
                                 .order_by("training_class_id", "teacher_id")
                                 .values_list("training_class_id", "teacher_id")):
        out.setdefault(class_id, []).append(teacher_id)
    return out


def _staff_user(district: District) -> User | None:
    return (User.objects.filter(role_assignments__role=Role.TRAINER).order_by("pk").first()
            or User.objects.filter(role_assignments__role=Role.ADMIN).order_by("pk").first())


def _geofence(session: TrainingSession, rng: random.Random) -> None:
    """A centre near 金坛 (GCJ-02, as a Chinese map gives it), 300 m around."""
    session.geofence_lat = Decimal(f"{31.7378 + rng.uniform(-0.02, 0.02):.6f}")
    session.geofence_lng = Decimal(f"{119.5716 + rng.uniform(-0.02, 0.02):.6f}")
    session.geofence_radius = 300


def _start(session: TrainingSession) -> datetime:
    return datetime.combine(session.date, session.starts_at,
                            tzinfo=timezone.get_current_timezone())


def _record(session: TrainingSession, teacher_id: int, rng: random.Random,
            staff) -> Attendance | None:
    if session.online_url:
        return _online(session, teacher_id, rng, staff)
    draw = rng.random()
    start = _start(session)
    if draw < PRESENT + LATE:
        late = draw >= PRESENT
        offset = rng.uniform(5.1, 29) if late else rng.uniform(-28, 4.9)
        method = AttendanceMethod.CODE if rng.random() < CODE_SHARE else AttendanceMethod.QR
        return Attendance(session=session, teacher_id=teacher_id, method=method,
                          status=AttendanceStatus.LATE if late else AttendanceStatus.PRESENT,
                          checked_in_at=start + timedelta(minutes=offset))
    if draw < PRESENT + LATE + LEAVE:
        return Attendance(session=session, teacher_id=teacher_id, method=AttendanceMethod.MANUAL,
                          status=AttendanceStatus.LEAVE, recorded_by=staff,
                          note=rng.choice(["病假", "事假", "公出", "学校工作安排"]))
    return None  # absent: derived, not stored


def _online(session: TrainingSession, teacher_id: int, rng: random.Random,
            staff) -> Attendance | None:
    if rng.random() < 0.07:
        return None
    length = session_minutes(session)
    minutes = length - int(rng.expovariate(1 / 6)) if rng.random() < 0.9 else rng.randint(
        0, length)
    minutes = max(0, min(length, minutes))
    return Attendance(session=session, teacher_id=teacher_id, method=AttendanceMethod.ONLINE,
                      status=online_status(session, minutes), online_minutes=minutes,
                      recorded_by=staff, note="线上会议导入")
