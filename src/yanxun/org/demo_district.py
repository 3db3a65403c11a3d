"""Demo steps for the district: subjects, schools, 教育集团 and 教研共同体.

Registered with yanxun.org.demo; see that module for how the demo runs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import count, product

from django.db.models import Q

from yanxun.accounts.models import User
from yanxun.core.models import ImportJob
from yanxun.org import demo_names as N
from yanxun.org.demo import DEMO_USERNAMES, DemoContext, apportion, demo_step, weighted
from yanxun.org.enums import Location, SchoolType
from yanxun.org.models import (
    District,
    EducationGroup,
    ResearchCommunity,
    School,
    StaffMember,
    Subject,
    SubjectGroup,
    Teacher,
    TeacherPosting,
)

K = SchoolType
D = N.DISTRICT_NAME

# The subject dictionary, in its sort order (which stage teaches what: demo_teachers.SUBJECT_MIX)
SUBJECTS = N.words(
    "语文 数学 英语 物理 化学 生物 科学 道德与法治 思想政治 历史 地理 音乐 体育 美术 信息科技 "
    "信息技术 通用技术 劳动 心理健康 学前教育 计算机应用 机电技术 财务会计"
)

TYPE_ORDER = (K.KINDERGARTEN, K.PRIMARY, K.NINE_YEAR, K.JUNIOR, K.COMPLETE, K.SENIOR, K.VOCATIONAL)
# One of each of these always; the rest split by the mix (per cent).
MANDATORY_TYPES = (K.KINDERGARTEN, K.PRIMARY, K.JUNIOR, K.SENIOR, K.NINE_YEAR, K.VOCATIONAL)
SCHOOL_MIX = {
    K.KINDERGARTEN: 24,
    K.PRIMARY: 41,
    K.JUNIOR: 22,
    K.SENIOR: 6,
    K.COMPLETE: 3,
    K.NINE_YEAR: 4,
}
C, T, R = Location.CITY, Location.TOWN, Location.RURAL
LOCATION_MIX = {
    K.KINDERGARTEN: ((C, 40), (T, 35), (R, 25)),
    K.PRIMARY: ((C, 35), (T, 30), (R, 35)),
    K.JUNIOR: ((C, 40), (T, 45), (R, 15)),
    K.SENIOR: ((C, 75), (T, 25)),
    K.COMPLETE: ((C, 100),),
    K.NINE_YEAR: ((T, 50), (R, 50)),
    K.VOCATIONAL: ((C, 100),),
}
GROUP_KINDS = (K.PRIMARY, K.JUNIOR, K.KINDERGARTEN, K.PRIMARY, K.SENIOR, K.JUNIOR)
COMMUNITY_KINDS = (
    (K.PRIMARY, "小学"),
    (K.JUNIOR, "初中"),
    (K.KINDERGARTEN, "学前"),
    (K.PRIMARY, "小学"),
    (K.JUNIOR, "初中"),
    (K.PRIMARY, "小学"),
)


def wipe_org(ctx: DemoContext) -> None:
    """--reset: remove the demo district, its schools and teachers, the center's staff and
    the demo logins (the subject dictionary stays)."""
    schools = School.objects.filter(district=ctx.district)
    users = User.objects.filter(
        Q(teacher__school__in=schools)
        | Q(staff_member__isnull=False)
        | Q(username__in=DEMO_USERNAMES)
    )
    user_ids = list(users.values_list("pk", flat=True))
    ImportJob.objects.filter(created_by__in=user_ids).delete()
    StaffMember.objects.filter(user__in=user_ids).delete()
    SubjectGroup.objects.filter(school__in=schools).delete()
    TeacherPosting.objects.filter(school__in=schools).delete()
    Teacher.objects.filter(school__in=schools).delete()
    EducationGroup.objects.filter(Q(lead_school__in=schools) | Q(schools__in=schools)).delete()
    ResearchCommunity.objects.filter(Q(lead_school__in=schools) | Q(schools__in=schools)).delete()
    schools.delete()
    User.objects.filter(pk__in=user_ids).delete()
    District.objects.filter(pk=ctx.district.pk).delete()


@demo_step("org.district", order=10, wipe=wipe_org)
def build_district(ctx: DemoContext) -> None:
    ctx.district = District.objects.create(
        name=N.DISTRICT_NAME,
        code=N.DISTRICT_CODE,
        center_name=N.CENTER_NAME,
        employee_numbers_unique=True,
    )
    existing = set(Subject.objects.values_list("name", flat=True))
    Subject.objects.bulk_create(
        [
            Subject(name=name, sort_order=(i + 1) * 10)
            for i, name in enumerate(SUBJECTS)
            if name not in existing
        ]
    )
    ctx.subjects = {s.name: s for s in Subject.objects.all()}


# --- schools -----------------------------------------------------------------------------


def school_plan(rng: random.Random, total: int) -> list[tuple[str, str]]:
    """(school type, location) for each school; the first of each type is a city school."""
    rest = apportion(total - len(MANDATORY_TYPES), SCHOOL_MIX)
    kinds = list(MANDATORY_TYPES) + [k for k, n in rest.items() for _ in range(n)]
    plan, seen = [], set()
    for kind in sorted(kinds, key=TYPE_ORDER.index):
        flagship = kind not in seen and kind != K.NINE_YEAR
        plan.append((kind, C if flagship else weighted(rng, LOCATION_MIX[kind])))
        seen.add(kind)
    return plan


def _cn(n: int) -> str:
    """1..99 in Chinese numerals, as in 第十二中学."""
    digits = N.NUMERALS
    if n <= 10:
        return digits[n - 1]
    tens, ones = divmod(n, 10)
    return (digits[tens - 1] if tens > 1 else "") + "十" + (digits[ones - 1] if ones else "")


class SchoolNamer:
    """Plausible, unique school names; a town's schools share the town's name."""

    SUFFIX = {
        K.KINDERGARTEN: "幼儿园",
        K.PRIMARY: "小学",
        K.JUNIOR: "初级中学",
        K.SENIOR: "高级中学",
        K.COMPLETE: "中学",
        K.NINE_YEAR: "学校",
        K.VOCATIONAL: "职业学校",
    }

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.towns = list(N.TOWNS)
        rng.shuffle(self.towns)
        self.villages = [f"{t}镇{v}" for t, v in product(self.towns, N.VILLAGES)]
        rng.shuffle(self.villages)
        self.lists: dict[tuple[str, str], Iterator[str]] = {}

    def name(self, kind: str, location: str) -> str:
        key = (kind, location)
        if key not in self.lists:
            self.lists[key] = iter(self._candidates(kind, location))
        for candidate in self.lists[key]:
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        raise RuntimeError("unreachable: the numbered names never run out")

    def _shuffled(self, names: list[str]) -> list[str]:
        self.rng.shuffle(names)
        return names

    def _candidates(self, kind: str, location: str) -> Iterator[str]:
        yield from self._named(kind, location)
        suffix = self.SUFFIX[kind]
        yield from (f"{D}第{_cn(n)}{suffix}" if n < 100 else f"{D}第{n}{suffix}" for n in count(1))

    def _named(self, kind: str, location: str) -> list[str]:  # noqa: C901 - a lookup table
        towns, villages = self.towns, self.villages
        if kind == K.KINDERGARTEN:
            return {
                C: [f"{D}实验幼儿园"]
                + self._shuffled(
                    [f"{a}幼儿园" for a in N.CITY_AREAS] + [f"{r}幼儿园" for r in N.CITY_ROADS]
                ),
                T: [f"{t}镇中心幼儿园" for t in towns],
                R: [f"{v}幼儿园" for v in villages],
            }[location]
        if kind == K.PRIMARY:
            return {
                C: [f"{D}实验小学"]
                + self._shuffled(
                    [f"{a}小学" for a in N.CITY_AREAS]
                    + [f"{r}小学" for r in N.CITY_ROADS]
                    + [f"{D}{w}小学" for w in N.CITY_WORDS[1:]]
                ),
                T: [f"{t}镇中心小学" for t in towns] + [f"{t}镇第二小学" for t in towns],
                R: [f"{v}小学" for v in villages],
            }[location]
        if kind == K.JUNIOR:
            return {
                C: self._shuffled([f"{a}中学" for a in N.CITY_AREAS])
                + [f"{D}{w}中学" for w in N.CITY_WORDS],
                T: [f"{t}镇中学" for t in towns],
                R: [f"{v}初级中学" for v in villages],
            }[location]
        if kind == K.SENIOR:
            return (
                [f"{N.DISTRICT_SHORT}中学", f"{D}第一高级中学", f"{D}第二高级中学"]
                if location == C
                else [f"{t}高级中学" for t in towns]
            )
        if kind == K.NINE_YEAR:
            return {
                C: [f"{D}外国语学校"],
                T: [f"{t}镇中心学校" for t in towns],
                R: [f"{v}学校" for v in villages],
            }[location]
        if kind == K.VOCATIONAL:
            return [f"{D}职业技术学校", f"{D}中等专业学校"]
        return []  # 完全中学: the numbered 滨江区第一中学 ...


def _short_name(name: str) -> str:
    rest = name.removeprefix(D)
    return rest if rest != name and len(rest) >= 4 else name


def _address(rng: random.Random, name: str, location: str) -> str:
    if location == C:
        return f"{D}{rng.choice(N.CITY_ROADS)}{rng.randint(1, 399)}号"
    town, _, rest = name.partition("镇")
    if not rest:  # 桃源高级中学
        town, rest = name[:2], ""
    village = rest[:2] if location == R and rest[:2] in N.VILLAGES else rng.choice(N.VILLAGES)
    return f"{D}{town}镇{village}村" if location == R else f"{D}{town}镇府前街"


def _weak_flags(rng: random.Random, plan: list[tuple[str, str]], total: int) -> set[int]:
    """About 8 weak schools in 60, rural ones first."""
    wanted = max(1, round(total * 8 / 60))
    rural = [i for i, (_, loc) in enumerate(plan) if loc == R]
    town = [i for i, (_, loc) in enumerate(plan) if loc == T]
    picked = rng.sample(rural, min(len(rural), wanted * 3 // 4))
    picked += rng.sample(town, min(len(town), wanted - len(picked)))
    return set(picked)


@demo_step("org.schools", order=20)
def build_schools(ctx: DemoContext) -> None:
    rng = ctx.rng("org.schools")
    plan = school_plan(rng, ctx.schools)
    namer = SchoolNamer(rng)
    weak = _weak_flags(rng, plan, ctx.schools)
    rows = []
    for i, (kind, location) in enumerate(plan):
        name = namer.name(kind, location)
        rows.append(
            School(
                district=ctx.district,
                code=f"{N.DISTRICT_CODE}{i + 1:04d}",
                name=name,
                short_name=_short_name(name),
                school_type=kind,
                location=location,
                is_weak=i in weak,
                address=_address(rng, name, location),
            )
        )
    ctx.school_rows = School.objects.bulk_create(rows)
    _build_groups(ctx, rng)
    _build_communities(ctx, rng)


def _group_members(ctx: DemoContext, rng: random.Random, kind: str, taken: set[int]):
    """A free city school of `kind` to lead, and 2-4 free schools of the same type, town and
    rural ones first (城乡结对); None when there are not enough."""
    free = [s for s in ctx.school_rows if s.school_type == kind and s.pk not in taken]
    leads = [s for s in free if s.location == C]
    if not leads or len(free) < 3:
        return None
    others = [s for s in free if s is not leads[0]]
    rng.shuffle(others)
    others.sort(key=lambda s: s.location == C)
    return leads[0], others[: rng.randint(2, 4)]


def _build_groups(ctx: DemoContext, rng: random.Random) -> None:
    """教育集团: a strong city school leads 2-4 schools of the same type."""
    taken: set[int] = set()
    links = []
    wanted = max(1, round(ctx.schools / 12))
    for kind in GROUP_KINDS:
        found = _group_members(ctx, rng, kind, taken) if wanted else None
        if found is None:
            continue
        lead, members = found
        wanted -= 1
        group = EducationGroup.objects.create(name=f"{lead.name}教育集团", lead_school=lead)
        for school in [lead, *members]:
            taken.add(school.pk)
            links.append(
                EducationGroup.schools.through(educationgroup_id=group.pk, school_id=school.pk)
            )
    EducationGroup.schools.through.objects.bulk_create(links)


def _build_communities(ctx: DemoContext, rng: random.Random) -> None:
    """教研共同体 by area; members may also be in an education group."""
    taken: set[int] = set()
    links = []
    wanted = max(1, round(ctx.schools / 15))
    for area, (kind, label) in zip(N.GROUP_AREAS, COMMUNITY_KINDS[:wanted], strict=False):
        free = [s for s in ctx.school_rows if s.school_type == kind and s.pk not in taken]
        if len(free) < 2:
            continue
        members = rng.sample(free, min(len(free), rng.randint(3, 6)))
        members.sort(key=lambda s: (s.location != C, s.code))
        community = ResearchCommunity.objects.create(
            name=f"{D}{area}片区{label}教研共同体", lead_school=members[0]
        )
        for school in members:
            taken.add(school.pk)
            links.append(
                ResearchCommunity.schools.through(
                    researchcommunity_id=community.pk, school_id=school.pk
                )
            )
    ResearchCommunity.schools.through.objects.bulk_create(links)
