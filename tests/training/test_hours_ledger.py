"""The ledger's arithmetic: cycles, category caps, claim rule caps, 学时 ↔ 学分, requirement
lines (national, Jiangsu, a Shanghai-style credit split), states, and the set-wise
computation agreeing with the one-teacher one."""

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import TeacherFactory
from tests.training.factories import CategoryFactory
from tests.training.factories_hours import claim_rule, policy, record
from yanxun.training.enums import ClaimStatus, HourSource, ProgramLevel, RequirementUnit
from yanxun.training.ledger import (
    Cycle,
    LedgerState,
    all_ledgers,
    cycle_of,
    teacher_ledger,
)
from yanxun.training.models import HourClaim, LedgerRequirement

D = Decimal
CYCLE = Cycle(2021, 5)
END = date(2026, 1, 15)  # after the 2021—2025 cycle: the pace asks for everything


def requirement_view(ledger):
    return [(r.name, r.done, r.short, r.met) for r in ledger.requirements]


@pytest.mark.parametrize(("year", "start"), [(2021, 2021), (2025, 2021), (2026, 2026),
                                             (2030, 2026), (2020, 2016), (2011, 2011)])
def test_cycles_follow_the_start_year_and_length(db, year, start):
    assert cycle_of(policy(), year) == Cycle(start, 5)


def test_a_three_year_cycle_from_2024(db):
    assert cycle_of(policy(cycle_years=3, cycle_start_year=2024), 2023) == Cycle(2021, 3)
    assert Cycle(2021, 3).label == "2021—2023 年"


def test_totals_by_year_level_and_category_against_the_national_and_jiangsu_lines(world):
    teacher = world.teacher_a
    skills, ethics = CategoryFactory(name="知识技能"), CategoryFactory(name="师德师风")
    record(teacher, "120", year=2021, level=ProgramLevel.CITY, category=skills)
    record(teacher, "40.5", year=2022, level=ProgramLevel.DISTRICT, category=ethics)
    record(teacher, "100", year=2023, level=ProgramLevel.SCHOOL, category=skills)
    record(teacher, "60", year=2025, level=ProgramLevel.SCHOOL, category=ethics)
    record(teacher, "99", year=2026, level=ProgramLevel.NATIONAL, category=skills)  # next cycle
    ledger = teacher_ledger(teacher, CYCLE, policy=policy(), today=END)
    assert [(b.label, b.hours) for b in ledger.by_year] == [
        ("2021 年", D("120")), ("2022 年", D("40.5")), ("2023 年", D("100")),
        ("2024 年", D("0")), ("2025 年", D("60"))]
    assert [(b.label, b.hours) for b in ledger.by_level] == [
        ("市培", D("120")), ("区培", D("40.5")), ("校本", D("160"))]
    assert [(b.label, b.hours) for b in ledger.by_category] == [
        ("师德师风", D("100.5")), ("知识技能", D("220"))]  # the dictionary's order
    assert (ledger.total, ledger.counted, ledger.credits) == (D("320.5"), D("320.5"),
                                                               D("32.05"))
    assert requirement_view(ledger) == [
        ("周期总学时", D("320.5"), D("39.5"), False),
        ("区级及以上培训学时", D("160.5"), D("19.5"), False)]
    assert ledger.state == LedgerState.BEHIND  # 320.5 of 360: above half the (full) pace


def test_category_annual_cap_counts_records_in_the_order_earned(world):
    teacher = world.teacher_a
    ethics = CategoryFactory(name="师德师风", annual_cap=D("20"))
    first = record(teacher, "15", year=2022, on=date(2022, 3, 1), category=ethics)
    second = record(teacher, "10", year=2022, on=date(2022, 5, 1), category=ethics)
    third = record(teacher, "8", year=2022, on=date(2022, 9, 1), category=ethics)
    next_year = record(teacher, "12", year=2023, on=date(2023, 3, 1), category=ethics)
    ledger = teacher_ledger(teacher, CYCLE, policy=policy(), today=END)
    lines = {line.record.pk: line for line in ledger.lines}
    assert [(lines[r.pk].hours, lines[r.pk].counted) for r in (first, second, third,
                                                                next_year)] == [
        (D("15"), D("15")), (D("10"), D("5")), (D("8"), D("0")), (D("12"), D("12"))]
    assert lines[second.pk].notes == ["超出「师德师风」2022 年上限 20.0 学时，5.0 学时不计入"]
    assert lines[third.pk].notes == ["超出「师德师风」2022 年上限 20.0 学时，8.0 学时不计入"]
    assert (ledger.total, ledger.counted, ledger.not_counted) == (D("45"), D("32"), D("13"))
    assert [(b.label, b.hours, b.counted) for b in ledger.by_year][1:3] == [
        ("2022 年", D("33"), D("20")), ("2023 年", D("12"), D("12"))]


