"""Demo step for the teachers: records, accounts, postings, roles, subjects and honours.

Registered with yanxun.org.demo. For speed this writes with bulk_create instead of calling
org.services.teacher_create per teacher, but keeps its invariants: every teacher has a User
whose username is the login name (the 工号: the demo district's 工号 are unique), name and
phone copied from the teacher, the shared demo password hash and must_change_password=True;
one open TeacherPosting at the current school; and a 教师 RoleAssignment. The per-teacher
操作日志 row is replaced by one "demo.build" row for the whole load.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.enums import Role
from yanxun.org import demo_names as N
from yanxun.org.demo import (
    BATCH,
    EMPLOYEE_PREFIX,
    REFERENCE_DATE,
    DemoContext,
    apportion,
    demo_step,
    new_id_number,
    new_person_name,
    new_phone,
    weighted,
)
from yanxun.org.enums import (
    Gender,
    HonourLevel,
    HonourTier,
    Location,
    ProfessionalTitle,
    SchoolType,
    Stage,
    TeacherStatus,
)
from yanxun.org.models import School, Teacher, TeacherHonour, TeacherPosting

K, S, P, H, L = SchoolType, Stage, ProfessionalTitle, HonourTier, HonourLevel

STAGES_OF_TYPE = {
    K.KINDERGARTEN: ((S.KINDERGARTEN, 1),),
    K.PRIMARY: ((S.PRIMARY, 1),),
    K.JUNIOR: ((S.JUNIOR, 1),),
    K.SENIOR: ((S.SENIOR, 1),),
    K.COMPLETE: ((S.JUNIOR, 45), (S.SENIOR, 55)),
    K.NINE_YEAR: ((S.PRIMARY, 55), (S.JUNIOR, 45)),
    K.VOCATIONAL: ((S.VOCATIONAL, 1),),
}
# Relative size of a school by type and by location.
TYPE_SIZE = {
    K.KINDERGARTEN: 28,
    K.PRIMARY: 75,
    K.JUNIOR: 70,
    K.SENIOR: 150,
    K.COMPLETE: 160,
    K.NINE_YEAR: 80,
    K.VOCATIONAL: 120,
}
LOCATION_SIZE = {Location.CITY: 1.3, Location.TOWN: 1.0, Location.RURAL: 0.45}
MIN_PER_SCHOOL = 5

W = N.weighted_words
SUBJECT_MIX = {
    S.KINDERGARTEN: W("学前教育1"),
    S.PRIMARY: W(
        "语文30 数学24 英语10 科学6 道德与法治4 音乐5 体育7 美术5 信息科技3 劳动2 心理健康2"
    ),
    S.JUNIOR: W(
        "语文16 数学16 英语15 物理7 化学5 生物5 道德与法治6 历史6 地理5 音乐3 体育7 美术3 "
        "信息科技3 心理健康2"
    ),
    S.SENIOR: W(
        "语文13 数学13 英语13 物理9 化学8 生物7 思想政治6 历史6 地理6 体育6 音乐2 美术2 "
        "信息技术4 通用技术2 心理健康2"
    ),
    S.VOCATIONAL: W(
        "语文10 数学10 英语8 思想政治5 体育6 计算机应用15 机电技术15 财务会计10 心理健康2"
    ),
}
# A second subject some primary and junior teachers also teach.
SECOND_SUBJECTS = {
    S.PRIMARY: ("道德与法治", "科学", "劳动", "心理健康"),
    S.JUNIOR: ("道德与法治", "劳动", "心理健康"),
}
FEMALE_SHARE = {
    S.KINDERGARTEN: 0.97,
    S.PRIMARY: 0.82,
    S.JUNIOR: 0.66,
    S.SENIOR: 0.55,
    S.VOCATIONAL: 0.5,
}
# Entry years 1988-2025; hiring grew after 2005; 2023-2025 are the new teachers.
ENTRY_YEARS = tuple(
    (y, 1 if y < 1996 else 2 if y < 2006 else 3 if y < 2023 else 3.5) for y in range(1988, 2026)
)
RETIREMENT_AGE = {Gender.MALE: 60, Gender.FEMALE: 55}


@dataclass
class TeacherSpec:
    """What the generator decided about one teacher, before any row is written."""

    teacher: Teacher
    subjects: list[str]
    birth: date
    postings: list[tuple[School, date, date | None, str]] = field(default_factory=list)
    honours: list[TeacherHonour] = field(default_factory=list)


def school_sizes(rng: random.Random, schools: list[School], total: int) -> list[int]:
    weights = {
        i: TYPE_SIZE[s.school_type] * LOCATION_SIZE[s.location] * rng.uniform(0.8, 1.2)
        for i, s in enumerate(schools)
    }
    extra = apportion(total - MIN_PER_SCHOOL * len(schools), weights)
    return [MIN_PER_SCHOOL + extra[i] for i in range(len(schools))]


def _birthday(rng: random.Random, entry_year: int) -> date:
    """22-24 years old on 1 September of the entry year."""
    year = entry_year - rng.randint(22, 24)
    return date(year, 1, 1) + timedelta(days=rng.randrange(243))  # 1 January - 31 August


def _anniversary(birth: date, years: int) -> date:
    day = min(birth.day, 28) if birth.month == 2 else birth.day
    return date(birth.year + years, birth.month, day)


def professional_title(rng: random.Random, years: int) -> str:
    if years <= 1:
        return P.NONE
    if years <= 5:
        return weighted(rng, ((P.THIRD, 1), (P.SECOND, 9)))
    if years <= 12:
        return weighted(rng, ((P.SECOND, 3), (P.FIRST, 7)))
    if years <= 20:
        return weighted(rng, ((P.SECOND, 1), (P.FIRST, 12), (P.SENIOR, 7)))
    return weighted(rng, ((P.FIRST, 42), (P.SENIOR, 57), (P.PROFESSOR, 1)))


# tier, minimum years, chance, level weights, term in years (None: no expiry)
HONOUR_RULES = (
    (H.NEW_STAR, 3, 0.18, ((L.SCHOOL, 45), (L.DISTRICT, 45), (L.CITY, 10)), None),
    (H.SKILLED, 6, 0.14, ((L.SCHOOL, 35), (L.DISTRICT, 45), (L.CITY, 20)), None),
    (H.BACKBONE, 10, 0.14, ((L.SCHOOL, 30), (L.DISTRICT, 45), (L.CITY, 20), (L.PROVINCE, 5)), 3),
    (H.LEADER, 15, 0.10, ((L.DISTRICT, 50), (L.CITY, 35), (L.PROVINCE, 15)), 3),
)


def _honour(rng: random.Random, rule, entry_year: int) -> TeacherHonour:
    tier, min_years, _, levels, term = rule
    year = min(REFERENCE_DATE.year - 1, entry_year + min_years + rng.randrange(4))
    awarded = date(year, rng.choice((9, 12)), rng.choice((1, 10, 20)))
    expires = date(year + term, awarded.month, awarded.day) if term else None
    return TeacherHonour(
        tier=tier, level=weighted(rng, levels), awarded_on=awarded, expires_on=expires
    )


def honours(rng: random.Random, entry_year: int, title: str) -> list[TeacherHonour]:
    """Honours earned along a career: 教坛新秀 early, 学科带头人 late (most 正高级 teachers
    are one), and 特级教师 only for a few 学科带头人."""
    years = REFERENCE_DATE.year - entry_year
    out = []
    for rule in HONOUR_RULES:
        tier, min_years, chance = rule[:3]
        if tier == H.LEADER:
            if title not in (P.SENIOR, P.PROFESSOR):
                continue
            chance = 0.6 if title == P.PROFESSOR else chance
        if years >= min_years and rng.random() < chance:
            out.append(_honour(rng, rule, entry_year))
    leader = next((h for h in out if h.tier == H.LEADER), None)
    chance = 0.5 if title == P.PROFESSOR else 0.04 if years >= 25 else 0
    if leader is not None and rng.random() < chance:
        year = min(
            REFERENCE_DATE.year - 1,
            max(leader.awarded_on.year + 2, entry_year + 22 + rng.randrange(4)),
        )
        out.append(TeacherHonour(tier=H.SPECIAL, level="", awarded_on=date(year, 9, 10)))
    return out


def _career(rng: random.Random, spec: TeacherSpec, school: School, others: list[School]) -> None:
    """Status and postings: retired at 55/60, a few moved within the district, a few left."""
    teacher = spec.teacher
    start = date(teacher.entry_year, 9, 1)
    retirement = _anniversary(spec.birth, RETIREMENT_AGE[teacher.gender])
    years = REFERENCE_DATE.year - teacher.entry_year
    roll = rng.random()
    if retirement <= REFERENCE_DATE:
        teacher.status = TeacherStatus.RETIRED
        spec.postings.append((school, start, retirement, "退休"))
    elif years >= 6 and roll < 0.01:
        teacher.status = TeacherStatus.TRANSFERRED
        spec.postings.append((school, start, date(rng.choice((2024, 2025)), 8, 25), "调出本区"))
    elif years >= 6 and roll < 0.05 and others:
        moved = date(rng.randint(teacher.entry_year + 3, REFERENCE_DATE.year - 1), 8, 25)
        before = rng.choice(others)
        spec.postings.append((before, start, moved, ""))
        spec.postings.append((school, moved, None, f"由{before.name}调入"))
    else:
        spec.postings.append((school, start, None, ""))


def teacher_spec(
    ctx: DemoContext,
    rng: random.Random,
    school: School,
    employee_no: str,
    schools_by_stage: dict[str, list[School]],
) -> TeacherSpec:
    stage = weighted(rng, STAGES_OF_TYPE[school.school_type])
    subject = weighted(rng, SUBJECT_MIX[stage])
    subjects = [subject]
    if stage in SECOND_SUBJECTS and rng.random() < 0.12:
        second = rng.choice(SECOND_SUBJECTS[stage])
        if second != subject:
            subjects.append(second)
    female = FEMALE_SHARE[stage] * (0.45 if subject == "体育" else 1)
    gender = Gender.FEMALE if rng.random() < female else Gender.MALE
    entry_year = weighted(rng, ENTRY_YEARS)
    birth = _birthday(rng, entry_year)
    title = professional_title(rng, REFERENCE_DATE.year - entry_year)
    teacher = Teacher(
        school=school,
        employee_no=employee_no,
        stage=stage,
        gender=gender,
        name=new_person_name(rng, gender=gender, birth_year=birth.year),
        id_number=new_id_number(ctx, rng, birth=birth, gender=gender),
        phone=new_phone(ctx, rng),
        professional_title=title,
        entry_year=entry_year,
    )
    spec = TeacherSpec(teacher, subjects, birth, honours=honours(rng, entry_year, title))
    others = [s for s in schools_by_stage[stage] if s.pk != school.pk]
    _career(rng, spec, school, others)
    return spec


def _schools_by_stage(schools: list[School]) -> dict[str, list[School]]:
    out: dict[str, list[School]] = {stage: [] for stage in S.values}
    for school in schools:
        for stage, _ in STAGES_OF_TYPE[school.school_type]:
            out[stage].append(school)
    return out


@demo_step("org.teachers", order=30)
def build_teachers(ctx: DemoContext) -> None:
    rng = ctx.rng("org.teachers")
    by_stage = _schools_by_stage(ctx.school_rows)
    specs: list[TeacherSpec] = []
    sizes = school_sizes(rng, ctx.school_rows, ctx.teachers)
    for school, size in zip(ctx.school_rows, sizes, strict=True):
        for _ in range(size):
            employee_no = f"{EMPLOYEE_PREFIX}{len(specs) + 1:05d}"
            specs.append(teacher_spec(ctx, rng, school, employee_no, by_stage))
    _write_teachers(ctx, specs)


def _write_teachers(ctx: DemoContext, specs: list[TeacherSpec]) -> None:
    users = User.objects.bulk_create(
        [
            User(
                username=s.teacher.employee_no,
                name=s.teacher.name,
                phone=s.teacher.phone,
                password=ctx.password_hash,
                must_change_password=True,
            )
            for s in specs
        ],
        batch_size=BATCH,
    )
    for spec, user in zip(specs, users, strict=True):
        spec.teacher.user = user
    teachers = Teacher.objects.bulk_create([s.teacher for s in specs], batch_size=BATCH)
    ctx.teacher_rows = teachers
    ctx.teacher_subjects = {s.teacher.pk: s.subjects for s in specs}
    ctx.teacher_honours = {s.teacher.pk: [h.tier for h in s.honours] for s in specs}
    through = Teacher.subjects.through
    through.objects.bulk_create(
        [
            through(teacher_id=s.teacher.pk, subject_id=ctx.subjects[name].pk)
            for s in specs
            for name in s.subjects
        ],
        batch_size=BATCH,
    )
    TeacherPosting.objects.bulk_create(
        [
            TeacherPosting(
                teacher=s.teacher, school=school, start_date=start, end_date=end, note=note
            )
            for s in specs
            for school, start, end, note in s.postings
        ],
        batch_size=BATCH,
    )
    for spec in specs:
        for honour in spec.honours:
            honour.teacher = spec.teacher
    TeacherHonour.objects.bulk_create([h for s in specs for h in s.honours], batch_size=BATCH)
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=Role.TEACHER) for user in users], batch_size=BATCH
    )
