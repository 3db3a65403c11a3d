"""Test data for check-in: programs, classes, sessions and enrolments (factory_boy), and
`enrolled_class`, which builds a class of N enrolled teachers with bulk inserts (no password
hashing) for tests and for benchmarks/checkin_burst.py.

Sessions are placed around a given moment: `session_times(now)` puts the start ten minutes
ahead (check-in open, on time) without crossing midnight, so that page tests can use the real
clock."""

from __future__ import annotations

import zlib
from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from tests.factories import SchoolFactory, UserFactory
from tests.training import factories as base
from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.enums import Role
from yanxun.core.validators import id_number_check_digit
from yanxun.org.enums import Gender, Stage
from yanxun.org.models import School, Teacher
from yanxun.training.enums import EnrolmentStatus
from yanxun.training.models import Enrolment, TrainingClass, TrainingSession


class ProgramFactory(base.ProgramFactory):
    name = factory.Sequence(lambda n: f"签到测试项目{n + 1}")
    enrol_opens = enrol_closes = None
    created_by = factory.SubFactory(UserFactory)


class TrainingClassFactory(base.TrainingClassFactory):
    program = factory.SubFactory(ProgramFactory)
    capacity = 5000


class TrainingSessionFactory(base.TrainingSessionFactory):
    training_class = factory.SubFactory(TrainingClassFactory)
    date = date(2026, 3, 5)
    starts_at = time(9, 0)


class EnrolmentFactory(base.EnrolmentFactory):
    training_class = factory.SubFactory(TrainingClassFactory)


def enrol(teacher: Teacher, klass: TrainingClass,
          status: str = EnrolmentStatus.ENROLLED) -> Enrolment:
    position = 1 if status == EnrolmentStatus.WAITING else None
    return EnrolmentFactory(teacher=teacher, training_class=klass, status=status,
                            waitlist_position=position)


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def session_times(now: datetime, *, lead_minutes: int = 10,
                  length_minutes: int = 150) -> dict:
    """date / starts_at / ends_at of a session starting `lead_minutes` after `now` (local),
    moved earlier when that would cross midnight (the model keeps a session in one day)."""
    now = timezone.localtime(now).replace(microsecond=0)
    start = now + timedelta(minutes=lead_minutes)
    latest = datetime.combine(now.date(), time(23, 59, 59), tzinfo=now.tzinfo)
    if start.date() != now.date() or start + timedelta(minutes=5) > latest:
        start = now - timedelta(minutes=2)
    end = min(start + timedelta(minutes=length_minutes), latest)
    return {"date": start.date(), "starts_at": start.time(), "ends_at": end.time()}


def session_now(klass: TrainingClass | None = None, **kwargs) -> TrainingSession:
    """A session of `klass` whose check-in is open now, on time."""
    fields = {**session_times(timezone.now()), **kwargs}
    if klass is not None:
        fields["training_class"] = klass
    return TrainingSessionFactory(**fields)


# --- many teachers, fast ---------------------------------------------------------------------


def _id_number(n: int) -> str:
    birth = date(1975, 1, 1) + timedelta(days=n // 900)
    first17 = f"320102{birth:%Y%m%d}{n % 900 + 100:03d}"
    return first17 + id_number_check_digit(first17)


def bulk_teachers(count: int, *, school: School | None = None, prefix: str = "CK",
                  start: int = 1) -> list[Teacher]:
    """`count` teachers with their accounts (no usable password: nothing is hashed) and the
    teacher role; 工号 and login names are <prefix>00001 …"""
    school = school or SchoolFactory()
    numbers = [f"{prefix}{n:05d}" for n in range(start, start + count)]
    User.objects.bulk_create([User(username=number, name=f"学员{number[-5:]}",
                                   password="!bulk", must_change_password=False)
                              for number in numbers], batch_size=1000)
    users = {u.username: u for u in User.objects.filter(username__in=numbers)}
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.TEACHER)
                                        for u in users.values()], batch_size=1000)
    Teacher.objects.bulk_create([
        Teacher(user=users[number], school=school, employee_no=number,
                name=users[number].name, gender=Gender.FEMALE,
                id_number=_id_number(start + i + zlib.crc32(prefix.encode()) % 100 * 10000),
                phone=f"137{start + i:08d}", stage=Stage.JUNIOR, entry_year=2012)
        for i, number in enumerate(numbers)], batch_size=1000)
    return list(Teacher.objects.filter(employee_no__in=numbers).order_by("employee_no"))


def enrolled_class(count: int, *, klass: TrainingClass | None = None, prefix: str = "CK",
                   **session_fields) -> tuple[TrainingClass, TrainingSession, list[Teacher]]:
    """A class of `count` newly created teachers, all enrolled (已录取), and one session
    (by default open for check-in now)."""
    klass = klass or TrainingClassFactory()
    teachers = bulk_teachers(count, prefix=prefix)
    Enrolment.objects.bulk_create([
        Enrolment(program_id=klass.program_id, training_class=klass, teacher=t,
                  status=EnrolmentStatus.ENROLLED) for t in teachers], batch_size=1000)
    session = session_now(klass, **session_fields)
    return klass, session, teachers
