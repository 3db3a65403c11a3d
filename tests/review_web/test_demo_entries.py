"""The demo of competitions and entries: three competitions with accepted entries from
several schools, the quota kept, codes in order, files that are PDFs, the same every time."""

import random
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from yanxun.accounts.models import RoleAssignment
from yanxun.org.demo import build_demo
from yanxun.org.models import District
from yanxun.review.demo_entries import build, wipe
from yanxun.review.entries import missing_by_entry, sniff
from yanxun.review.enums import CompetitionStatus, EntryStatus
from yanxun.review.models import Competition, CompetitionGroup, Entry, EntryFile

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
E = EntryStatus


@pytest.fixture
def district(db):
    build_demo(seed=7, teachers=600, schools=12)
    return District.objects.get()


def _fingerprint():
    return sorted(Entry.objects.values_list("competition__name", "code", "teacher__employee_no",
                                            "status", "title"))


def test_three_competitions_with_entries_from_several_schools(district):
    """A small district (12 schools, 600 teachers) has few junior 数学 teachers; the demo
    district (60 schools, 4,000 teachers) gives 41, 42 and 33 accepted entries."""
    built = build(district, random.Random("review-demo"), now=NOW)
    assert [(d.competition.name, len(d.accepted), len({e.school_id for e in d.accepted}))
            for d in built.all()] == [
        ("2026 年初中数学优质课评比", 10, 2), ("2026 年小学作业设计评比", 26, 5),
        ("2026 年教学基本功大赛", 14, 7)]
    assert {c.status for c in Competition.objects.all()} == {CompetitionStatus.REVIEWING}
    for demo in built.all():
        assert [e.status for e in demo.accepted] == [E.ACCEPTED] * len(demo.accepted)
        assert demo.competition.recommend_closes < NOW
    # the quota: at most two recommended (accepted or rejected) per school and group
    recommended = Counter(Entry.objects.filter(status__in=[E.ACCEPTED, E.REJECTED])
                          .values_list("group_id", "school_id"))
    assert max(recommended.values()) == 2
    # codes: consecutive per group, up to the group's counter
    for group in CompetitionGroup.objects.all():
        codes = sorted(group.entries.values_list("code", flat=True))
        assert codes == [f"{group.code_prefix}{n:04d}" for n in range(1, group.last_code + 1)]
    # every required file is there, and is a PDF by its content
    for entry in Entry.objects.select_related("competition"):
        assert missing_by_entry([entry])[entry.pk] == []
    sample = EntryFile.objects.order_by("pk").first()
    assert sniff(sample.file.read()) == "application/pdf"
    # the demo school (a junior school) takes part in (a) and (c); the demo teacher leads an
    # accepted entry of (a)
    school_id = RoleAssignment.objects.get(user__username="schooladmin").school_id
    for demo in (built.maths_lessons, built.basic_skills):
        assert Entry.objects.filter(competition=demo.competition, school_id=school_id).exists()
    featured = [e for e in built.maths_lessons.accepted
                if not e.teacher.user.must_change_password]
    assert [(e.school_id, e.group.code_prefix) for e in featured] == [(school_id, "A")]


def test_the_same_every_time(district):
    build(district, random.Random("review-demo"), now=NOW)
    first = _fingerprint()
    wipe()
    build(district, random.Random("review-demo"), now=NOW)
    assert _fingerprint() == first
