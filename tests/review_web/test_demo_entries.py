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
from yanxun.review.demo import wipe_review
from yanxun.review.demo_entries import build, wipe
from yanxun.review.entries import missing_by_entry, sniff
from yanxun.review.enums import (
    CompetitionStatus,
    EntryStatus,
    NoticeStatus,
    ObjectionStatus,
    RoundKind,
    RoundStatus,
    ScoreStatus,
)
from yanxun.review.models import (
    Assignment,
    Award,
    Competition,
    CompetitionGroup,
    Entry,
    EntryFile,
    Objection,
    PublicNotice,
    Round,
    Score,
)

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
E = EntryStatus


@pytest.fixture
def built(db):
    """A small demo district with every step, the review step included."""
    build_demo(seed=7, teachers=600, schools=12)
    return District.objects.get()


@pytest.fixture
def district(built):
    """The same district with the review step's records removed (its --reset), for the
    entries part's own build."""
    wipe_review(None)
    assert Competition.objects.count() == 0
    return built


def test_the_review_step_leaves_two_released_competitions_and_one_open_for_the_judge(built):
    """The issue's demo: two finished competitions (a blind online round and a live round)
    with scores, a notice and an objection, one open for scoring by the demo judge."""
    by_status = dict(Competition.objects.values_list("name", "status"))
    assert by_status == {"2026 年初中数学优质课评比": CompetitionStatus.PUBLISHED,
                         "2026 年小学作业设计评比": CompetitionStatus.PUBLISHED,
                         "2026 年教学基本功大赛": CompetitionStatus.REVIEWING}
    maths = Competition.objects.get(name="2026 年初中数学优质课评比")
    assert [(r.kind, r.blind, r.status) for r in maths.rounds.order_by("position")] == [
        (RoundKind.ONLINE, True, RoundStatus.FINALISED), (RoundKind.LIVE, False, RoundStatus.FINALISED)]
    for name in ("2026 年初中数学优质课评比", "2026 年小学作业设计评比"):
        notice = PublicNotice.objects.get(competition__name=name)
        assert notice.status == NoticeStatus.CLOSED
        assert Award.objects.filter(competition__name=name).exists()
    objections = Objection.objects.all()
    assert objections.count() >= 1
    assert all(o.status != ObjectionStatus.SUBMITTED and o.answer for o in objections)
    open_round = Round.objects.get(competition__name="2026 年教学基本功大赛")
    assert (open_round.status, open_round.blind) == (RoundStatus.SCORING, True)
    judge_scores = Score.objects.filter(assignment__round=open_round,
                                        assignment__judge__username="judge")
    assert Assignment.objects.filter(round=open_round, judge__username="judge").count() > \
        judge_scores.filter(status=ScoreStatus.SUBMITTED).count() > 0


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
