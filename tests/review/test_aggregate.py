"""Finals, ranks, judge statistics and flags: exact values worked by hand in the comments."""

import math

import numpy as np
import pytest

from yanxun.review.aggregate import (
    ScoreInputError,
    ScoreSheet,
    competition_ranks,
    consensus_correlations,
    entry_spreads,
    finals,
    judge_stats,
    mean_offsets,
    round_report,
    trimmed_finals,
    wide_spread_entries,
    zscore_finals,
)


def sheet(rows, **extra):
    return ScoreSheet.from_rows(rows, **extra)


def as_list(values):
    return [None if math.isnan(v) else round(float(v), 10) for v in values]


# --- input ------------------------------------------------------------------------------


def test_duplicate_pair_is_refused_with_its_position():
    with pytest.raises(ScoreInputError) as error:
        sheet([("E1", "A", 5), ("E2", "A", 6), ("E1", "A", 7)])
    assert error.value.position == 2
    assert str(error.value) == "作品 E1 与评委 A 的评分重复（第 1 条已有）"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_score_is_refused(bad):
    with pytest.raises(ScoreInputError):
        sheet([("E1", "A", bad)])


# --- mean and trimmed mean ----------------------------------------------------------------

FIVE = [("E1", f"J{i}", s) for i, s in enumerate([70, 80, 85, 90, 99])]
FOUR = [("E2", f"J{i}", s) for i, s in enumerate([60, 70, 80, 98])]


def test_mean():
    # E1: 424 / 5 = 84.8; E2: 308 / 4 = 77
    assert as_list(finals(sheet(FIVE + FOUR), "mean")) == [84.8, 77.0]


def test_trimmed_drops_one_highest_and_one_lowest_from_trim_min_scores_on():
    # E1 has 5 scores: (80 + 85 + 90) / 3 = 85; E2 has 4 < 5: plain mean 77
    assert as_list(trimmed_finals(sheet(FIVE + FOUR))) == [85.0, 77.0]


def test_trimmed_with_trim_min_4():
    # E2 now trimmed too: (70 + 80) / 2 = 75
    assert as_list(trimmed_finals(sheet(FIVE + FOUR), trim_min=4)) == [85.0, 75.0]


def test_trimmed_drops_only_one_of_equal_extremes():
    rows = [("E1", f"J{i}", s) for i, s in enumerate([90, 90, 80, 70, 70])]
    # drop one 90 and one 70: (90 + 80 + 70) / 3 = 80
    assert as_list(trimmed_finals(sheet(rows))) == [80.0]


def test_trim_min_below_three_is_refused():
    with pytest.raises(ValueError, match="trim_min 至少为 3"):
        trimmed_finals(sheet(FIVE), trim_min=2)


# --- z-score standardisation ----------------------------------------------------------------

# P scores E1 80, E2 90: mean 85, std 5 -> z -1, +1
# Q scores E2 70, E3 60: mean 65, std 5 -> z +1, -1
# R scores E3 75 only: fewer than two scores -> z 0, flagged
# entry z: E1 -1; E2 (1 + 1) / 2 = 1; E3 (-1 + 0) / 2 = -0.5
# all raw scores 80 90 70 60 75: mean 75, std sqrt(500 / 5) = 10
# finals: E1 75 - 10 = 65; E2 75 + 10 = 85; E3 75 - 5 = 70
ZROWS = [("E1", "P", 80), ("E2", "P", 90), ("E2", "Q", 70), ("E3", "Q", 60), ("E3", "R", 75)]


def test_zscore_exact_values():
    assert as_list(zscore_finals(sheet(ZROWS))) == [65.0, 85.0, 70.0]


def test_zscore_report_flags_the_judge_with_one_score():
    report = round_report(sheet(ZROWS), method="zscore")
    assert report.zscore_fallback == ("R",)
    # a judge with no score at all contributes nothing, so is not listed as a z = 0 fallback
    assert round_report(sheet(ZROWS, judges=["X"]), method="zscore").zscore_fallback == ("R",)
    assert [(e.entry, e.rank) for e in report.entries] == [("E2", 1), ("E3", 2), ("E1", 3)]


