"""Demo records of the hours part: the demo district's teachers get a cycle of 学时 (ledgers in
every state: complete, on track, behind, far behind), claims in every state, and certificates.

    from yanxun.training.demo_hours import build_hours_demo
    build_hours_demo(district, random.Random("yanxun-demo:2026:training.hours"))

- The cycle is the one ending in the demo's year (2022–2026 for the demo's 30 June 2026), so
  that the states mean something: the policy's start year is set to match.
- Earlier years' hours come as records "migrated from the previous continuing-education
  platform" (source 人工认定) with titles of plausible programs. The demo year's hours come from
  accrediting the programs of the other training demo steps if they have finished sessions with
  attendance (the real accreditation), else from such records too.
- Claims go through the real services (submit with a small PDF, the school's decision, the
  centre's), for teachers of the demo school administrator's school, including the demo
  teacher, whose open lessons cross the rule's cycle cap.
- Deterministic from `rng` (the verification codes of certificates excepted: they are drawn by
  `secrets`, as they must be), and fast: one bulk insert for the records.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core import versions
from yanxun.core.audit import audit_record
from yanxun.core.enums import Role
from yanxun.org.demo import REFERENCE_DATE
from yanxun.org.enums import TeacherStatus
from yanxun.org.models import District, Teacher
from yanxun.training import claims as claim_services
from yanxun.training.certificates import hours_certificate_issue, program_certificates_issue
from yanxun.training.enums import ClaimStatus, HourSource
from yanxun.training.enums import ProgramLevel as L
from yanxun.training.files import PDF, CheckedFile
from yanxun.training.hours import accreditation_plan, program_accredit
from yanxun.training.ledger import LedgerState, all_ledgers, cycle_of
from yanxun.training.models import Category, ClaimRule, HourRecord, Program
from yanxun.training.policy import policy_for

ETHICS, SKILLS, PRACTICE, IT = "师德师风", "知识技能", "实践体验", "信息技术"
CATEGORIES = (ETHICS, SKILLS, PRACTICE, IT)
# (level, title, category, hours choices); {y} is the year.
CATALOGUE = [
    (L.NATIONAL, "国培计划——中小学骨干教师示范培训", SKILLS, (24, 30)),
    (L.PROVINCE, "江苏省乡村骨干教师培育站研修", SKILLS, (24, 30)),
    (L.PROVINCE, "省中小学心理健康教育教师专题培训", PRACTICE, (18, 24)),
    (L.CITY, "市骨干教师教学能力提升培训", SKILLS, (18, 24)),
    (L.CITY, "市义务教育新课标专题研修", SKILLS, (12, 18)),
    (L.CITY, "市班主任基本功专题培训", PRACTICE, (12,)),
    (L.DISTRICT, "区义务教育新课标专题培训", SKILLS, (12, 18)),
    (L.DISTRICT, "区教育科研专题培训", SKILLS, (12, 18)),
    (L.DISTRICT, "区心理健康教育专题培训", PRACTICE, (12,)),
    (L.DISTRICT, "区信息技术应用能力提升工程 2.0", IT, (12, 18)),
    (L.DISTRICT, "区师德师风专题培训", ETHICS, (6, 12, 18)),
    (L.DISTRICT, "区班主任专业化培训", PRACTICE, (12,)),
    (L.DISTRICT, "区乡村教师提质专题培训", SKILLS, (12, 18)),
    (L.SCHOOL, "{y} 年校本研修", SKILLS, (24, 30, 36)),
    (L.SCHOOL, "{y} 年读书交流会", ETHICS, (6,)),
    (L.SCHOOL, "{y} 年师德承诺与从教誓词重温", ETHICS, (6,)),
]
ABOVE_SCHOOL = [row for row in CATALOGUE if row[0] != L.SCHOOL]
AT_SCHOOL = [row for row in CATALOGUE if row[0] == L.SCHOOL]
# Share of teachers in each state at the demo's date.
STATE_WEIGHTS = [(LedgerState.COMPLETE, 50), (LedgerState.ON_TRACK, 20),
                 (LedgerState.BEHIND, 20), (LedgerState.FAR_BEHIND, 10)]
MIGRATED = "由原继续教育平台迁入"
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
            b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def build_hours_demo(district: District, rng: random.Random, *,
                     today: date = REFERENCE_DATE) -> dict:
    """Build the hours demo for `district`; returns what was made (for the command's output)."""
    with versions.bulk_writes():  # a transaction; the data versions change once
        policy = policy_for(district)
        policy.cycle_start_year = today.year - policy.cycle_years + 1
        policy.save(update_fields=["cycle_start_year", "updated_at"])
        cycle = cycle_of(policy, today.year)
        categories = {name: Category.objects.get_or_create(name=name,
                                                           defaults={"sort_order": i})[0]
                      for i, name in enumerate(CATEGORIES)}
        claim_services.claim_rules_seed()
        trainer = _user_with(Role.TRAINER) or _user_with(Role.ADMIN)
        accredited = _accredit_programs(trainer, today)
        teachers = list(Teacher.objects.filter(school__district=district,
                                               status=TeacherStatus.ACTIVE).order_by("pk"))
        last_year = today.year - 1 if accredited else today.year
        states = _write_records(rng, teachers, categories, trainer, cycle, last_year, today)
        made_claims = _claims(rng, district, trainer, today)
        certificates = _certificates(rng, trainer, teachers, states, policy, cycle, today)
        frame = all_ledgers(Teacher.objects.filter(school__district=district), cycle,
                            policy=policy, today=today)
        summary = {
            "cycle": cycle.label, "teachers": len(teachers),
            "records": HourRecord.objects.filter(teacher__school__district=district).count(),
            "programs_accredited": accredited, "claims": made_claims,
            "certificates": certificates,
            "states": dict(Counter(frame["state"].to_list())),
        }
        audit_record(actor=None, action="hours.demo", object_type="org.district",
                     object_id=str(district.pk), object_repr=district.name,
                     after={k: v for k, v in summary.items() if k != "states"},
                     reason="演示数据")
    return summary


def _user_with(role: str) -> User | None:
    assignment = RoleAssignment.objects.filter(role=role).select_related("user").order_by(
        "pk").first()
    return assignment.user if assignment else None


def _accredit_programs(actor, today: date) -> int:
    """Accredit the other demo steps' finished programs that have attendance, and issue their
    certificates; how many were accredited."""
    done = 0
    for program in Program.objects.filter(classes__sessions__attendances__isnull=False
                                          ).distinct().order_by("pk"):
        if accreditation_plan(program).problems:
            continue
        try:
            program_accredit(actor=actor, program=program)
            program_certificates_issue(actor=actor, program=program, today=today)
        except ValidationError:
            continue
        done += 1
    return done


# --- records ---------------------------------------------------------------------------------


def _targets(rng: random.Random, state: str, pace: float) -> tuple[float, float]:
    """(total, at 区培 or above) a teacher in `state` has earned by the demo's date."""
    if state == LedgerState.COMPLETE:
        return rng.uniform(362, 470), rng.uniform(185, 260)
    if state == LedgerState.ON_TRACK:
        total = rng.uniform(pace + 3, 356)
        return total, rng.uniform(pace / 2 + 3, min(total, 178))
    if state == LedgerState.BEHIND:
        total = rng.uniform(0.55 * pace, 0.95 * pace)
        return total, total * rng.uniform(0.35, 0.6)
    total = rng.uniform(0.08 * pace, 0.42 * pace)
    return total, total * rng.uniform(0.2, 0.5)


def _write_records(rng, teachers, categories, actor, cycle, last_year: int,
                   today: date) -> dict[int, str]:
    """Records of the cycle's years up to `last_year` for every teacher, in one bulk insert;
    returns the state aimed at for each teacher."""
    months = cycle.months_elapsed(today)
    pace = 360 * months / (12 * cycle.years)
    states, rows = {}, []
    names = [s for s, _ in STATE_WEIGHTS]
    weights = [w for _, w in STATE_WEIGHTS]
    for teacher in teachers:
        state = rng.choices(names, weights)[0]
        states[teacher.pk] = state
        years = list(range(max(cycle.start, teacher.entry_year), last_year + 1))
        if not years:
            continue
        total, above = _targets(rng, state, pace)
        for row in _plan(rng, total, above, years, today):
            rows.append(_record(teacher, row, categories))
    _insert_records(rows, actor)
    return states


def _plan(rng, total: float, above: float, years: list[int], today: date) -> list[tuple]:
    """(year, level, title, category, hours) until `above` hours at 区培 or higher and `total`
    hours in all are reached."""
    plan, earned, earned_above = [], 0, 0
    while earned < total:
        pool = ABOVE_SCHOOL if earned_above < above else AT_SCHOOL
        level, title, category, sizes = rng.choice(pool)
        hours = rng.choice(sizes)
        year = rng.choice(years)
        plan.append((year, level, title.format(y=year), category, hours))
        earned += hours
        earned_above += hours if level != L.SCHOOL else 0
    return plan


RECORD_COLUMNS = ["teacher_id", "year", "earned_on", "hours", "category_id", "level",
                  "source", "title", "accredited_by_id", "accredited_at", "note"]


def _record(teacher: Teacher, row: tuple, categories: dict) -> tuple:
    """A record's values (RECORD_COLUMNS but the last three, which are the same for all)."""
    year, level, title, category, hours = row
    month = 6 if year == REFERENCE_DATE.year else (3 + (len(title) + hours) % 9)
    return (teacher.pk, year, date(year, month, 1 + hours % 27), Decimal(hours),
            categories[category].pk, level, HourSource.MANUAL, title)


def _insert_records(rows: list[tuple], actor) -> None:
    """Many records at once, past the ORM (bulk_create spends seconds preparing 100,000
    model instances): COPY on PostgreSQL, executemany on SQLite, values adapted by the
    backend exactly as the ORM would."""
    ops = connection.ops
    now, actor_id = timezone.now(), actor.pk if actor else None
    table = connection.ops.quote_name(HourRecord._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in RECORD_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, actor_id, now, MIGRATED))
            return
        stamp = ops.adapt_datetimefield_value(now)
        values = [(t, y, ops.adapt_datefield_value(d), ops.adapt_decimalfield_value(h, 7, 1), c,
                   lv, src, title, actor_id, stamp, MIGRATED)
                  for t, y, d, h, c, lv, src, title in rows]
        # 500 rows a statement, not one: with the ledger version's triggers on the table,
        # SQLite keeps a statement journal for every statement of a transaction.
        row_marks = "(" + ", ".join("%s" for _ in RECORD_COLUMNS) + ")"
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES "
                           + ", ".join(row_marks for _ in chunk),
                           [value for row in chunk for value in row])


