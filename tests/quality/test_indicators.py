"""Indicator definitions against small cases computed by hand (docs/quality-indicators.md)."""

from __future__ import annotations

import math
from fractions import Fraction

import polars as pl
import pytest

from yanxun.quality import engine, followup


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return frame.select(columns).rows()


def test_school_and_class_ranks_share_the_best_rank_on_ties(exam):
    # School means 90, 80, 80, 70 → 1, 2, 2, 4; classes of 甲 with means 95, 85, 85 → 1, 2, 2.
    a = exam({"语文": 100}, [("甲", "1班", 95), ("甲", "2班", 85), ("甲", "3班", 90), ("甲", "3班", 80),
                            ("乙", "1班", 80), ("丙", "1班", 80), ("丁", "1班", 70)])
    t = a.tables()
    assert rows(t["schools"].filter(pl.col("subject") == "语文"), "school", "mean", "rank") == [
        ("甲", 87.5, 1), ("乙", 80.0, 2), ("丙", 80.0, 2), ("丁", 70.0, 4)]
    assert rows(t["classes"].filter((pl.col("subject") == "语文") & (pl.col("school") == "甲")),
                "class", "rank") == [("1班", 1), ("2班", 2), ("3班", 2)]


def test_student_ranks_min_method_in_district_and_school(exam):
    a = exam({"数学": 100}, [("甲", "1班", 90), ("甲", "1班", 80), ("乙", "1班", 80),
                            ("乙", "1班", 70), ("甲", "1班", "缺考")])
    ranks = a.student_ranks().filter(pl.col("subject") == 0).sort("student")
    assert rows(ranks, "score", "rank_district", "rank_school") == [
        (9000, 1, 1), (8000, 2, 2), (8000, 2, 1), (7000, 4, 2), (None, None, None)]
    one_school = a.student_ranks(school_id=1).filter(pl.col("subject") == 0).sort("student")
    assert rows(one_school, "score", "rank_district", "rank_school") == [(8000, 2, 1), (7000, 4, 2)]


def test_top_n_ties_enlarge_the_group_and_every_school_is_listed(exam):
    # 总分 = 数学 alone: 100, 90, 90, 90, 80; 丙 has no student with 总分.
    a = exam({"数学": 100}, [("甲", "1", 100), ("甲", "1", 90), ("乙", "1", 90), ("乙", "1", 90),
                            ("乙", "1", 80), ("丙", "1", "缺考")], top=(2, 10))
    assert rows(a.tables()["top_n"], "n_top", "school", "count", "share", "enrolment_share") == [
        (2, "甲", 2, 0.5, 0.4), (2, "乙", 2, 0.5, 0.6), (2, "丙", 0, 0.0, 0.0),
        (10, "甲", 2, 0.4, 0.4), (10, "乙", 3, 0.6, 0.6), (10, "丙", 0, 0.0, 0.0)]


def test_absent_and_excluded_are_counted_separately(exam):
    a = exam({"语文": 100, "数学": 100}, [
        ("甲", "1", 80, "作弊"), ("甲", "1", "缺考", "违纪"), ("甲", "1", None, "免考"),
        ("甲", "1", 60, 70)])
    d = a.tables()["district"]
    assert rows(d, "subject", "n", "absent", "excluded", "cheating", "violation", "exempt") == [
        ("语文", 2, 2, 0, 0, 0, 0), ("数学", 1, 0, 3, 1, 1, 1), ("总分", 1, 3, None, None, None, None)]
    assert rows(d, "mean") == [(70.0,), (70.0,), (130.0,)]


def test_a_subject_nobody_sat_is_null_never_nan(exam):
    a = exam({"语文": 100, "物理": 100}, [("甲", "1", 80, "缺考"), ("乙", "1", 60, None)])
    t = a.tables()
    physics = t["schools"].filter(pl.col("subject") == "物理")
    assert rows(physics, "n", "absent", "mean", "std", "max", "median", "pass_rate",
                "above_mean_rate", "mean_ratio", "t_score", "rank") == [
        (0, 1, None, None, None, None, None, None, None, None, None),
        (0, 1, None, None, None, None, None, None, None, None, None)]
    total = t["district"].filter(pl.col("subject") == "总分")
    assert rows(total, "n", "absent", "mean", "pass_rate") == [(0, 2, None, None)]
    assert rows(t["balance"].filter(pl.col("subject") == "物理"), "schools", "cv") == []
    assert rows(t["top_n"].filter(pl.col("n_top") == 10), "count", "share", "enrolment_share") == [
        (0, None, None), (0, None, None)]
    for name, frame in t.items():
        for column in frame.select(pl.selectors.float()).columns:
            assert not frame[column].is_nan().any(), (name, column)


