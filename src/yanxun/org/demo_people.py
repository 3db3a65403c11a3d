"""Demo steps for subject groups (教研组/备课组), the center's staff and the demo logins.

Registered with yanxun.org.demo.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.enums import Role
from yanxun.org.demo import (
    BATCH,
    STAFF_PREFIX,
    DemoAccount,
    DemoContext,
    demo_step,
    new_person_name,
    new_phone,
)
from yanxun.org.enums import (
    Gender,
    HonourTier,
    ProfessionalTitle,
    SchoolType,
    StaffKind,
    Stage,
    SubjectGroupKind,
    TeacherStatus,
)
from yanxun.org.models import School, StaffMember, SubjectGroup, Teacher

S = Stage
TITLE_RANK = list(ProfessionalTitle.values)
GRADES = {S.JUNIOR: ("七年级", "八年级", "九年级"), S.SENIOR: ("高一", "高二", "高三")}
PREPARATION_SUBJECTS = ("语文", "数学", "英语")


# --- 教研组 and 备课组 -------------------------------------------------------------------


def _seniority(teacher: Teacher) -> tuple[int, int]:
    return TITLE_RANK.index(teacher.professional_title), -teacher.entry_year


def _active_by_school(ctx: DemoContext) -> dict[int, list[Teacher]]:
    out: dict[int, list[Teacher]] = defaultdict(list)
    for teacher in ctx.teacher_rows:
        if teacher.status == TeacherStatus.ACTIVE:
            out[teacher.school_id].append(teacher)
    return out


def _groups_of_school(ctx: DemoContext, school: School, teachers: list[Teacher]):
    """(SubjectGroup, members) for one school: a 教研组 per subject, and for secondary
    schools a 备课组 per grade in 语文/数学/英语."""
    by_subject: dict[str, list[Teacher]] = defaultdict(list)
    for teacher in teachers:
        by_subject[ctx.teacher_subjects[teacher.pk][0]].append(teacher)
    for name, members in by_subject.items():
        subject = ctx.subjects[name]
        yield (
            SubjectGroup(
                school=school,
                name=f"{name}教研组",
                kind=SubjectGroupKind.RESEARCH,
                subject=subject,
                leader=max(members, key=_seniority),
            ),
            members,
        )
        if name not in PREPARATION_SUBJECTS:
            continue
        for stage, grades in GRADES.items():
            staged = [t for t in members if t.stage == stage]
            if len(staged) < len(grades) * 2:
                continue
            for i, grade in enumerate(grades):
                part = staged[i :: len(grades)]
                yield (
                    SubjectGroup(
                        school=school,
                        name=f"{grade}{name}备课组",
                        kind=SubjectGroupKind.PREPARATION,
                        subject=subject,
                        leader=max(part, key=_seniority),
                    ),
                    part,
                )


@demo_step("org.subject_groups", order=40)
def build_subject_groups(ctx: DemoContext) -> None:
    active = _active_by_school(ctx)
    pairs = [
        pair
        for school in ctx.school_rows
        for pair in _groups_of_school(ctx, school, active[school.pk])
    ]
    groups = SubjectGroup.objects.bulk_create([g for g, _ in pairs], batch_size=BATCH)
    through = SubjectGroup.members.through
    through.objects.bulk_create(
        [
            through(subjectgroup_id=g.pk, teacher_id=t.pk)
            for g, (_, members) in zip(groups, pairs, strict=True)
            for t in members
        ],
        batch_size=BATCH,
    )


# --- the center's staff --------------------------------------------------------------------

ALL_STAGES = (S.KINDERGARTEN, S.PRIMARY, S.JUNIOR, S.SENIOR, S.VOCATIONAL)
SCHOOL_STAGES = (S.PRIMARY, S.JUNIOR, S.SENIOR)
TRAINER_SLOT = 10  # the demo login "trainer": 初中数学
# department, subjects covered, stages covered — 30 full-time 研训员
FULL_TIME_STAFF: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("学前教育部", ("学前教育",), (S.KINDERGARTEN,)),
    ("学前教育部", ("学前教育",), (S.KINDERGARTEN,)),
    ("小学教研室", ("语文",), (S.PRIMARY,)),
    ("小学教研室", ("语文",), (S.PRIMARY,)),
    ("小学教研室", ("数学",), (S.PRIMARY,)),
    ("小学教研室", ("数学",), (S.PRIMARY,)),
    ("小学教研室", ("英语",), (S.PRIMARY,)),
    ("小学教研室", ("科学",), (S.PRIMARY,)),
    ("小学教研室", ("道德与法治",), (S.PRIMARY, S.JUNIOR)),
    ("中学教研室", ("语文",), (S.JUNIOR,)),
    ("中学教研室", ("数学",), (S.JUNIOR,)),
    ("中学教研室", ("英语",), (S.JUNIOR,)),
    ("中学教研室", ("物理",), (S.JUNIOR, S.SENIOR)),
    ("中学教研室", ("化学",), (S.JUNIOR, S.SENIOR)),
    ("中学教研室", ("生物",), (S.JUNIOR, S.SENIOR)),
    ("中学教研室", ("历史",), (S.JUNIOR, S.SENIOR)),
    ("中学教研室", ("地理",), (S.JUNIOR, S.SENIOR)),
    ("中学教研室", ("语文",), (S.SENIOR,)),
    ("中学教研室", ("数学",), (S.SENIOR,)),
    ("中学教研室", ("英语",), (S.SENIOR,)),
    ("中学教研室", ("思想政治",), (S.SENIOR, S.VOCATIONAL)),
    ("中学教研室", ("信息科技", "信息技术", "通用技术"), SCHOOL_STAGES),
    ("艺体教研室", ("音乐", "美术"), SCHOOL_STAGES),
    ("艺体教研室", ("体育",), (*SCHOOL_STAGES, S.VOCATIONAL)),
    ("德育与心理健康室", ("心理健康", "劳动"), ALL_STAGES),
    ("职成教研室", ("计算机应用", "机电技术", "财务会计"), (S.VOCATIONAL,)),
    ("师训部", (), ALL_STAGES),
    ("师训部", (), ALL_STAGES),
    ("科研室", (), ALL_STAGES),
    ("科研室", (), ALL_STAGES),
)


def _staff_user(ctx: DemoContext, rng: random.Random, username: str) -> User:
    gender = Gender.FEMALE if rng.random() < 0.6 else Gender.MALE
    return User(
        username=username,
        password=ctx.password_hash,
        phone=new_phone(ctx, rng),
        name=new_person_name(rng, gender=gender, birth_year=rng.randint(1968, 1990)),
        must_change_password=username != "trainer",
    )


def _build_full_time(ctx: DemoContext, rng: random.Random) -> None:
    usernames = [
        "trainer" if i == TRAINER_SLOT else f"{STAFF_PREFIX}{i + 1:02d}"
        for i in range(len(FULL_TIME_STAFF))
    ]
    users = User.objects.bulk_create([_staff_user(ctx, rng, u) for u in usernames])
    ctx.users[Role.TRAINER] = users[TRAINER_SLOT]
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.TRAINER) for u in users])
    staff = StaffMember.objects.bulk_create(
        [
            StaffMember(user=u, kind=StaffKind.FULL_TIME, department=dept, stages=list(stages))
            for u, (dept, _, stages) in zip(users, FULL_TIME_STAFF, strict=True)
        ]
    )
    through = StaffMember.subjects.through
    through.objects.bulk_create(
        [
            through(staffmember_id=m.pk, subject_id=ctx.subjects[name].pk)
            for m, (_, names, _) in zip(staff, FULL_TIME_STAFF, strict=True)
            for name in names
        ]
    )


def _build_part_time(ctx: DemoContext, rng: random.Random) -> None:
    """兼职教研员/科研员: experienced teachers who keep their school post and account."""
    candidates = [
        t
        for t in ctx.teacher_rows
        if t.status == TeacherStatus.ACTIVE
        and t.professional_title in (ProfessionalTitle.SENIOR, ProfessionalTitle.PROFESSOR)
    ]
    research, science = max(2, ctx.teachers // 250), max(1, ctx.teachers // 1000)
    picked = rng.sample(candidates, min(len(candidates), research + science))
    staff = StaffMember.objects.bulk_create(
        [
            StaffMember(
                user_id=t.user_id,
                teacher=t,
                department="兼职",
                kind=StaffKind.PART_TIME_RESEARCH if i < research else StaffKind.PART_TIME_SCIENCE,
                stages=[t.stage],
            )
            for i, t in enumerate(picked)
        ]
    )
    through = StaffMember.subjects.through
    through.objects.bulk_create(
        [
            through(staffmember_id=m.pk, subject_id=ctx.subjects[ctx.teacher_subjects[t.pk][0]].pk)
            for m, t in zip(staff, picked, strict=True)
        ]
    )


@demo_step("org.staff", order=50)
def build_staff(ctx: DemoContext) -> None:
    rng = ctx.rng("org.staff")
    _build_full_time(ctx, rng)
    _build_part_time(ctx, rng)


# --- demo logins -------------------------------------------------------------------------


def _demo_school(ctx: DemoContext) -> School:
    juniors = [s for s in ctx.school_rows if s.school_type == SchoolType.JUNIOR]
    return next((s for s in juniors if s.location == "city"), juniors[0])


def _demo_teacher(ctx: DemoContext, school: School) -> Teacher:
    staff_ids = set(
        StaffMember.objects.filter(teacher__isnull=False).values_list("teacher_id", flat=True)
    )
    active = [
        t
        for t in ctx.teacher_rows
        if t.school_id == school.pk and t.status == TeacherStatus.ACTIVE and t.pk not in staff_ids
    ]
    return next(
        (
            t
            for t in active
            if "数学" in ctx.teacher_subjects[t.pk] and 2010 <= t.entry_year <= 2018
        ),
        active[0],
    )


def _studio_host(ctx: DemoContext, school: School) -> Teacher:
    """The most honoured active school teacher (a 特级教师 if there is one), preferably of a
    city school, not of the demo school."""
    rank = {tier: i for i, tier in enumerate(HonourTier.values)}
    active = [
        t for t in ctx.teacher_rows if t.status == TeacherStatus.ACTIVE and t.school_id != school.pk
    ]
    return max(
        active,
        key=lambda t: (
            max((rank[h] for h in ctx.teacher_honours[t.pk]), default=-1),
            t.stage in SCHOOL_STAGES,
            t.school.location == "city",
            _seniority(t),
            -t.pk,
        ),
    )


def _new_login(ctx: DemoContext, rng: random.Random, username: str, role: str, **role_kw):
    user = User.objects.create(
        username=username,
        password=ctx.password_hash,
        must_change_password=False,
        name=new_person_name(
            rng, gender=rng.choice(Gender.values), birth_year=rng.randint(1968, 1985)
        ),
        phone=new_phone(ctx, rng),
        expires_at=role_kw.get("expires_at"),
    )
    RoleAssignment.objects.create(user=user, role=role, **role_kw)
    ctx.users[role] = user
    return user


def _teacher_login(ctx: DemoContext, teacher: Teacher, role: str) -> User:
    """A demo teacher logs in with their 工号 like every teacher, without the forced change."""
    user = teacher.user
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.must_change_password = False
    if role != Role.TEACHER:
        RoleAssignment.objects.create(user=user, role=role)
    ctx.users[role] = user
    return user


@demo_step("org.accounts", order=60)
def build_accounts(ctx: DemoContext) -> None:
    rng = ctx.rng("org.accounts")
    school = _demo_school(ctx)
    admin = _new_login(ctx, rng, "admin", Role.ADMIN)
    leader = _new_login(ctx, rng, "leader", Role.LEADER)
    school_admin = _new_login(ctx, rng, "schooladmin", Role.SCHOOL_ADMIN, school=school)
    teacher = _demo_teacher(ctx, school)
    _teacher_login(ctx, teacher, Role.TEACHER)
    host = _studio_host(ctx, school)
    _teacher_login(ctx, host, Role.STUDIO_HOST)
    expires = timezone.now() + timedelta(days=365)
    judge = _new_login(ctx, rng, "judge", Role.JUDGE, expires_at=expires)
    trainer = ctx.users[Role.TRAINER]
    A = DemoAccount
    ctx.accounts = [
        A("系统管理员", admin.username, admin.name, "全区全部数据；用户与角色、登录日志、操作日志"),
        A("中心领导", leader.username, leader.name, "全区学校、教师与统计（只读）"),
        A("研训员", trainer.username, trainer.name, "全区教师；本人负责初中数学"),
        A(
            "学校管理员",
            school_admin.username,
            school_admin.name,
            f"仅本校（{school.name}）教师；可导入教师、重置本校教师密码",
        ),
        A("教师", teacher.employee_no, teacher.name, f"仅本人档案（{school.name}）"),
        A(
            "评委/专家",
            judge.username,
            judge.name,
            f"评审任务；账号 {timezone.localdate(expires):%Y-%m-%d} 到期",
        ),
        A("工作室主持人", host.employee_no, host.name, f"本人档案与工作室（{host.school.name}）"),
    ]
