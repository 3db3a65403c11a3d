"""Awards from the final round's results: quota with a tie on a boundary, score bands, the
borderline cases, confirming (audited) and re-confirming."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.review_web.results_data import hand_round
from yanxun.core.models import AuditLog
from yanxun.review.awards import award_plan, awards_confirm
from yanxun.review.enums import AwardMethod, CompetitionStatus, RoundStatus
from yanxun.review.models import Award, Score


def finalised(world, **competition_fields):
    data = hand_round(world, status=RoundStatus.FINALISED, **competition_fields)
    return data


def _lines(group):
    return [(line.row.code, line.row.rank, line.tier.name if line.tier else None,
             line.borderline) for line in group.lines]


def test_quota_with_a_tie_on_the_boundary_gives_both_the_better_tier(world):
    data = finalised(world, award_tiers=[
        {"name": "一等奖", "share": "0.5"}, {"name": "二等奖", "share": "0.25"},
        {"name": "三等奖", "share": "0.25"}])
    plan = award_plan(data.competition)
    assert plan.problems == []
    maths, chinese = plan.groups
    tie = "第 2 名 2 件并列，跨越「一等奖」名额线（前 2 名），均获「一等奖」"
    # 初中数学组, n = 4: 一等奖 ceil(0.5 × 4) = 2 places, but ranks 1, 2, 2 all fall within
    # them; 二等奖 ceil(0.25 × 4) = 1 place (position 3, taken by the tie); 三等奖 position 4.
    assert _lines(maths) == [("A0001", 1, "一等奖", []), ("A0002", 2, "一等奖", [tie]),
                             ("A0003", 2, "一等奖", [tie]), ("A0004", 4, "三等奖", [])]
    assert [(t.name, places, given) for t, places, given in maths.quotas] == [
        ("一等奖", 2, 3), ("二等奖", 1, 0), ("三等奖", 1, 1)]
    # 初中语文组, n = 2 ranked (B0003 未评): ceil(1) = 1, ceil(0.5) = 1, ceil(0.5) = 1.
    assert _lines(chinese) == [("B0001", 1, "一等奖", []), ("B0002", 2, "二等奖", [])]
    assert chinese.unscored == 1
    assert plan.counts() == {"一等奖": 4, "二等奖": 1, "三等奖": 1}


def test_quota_borderline_within_half_a_point(world):
    data = finalised(world)  # the factory's tiers: 0.2 / 0.3 / 0.5
    a1 = data.entries["A0001"]
    Score.objects.filter(assignment__entry=a1, assignment__judge=data.judges[0]).update(
        total=85.5)  # A0001: (85.5 + 88 + 86) / 3 = 86.5, 0.5 above the tied 86s
    maths = award_plan(data.competition).groups[0]
    assert _lines(maths) == [
        ("A0001", 1, "一等奖", ["距「二等奖」最高分仅 0.5 分"]),
        ("A0002", 2, "二等奖", ["距「一等奖」最低分仅 0.5 分"]),
        ("A0003", 2, "二等奖", ["距「一等奖」最低分仅 0.5 分"]),
        ("A0004", 4, "三等奖", []),
    ]


def test_bands_with_borderline_entries(world):
    data = finalised(world, award_method=AwardMethod.BANDS, award_tiers=[
        {"name": "一等奖", "min_score": "88"}, {"name": "二等奖", "min_score": "85.5"},
        {"name": "三等奖", "min_score": "80"}])
    maths, chinese = award_plan(data.competition).groups
    assert _lines(maths) == [
        ("A0001", 1, "一等奖", ["高出「一等奖」分数线 88 分 0 分"]),
        ("A0002", 2, "二等奖", ["高出「二等奖」分数线 85.5 分 0.5 分"]),
        ("A0003", 2, "二等奖", ["高出「二等奖」分数线 85.5 分 0.5 分"]),
        ("A0004", 4, "三等奖", []),
    ]
    assert _lines(chinese) == [("B0001", 1, None, []), ("B0002", 2, None, [])]


@pytest.mark.parametrize(("tiers", "message"), [
    ([], "评比活动还没有设置奖项（奖项设置为空）。"),
    ([{"name": "一等奖", "share": "1.5"}], "「一等奖」的比例应大于 0 且不超过 1。"),
    ([{"name": "一等奖", "share": "多"}], "奖项设置中「一等奖」的比例「多」不是数字。"),
    ([{"name": "", "share": "0.1"}], "奖项设置第 1 项没有奖项名称。"),
])
def test_bad_tiers_are_named(world, tiers, message):
    data = finalised(world, award_tiers=tiers)
    assert award_plan(data.competition).problems == [message]


def test_plan_needs_the_final_round_finalised(world):
    data = hand_round(world)  # closed, not finalised
    assert award_plan(data.competition).problems == [
        "请先确定终轮「初评」的评审结果（当前为「评分结束」）。"]
    with pytest.raises(ValidationError):
        awards_confirm(actor=world.users["trainer"], competition=data.competition)
    assert Award.objects.count() == 0


def test_confirm_writes_the_awards_audited_and_reconfirm_replaces(world):
    data = finalised(world)
    trainer = world.users["trainer"]
    made = awards_confirm(actor=trainer, competition=data.competition)
    rows = [(a.entry.code, a.tier, a.tier_order, str(a.final), a.rank)
            for a in Award.objects.order_by("entry__code")]
    assert rows == [("A0001", "一等奖", 1, "88.0000", 1), ("A0002", "二等奖", 2, "86.0000", 2),
                    ("A0003", "二等奖", 2, "86.0000", 2), ("A0004", "三等奖", 3, "81.0000", 4),
                    ("B0001", "一等奖", 1, "75.0000", 1), ("B0002", "二等奖", 2, "65.0000", 2)]
    assert len(made) == 6
    assert AuditLog.objects.filter(action="review.award.decide").count() == 6
    data.competition.award_tiers = [{"name": "一等奖", "share": "0.25"}]
    data.competition.save()
    awards_confirm(actor=trainer, competition=data.competition)
    assert [(a.entry.code, a.tier) for a in Award.objects.order_by("entry__code")] == [
        ("A0001", "一等奖"), ("B0001", "一等奖")]
    replaced = AuditLog.objects.get(action="review.awards.replace")
    assert replaced.before == {"awards": ["A0001 一等奖", "A0002 二等奖", "A0003 二等奖",
                                          "A0004 三等奖", "B0001 一等奖", "B0002 二等奖"]}


def test_confirm_refused_once_in_notice_and_for_others(world):
    data = finalised(world)
    with pytest.raises(PermissionDenied):
        awards_confirm(actor=world.users["leader"], competition=data.competition)
    data.competition.status = CompetitionStatus.NOTICE
    data.competition.save()
    with pytest.raises(ValidationError) as refused:
        awards_confirm(actor=world.users["trainer"], competition=data.competition)
    assert refused.value.messages == [
        "评比活动当前为「公示中」，只有评审中才能确定获奖名单；公示后如需更正，请先撤回公示。"]
    assert Award.objects.count() == 0
