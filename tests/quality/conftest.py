"""Building small exams from typed rows, as the score file would give them."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

from yanxun.quality import engine
from yanxun.quality.scores_io import parse_scores

KEYS = ["考号", "姓名", "学校", "班级"]


def build(subjects: dict[str, object], rows: list[tuple], *, electives=(), **spec_args):
    """rows: (学校, 班级, score cells...) with cells as typed in the file (None = empty)."""
    header = [*KEYS, *subjects]
    records = [
        dict(zip(header, [f"{i:03d}", f"学生{i}", *[None if c is None else str(c) for c in row]],
                 strict=True))
        for i, row in enumerate(rows, 1)
    ]
    raw = pl.DataFrame(records, schema={h: pl.String for h in header})
    fulls = {name: engine.hundredths(Fraction(str(full))) for name, full in subjects.items()}
    table = parse_scores(raw, fulls=fulls, electives=frozenset(electives), source="t.csv")
    spec = engine.ExamSpec(
        subjects=tuple(engine.Subject(s, Fraction(str(subjects[s])), s in electives)
                       for s in table.subjects),
        **spec_args,
    )
    return engine.analyze(table.frame, spec)


@pytest.fixture
def exam():
    return build
