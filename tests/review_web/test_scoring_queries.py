"""Query-count guards for the scoring part's lists: the same number of queries for one row
as for three (no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.review_web.factories import (
    AssignmentFactory,
    RoundFactory,
    RubricFactory,
    ScoreFactory,
)
from yanxun.review.models import RoundJudge


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def _judge_rounds(world, n):
    judge = world.users["judge"]
    for _ in range(n):
        round_ = RoundFactory()
        RoundJudge.objects.create(round=round_, judge=judge)
        ScoreFactory(assignment=AssignmentFactory(round=round_, judge=judge))


def _judge_entries(world, n):
    judge, round_ = world.users["judge"], world.round
    for _ in range(n):
        ScoreFactory(assignment=AssignmentFactory(round=round_, judge=judge))


def _templates(world, n):
    for _ in range(n):
        RubricFactory(is_template=True)


def _scores(world, n):
    for _ in range(n):
        score = ScoreFactory(assignment=AssignmentFactory(round=world.round))
        RoundJudge.objects.create(round=world.round, judge=score.assignment.judge)


CASES = {
    "我的评审": ("judge", _judge_rounds, lambda w: reverse("review:my_reviews")),
    "作品列表": ("judge", _judge_entries,
             lambda w: reverse("review:judge_round", args=[w.round.pk])),
    "评价量表": ("trainer", _templates, lambda w: reverse("review:rubric_list")),
    "评分记录": ("trainer", _scores, lambda w: reverse("review:round_scores", args=[w.round.pk])),
    "评分进度": ("trainer", _scores, lambda w: reverse("review:round_detail", args=[w.round.pk])),
    "评审轮次": ("trainer", _judge_rounds, lambda w: reverse("review:round_list")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_query_per_row(world, name):
    role, make, url = CASES[name]
    world.round = RoundFactory()
    RoundJudge.objects.create(round=world.round, judge=world.users["judge"])
    client = world.client_for(role)
    make(world, 1)
    one = _queries(client, url(world))
    make(world, 2)
    assert _queries(client, url(world)) == one
