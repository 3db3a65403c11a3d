"""The demo district: exact counts, determinism, idempotence, valid 身份证号, working logins."""

import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.core.permissions import scoped
from yanxun.core.validators import id_number_problem
from yanxun.org import demo, rules
from yanxun.org.demo import DEMO_PASSWORD, DemoError, build_demo, demo_status, demo_wipe
from yanxun.org.enums import Gender, StaffKind, TeacherStatus
from yanxun.org.models import (
    District,
    EducationGroup,
    ResearchCommunity,
    School,
    StaffMember,
    Subject,
    SubjectGroup,
    Teacher,
    TeacherHonour,
    TeacherPosting,
)

SMALL = {"seed": 7, "teachers": 300, "schools": 12}


@pytest.fixture
def small(db):
    built, status = build_demo(**SMALL)
    assert built is True
    return status


def roster_digest() -> str:
    """A hash of the generated people and places, independent of database ids."""
    teachers = sorted(Teacher.objects.values_list(
        "employee_no", "name", "gender", "id_number", "phone", "school__name", "stage",
        "professional_title", "entry_year", "status"))
    schools = sorted(School.objects.values_list("code", "name", "school_type", "location",
                                                "is_weak"))
    honours = sorted(TeacherHonour.objects.values_list("teacher__id_number", "tier", "level",
                                                       "awarded_on"))
    staff = sorted(User.objects.filter(staff_member__isnull=False)
                   .values_list("username", "name", "phone"))
    return hashlib.sha256(repr((teachers, schools, honours, staff)).encode()).hexdigest()


