"""ICC against the published worked example, and the rules for designs where it is null."""

import numpy as np
import pytest

from yanxun.review.aggregate import (
    ScoreSheet,
    icc_from_matrix,
    icc_verdict,
    koo_li_band,
    sheet_icc,
)

# Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater
# reliability. Psychological Bulletin, 86(2), 420-428. Table 2: four judges rate six targets.
SHROUT_FLEISS_RATINGS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]
# The ICC estimates the paper prints for those data (two decimals).
SHROUT_FLEISS_PUBLISHED = {
    "icc1": 0.17,  # ICC(1,1)
    "icc2": 0.29,  # ICC(2,1)
    "icc3": 0.71,  # ICC(3,1)
    "icc1k": 0.44,  # ICC(1,4)
    "icc2k": 0.62,  # ICC(2,4)
    "icc3k": 0.91,  # ICC(3,4)
}


def _sheet(matrix, judges="ABCD"):
    rows = [
        (f"T{t + 1}", judges[j], score)
        for t, row in enumerate(matrix)
        for j, score in enumerate(row)
    ]
    return ScoreSheet.from_rows(rows)


def test_shrout_fleiss_worked_example_matches_published_values():
    icc = icc_from_matrix(np.array(SHROUT_FLEISS_RATINGS))
    got = {key: round(getattr(icc, key), 2) for key in SHROUT_FLEISS_PUBLISHED}
    assert got == SHROUT_FLEISS_PUBLISHED


def test_shrout_fleiss_mean_squares():
    icc = icc_from_matrix(np.array(SHROUT_FLEISS_RATINGS))
    assert (round(icc.bms, 2), round(icc.wms, 2), round(icc.jms, 2), round(icc.ems, 2)) == (
        11.24,
        6.26,
        32.49,
        1.02,
    )
    assert (icc.n_entries, icc.n_judges) == (6, 4)


def test_sheet_icc_from_rows_in_any_order_equals_the_matrix_result():
    rows = [
        (f"T{t + 1}", "ABCD"[j], score)
        for t, row in enumerate(SHROUT_FLEISS_RATINGS)
        for j, score in enumerate(row)
    ]
    shuffled = [rows[i] for i in np.random.default_rng(7).permutation(len(rows))]
    icc = sheet_icc(ScoreSheet.from_rows(shuffled))
    assert round(icc.icc2, 6) == 0.289764  # 0.2897637795...
    assert round(icc.icc3k, 6) == 0.909316


def test_incomplete_design_gives_no_icc():
    rows = [("T1", "A", 5), ("T1", "B", 6), ("T2", "A", 7), ("T2", "C", 8)]
    assert sheet_icc(ScoreSheet.from_rows(rows)) is None


def test_a_missing_cell_makes_the_design_incomplete():
    rows = [(f"T{t}", j, t + i) for t in range(3) for i, j in enumerate("AB")]
    rows[-1] = ("T2", "B", None)  # abstained
    assert sheet_icc(ScoreSheet.from_rows(rows)) is None


def test_judges_and_entries_without_any_score_are_left_out_of_the_design():
    sheet = ScoreSheet.from_rows(
        [("T1", "A", 1), ("T1", "B", 2), ("T2", "A", 3), ("T2", "B", 5), ("T3", "Z", None)],
        judges=["Y"],
    )
    icc = sheet_icc(sheet)
    assert (icc.n_entries, icc.n_judges) == (2, 2)


@pytest.mark.parametrize(
    "matrix",
    [[[1, 2, 3]], [[1], [2], [3]], []],
    ids=["one entry", "one judge", "no scores"],
)
def test_fewer_than_two_entries_or_judges_gives_no_icc(matrix):
    sheet = ScoreSheet.from_rows(
        [(f"T{t}", f"J{j}", s) for t, row in enumerate(matrix) for j, s in enumerate(row)]
    )
    assert sheet_icc(sheet) is None


def test_all_scores_equal_gives_null_coefficients_not_a_division_error():
    icc = icc_from_matrix(np.full((3, 2), 8.0))
    assert [icc.icc1, icc.icc2, icc.icc3, icc.icc1k, icc.icc2k, icc.icc3k] == [None] * 6
    assert icc_verdict(icc) == "所有评分相同或作品间没有差异，组内相关系数无意义。"


def test_panel_of_two_judges():
    icc = icc_from_matrix(np.array([[1.0, 2.0], [3.0, 3.0], [5.0, 6.0]]))
    # BMS = 2*((1.5-3.333)^2+(3-3.333)^2+(5.5-3.333)^2)/2 = 8.1667; EMS = 0.1667; JMS = 0.6667
    assert round(icc.bms, 4) == 8.1667
    assert round(icc.ems, 4) == 0.1667
    assert round(icc.jms, 4) == 0.6667
    assert round(icc.icc3, 4) == round(8.0 / (8.1666667 + 0.1666667), 4)


@pytest.mark.parametrize(
    ("value", "band"),
    [(-0.3, "差"), (0.4999, "差"), (0.5, "中等"), (0.7499, "中等"), (0.75, "良好"), (0.9, "优秀")],
)
def test_koo_li_bands(value, band):
    assert koo_li_band(value) == band


def test_verdict_on_the_worked_example():
    icc = icc_from_matrix(np.array(SHROUT_FLEISS_RATINGS))
    assert icc_verdict(icc) == (
        "单个评委的一致性 ICC(2,1) = 0.29，差；4 位评委平均分的信度 ICC(2,4) = 0.62，中等"
        "（分档：< 0.50 差，0.50–0.75 中等，0.75–0.90 良好，≥ 0.90 优秀；Koo & Li 2016）。"
    )


def test_verdict_when_design_incomplete():
    assert icc_verdict(None).startswith("评分设计不完整")