# --- claims ----------------------------------------------------------------------------------


def _evidence(name: str) -> list[CheckedFile]:
    return [CheckedFile(name, PDF, DEMO_PDF)]


def _claims(rng: random.Random, district: District, trainer, today: date) -> dict[str, int]:
    """Claims of the demo school administrator's teachers, in every state, through the real
    services; the demo teacher's four 区级公开课 pass the rule's cap of 18 学时 a cycle."""
    assignment = RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN,
                                               school__district=district).order_by("pk").first()
    if assignment is None or trainer is None:
        return {}
    school_admin, school = assignment.user, assignment.school
    teachers = list(Teacher.objects.filter(school=school, status=TeacherStatus.ACTIVE,
                                           user__isnull=False).select_related("user")
                    .order_by("pk"))
    demo_teacher = next((t for t in teachers if not t.user.must_change_password), None)
    rules = list(ClaimRule.objects.filter(is_active=True).order_by("pk"))
    lesson = next((r for r in rules if r.name == "区级公开课/示范课"), rules[0])
    made: Counter = Counter()
    if demo_teacher is not None:
        for month in (3, 5, 9, 11):
            _claim(demo_teacher, lesson, f"区级公开课（{2023 + month % 3} 年）",
                   date(2023 + month % 3, month, 12), ClaimStatus.ACCREDITED, school_admin,
                   trainer, made)
        _claim(demo_teacher, rules[rng.randrange(len(rules))], "校外学习申报（待审核）",
               date(today.year, 4, 20), ClaimStatus.SUBMITTED, school_admin, trainer, made)
    others = [t for t in teachers if t != demo_teacher]
    picked = rng.sample(others, min(len(others), 25))
    order = [ClaimStatus.SUBMITTED, ClaimStatus.SCHOOL_APPROVED, ClaimStatus.ACCREDITED,
             ClaimStatus.RETURNED, ClaimStatus.REJECTED]
    for i, teacher in enumerate(sorted(picked, key=lambda t: t.pk)):
        rule = rules[rng.randrange(len(rules))]
        on = date(rng.randint(2023, today.year - 1), rng.randint(1, 12), rng.randint(1, 28))
        _claim(teacher, rule, _title(rule, on), on, order[i % len(order)], school_admin,
               trainer, made)
    return dict(made)


