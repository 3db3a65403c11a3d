"""The results demo releases the finished competitions through the real services and leaves
a competition still being scored alone."""

import random
from datetime import date

from tests.review_web.results_data import hand_round
from yanxun.core.models import AuditLog
from yanxun.review.demo_results import build_results_demo
from yanxun.review.enums import (
    CompetitionStatus,
    NoticeStatus,
    ObjectionStatus,
    RoundStatus,
)
from yanxun.review.models import Award, Objection, PublicNotice

TODAY = date(2026, 6, 30)


def test_finished_competitions_are_released_with_an_answered_objection(world):
    first = hand_round(world)
    second = hand_round(world)
    scoring = hand_round(world, status=RoundStatus.SCORING)
    summary = build_results_demo(world.school_a.district, random.Random("seed"), today=TODAY)
    assert summary == {"competitions": 2, "awards": 12, "certificates": 12, "objections": 2}
    for data in (first, second):
        data.competition.refresh_from_db()
        data.round.refresh_from_db()
        assert (data.competition.status, data.round.status) == (
            CompetitionStatus.PUBLISHED, RoundStatus.FINALISED)
        notice = PublicNotice.objects.get(competition=data.competition)
        assert notice.status == NoticeStatus.CLOSED and notice.ends_on < TODAY
        objection = Objection.objects.get(notice=notice)
        assert objection.status == ObjectionStatus.DISMISSED and objection.answer
    assert [n.starts_on for n in PublicNotice.objects.order_by("starts_on")] == [
        date(2026, 6, 8), date(2026, 6, 9)]  # 6/6 is a Saturday: the Monday
    scoring.competition.refresh_from_db()
    assert scoring.competition.status == CompetitionStatus.REVIEWING
    assert Award.objects.filter(serial__isnull=True).count() == 0
    assert AuditLog.objects.filter(action="review.flag.acknowledge").count() == 4
