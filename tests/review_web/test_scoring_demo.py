"""The scoring demo: rounds, panels, assignments and scores for given competitions."""

import random

import pytest
from django.db import transaction

from tests.factories import DistrictFactory, SchoolFactory, TeacherFactory
from tests.review_web.factories import CompetitionFactory, EntryFactory, GroupFactory
from yanxun.review import aggregate, assign
from yanxun.review.demo_scoring import build_scoring_demo
from yanxun.review.enums import CompetitionStatus, RoundStatus, ScoreStatus
from yanxun.review.models import Assignment, Score


@pytest.fixture
def demo_world(world):
    district = DistrictFactory()
    schools = [world.school_a, world.school_b, *(SchoolFactory() for _ in range(5))]
    teachers = [TeacherFactory(school=schools[n % len(schools)]) for n in range(50)]

    def competition(name, sizes):
        c = CompetitionFactory(name=name, status=CompetitionStatus.REVIEWING)
        for g, size in enumerate(sizes):
            group = GroupFactory(competition=c, name=f"{name}组{g}")
            for n in range(size):
                EntryFactory(group=group, code=f"{'AB'[g]}{n + 1:04d}",
                             teacher=teachers[(g * 13 + n) % 30])
        return c

    return district, competition("优质课", [15, 10]), competition("基本功", [12])


def _summary(result):
    return sorted((s.assignment.round.name, s.assignment.entry.code, s.assignment.judge.username,
                   str(s.total), s.status)
                  for r in result.rounds
                  for s in Score.objects.filter(assignment__round=r).select_related(
                      "assignment__round", "assignment__entry", "assignment__judge"))


def test_demo_rounds_scores_and_the_open_round(demo_world):
    district, finished, open_ = demo_world
    result = build_scoring_demo(district, random.Random(7), finished=[finished], open_=open_)
    first, second, live = result.rounds
    assert [(r.name, r.status, r.blind, r.judges_per_entry) for r in result.rounds] == [
        ("初评", RoundStatus.CLOSED, True, 3), ("复评", RoundStatus.CLOSED, False, 5),
        ("初评", RoundStatus.SCORING, True, 3)]
    assert first.round_entries.count() == 25
    assert second.round_entries.count() == 6 + 4  # 40 % of 15 and of 10
    for r in (first, second):
        counts = [Score.objects.filter(assignment__round=r, assignment__entry=e.entry_id,
                                       status=ScoreStatus.SUBMITTED).count()
                  for e in r.round_entries.all()]
        assert set(counts) == {r.judges_per_entry}
        assert assign.conflicting_assignments(r) == []
    rows = Score.objects.filter(assignment__round=first).values_list(
        "assignment__entry_id", "assignment__judge_id", "total")
    sheet = aggregate.ScoreSheet.from_rows((e, j, float(t)) for e, j, t in rows)
    assert max(aggregate.mean_offsets(sheet)) > 4  # the lenient judge
    assert (result.judge_total, result.judge_done) == (
        Assignment.objects.filter(round=live, judge__username="judge").count(),
        int(result.judge_total * 0.4))
    mine = Score.objects.filter(assignment__round=live, assignment__judge__username="judge")
    assert sorted(mine.values_list("status", flat=True)) == sorted(
        [ScoreStatus.SUBMITTED] * result.judge_done + [ScoreStatus.DRAFT])
    assert result.judge_total > result.judge_done + 1


def test_demo_is_deterministic(demo_world):
    district, finished, open_ = demo_world
    runs = []
    for _ in range(2):
        with transaction.atomic():
            result = build_scoring_demo(district, random.Random(11), finished=[finished])
            runs.append(_summary(result))
            transaction.set_rollback(True)
    assert runs[0] == runs[1] and len(runs[0]) == 25 * 3 + 10 * 5
