"""How the engine counts: the per-cell lookup of packed facts must give exactly what the facts
give score by score, packed counts must unpack to themselves, the result must not depend on
whether the file lists students class by class (the sorted fast path) or not, and an exam of
a single class must divide exactly."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.quality.conftest import build
from yanxun.quality import engine

SHARE = st.fractions(min_value=0, max_value=1, max_denominator=40)
WIDTH = st.fractions(min_value=Fraction(1, 20), max_value=Fraction(1, 2), max_denominator=20)


def _spec(lines: engine.Lines, band: Fraction, near: Fraction) -> engine.ExamSpec:
    return engine.ExamSpec((engine.Subject("语文", Fraction(1)),), lines=lines, band_width=band,
                           borderline_width=near)


@settings(max_examples=80, deadline=None)
@given(st.tuples(SHARE, SHARE, SHARE, SHARE), WIDTH,
       st.fractions(0, Fraction(1, 5), max_denominator=20), st.integers(0, 3000),
       st.integers(1, 200))
def test_the_lookup_gives_every_score_the_facts_of_that_score(shares, band, near, full, largest):
    lines = engine.Lines(*shares)
    spec = _spec(lines, band, near)
    counters = engine.Counters.sized(spec, largest)
    low, high = -3, full + 3  # below 0 and above the full mark too
    looked_up = engine.Intervals.build(spec, lines, [full], counters).lookup([full], low, high)
    cells = pl.DataFrame({
        "score": [None] * engine.CELL_CODES + list(range(low, high + 1)),
        "status": list(range(engine.CELL_CODES)) + [engine.PRESENT] * (high - low + 1),
    }, schema={"score": pl.Int64, "status": pl.UInt8})
    facts = engine.unit_flags(spec, lines, pl.col("score"), pl.col("status"), full)
    assert counters.pack_rows(cells.select(**facts)).equals(looked_up)  # every cell, one by one


def test_counts_unpack_to_what_was_packed():
    spec = _spec(engine.Lines(), Fraction(1, 10), Fraction(1, 20))
    for largest in (1, 63, 64, 100_000):
        counters = engine.Counters.sized(spec, largest)
        names = [name for word in counters.words for name in word]
        counts = {name: (7 * i + 3) % (largest + 1) for i, name in enumerate(names)}
        words = pl.DataFrame({
            f"w{k}": [sum(counts[f] << (counters.width * j) for j, f in enumerate(word))]
            for k, word in enumerate(counters.words)},
            schema={c: pl.Int128 for c in counters.columns})
        unpacked = counters.unpack(words.lazy()).collect()
        assert unpacked.row(0, named=True) == {f"n_{name}": counts[name] for name in names}


ROWS = [("甲", "1班", 91, 55), ("乙", "1班", 60, "缺考"), ("甲", "2班", 75.5, 88),
        ("甲", "1班", 39, 100), ("乙", "1班", "作弊", 72), ("甲", "2班", 85, 61),
        ("丙", "1班", 100, 0), ("乙", "2班", 59.5, 59.5)]


def _by_name(frame: pl.DataFrame, keys: list[str]) -> list[dict]:
    return frame.sort(keys).to_dicts()


def test_classes_need_not_be_listed_together():
    together = sorted(ROWS, key=lambda r: (r[0], r[1]))
    scattered = build({"语文": 100, "数学": 100}, ROWS).tables()
    grouped = build({"语文": 100, "数学": 100}, together).tables()
    for name, keys in (("district", ["subject"]), ("schools", ["subject", "school"]),
                       ("classes", ["subject", "school", "class"]),
                       ("bands", ["subject", "school", "band"]),
                       ("borderline", ["subject", "school", "line"]), ("all_pass", ["school"])):
        assert _by_name(scattered[name], keys) == _by_name(grouped[name], keys), name


def test_an_exam_of_one_class_divides_exactly():
    """Every unit of a one-class exam has the same n: the means must still be sum / n exactly
    (not sum × (1 / n), one unit in the last place off) and equal to the school's."""
    a = build({"语文": 100, "数学": 100, "英语": 100}, [("甲", "1班", 57.37, 37.41, 99.99)])
    classes = a.tables()["classes"]
    assert classes["mean"].to_list() == [57.37, 37.41, 99.99, 194.77]
    assert classes["above_mean_rate"].to_list() == [0.0, 0.0, 0.0, 0.0]
    assert classes["median"].to_list() == classes["mean"].to_list()
