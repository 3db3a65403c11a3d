"""Demo attendance: deterministic, only for sessions before the demo's today, every status."""

import random
from datetime import date, time

from tests.training.factories_checkin import TrainingSessionFactory, enrolled_class
from yanxun.training.demo_checkin import build_checkin_demo
from yanxun.training.enums import AttendanceMethod, AttendanceStatus
from yanxun.training.models import Attendance

TODAY = date(2026, 6, 30)


def _snapshot():
    return list(Attendance.objects.order_by("session_id", "teacher_id").values_list(
        "session_id", "teacher_id", "status", "method", "checked_in_at", "online_minutes"))


def test_demo_attendance(world):
    klass, _, teachers = enrolled_class(200, date=date(2026, 7, 2), starts_at=time(9),
                                        ends_at=time(11))
    hall = TrainingSessionFactory(training_class=klass, date=date(2026, 5, 6),
                                  starts_at=time(9), ends_at=time(11, 30))
    online = TrainingSessionFactory(training_class=klass, date=date(2026, 5, 13),
                                    starts_at=time(14), ends_at=time(16),
                                    online_url="https://meeting.example.cn/123")
    district = world.school_a.district
    count = build_checkin_demo(district, random.Random(2026), today=TODAY)
    first = _snapshot()
    assert count == len(first)
    assert {row[0] for row in first} == {hall.pk, online.pk}
    in_hall = {s for (sid, _, s, *_) in first if sid == hall.pk}
    assert in_hall == {AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEAVE}
    hall_rows = [r for r in first if r[0] == hall.pk]
    assert 150 <= len(hall_rows) < 200  # some absent (derived: no record)
    assert {r[3] for r in first if r[0] == online.pk} == {AttendanceMethod.ONLINE}
    assert all(r[5] is not None for r in first if r[0] == online.pk)
    Attendance.objects.all().delete()
    build_checkin_demo(district, random.Random(2026), today=TODAY)
    assert _snapshot() == first