def test_zscore_judge_with_zero_spread_contributes_zero():
    # S gives 77 to both E1 and E3 -> z 0 for both, flagged.
    # P: E1 -1, E2 +1; Q: E2 +1, E3 -1 (as above). Entry z: E1 (-1 + 0) / 2 = -0.5,
    # E2 1, E3 (-1 + 0) / 2 = -0.5. Raw 80 90 70 60 77 77: mean 75.666.., std as computed.
    rows = ZROWS[:4] + [("E1", "S", 77), ("E3", "S", 77)]
    raw = np.array([80, 90, 70, 60, 77, 77], dtype=float)
    expected = [raw.mean() - 0.5 * raw.std(), raw.mean() + raw.std(), raw.mean() - 0.5 * raw.std()]
    assert as_list(zscore_finals(sheet(rows))) == [round(x, 10) for x in expected]
    assert round_report(sheet(rows), method="zscore").zscore_fallback == ("S",)


def test_zscore_when_every_score_is_equal_gives_the_common_score():
    rows = [("E1", "P", 8), ("E2", "P", 8), ("E1", "Q", 8)]
    assert as_list(zscore_finals(sheet(rows))) == [8.0, 8.0]


def test_entry_without_score_has_no_final_in_every_method():
    s = sheet([("E1", "P", 8), ("E2", "P", None), ("E1", "Q", 6)])
    for method in ("mean", "trimmed", "zscore"):
        assert as_list(finals(s, method))[1] is None


# --- ranks --------------------------------------------------------------------------------


def test_ties_share_the_best_rank():
    assert competition_ranks([90, 85, 85, 80]) == [1, 2, 2, 4]


def test_ranks_compare_after_rounding_to_four_decimals():
    # 85.00004, 85.00001 and 84.99996 all round to 85.0000 -> tied behind 90
    assert competition_ranks([85.00004, 90.0, 85.00001, 84.99996]) == [2, 1, 2, 2]
    # 85.00006 rounds to 85.0001 and beats 85.0000
    assert competition_ranks([85.00004, 85.00006]) == [2, 1]


def test_ranks_at_full_precision_differences_below_the_fourth_decimal_tie():
    thirds = [256 / 3, 255.99999 / 3]  # 85.33333.. vs 85.33333; both round to 85.3333
    assert competition_ranks(thirds) == [1, 1]


def test_unscored_entries_have_no_rank():
    assert competition_ranks([float("nan"), 7.0, 7.0]) == [None, 1, 1]


# --- judges -------------------------------------------------------------------------------

GOLDEN = [
    ("E1", "A", 9), ("E1", "B", 10), ("E1", "C", 8),
    ("E2", "A", 6), ("E2", "B", 8), ("E2", "C", 7),
    ("E3", "A", 8), ("E3", "B", 9), ("E3", "C", 4),
    ("E4", "A", 5), ("E4", "B", 6), ("E4", "C", 4),
]  # fmt: skip


def test_mean_offsets_worked_by_hand():
    # A: 0 -1 +1 0 -> 0; B: 1 1 2 1 -> 1.25; C: -1 0 -3 -1 -> -1.25 (golden/README.md)
    assert as_list(mean_offsets(sheet(GOLDEN))) == [0.0, 1.25, -1.25]


def test_consensus_correlations_worked_by_hand():
    corr = consensus_correlations(sheet(GOLDEN))
    assert [round(r, 6) for r in corr] == [
        round(7 / math.sqrt(85), 6),
        round(7.625 / math.sqrt(8.75 * 8.1875), 6),
        round(5.625 / math.sqrt(12.75 * 9.1875), 6),
    ]


def test_consensus_corr_is_null_under_three_shared_entries():
    rows = [("E1", "A", 1), ("E1", "B", 2), ("E2", "A", 3), ("E2", "B", 5), ("E3", "A", 4)]
    # E3 has no other judge, so A shares only 2 entries
    assert consensus_correlations(sheet(rows)) == [None, None]


def test_consensus_corr_is_null_when_the_judge_gives_one_score_to_all():
    rows = [(f"E{i}", "A", 7) for i in range(4)] + [(f"E{i}", "B", i) for i in range(4)]
    assert consensus_correlations(sheet(rows)) == [None, None]


def test_panel_of_two_judges_mirror_each_other():
    rows = [(f"E{i}", "A", a) for i, a in enumerate([1, 2, 3, 5])]
    rows += [(f"E{i}", "B", b) for i, b in enumerate([2, 2, 4, 6])]
    stats = judge_stats(sheet(rows))
    # offsets: A -0.5 0 -0.5 -0.5 -> -0.375; B +0.375; their spread is symmetric, never > 2 SD
    assert [(s.mean_offset, s.outlier) for s in stats] == [(-0.375, False), (0.375, False)]
    assert stats[0].consensus_corr == pytest.approx(stats[1].consensus_corr)
    # dx = -1.75 -0.75 0.25 2.25; dy = -1.5 -1.5 0.5 2.5; r = 9.5 / sqrt(8.75 * 11)
    assert round(stats[0].consensus_corr, 6) == round(9.5 / math.sqrt(96.25), 6) == 0.96833


