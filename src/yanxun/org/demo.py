"""The demo district: a realistic synthetic 滨江区, deterministic from a seed.

`build_demo(seed=..., teachers=..., schools=...)` runs the steps of DEMO_STEPS in order inside
one transaction. Each step gets a DemoContext and draws its random numbers from
`ctx.rng("<step name>")` — a random.Random seeded from the demo seed and the step's name — so a
step added later never changes what the earlier steps generate.

Other modules add their own demo records with a `demo.py` in their app (found by Django's
autodiscover_modules, like admin.py); see docs/demo.md:

    from yanxun.org.demo import DemoContext, demo_step

    def wipe_programs(ctx: DemoContext) -> None: ...

    @demo_step("training.programs", order=100, wipe=wipe_programs)
    def build_programs(ctx: DemoContext) -> None:
        rng = ctx.rng("training.programs")
        ...

Speed: everything is bulk_create; every demo account and teacher shares ONE password hash
(one PBKDF2 hash costs ~0.23 s), so 4,000 teachers take a few seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import connection
from django.db.models import Q
from django.utils.module_loading import autodiscover_modules

from yanxun.accounts.models import User
from yanxun.core import versions
from yanxun.core.models import AuditLog
from yanxun.core.validators import id_number_check_digit
from yanxun.org import demo_names as N
from yanxun.org.enums import Gender
from yanxun.org.models import District, School, Subject, Teacher

DEMO_PASSWORD = "Demo@2026"
# The demo's "today": the end of school year 2025-26. Fixed, so the data never depends on
# the clock (only the judge's account expiry does: a year from when the demo is built).
REFERENCE_DATE = date(2026, 6, 30)
MARKER_ACTION = "demo.build"
BATCH = 2000
# Fixed demo logins; the demo teacher and studio host log in with their 工号 like every teacher.
DEMO_USERNAMES = ("admin", "leader", "trainer", "schooladmin", "judge")
EMPLOYEE_PREFIX = "BJ"  # teachers' 工号 (and so login names): BJ00001 ...
STAFF_PREFIX = "yx"  # the center's other 研训员: yx01 ...


class DemoError(Exception):
    """A Chinese message saying why the demo was not built."""


@dataclass
class DemoAccount:
    role: str
    login: str
    name: str
    sees: str


@dataclass
class DemoContext:
    seed: int
    teachers: int
    schools: int
    password_hash: str
    district: District | None = None
    subjects: dict[str, Subject] = field(default_factory=dict)
    school_rows: list[School] = field(default_factory=list)
    teacher_rows: list[Teacher] = field(default_factory=list)
    teacher_subjects: dict[int, list[str]] = field(default_factory=dict)  # teacher pk -> names
    teacher_honours: dict[int, list[str]] = field(default_factory=dict)  # teacher pk -> tiers
    accounts: list[DemoAccount] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)  # Role value -> its demo login
    used_phones: set[str] = field(default_factory=set)
    used_id_numbers: set[str] = field(default_factory=set)

    def rng(self, step: str) -> random.Random:
        return random.Random(f"yanxun-demo:{self.seed}:{step}")


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    build: Callable[[DemoContext], None]
    wipe: Callable[[DemoContext], None] | None = None


# Run in `order` (org's steps are 10-60; other modules use 100 and up); wipes run in reverse.
DEMO_STEPS: list[DemoStep] = []


def demo_step(name: str, *, order: int, wipe: Callable[[DemoContext], None] | None = None):
    """Register a build step, and optionally how to remove its records on --reset."""

    def register(build: Callable[[DemoContext], None]):
        if all(step.name != name for step in DEMO_STEPS):
            DEMO_STEPS.append(DemoStep(name, order, build, wipe))
            DEMO_STEPS.sort(key=lambda step: step.order)
        return build

    return register


def discover_steps() -> list[DemoStep]:
    """Import org's steps and every installed app's demo.py, then return the steps in order."""
    from yanxun.org import demo_district, demo_people, demo_teachers  # noqa: F401 (register)

    autodiscover_modules("demo")
    return list(DEMO_STEPS)


# --- status, build, reset ----------------------------------------------------------------


@dataclass
class DemoStatus:
    seed: int
    teachers: int
    schools: int
    accounts: list[DemoAccount]


def demo_status() -> DemoStatus | None:
    """What the demo district in the database was built with; None when there is none."""
    district = District.objects.filter(name=N.DISTRICT_NAME).first()
    if district is None:
        return None
    marker = (
        AuditLog.objects.filter(
            action=MARKER_ACTION, object_type="org.district", object_id=str(district.pk)
        )
        .order_by("-id")
        .first()
    )
    if marker is None or not marker.after:
        return None
    data = marker.after
    return DemoStatus(
        data["seed"],
        data["teachers"],
        data["schools"],
        [DemoAccount(*row) for row in data["accounts"]],
    )


def _check_can_build(ctx: DemoContext) -> None:
    if ctx.schools < 6:
        raise DemoError("演示区县至少需要 6 所学校。")
    if ctx.teachers < ctx.schools * 5:
        raise DemoError(f"{ctx.schools} 所学校至少需要 {ctx.schools * 5} 名教师。")
    if District.objects.exists() or School.objects.exists():
        raise DemoError("数据库中已有区县或学校数据，不加载演示数据（演示数据只加载到空库）。")
    taken = User.objects.filter(
        Q(username__in=DEMO_USERNAMES)
        | Q(username__startswith=EMPLOYEE_PREFIX)
        | Q(username__startswith=STAFF_PREFIX)
    )
    names = sorted(taken.values_list("username", flat=True)[:5])
    if names:
        raise DemoError(f"登录名已被占用：{'、'.join(names)}，不加载演示数据。")


def build_demo(
    *, seed: int = 2026, teachers: int = 4000, schools: int = 60, reset: bool = False
) -> tuple[bool, DemoStatus]:
    """Build the demo district; (built?, status). Idempotent: the same seed and size again
    only returns the existing status. `reset` wipes the demo district and builds anew."""
    steps = discover_steps()
    existing = demo_status()
    if existing and not reset:
        if (existing.seed, existing.teachers, existing.schools) == (seed, teachers, schools):
            return False, existing
        raise DemoError(
            f"演示区县已存在（种子 {existing.seed}，学校 {existing.schools} 所，教师 "
            f"{existing.teachers} 人），与本次参数不同；如需重建请加 --reset。"
        )
    validate_password(DEMO_PASSWORD)
    password_hash = make_password(DEMO_PASSWORD)  # once: every demo account shares it
    ctx = DemoContext(seed=seed, teachers=teachers, schools=schools, password_hash=password_hash)
    with versions.bulk_writes():  # one transaction; the data versions change once, at the end
        if reset:
            demo_wipe()
        _check_can_build(ctx)
        for step in steps:
            step.build(ctx)
            _analyse()
        status = DemoStatus(seed, teachers, schools, ctx.accounts)
        _write_marker(ctx)
    return True, status


def _analyse() -> None:
    """Fresh planner statistics on PostgreSQL after a step's bulk inserts (autovacuum cannot
    see rows of an open transaction): without them the next step's joins over thousands of
    new rows were planned as if the tables were empty, seconds per query instead of ms."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def demo_wipe() -> bool:
    """Remove the demo district and everything the demo steps made; False when none."""
    steps = discover_steps()
    district = District.objects.filter(name=N.DISTRICT_NAME).first()
    if district is None or demo_status() is None:
        return False
    ctx = DemoContext(seed=0, teachers=0, schools=0, password_hash="", district=district)
    with versions.bulk_writes():
        for step in reversed(steps):
            if step.wipe is not None:
                step.wipe(ctx)
        AuditLog.objects.create(
            action="demo.reset",
            object_type="org.district",
            object_id=str(district.pk),
            object_repr=district.name,
        )
    return True


