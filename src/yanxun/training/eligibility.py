"""Who may enrol in a program: the one eligibility selector used by the menu, by enrolment
and by bulk enrolment (pages, API and imports alike).

A program's target audience is a set of rules, each empty when it does not restrict
(stages, subjects, honour tiers, years since 入职, 城乡, 薄弱学校). A teacher who fails a rule
gets its reason in Chinese ("仅面向初中学段", "仅面向入职 3 年内的新教师" …); an eligible teacher
gets no reason at all.

Years since 入职 are counted in the program's year, and the year of 入职 is year 1: for a 2026
program, a teacher who entered in 2024 is in year 3 (a 新教师 of the first three years), one
who entered in 2023 is in year 4.

Facts about teachers are read in batches (`facts_for`: two queries for any number of
teachers), so the menu of forty programs and a bulk check of four thousand teachers cost the
same handful of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from yanxun.org.enums import HonourTier, Location, Stage, TeacherStatus
from yanxun.org.models import Teacher, TeacherHonour
from yanxun.training.models import Program

NEW_TEACHER_YEARS = 3


@dataclass(frozen=True)
class TeacherFacts:
    """What the audience rules look at, for one teacher."""

    teacher_id: int
    stage: str
    subject_ids: frozenset[int]
    honour_tiers: frozenset[str]
    entry_year: int
    location: str
    is_weak: bool
    active: bool


@dataclass(frozen=True)
class Audience:
    """A program's audience rules, read once (subjects with their names)."""

    stages: tuple[str, ...]
    subjects: tuple[tuple[int, str], ...]
    honours: tuple[str, ...]
    max_years: int | None
    min_years: int | None
    locations: tuple[str, ...]
    weak_only: bool
    year: int

    @property
    def subject_ids(self) -> frozenset[int]:
        return frozenset(pk for pk, _ in self.subjects)


def audience_of(program: Program) -> Audience:
    """The rules of a program; its subjects are read from a prefetch when there is one."""
    subjects = sorted(((s.pk, s.name, s.sort_order) for s in program.audience_subjects.all()),
                      key=lambda s: (s[2], s[1]))
    return Audience(
        stages=tuple(program.audience_stages or ()),
        subjects=tuple((pk, name) for pk, name, _ in subjects),
        honours=tuple(program.audience_honours or ()),
        max_years=program.audience_max_years,
        min_years=program.audience_min_years,
        locations=tuple(program.audience_locations or ()),
        weak_only=program.audience_weak_schools,
        year=program.year,
    )


def years_since_entry(entry_year: int, year: int) -> int:
    """The year of 入职 is year 1."""
    return year - entry_year + 1


def facts_for(teachers: Iterable[Teacher], *, on: date) -> dict[int, TeacherFacts]:
    """{teacher pk: facts}. The teachers need their school (select_related("school")); their
    subjects and the honours valid on `on` are read in two queries for the whole batch."""
    teachers = list(teachers)
    ids = [t.pk for t in teachers]
    subjects: dict[int, set[int]] = {pk: set() for pk in ids}
    honours: dict[int, set[str]] = {pk: set() for pk in ids}
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        through = Teacher.subjects.through.objects.filter(teacher_id__in=chunk)
        for teacher_id, subject_id in through.values_list("teacher_id", "subject_id"):
            subjects[teacher_id].add(subject_id)
        valid = TeacherHonour.objects.filter(teacher_id__in=chunk, awarded_on__lte=on).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        for teacher_id, tier in valid.values_list("teacher_id", "tier"):
            honours[teacher_id].add(tier)
    return {t.pk: TeacherFacts(
        teacher_id=t.pk, stage=t.stage, subject_ids=frozenset(subjects[t.pk]),
        honour_tiers=frozenset(honours[t.pk]), entry_year=t.entry_year,
        location=t.school.location, is_weak=t.school.is_weak,
        active=t.status == TeacherStatus.ACTIVE) for t in teachers}


def _labels(values: Iterable[str], choices) -> str:
    names = dict(choices)
    return "、".join(str(names.get(v, v)) for v in values)


def reasons(facts: TeacherFacts, audience: Audience) -> list[str]:
    """Why this teacher may not enrol, rule by rule; [] when eligible."""
    out: list[str] = []
    if not facts.active:
        out.append("仅面向在职教师")
    if audience.stages and facts.stage not in audience.stages:
        out.append(f"仅面向{_labels(audience.stages, Stage.choices)}学段")
    if audience.subjects and not facts.subject_ids & audience.subject_ids:
        out.append(f"仅面向{'、'.join(name for _, name in audience.subjects)}学科教师")
    if audience.honours and not facts.honour_tiers & set(audience.honours):
        out.append(f"仅面向获评{_labels(audience.honours, HonourTier.choices)}的教师")
    years = years_since_entry(facts.entry_year, audience.year)
    if audience.max_years is not None and years > audience.max_years:
        who = "新教师" if audience.max_years <= NEW_TEACHER_YEARS else "教师"
        out.append(f"仅面向入职 {audience.max_years} 年内的{who}")
    if audience.min_years is not None and years < audience.min_years:
        out.append(f"仅面向入职 {audience.min_years} 年及以上的教师")
    if audience.locations and facts.location not in audience.locations:
        out.append(f"仅面向{_labels(audience.locations, Location.choices)}学校")
    if audience.weak_only and not facts.is_weak:
        out.append("仅面向薄弱学校")
    return out


def audience_text(audience: Audience) -> str:
    """The rules in one line for the menu: 初中；语文、数学；入职 3 年内 … ("全体教师" if none)."""
    parts = []
    if audience.stages:
        parts.append(_labels(audience.stages, Stage.choices))
    if audience.subjects:
        parts.append("、".join(name for _, name in audience.subjects) + "教师")
    if audience.honours:
        parts.append(_labels(audience.honours, HonourTier.choices))
    if audience.max_years is not None and audience.min_years is not None:
        parts.append(f"入职第 {audience.min_years}–{audience.max_years} 年")
    elif audience.max_years is not None:
        parts.append(f"入职 {audience.max_years} 年内")
    elif audience.min_years is not None:
        parts.append(f"入职 {audience.min_years} 年及以上")
    if audience.locations:
        parts.append(_labels(audience.locations, Location.choices) + "学校")
    if audience.weak_only:
        parts.append("薄弱学校")
    return "；".join(parts) or "全体教师"


def audience_filter(audience: Audience, *, on: date) -> Q:
    """The same rules as a filter on Teacher, for bulk enrolment ("all new teachers of the
    year"): a teacher matches it exactly when `reasons` finds nothing."""
    condition = Q(status=TeacherStatus.ACTIVE)
    if audience.stages:
        condition &= Q(stage__in=audience.stages)
    if audience.subjects:
        teaching = Teacher.subjects.through.objects.filter(subject_id__in=audience.subject_ids)
        condition &= Q(pk__in=teaching.values("teacher_id"))
    if audience.honours:
        valid = TeacherHonour.objects.filter(tier__in=audience.honours, awarded_on__lte=on).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        condition &= Q(pk__in=valid.values("teacher_id"))
    if audience.max_years is not None:
        condition &= Q(entry_year__gte=audience.year + 1 - audience.max_years)
    if audience.min_years is not None:
        condition &= Q(entry_year__lte=audience.year + 1 - audience.min_years)
    if audience.locations:
        condition &= Q(school__location__in=audience.locations)
    if audience.weak_only:
        condition &= Q(school__is_weak=True)
    return condition