def test_reference_mean_of_zero_gives_null_relative_figures(exam):
    a = exam({"语文": 100}, [("甲", "1", 0), ("乙", "1", 0)])
    school = a.tables()["schools"].filter(pl.col("subject") == "语文")
    assert rows(school, "mean", "above_mean_rate", "mean_ratio", "t_score", "rank") == [
        (0.0, None, None, None, 1), (0.0, None, None, None, 1)]


def test_single_student_class(exam):
    a = exam({"语文": 100}, [("甲", "1班", 77.5), ("甲", "2班", 60), ("甲", "2班", 80)])
    one = a.tables()["classes"].filter((pl.col("subject") == "语文") & (pl.col("class") == "1班"))
    assert rows(one, "n", "mean", "std", "max", "min", "median", "rank") == [
        (1, 77.5, 0.0, 77.5, 77.5, 77.5, 1)]


def test_line_of_055_is_met_exactly_by_55(exam):
    a = exam({"语文": 100}, [("甲", "1", 55), ("甲", "1", 54.99)],
             lines=engine.Lines(pass_=Fraction("0.55")))
    assert rows(a.tables()["district"].head(1), "pass_rate") == [(0.5,)]
    assert 0.55 * 100 > 55  # the float trap the integer comparison avoids


def test_float_trap_in_line_times_full_mark(exam):
    assert 0.56 * 100 > 56  # 56.00000000000001 in floating point
    a = exam({"语文": 100}, [("甲", "1", 56), ("甲", "1", 55.99)],
             lines=engine.Lines(excellent=Fraction("0.56")))
    assert rows(a.tables()["district"].head(1), "excellent_rate") == [(0.5,)]


def test_float_trap_in_a_sum_of_scores(exam):
    assert 0.7 + 0.1 < 0.8  # 0.7999999999999999 in floating point
    a = exam({"甲卷": 1, "乙卷": 1}, [("甲", "1", 0.7, 0.1), ("甲", "1", 0.69, 0.1)],
             lines=engine.Lines(pass_=Fraction("0.4"), low=Fraction("0.1")))
    d = a.tables()["district"]
    # 总分 0.8 meets the pass line 0.4 × (1 + 1) = 0.8 exactly; 0.79 does not.
    assert rows(d, "subject", "pass_rate", "mean") == [
        ("甲卷", 1.0, 0.695), ("乙卷", 0.0, 0.1), ("总分", 0.5, 0.795)]


def test_low_rate_is_strictly_below_the_low_line(exam):
    a = exam({"语文": 100}, [("甲", "1", 40), ("甲", "1", 39.5), ("甲", "1", 100)])
    assert rows(a.tables()["district"].head(1), "low_rate") == [(pytest.approx(1 / 3),)]


def test_per_subject_lines_override_the_exam_lines(exam):
    lenient = engine.Lines(pass_=Fraction("0.5"))
    a = exam({"语文": 100, "数学": 100}, [("甲", "1", 55, 55)])
    spec = a.spec
    subjects = (spec.subjects[0], engine.Subject("数学", Fraction(100), lines=lenient))
    frame = a.students.select("学校", "班级", pl.col("^(语文|数学).*$"))
    b = engine.analyze(frame, engine.ExamSpec(subjects))
    assert rows(b.tables()["district"], "subject", "pass_rate") == [
        ("语文", 0.0), ("数学", 1.0), ("总分", 0.0)]
    assert rows(b.all_pass, "n", "n_all_pass") == [(1, 0), (1, 0)]


def test_electives_total_and_ranks_within_combinations(exam):
    a = exam({"语文": 150, "物理": 100, "历史": 100}, [
        ("甲", "1", 120, 80, None),   # 物理: 200
        ("甲", "1", 100, None, 90),   # 历史: 190
        ("乙", "1", 110, 85, None),   # 物理: 195
        ("乙", "1", 130, "缺考", None),  # chose 物理, absent: no 总分
        ("乙", "1", 90, None, 70),    # 历史: 160
    ], electives=("物理", "历史"))
    d = a.tables()["district"]
    assert rows(d, "subject", "n", "absent", "mean") == [
        ("语文", 5, 0, 110.0), ("物理", 2, 1, 82.5), ("历史", 2, 0, 80.0), ("总分", 4, 1, 186.25)]
    ranks = a.student_ranks().filter(pl.col("subject") == 3).sort("student")
    assert rows(ranks, "combination", "rank_district", "rank_combination") == [
        ("物理", 1, 1), ("历史", 3, 1), ("物理", 2, 2), ("物理", None, None), ("历史", 4, 2)]
    # 总分 lines: line × 250 (语文 + the elective taken): pass 150, excellent 212.5.
    assert rows(d.filter(pl.col("subject") == "总分"), "pass_rate", "excellent_rate") == [(1.0, 0.0)]