def test_judge_who_scored_nothing():
    s = sheet([("E1", "A", 8), ("E1", "B", None), ("E2", "A", 7)], judges=["C"])
    by_judge = {j.judge: j for j in judge_stats(s)}
    assert [(j.judge, j.n, j.mean_offset, j.consensus_corr, j.outlier) for j in judge_stats(s)] == [
        ("C", 0, None, None, False),
        ("A", 2, 0.0, None, False),
        ("B", 0, None, None, False),
    ]
    assert by_judge["B"].reasons == ()


def _panel(base, extra):
    """Seven judges score five entries; judge G = base + extra per entry."""
    rows = [(f"E{e}", j, base[e] + d) for e in range(5) for j, d in zip("ABCDEF", [0, 1, -1, 0, 1, -1], strict=True)]  # fmt: skip
    rows += [(f"E{e}", "G", base[e] + extra[e]) for e in range(5)]
    return sheet(rows)


def test_a_generous_judge_is_an_offset_outlier():
    s = _panel([60, 70, 80, 90, 75], [10] * 5)
    # offsets = d - 10/7 for d = 0 1 -1 0 1 -1 10 (A..G); panel mean 0; SD (ddof 0) =
    # sqrt(104/7 - (10/7)^2) = 3.580; G's offset 8.571 is 2.39 SD out, the rest under 0.7
    stats = {j.judge: j for j in judge_stats(s)}
    assert stats["G"].outlier is True
    assert stats["G"].reasons == ("offset",)
    assert round(stats["G"].mean_offset, 4) == round(10 - 10 / 7, 4)
    assert [j for j, st in stats.items() if st.outlier] == ["G"]


def test_offset_threshold_is_a_setting():
    s = _panel([60, 70, 80, 90, 75], [10] * 5)
    assert [j.outlier for j in judge_stats(s, offset_sd=2.5)] == [False] * 7


def test_a_contrary_judge_has_low_consensus():
    s = _panel([60, 70, 80, 90, 75], [30, 10, -10, -30, 0])  # reverses the order
    stats = {j.judge: j for j in judge_stats(s)}
    assert stats["G"].consensus_corr < 0
    assert "low_consensus" in stats["G"].reasons
    assert stats["G"].outlier is True
    assert [j for j, st in stats.items() if st.outlier] == ["G"]


def test_consensus_threshold_is_a_setting():
    s = _panel([60, 70, 80, 90, 75], [30, 10, -10, -30, 0])
    stats = {j.judge: j for j in judge_stats(s, corr_min=-1.0, offset_sd=99)}
    assert stats["G"].outlier is False


# --- spread -------------------------------------------------------------------------------


def test_entry_spreads_and_flags():
    s = sheet(GOLDEN + [("E5", "A", 9), ("E6", "A", None)])
    assert as_list(entry_spreads(s)) == [2.0, 2.0, 5.0, 2.0, 0.0, None]
    assert wide_spread_entries(s, 2.0) == [("E3", 5.0)]
    assert wide_spread_entries(s, 1.5) == [("E1", 2.0), ("E2", 2.0), ("E3", 5.0), ("E4", 2.0)]
    assert wide_spread_entries(s, 5.0) == []


def test_report_default_spread_threshold_is_two_sd_of_raw_scores():
    report = round_report(sheet(GOLDEN))
    assert round(report.spread_threshold, 6) == round(2 * math.sqrt(44 / 12), 6)
    assert report.wide_spread == [("E3", 5.0)]
    assert round_report(sheet(GOLDEN), max_spread=1).wide_spread == [
        ("E1", 2.0),
        ("E2", 2.0),
        ("E3", 5.0),
        ("E4", 2.0),
    ]


def test_report_on_an_empty_sheet_does_not_crash():
    report = round_report(sheet([]), method="zscore")
    assert (report.entries, report.judges, report.icc, report.spread_threshold) == (
        [],
        [],
        None,
        None,
    )


def test_entry_with_one_score():
    report = round_report(sheet([("E1", "A", 8), ("E2", "A", 6), ("E2", "B", 9)]))
    assert [(e.entry, e.n_scores, e.final, e.rank, e.spread) for e in report.entries] == [
        ("E1", 1, 8.0, 1, 0.0),
        ("E2", 2, 7.5, 2, 3.0),
    ]
    # E1 offsets A by 0; E2 offsets A by -1.5 -> A's mean offset -0.75
    assert [j.mean_offset for j in report.judges] == [-0.75, 1.5]