def _title(rule: ClaimRule, on: date) -> str:
    return f"{rule.name.split('（')[0]}（{on.year} 年 {on.month} 月）"


def _claim(teacher, rule, title, on, status, school_admin, trainer, made: Counter) -> None:
    S = ClaimStatus
    data = claim_services.ClaimInput(rule=rule, title=title, happened_on=on,
                                     days=2 if rule.per_day else None)
    claim = claim_services.claim_submit(actor=teacher.user, data=data,
                                        files=_evidence("证明材料.pdf"))
    move = claim_services.claim_transition
    if status == S.RETURNED:
        move(actor=school_admin, claim=claim, to=S.RETURNED, reason="请补充证明材料的扫描件")
    elif status == S.REJECTED:
        move(actor=school_admin, claim=claim, to=S.SCHOOL_APPROVED)
        move(actor=trainer, claim=claim, to=S.REJECTED, reason="不属于可申报学时的校外学习")
    elif status in (S.SCHOOL_APPROVED, S.ACCREDITED):
        move(actor=school_admin, claim=claim, to=S.SCHOOL_APPROVED)
        if status == S.ACCREDITED:
            move(actor=trainer, claim=claim, to=S.ACCREDITED)
    made[str(status)] += 1


# --- certificates ----------------------------------------------------------------------------


def _certificates(rng, trainer, teachers, states, policy, cycle, today: date) -> int:
    """学时证明 for some teachers who completed the cycle."""
    if trainer is None:
        return 0
    complete = [t for t in teachers if states.get(t.pk) == LedgerState.COMPLETE]
    made = 0
    for teacher in sorted(rng.sample(complete, min(len(complete), 20)), key=lambda t: t.pk):
        try:
            hours_certificate_issue(actor=trainer, teacher=teacher, cycle=cycle, policy=policy,
                                    today=today)
        except ValidationError:
            continue
        made += 1
    return made