def _accredited_claim(teacher, rule, on: date, hours: str):
    claim = HourClaim.objects.create(teacher=teacher, rule=rule, title=f"公开课 {on}",
                                     happened_on=on, status=ClaimStatus.ACCREDITED,
                                     hours=D(hours))
    return record(teacher, hours, year=on.year, on=on, category=rule.category, level=rule.level,
                  source=HourSource.CLAIM, claim=claim)


def test_claim_rule_cap_per_cycle_then_category_cap(world):
    teacher = world.teacher_a
    practice = CategoryFactory(name="实践体验", annual_cap=D("10"))
    rule = claim_rule(hours="6", cap="18", category=practice)
    records = [_accredited_claim(teacher, rule, date(2021 + i, 4, 1), "6") for i in range(3)]
    records.append(_accredited_claim(teacher, rule, date(2024, 6, 1), "6"))
    records.append(_accredited_claim(teacher, rule, date(2024, 9, 1), "6"))
    same_year = record(teacher, "7", year=2024, on=date(2024, 10, 1), category=practice)
    ledger = teacher_ledger(teacher, CYCLE, policy=policy(), today=END)
    lines = {line.record.pk: line for line in ledger.lines}
    assert [lines[r.pk].counted for r in records] == [D("6"), D("6"), D("6"), D("0"), D("0")]
    assert lines[records[3].pk].notes == ["超出「区级公开课」每周期上限 18.0 学时，6.0 学时不计入"]
    # The 2024 claims count nothing, so the category's 10 in 2024 are left for the 7.
    assert lines[same_year.pk].counted == D("7")
    assert (ledger.total, ledger.counted) == (D("37"), D("25"))


def test_a_claim_crossing_the_cap_counts_in_part(world):
    teacher = world.teacher_a
    rule = claim_rule(hours="8", cap="18", name="市级论文")
    records = [_accredited_claim(teacher, rule, date(2022, m, 1), "8") for m in (1, 2, 3)]
    ledger = teacher_ledger(teacher, CYCLE, policy=policy(), today=END)
    lines = {line.record.pk: line for line in ledger.lines}
    assert [lines[r.pk].counted for r in records] == [D("8"), D("8"), D("2")]
    assert lines[records[2].pk].notes == ["超出「市级论文」每周期上限 18.0 学时，6.0 学时不计入"]


def test_credits_truncate_and_shortfalls_in_credits_round_up(world):
    current = policy(hours_per_credit=D("12"))
    LedgerRequirement.objects.filter(policy=current).delete()
    LedgerRequirement.objects.create(policy=current, name="周期总学分", minimum=D("30"),
                                     unit=RequirementUnit.CREDITS)
    record(world.teacher_a, "100")  # 8.333… credits
    ledger = teacher_ledger(world.teacher_a, CYCLE, policy=current, today=END)
    assert ledger.credits == D("8.33")
    assert requirement_view(ledger) == [("周期总学分", D("8.33"), D("21.67"), False)]


def test_a_credit_requirement_is_met_exactly_at_its_hours(world):
    current = policy(hours_per_credit=D("12.5"))
    LedgerRequirement.objects.filter(policy=current).delete()
    LedgerRequirement.objects.create(policy=current, name="总学分", minimum=D("3.5"),
                                     unit=RequirementUnit.CREDITS)  # 43.75 学时
    record(world.teacher_a, "43.7")
    short = teacher_ledger(world.teacher_a, CYCLE, policy=current, today=END)
    assert requirement_view(short) == [("总学分", D("3.49"), D("0.01"), False)]
    record(world.teacher_a, "0.1")  # 43.8 ≥ 43.75
    met = teacher_ledger(world.teacher_a, CYCLE, policy=current, today=END)
    assert requirement_view(met) == [("总学分", D("3.50"), D("0.00"), True)]
    assert met.state == LedgerState.COMPLETE


def shanghai_policy():
    """Shanghai-style: 36 学分 per five years (10 学时 a credit), split by category, with a
    share at 市级 or above."""
    current = policy(hours_per_credit=D("10"))
    LedgerRequirement.objects.filter(policy=current).delete()
    ethics = CategoryFactory(name="师德与素养")
    skills = CategoryFactory(name="知识与技能")
    practice = CategoryFactory(name="实践体验")
    lines = [("总学分", "36", [], ""), ("师德与素养", "6", [ethics], ""),
             ("知识与技能", "18", [skills], ""), ("实践体验", "6", [practice], ""),
             ("市级及以上知识与技能", "6", [skills], ProgramLevel.CITY)]
    for position, (name, minimum, categories, level) in enumerate(lines):
        line = LedgerRequirement.objects.create(policy=current, name=name, minimum=D(minimum),
                                                unit=RequirementUnit.CREDITS, min_level=level,
                                                position=position)
        line.categories.set(categories)
    return current, ethics, skills, practice