def _write_marker(ctx: DemoContext) -> None:
    """One 操作日志 row for the whole bulk load; it also records the seed and size, which is
    how a second `yanxun demo` knows the district is already there."""
    assert ctx.district is not None
    AuditLog.objects.create(
        action=MARKER_ACTION,
        object_type="org.district",
        object_id=str(ctx.district.pk),
        object_repr=ctx.district.name,
        after={
            "seed": ctx.seed,
            "teachers": ctx.teachers,
            "schools": ctx.schools,
            "accounts": [[a.role, a.login, a.name, a.sees] for a in ctx.accounts],
        },
        reason="演示数据（yanxun demo）",
    )


# --- shared generators ---------------------------------------------------------------------

PHONE_PREFIXES = (
    [f"13{d}" for d in range(10)]
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"]
    + [f"18{d}" for d in range(10)]
)


def new_phone(ctx: DemoContext, rng: random.Random) -> str:
    while True:
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in ctx.used_phones:
            ctx.used_phones.add(phone)
            return phone


def new_id_number(ctx: DemoContext, rng: random.Random, *, birth: date, gender: str) -> str:
    """A valid 身份证号: area code, birth date, a sequence whose last digit is odd for men and
    even for women, and the GB 11643 check character. Unique within the demo."""
    area = N.DISTRICT_CODE if rng.random() < 0.8 else rng.choice(N.NEIGHBOUR_CODES)
    parity = 1 if gender == Gender.MALE else 0
    while True:
        seq = rng.randrange(100) * 10 + rng.randrange(5) * 2 + parity
        first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
        number = first17 + id_number_check_digit(first17)
        if number not in ctx.used_id_numbers:
            ctx.used_id_numbers.add(number)
            return number


def weighted(rng: random.Random, pairs):
    """One item of ((item, weight), ...) at random by weight."""
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights)[0]


def apportion(total: int, weights: dict) -> dict:
    """Split `total` by weight into whole numbers that add up to it (largest remainder)."""
    if total <= 0:
        return dict.fromkeys(weights, 0)
    whole = sum(weights.values())
    shares = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in shares.items()}
    by_remainder = sorted(weights, key=lambda k: (out[k] - shares[k], list(weights).index(k)))
    for k in by_remainder[: total - sum(out.values())]:
        out[k] += 1
    return out


_SURNAMES, _SURNAME_WEIGHTS = zip(*N.SURNAMES, strict=True)


def new_person_name(rng: random.Random, *, gender: str, birth_year: int) -> str:
    surname = rng.choices(_SURNAMES, _SURNAME_WEIGHTS)[0]
    older = birth_year < 1980
    female = gender == Gender.FEMALE
    if rng.random() < (0.25 if older else 0.15):
        return surname + rng.choice(N.SINGLE_FEMALE if female else N.SINGLE_MALE)
    if rng.random() < 0.5:
        first, second = N.COMPOSE["older" if older else "younger", gender]
        return surname + rng.choice(first) + rng.choice(second)
    if older:
        pool = N.GIVEN_OLDER_FEMALE if female else N.GIVEN_OLDER_MALE
    else:
        pool = N.GIVEN_YOUNGER_FEMALE if female else N.GIVEN_YOUNGER_MALE
    return surname + rng.choice(pool)