def test_score_bands_put_the_full_mark_in_the_last_band(exam):
    a = exam({"语文": 100}, [("甲", "1", 100), ("甲", "1", 90), ("甲", "1", 89.5),
                            ("甲", "1", 10), ("甲", "1", 0), ("甲", "1", "缺考")])
    bands = a.tables()["bands"].filter((pl.col("subject") == "语文") & (pl.col("school") == "全区"))
    assert rows(bands, "band", "from_score", "to_score", "count") == [
        (0, 0.0, 10.0, 1), (1, 10.0, 20.0, 1), (2, 20.0, 30.0, 0), (3, 30.0, 40.0, 0),
        (4, 40.0, 50.0, 0), (5, 50.0, 60.0, 0), (6, 60.0, 70.0, 0), (7, 70.0, 80.0, 0),
        (8, 80.0, 90.0, 1), (9, 90.0, 100.0, 2)]
    assert bands["share"].sum() == pytest.approx(1.0)


def test_borderline_students_below_each_line(exam):
    a = exam({"语文": 100}, [("甲", "1", 84.5), ("甲", "1", 80), ("甲", "1", 79.5),
                            ("甲", "1", 55), ("甲", "1", 85)])
    near = followup.borderline_students(a, "excellent").filter(pl.col("subject") == 0)
    assert rows(near.sort("student"), "student", "score", "gap") == [(0, 84.5, 0.5), (1, 80.0, 5.0)]
    assert rows(followup.borderline_students(a, "pass").filter(pl.col("subject") == 0),
                "score", "gap") == [(55.0, 5.0)]


def test_cv_of_school_means_is_weighted_by_students_present(exam):
    # 甲: 60, 80 (n 2, mean 70); 乙: 90 (n 1). m̄ = 230/3; var = [2(70 − 230/3)² + (90 − 230/3)²]/3.
    a = exam({"语文": 100}, [("甲", "1", 60), ("甲", "1", 80), ("乙", "1", 90), ("乙", "1", "缺考")])
    mean = 230 / 3
    sd = math.sqrt((2 * (70 - mean) ** 2 + (90 - mean) ** 2) / 3)
    assert rows(a.tables()["balance"].head(1), "schools", "weighted_mean", "sd_between", "cv") == [
        (2, pytest.approx(mean), pytest.approx(sd), pytest.approx(sd / mean))]


def test_teacher_results_pool_their_classes(exam):
    a = exam({"语文": 100, "数学": 100}, [("甲", "1班", 80, 70), ("甲", "1班", 60, 90),
                                        ("甲", "2班", 90, 50), ("乙", "1班", 40, 60)])
    links = pl.DataFrame({"学校": ["甲", "甲", "乙", "甲"], "班级": ["1班", "2班", "1班", "1班"],
                          "科目": ["语文", "语文", "语文", "数学"], "教师": ["张", "张", "李", "王"]})
    t = followup.teacher_stats(a, links)
    assert rows(t, "教师", "subject", "classes", "n", "mean", "median", "pass_rate") == [
        ("张", 0, 2, 3, pytest.approx(230 / 3), 80.0, 1.0), ("李", 0, 1, 1, 40.0, 40.0, 0.0),
        ("王", 1, 1, 2, 80.0, 80.0, 1.0)]


def test_bottom_fifth_followed_into_a_later_exam(exam):
    # 甲 has 5 students: the bottom 20 % is the lowest one (ceil(0.2 × 5) = 1), 乙's 2 lowest tie.
    first = exam({"数学": 100}, [("甲", "1", 50), ("甲", "1", 60), ("甲", "1", 70), ("甲", "1", 80),
                                ("甲", "1", 90), ("乙", "1", 40), ("乙", "1", 40), ("乙", "1", 95)])
    later = exam({"数学": 100}, [("甲", "1", 95), ("甲", "1", 60), ("甲", "1", 70), ("甲", "1", 80),
                                ("甲", "1", 90), ("乙", "1", 30), ("乙", "1", 85), ("乙", "1", 99)])
    follow = followup.bottom_followup(first, later)
    assert rows(follow, "school", "n_bottom", "matched", "still_bottom") == [
        ("甲", 1, 1, 0), ("乙", 2, 2, 1)]
    # district percentile = share of the district below: before 甲's 50 → 2/8, after 95 → 6/8.
    assert rows(follow.head(1), "percentile_before", "percentile_after") == [(0.25, 0.75)]


def test_all_pass_counts_only_students_present_in_every_subject(exam):
    a = exam({"语文": 100, "数学": 100}, [("甲", "1", 60, 60), ("甲", "1", 59.5, 100),
                                        ("甲", "1", 90, "缺考")])
    assert rows(a.tables()["all_pass"], "school", "n", "all_pass_rate") == [
        ("甲", 2, 0.5), ("全区", 2, 0.5)]