def test_a_shanghai_style_credit_split_by_category_and_level(world):
    current, ethics, skills, practice = shanghai_policy()
    teacher = world.teacher_a
    record(teacher, "70", category=ethics, level=ProgramLevel.SCHOOL)
    record(teacher, "150", category=skills, level=ProgramLevel.DISTRICT)
    record(teacher, "45", category=skills, level=ProgramLevel.CITY)
    record(teacher, "80", category=practice, level=ProgramLevel.SCHOOL)
    ledger = teacher_ledger(teacher, CYCLE, policy=current, today=END)
    assert requirement_view(ledger) == [
        ("总学分", D("34.50"), D("1.50"), False),
        ("师德与素养", D("7.00"), D("0.00"), True),
        ("知识与技能", D("19.50"), D("0.00"), True),
        ("实践体验", D("8.00"), D("0.00"), True),
        ("市级及以上知识与技能", D("4.50"), D("1.50"), False)]
    assert [line.requirement.scope_text() for line in ledger.requirements] == [
        "全部学时", "师德与素养类", "知识与技能类", "实践体验类", "知识与技能类，市培及以上"]
    record(teacher, "15", category=skills, level=ProgramLevel.PROVINCE)
    done = teacher_ledger(teacher, CYCLE, policy=current, today=END)
    assert all(line.met for line in done.requirements)
    assert done.state == LedgerState.COMPLETE


@pytest.mark.parametrize(("hours", "state"), [
    ("360", LedgerState.COMPLETE),
    ("180", LedgerState.ON_TRACK),  # exactly the pace of 360: 30 of 60 months gone
    ("179.9", LedgerState.BEHIND),
    ("90", LedgerState.BEHIND),  # exactly half the pace
    ("89.9", LedgerState.FAR_BEHIND),
])
def test_state_against_the_pace_of_the_cycle(world, hours, state):
    record(world.teacher_a, hours, level=ProgramLevel.DISTRICT)
    ledger = teacher_ledger(world.teacher_a, CYCLE, policy=policy(), today=date(2023, 6, 30))
    assert ledger.state == state


def test_pace_shown_per_requirement(world):
    ledger = teacher_ledger(world.teacher_a, CYCLE, policy=policy(), today=date(2023, 6, 30))
    assert [(r.pace, r.done, r.short, r.percent) for r in ledger.requirements] == [
        (D("180"), D("0"), D("360"), 0), (D("90"), D("0"), D("180"), 0)]
    assert ledger.state == LedgerState.FAR_BEHIND


def test_all_ledgers_agree_with_each_teachers_ledger(world):
    ethics = CategoryFactory(name="师德师风", annual_cap=D("20"))
    rule = claim_rule(hours="6", cap="12")
    others = [TeacherFactory(school=world.school_b) for _ in range(3)]
    teachers = [world.teacher_a, world.teacher_b, *others]
    for i, teacher in enumerate(teachers[:-1]):
        record(teacher, str(30 * (i + 1)), year=2022, category=ethics)
        record(teacher, str(100 + 50 * i), year=2023, level=ProgramLevel.CITY)
        for month in (1, 2, 3):
            _accredited_claim(teacher, rule, date(2024, month, 1), "6")
    current = policy()
    frame = all_ledgers(None, CYCLE, policy=current, today=date(2024, 12, 31))
    by_teacher = {row["teacher_id"]: row for row in frame.iter_rows(named=True)}
    assert sorted(by_teacher) == sorted(t.pk for t in teachers)
    for teacher in teachers:
        ledger = teacher_ledger(teacher, CYCLE, policy=current, today=date(2024, 12, 31))
        row = by_teacher[teacher.pk]
        assert (D(row["counted"]) / 10, D(row["raw"]) / 10, row["state"]) == (
            ledger.counted, ledger.total, ledger.state)
        assert [D(row[f"r{i}_short"]) / 10 for i in range(2)] == [
            line.short for line in ledger.requirements]
    assert by_teacher[others[-1].pk]["counted"] == 0
    assert by_teacher[world.teacher_a.pk]["counted"] == (20 + 100 + 12) * 10


def test_all_ledgers_of_a_school_only(world):
    record(world.teacher_a, "10")
    record(world.teacher_b, "20")
    from yanxun.org.models import Teacher

    frame = all_ledgers(Teacher.objects.filter(school=world.school_a), CYCLE, policy=policy(),
                        today=END)
    assert frame.select("name", "counted").rows() == [("张晓明", 100)]
