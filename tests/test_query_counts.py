"""Query-count guards: list pages and list APIs run the same number of queries for 1 row as
for 50 (no query per row). Each row has subjects, honours and a role, so a missing
select_related/prefetch_related shows up as a difference."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import SchoolFactory, SubjectFactory, TeacherFactory, UserFactory, grant
from yanxun.accounts.models import LoginLog
from yanxun.core.audit import audit_record
from yanxun.core.cache import clear_all
from yanxun.core.enums import Role
from yanxun.org.enums import HonourLevel, HonourTier, StaffKind
from yanxun.org.models import EducationGroup, StaffMember, TeacherHonour


def _teachers(world, start: int, n: int) -> None:
    subject = SubjectFactory(name="数学")
    for i in range(start, start + n):
        teacher = TeacherFactory(school=world.school_a, employee_no=f"Q{i:03d}")
        teacher.subjects.set([subject])
        TeacherHonour.objects.create(teacher=teacher, tier=HonourTier.NEW_STAR,
                                     level=HonourLevel.DISTRICT, awarded_on=date(2024, 9, 1))


def _schools(world, start: int, n: int) -> None:
    group, _ = EducationGroup.objects.get_or_create(name="城东教育集团")
    for _ in range(n):
        SchoolFactory().education_groups.add(group)


def _users(world, start: int, n: int) -> None:
    for i in range(start, start + n):
        grant(UserFactory(username=f"q{i:03d}"), Role.SCHOOL_ADMIN, school=world.school_a)


def _staff(world, start: int, n: int) -> None:
    subject = SubjectFactory(name="物理")
    for i in range(start, start + n):
        staff = StaffMember.objects.create(user=UserFactory(username=f"s{i:03d}"),
                                           kind=StaffKind.FULL_TIME, stages=["junior"])
        staff.subjects.set([subject])


def _audits(world, start: int, n: int) -> None:
    for i in range(start, start + n):
        audit_record(actor=world.users[Role.LEADER], action="teacher.update",
                     obj=world.teacher_a, before={"entry_year": 2000 + i},
                     after={"entry_year": 2001 + i})


def _logins(world, start: int, n: int) -> None:
    for i in range(start, start + n):
        LoginLog.objects.create(login=f"u{i}", user=world.users[Role.JUDGE], success=i % 2 == 0,
                                ip="10.0.0.1")


def _count(client, url: str) -> int:
    clear_all()  # filter options are cached for a minute; count them in every request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


LISTS = [
    ("teacher list page", _teachers, "page", "org:teacher_list"),
    ("teacher list API", _teachers, "api", "/api/org/teachers?limit=100"),
    ("school list page", _schools, "page", "org:school_list"),
    ("school list API", _schools, "api", "/api/org/schools?limit=100"),
    ("user list page", _users, "page", "accounts:user_list"),
    ("staff list page", _staff, "page", "org:staff_list"),
    ("staff list API", _staff, "api", "/api/org/staff?limit=100"),
    ("education groups page", _schools, "page", "org:group_list"),
    ("audit log page", _audits, "page", "core:audit_log"),
    ("login log page", _logins, "page", "accounts:login_log"),
]


def _url(kind: str, target: str) -> str:
    return reverse(target) + "?per_page=100" if kind == "page" else target


@pytest.mark.parametrize(("make", "kind", "target"),
                         [pytest.param(m, k, t, id=label) for label, m, k, t in LISTS])
def test_query_count_does_not_grow_with_rows(world, make, kind, target):
    client = world.client_for(Role.ADMIN)
    url = _url(kind, target)
    make(world, 0, 1)
    with_one = _count(client, url)
    make(world, 1, 49)
    with_fifty = _count(client, url)
    assert with_fifty == with_one
