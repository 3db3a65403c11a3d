"""Property tests: rates stay in [0, 1], nothing is NaN, and the district figures are the
present-weighted combination of the school figures (and schools of their classes)."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.quality.conftest import build

CELL = st.one_of(
    st.integers(0, 200).map(lambda half: half / 2),  # 0 to 100 by half points
    st.sampled_from(["缺考", "作弊", "违纪", "免考", None]),
)
ROW = st.tuples(st.sampled_from(["甲", "乙", "丙"]), st.sampled_from(["1班", "2班"]), CELL, CELL)
RATES = ["excellent_rate", "good_rate", "pass_rate", "low_rate"]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _weighted(frame: pl.DataFrame, column: str) -> float | None:
    present = frame.filter(pl.col("n") > 0)
    if present.is_empty():
        return None
    return (present["n"] * present[column]).sum() / present["n"].sum()


@SETTINGS
@given(st.lists(ROW, min_size=1, max_size=25))
def test_rates_are_fractions_and_nothing_is_nan(records):
    tables = build({"语文": 100, "数学": 100}, records).tables()
    for name, frame in tables.items():
        for column in frame.select(pl.selectors.float()).columns:
            assert not frame[column].is_nan().any(), (name, column)
    for name in ("district", "schools", "classes"):
        for column in RATES:
            values = tables[name][column].drop_nulls()
            assert ((values >= 0) & (values <= 1)).all(), (name, column)
    for column in ("share", "enrolment_share"):
        values = tables["top_n"][column].drop_nulls()
        assert ((values >= 0) & (values <= 1)).all()
    assert tables["all_pass"]["all_pass_rate"].drop_nulls().is_between(0, 1).all()


@SETTINGS
@given(st.lists(ROW, min_size=1, max_size=25))
def test_district_is_the_present_weighted_combination_of_schools(records):
    tables = build({"语文": 100, "数学": 100}, records).tables()
    for subject in ("语文", "数学", "总分"):
        district = tables["district"].filter(pl.col("subject") == subject).row(0, named=True)
        schools = tables["schools"].filter(pl.col("subject") == subject)
        classes = tables["classes"].filter(pl.col("subject") == subject)
        assert district["n"] == schools["n"].sum() == classes["n"].sum()
        assert district["absent"] == schools["absent"].sum() == classes["absent"].sum()
        for column in ("mean", *RATES):
            expected = _weighted(schools, column)
            if expected is None:
                assert district[column] is None
            else:
                assert district[column] == pytest.approx(expected, rel=1e-12, abs=1e-12)
        for school in schools.filter(pl.col("n") > 0).iter_rows(named=True):
            own = classes.filter(pl.col("school") == school["school"])
            assert school["mean"] == pytest.approx(_weighted(own, "mean"), rel=1e-12)


@SETTINGS
@given(st.lists(ROW, min_size=1, max_size=25))
def test_unit_keys_rise_along_the_long_frame(records):
    """The group-bys take Polars' sorted fast path: the keys must really be sorted, whatever
    the order of schools and classes in the file."""
    long = build({"语文": 100, "数学": 100}, records).long
    for key in ("subject", "class_key", "school_key"):
        values = long[key].cast(pl.Int64).to_list()
        assert values == sorted(values), key


@SETTINGS
@given(st.lists(ROW, min_size=1, max_size=25))
def test_pass_counts_match_an_exact_rational_count(records):
    analysis = build({"语文": 100, "数学": 100}, records)
    district = analysis.tables()["district"]
    for index, subject in enumerate(("语文", "数学")):
        scores = [Fraction(str(r[2 + index])) for r in records if isinstance(r[2 + index], float)]
        row = district.filter(pl.col("subject") == subject).row(0, named=True)
        assert row["n"] == len(scores)
        if scores:
            passing = sum(s >= Fraction("0.6") * 100 for s in scores)
            assert row["pass_rate"] == passing / len(scores)
            assert row["mean"] == pytest.approx(float(sum(scores) / len(scores)), rel=1e-15)
