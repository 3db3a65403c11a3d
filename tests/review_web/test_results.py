"""round_results on the hand-worked round (tests/review_web/results_data.py), flags and their
acknowledgement, releasing the results."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.review_web.results_data import hand_round
from yanxun.core.models import AuditLog
from yanxun.review.enums import FlagKind, RoundStatus
from yanxun.review.models import FlagAck
from yanxun.review.results import round_finalise, round_results, round_unfinalise


def _table(group):
    return [(r.code, r.n_scores, r.final_text, r.rank, r.place, r.tie_note) for r in group.rows]


def test_finals_ranks_and_tie_break_per_group(world):
    data = hand_round(world)
    results = round_results(data.round)
    maths, chinese = results.groups
    assert (maths.name, chinese.name) == ("初中数学组", "初中语文组")
    assert _table(maths) == [
        ("A0001", 3, "88", 1, 1, ""),
        ("A0002", 3, "86", 2, 2, "并列，按『教学方法』得分区分"),
        ("A0003", 3, "86", 2, 3, "并列，按『教学方法』得分区分"),
        ("A0004", 2, "81", 4, 4, ""),
    ]
    assert _table(chinese) == [
        ("B0001", 3, "75", 1, 1, ""),
        ("B0002", 3, "65", 2, 2, ""),
        ("B0003", 0, "—", None, None, ""),
    ]
    assert [round(r.tie_break, 4) for r in maths.rows[1:3]] == [26.3333, 25.6667]
    assert maths.rows[0].author == "张晓明" and maths.rows[0].school == "城东实验学校"
    assert results.unscored == 1
    assert results.tie_break_name == "教学方法"


def test_tie_without_tie_break_item_shares_the_place(world):
    data = hand_round(world)
    data.round.tie_break_item = None
    data.round.save()
    maths = round_results(data.round).groups[0]
    assert _table(maths)[1:3] == [("A0002", 3, "86", 2, 2, "并列"),
                                  ("A0003", 3, "86", 2, 2, "并列")]


def test_icc_null_for_incomplete_designs_and_exact_for_a_complete_group(world):
    results = round_results(hand_round(world).round)
    maths, chinese = results.groups
    assert results.icc is None and maths.icc is None
    assert results.verdict.startswith("评分设计不完整")
    icc = chinese.icc
    assert [round(v, 4) for v in (icc.icc1, icc.icc2, icc.icc3, icc.icc1k, icc.icc2k,
                                  icc.icc3k)] == [0.625, 0.6667, 1.0, 0.8333, 0.8571, 1.0]
    assert (icc.bms, icc.wms, icc.jms, icc.ems) == (150.0, 25.0, 50.0, 0.0)


def test_judge_stats_include_the_judge_who_scored_nothing(world):
    results = round_results(hand_round(world).round)
    rows = [(j.name, j.n, None if j.mean_offset is None else round(j.mean_offset, 4),
             j.outlier) for j in results.judges]
    assert rows == [("评委甲", 6, -1.6667, False), ("评委乙", 5, 0.0, False),
                    ("评委丙", 6, 1.6667, False), ("评委丁", 0, None, False)]
    assert round(results.judges[1].consensus_corr, 4) == 0.9942
    assert results.judges[3].consensus_corr is None


def test_wide_spread_entries_with_their_scores_are_flagged(world):
    data = hand_round(world)
    results = round_results(data.round)
    assert (results.spread_threshold, results.spread_automatic) == (9.0, False)
    assert [(r.code, r.spread, r.scores) for r in results.wide_spread] == [
        ("B0001", 10.0, [("评委丙", 80.0), ("评委乙", 75.0), ("评委甲", 70.0)]),
        ("B0002", 10.0, [("评委丙", 70.0), ("评委乙", 65.0), ("评委甲", 60.0)]),
    ]
    assert [(f.kind, f.subject, f.text) for f in results.flags] == [
        (FlagKind.SPREAD, "作品 B0001", "评分极差 10 分，超过预警线 9 分"),
        (FlagKind.SPREAD, "作品 B0002", "评分极差 10 分，超过预警线 9 分"),
    ]


def test_automatic_spread_threshold_is_twice_the_sd_of_all_scores(world):
    data = hand_round(world)
    data.round.max_spread = None
    data.round.save()
    results = round_results(data.round)
    # the 17 submitted scores: sum 1362, sum of squares 110394, mean 1362/17 = 80.1176,
    # variance 110394/17 - 80.1176² = 74.9273, SD 8.6561, threshold 2 × SD = 17.3121
    assert round(results.spread_threshold, 4) == 17.3121
    assert results.spread_automatic is True
    assert results.wide_spread == [] and results.flags == []


def test_outlier_threshold_is_a_setting(world, settings):
    # consensus correlations by hand: J1 423.25 / √(647.5 × 286.7083) = 0.9823,
    # J2 0.9942, J3 311.75 / √(204.8333 × 506.375) = 0.9680
    settings.REVIEW_OUTLIER_CORR = 0.99
    results = round_results(hand_round(world).round)
    assert [round(j.consensus_corr, 4) for j in results.judges[:3]] == [0.9823, 0.9942, 0.968]
    assert [(f.kind, f.subject, f.text) for f in results.flags if f.kind == FlagKind.JUDGE] == [
        (FlagKind.JUDGE, "评委 评委甲", "与其他评委平均分的相关系数 0.98，低于 0.99"),
        (FlagKind.JUDGE, "评委 评委丙", "与其他评委平均分的相关系数 0.97，低于 0.99"),
    ]


def test_scores_are_read_in_one_query(world):
    data = hand_round(world)
    with CaptureQueriesContext(connection) as queries:
        round_results(data.round)
    score_queries = [q["sql"] for q in queries if '"review_score"' in q["sql"]]
    assert len(score_queries) == 1


def test_release_refused_while_flags_are_open_then_allowed(world):
    data = hand_round(world)
    trainer = world.users["trainer"]
    with pytest.raises(ValidationError) as refused:
        round_finalise(actor=trainer, round_=data.round)
    assert refused.value.messages == [
        "还有 2 条预警未处理（作品 B0001、作品 B0002），请逐条查看并填写处理说明后再确定结果。"]
    from yanxun.review.results import flag_acknowledge

    for code in ("B0001", "B0002"):
        flag_acknowledge(actor=trainer, round_=data.round, kind="spread",
                         object_id=data.entries[code].pk, note="评委意见分歧在合理范围内")
    with pytest.raises(ValidationError, match="该预警已处理"):
        flag_acknowledge(actor=trainer, round_=data.round, kind="spread",
                         object_id=data.entries["B0001"].pk, note="再次处理")
    assert AuditLog.objects.filter(action="review.flag.acknowledge").count() == 2
    round_finalise(actor=trainer, round_=data.round)
    data.round.refresh_from_db()
    assert data.round.status == RoundStatus.FINALISED
    log = AuditLog.objects.get(action="review.round.finalise")
    assert log.reason == "确定结果：6 件作品有评分，1 件未评"


def test_acknowledging_needs_a_note_and_a_current_flag(world):
    data = hand_round(world)
    trainer = world.users["trainer"]
    from yanxun.review.results import flag_acknowledge

    with pytest.raises(ValidationError) as no_note:
        flag_acknowledge(actor=trainer, round_=data.round, kind="spread",
                         object_id=data.entries["B0001"].pk, note="  ")
    assert no_note.value.message_dict == {"note": ["请填写处理说明。"]}
    with pytest.raises(ValidationError, match="该预警已不存在"):
        flag_acknowledge(actor=trainer, round_=data.round, kind="spread",
                         object_id=data.entries["A0001"].pk, note="看过")
    with pytest.raises(PermissionDenied):
        flag_acknowledge(actor=world.users["leader"], round_=data.round, kind="spread",
                         object_id=data.entries["B0001"].pk, note="看过")
    assert FlagAck.objects.count() == 0


def test_release_refused_before_scoring_is_closed_and_undone_with_a_reason(world):
    data = hand_round(world, status=RoundStatus.SCORING)
    trainer = world.users["trainer"]
    with pytest.raises(ValidationError) as refused:
        round_finalise(actor=trainer, round_=data.round)
    assert refused.value.messages == ["轮次当前为「评分中」，评分结束后才能确定结果。"]
    data.round.status = RoundStatus.FINALISED
    data.round.save()
    with pytest.raises(ValidationError):
        round_unfinalise(actor=trainer, round_=data.round, reason="")
    round_unfinalise(actor=trainer, round_=data.round, reason="补录一位评委的评分")
    data.round.refresh_from_db()
    assert data.round.status == RoundStatus.CLOSED