def test_small_demo_has_exact_counts(small):
    assert District.objects.count() == 1
    assert School.objects.count() == 12
    assert Counter(School.objects.values_list("school_type", flat=True)) == {
        "kindergarten": 3, "primary": 4, "junior": 2, "senior": 1, "nine_year": 1,
        "vocational": 1}
    assert School.objects.filter(is_weak=True).count() == 2
    assert Teacher.objects.count() == 300
    assert Subject.objects.count() == 23
    assert StaffMember.objects.filter(kind=StaffKind.FULL_TIME).count() == 30
    assert StaffMember.objects.exclude(kind=StaffKind.FULL_TIME).count() == 3
    # 300 teachers + 30 staff + admin, leader, school admin, judge + the review demo's 7
    # outside experts (temporary judge accounts)
    assert User.objects.count() == 341
    roles = Counter(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == {"teacher": 300, "trainer": 30, "admin": 1, "leader": 1,
                     "school_admin": 1, "judge": 30, "studio_host": 1}
    # Every judge role is temporary: the demo judge's (a year), and those of the review demo's
    # panels (7 outside experts and 22 teachers), which end after their rounds.
    assert not RoleAssignment.objects.filter(role="judge", expires_at__isnull=True).exists()
    assert EducationGroup.objects.count() == 1
    assert ResearchCommunity.objects.count() == 1
    assert [a.role for a in small.accounts] == [
        "系统管理员", "中心领导", "研训员", "学校管理员", "教师", "评委/专家", "工作室主持人"]


def test_every_teacher_keeps_teacher_create_invariants(small):
    teachers = list(Teacher.objects.select_related("user", "school"))
    assert all(t.user.username == t.employee_no for t in teachers)
    assert all(t.user.name == t.name and t.user.phone == t.phone for t in teachers)
    assert all(t.school.school_type in STAGE_TYPES[t.stage] for t in teachers)
    open_postings = Counter(TeacherPosting.objects.filter(end_date__isnull=True)
                            .values_list("teacher_id", flat=True))
    for teacher in teachers:
        expected = 1 if teacher.status == TeacherStatus.ACTIVE else 0
        assert open_postings[teacher.pk] == expected, teacher.employee_no
    with_subjects = Teacher.subjects.through.objects.values("teacher_id").distinct().count()
    assert with_subjects == 300
    assert SubjectGroup.objects.filter(school__in=School.objects.all()).count() > 12
    forced = User.objects.filter(teacher__isnull=False, must_change_password=False)
    assert sorted(forced.values_list("username", flat=True)) == sorted(
        [small.accounts[4].login, small.accounts[6].login])


STAGE_TYPES = {
    "kindergarten": {"kindergarten"}, "primary": {"primary", "nine_year"},
    "junior": {"junior", "nine_year", "complete"}, "senior": {"senior", "complete"},
    "vocational": {"vocational"},
}


def test_id_numbers_valid_unique_and_match_gender_and_age(small):
    rows = list(Teacher.objects.values_list("id_number", "gender", "entry_year", "phone"))
    assert len({r[0] for r in rows}) == 300
    assert len({r[3] for r in rows}) == 300
    for id_number, gender, entry_year, phone in rows:
        assert id_number_problem(id_number) is None, id_number
        assert id_number[:6] in ("339901", "339902", "339903")
        assert (int(id_number[16]) % 2 == 1) == (gender == Gender.MALE), id_number
        assert 22 <= entry_year - int(id_number[6:10]) <= 24, id_number
        assert len(phone) == 11 and phone[:2] in ("13", "15", "18"), phone


def test_same_seed_gives_the_same_district_and_another_seed_does_not(db):
    build_demo(**SMALL)
    first = roster_digest()
    assert demo_wipe() is True
    assert Teacher.objects.count() == 0 and User.objects.count() == 0
    build_demo(**SMALL)
    assert roster_digest() == first
    build_demo(**{**SMALL, "seed": 8}, reset=True)
    assert roster_digest() != first


def test_running_again_changes_nothing(small):
    users, teachers = User.objects.count(), Teacher.objects.count()
    built, status = build_demo(**SMALL)
    assert built is False
    assert (status.seed, status.teachers, status.schools) == (7, 300, 12)
    assert status.accounts == small.accounts
    assert (User.objects.count(), Teacher.objects.count()) == (users, teachers)
    assert AuditLog.objects.filter(action="demo.build").count() == 1


def test_other_parameters_are_refused_without_reset_and_rebuilt_with_it(small):
    with pytest.raises(DemoError, match="与本次参数不同"):
        build_demo(seed=7, teachers=320, schools=12)
    assert Teacher.objects.count() == 300
    built, status = build_demo(seed=7, teachers=320, schools=12, reset=True)
    assert built is True
    assert Teacher.objects.count() == 320
    assert User.objects.count() == 361
    assert demo_status().teachers == 320


def test_demo_is_not_loaded_over_real_data(world):
    with pytest.raises(DemoError, match="已有区县或学校数据"):
        build_demo(**SMALL)
    assert Teacher.objects.count() == 2
    assert demo_status() is None


def test_every_demo_login_authenticates_and_lands_on_the_dashboard(small):
    expected_roles = {"系统管理员": ["系统管理员"], "中心领导": ["中心领导"], "研训员": ["研训员"],
                      "学校管理员": ["学校管理员"], "教师": ["教师"],
                      "评委/专家": ["评委/专家"], "工作室主持人": ["工作室主持人", "教师"]}
    for account in small.accounts:
        client = Client()
        response = client.post("/accounts/login/", {"login": account.login,
                                                    "password": DEMO_PASSWORD}, follow=True)
        assert response.redirect_chain == [("/", 302)], account.login
        assert response.context["page_title"] == "工作台"
        assert response.context["user"].username == account.login
        assert sorted(response.context["roles"]) == sorted(expected_roles[account.role])


def test_school_admin_sees_only_their_school(small):
    admin = User.objects.get(username="schooladmin")
    school = RoleAssignment.objects.get(user=admin, role=Role.SCHOOL_ADMIN).school
    visible = scoped(Teacher.objects.all(), admin, rules.VIEW_TEACHERS)
    assert visible.count() == Teacher.objects.filter(school=school).count()
    assert set(visible.values_list("school_id", flat=True)) == {school.pk}
    assert school.school_type == "junior" and school.location == "city"


def test_judge_account_expires_in_a_year(small):
    judge = User.objects.get(username="judge")
    assignment = RoleAssignment.objects.get(user=judge)
    assert assignment.expires_at == judge.expires_at
    assert 364 <= (judge.expires_at - judge.date_joined).days <= 365


def test_command_prints_the_logins_and_is_idempotent(db):
    out = StringIO()
    call_command("demo", "--seed", "7", "--teachers", "300", "--schools", "12", stdout=out)
    text = out.getvalue()
    assert "演示区县已生成" in text
    assert "学校 12 所，教师 300 人，专职研训员 30 人，兼职教研员/科研员 3 人" in text
    status = demo_status()
    for account in status.accounts:
        assert f"{account.login} " in text
    assert text.count(DEMO_PASSWORD) == 8  # seven logins and the closing note
    again = StringIO()
    call_command("demo", "--seed", "7", "--teachers", "300", "--schools", "12", stdout=again)
    assert "演示区县已存在（种子 7），未重复生成" in again.getvalue()
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--seed", "8", "--teachers", "300", "--schools", "12",
                     stdout=StringIO())


def test_other_modules_add_steps_that_run_in_order_and_wipe_on_reset(db):
    calls = []

    def wipe(ctx):
        calls.append(("wipe", ctx.district.name))

    def build(ctx):
        calls.append(("build", len(ctx.teacher_rows), ctx.users[Role.TRAINER].username))

    demo.demo_step("tests.extra", order=100, wipe=wipe)(build)
    try:
        build_demo(**SMALL)
        build_demo(**SMALL, reset=True)
    finally:
        demo.DEMO_STEPS[:] = [s for s in demo.DEMO_STEPS if s.name != "tests.extra"]
    assert calls == [("build", 300, "trainer"), ("wipe", "滨江区"), ("build", 300, "trainer")]


def test_bad_sizes_are_refused_in_chinese(db):
    with pytest.raises(DemoError, match="至少需要 6 所学校"):
        build_demo(seed=1, teachers=100, schools=5)
    with pytest.raises(DemoError, match="12 所学校至少需要 60 名教师"):
        build_demo(seed=1, teachers=59, schools=12)
    assert School.objects.count() == 0
