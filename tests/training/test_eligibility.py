"""The eligibility selector: each audience rule with its exact Chinese reason, and the same
rules as a database filter for bulk enrolment."""

from datetime import date

import pytest

from tests.factories import SchoolFactory, SubjectFactory, TeacherFactory
from tests.training.factories_enrol import ProgramFactory
from yanxun.org.enums import HonourLevel, HonourTier, Location, Stage, TeacherStatus
from yanxun.org.models import Teacher, TeacherHonour
from yanxun.training.eligibility import (
    audience_filter,
    audience_of,
    audience_text,
    facts_for,
    reasons,
    years_since_entry,
)

ON = date(2026, 11, 1)


def _reasons(teacher, program):
    teacher = Teacher.objects.select_related("school").get(pk=teacher.pk)
    return reasons(facts_for([teacher], on=ON)[teacher.pk], audience_of(program))


@pytest.fixture
def teacher(db):
    school = SchoolFactory(location=Location.CITY, is_weak=False)
    return TeacherFactory(school=school, stage=Stage.JUNIOR, entry_year=2010)


def test_no_rules_means_everyone(teacher):
    program = ProgramFactory()
    assert _reasons(teacher, program) == []
    assert audience_text(audience_of(program)) == "全体教师"


@pytest.mark.parametrize(("stages", "expected"), [
    (["primary"], ["仅面向小学学段"]),
    (["primary", "senior"], ["仅面向小学、高中学段"]),
    (["junior"], []),
    (["primary", "junior"], []),
])
def test_stage_rule(teacher, stages, expected):
    assert _reasons(teacher, ProgramFactory(audience_stages=stages)) == expected


def test_subject_rule(teacher):
    chinese, maths = SubjectFactory(name="语文", sort_order=1), SubjectFactory(name="数学",
                                                                            sort_order=2)
    teacher.subjects.set([chinese])
    program = ProgramFactory()
    program.audience_subjects.set([maths])
    assert _reasons(teacher, program) == ["仅面向数学学科教师"]
    program.audience_subjects.set([maths, chinese])
    assert _reasons(teacher, program) == []
    assert audience_text(audience_of(program)) == "语文、数学教师"


def test_honour_rule_counts_only_honours_valid_on_the_day(teacher):
    program = ProgramFactory(audience_honours=["new_star", "skilled", "backbone"])
    assert _reasons(teacher, program) == ["仅面向获评教坛新秀、教学能手、骨干教师的教师"]
    TeacherHonour.objects.create(teacher=teacher, tier=HonourTier.SKILLED,
                                 level=HonourLevel.DISTRICT, awarded_on=date(2020, 9, 1),
                                 expires_on=date(2023, 8, 31))
    assert _reasons(teacher, program) == ["仅面向获评教坛新秀、教学能手、骨干教师的教师"]
    TeacherHonour.objects.create(teacher=teacher, tier=HonourTier.BACKBONE,
                                 level=HonourLevel.DISTRICT, awarded_on=date(2023, 9, 1))
    assert _reasons(teacher, program) == []


def test_year_of_entry_is_year_one():
    assert years_since_entry(2026, 2026) == 1
    assert years_since_entry(2024, 2026) == 3
    assert years_since_entry(2023, 2026) == 4


@pytest.mark.parametrize(("entry_year", "expected"), [
    (2026, []), (2024, []), (2023, ["仅面向入职 3 年内的新教师"]),
])
def test_new_teachers_are_the_first_three_years_of_the_programs_year(teacher, entry_year,
                                                                       expected):
    Teacher.objects.filter(pk=teacher.pk).update(entry_year=entry_year)
    assert _reasons(teacher, ProgramFactory(year=2026, audience_max_years=3)) == expected


def test_longer_maximum_and_a_minimum(teacher):
    Teacher.objects.filter(pk=teacher.pk).update(entry_year=2020)  # year 7 in 2026
    assert _reasons(teacher, ProgramFactory(audience_max_years=5)) == ["仅面向入职 5 年内的教师"]
    assert _reasons(teacher, ProgramFactory(audience_min_years=8)) == [
        "仅面向入职 8 年及以上的教师"]
    assert _reasons(teacher, ProgramFactory(audience_min_years=7)) == []


def test_location_and_weak_school_rules(teacher):
    assert _reasons(teacher, ProgramFactory(audience_locations=["rural"])) == ["仅面向乡村学校"]
    assert _reasons(teacher, ProgramFactory(audience_locations=["town", "rural"])) == [
        "仅面向镇区、乡村学校"]
    assert _reasons(teacher, ProgramFactory(audience_weak_schools=True)) == ["仅面向薄弱学校"]


def test_every_failed_rule_is_named_in_order(teacher):
    Teacher.objects.filter(pk=teacher.pk).update(status=TeacherStatus.RETIRED)
    program = ProgramFactory(audience_stages=["primary"], audience_max_years=3,
                             audience_locations=["rural"], audience_weak_schools=True)
    assert _reasons(teacher, program) == [
        "仅面向在职教师", "仅面向小学学段", "仅面向入职 3 年内的新教师", "仅面向乡村学校",
        "仅面向薄弱学校"]
    assert audience_text(audience_of(program)) == "小学；入职 3 年内；乡村学校；薄弱学校"


def test_database_filter_matches_the_reasons(db):
    maths = SubjectFactory(name="数学")
    rural = SchoolFactory(location=Location.RURAL)
    city = SchoolFactory(location=Location.CITY)
    teachers = [TeacherFactory(school=school, stage=stage, entry_year=year)
                for school in (rural, city) for stage in (Stage.PRIMARY, Stage.JUNIOR)
                for year in (2019, 2024)]
    for t in teachers[::2]:
        t.subjects.set([maths])
    TeacherHonour.objects.create(teacher=teachers[1], tier=HonourTier.NEW_STAR,
                                 level=HonourLevel.SCHOOL, awarded_on=date(2025, 1, 1))
    programs = [ProgramFactory(audience_stages=["primary"], audience_max_years=3),
                ProgramFactory(audience_locations=["rural"], audience_min_years=4)]
    programs[1].audience_subjects.set([maths])
    programs.append(ProgramFactory(audience_honours=["new_star"]))
    loaded = list(Teacher.objects.select_related("school"))
    facts = facts_for(loaded, on=ON)
    for program in programs:
        audience = audience_of(program)
        by_reasons = sorted(t.pk for t in loaded if not reasons(facts[t.pk], audience))
        by_filter = sorted(Teacher.objects.filter(audience_filter(audience, on=ON))
                           .values_list("pk", flat=True))
        assert by_filter == by_reasons
    assert len(by_filter) == 1
