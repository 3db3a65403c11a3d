"""Item analysis (小题分析): one sheet per subject in an .xlsx workbook.

Layout of a sheet (its name is the subject): row 1 the key columns (考号, and any of 姓名,
学校, 班级, 学籍号) then one column per item; row 2 the items' full marks under the item
columns (the key cells of row 2 are empty or say 满分); then one row per student. A student
whose item cells are all empty or 缺考 is absent and left out; 作弊/违纪/免考 in any item cell
leaves the student out too; an empty item cell of a present student is 0 (not answered).
Any other text, a negative score or one above the item's full mark is an error naming the
sheet, the row and the column.

Per item: difficulty = mean / full mark; discrimination D = (mean of the upper 27 % − mean of
the lower 27 %) / full mark, groups by paper total (k = round(0.27 n), ties at the edge broken
by file order); item–rest correlation = Pearson r of the item with the paper total minus the
item. Per paper: Cronbach's α = k/(k−1) · (1 − Σ var(item) / var(total)). Flags compare
exactly in integers (difficulty 0.3–0.7 preferred; D ≥ 0.4 very good, 0.3–0.39 good,
0.2–0.29 revise, < 0.2 poor).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import polars as pl

from yanxun.quality.engine import SCALE, STATUS_WORDS
from yanxun.quality.scores_io import InputError, cell_error, column_letter, read_raw

KEY_NAMES = ("考号", "姓名", "学校", "班级", "学籍号")
ROW = "_row"
UPPER_SHARE = Fraction(27, 100)


def _fulls(raw: pl.DataFrame, items: list[str], source: str) -> list[int]:
    if raw.height == 0:
        raise InputError(f"{source}：第 2 行：应填写各小题的满分")
    header = list(raw.columns)
    fulls = []
    for item in items:
        text = raw[item][0]
        try:
            value = Fraction(str(text).strip()) if text is not None else None
        except ValueError:
            value = None
        if value is None or value <= 0 or (value * SCALE).denominator != 1:
            raise cell_error(source, 2, header, item,
                             f"小题满分「{text or ''}」应为正数，最多两位小数")
        fulls.append(int(value * SCALE))
    return fulls


def _parse_items(rows: pl.DataFrame, items: list[str], fulls: list[int], header, source):
    """Scores in hundredths; students absent or excluded left out."""
    words = list(STATUS_WORDS)
    blank = [pl.col(i).is_null() for i in items]
    excluded = pl.any_horizontal([pl.col(i).is_in(words[1:]).fill_null(False) for i in items])
    present = rows.filter(~pl.all_horizontal(blank) & ~excluded)
    values = present.select(ROW, *[
        (pl.col(i).cast(pl.Float64, strict=False) * SCALE).alias(i) for i in items])
    for item, full in zip(items, fulls, strict=True):
        text, value = present[item], values[item]
        bad = (text.is_not_null() & (value.is_null() | ~value.is_finite() | (value < 0)
                                     | ((value - value.round(0)).abs() > 1e-6)
                                     | (value.round(0) > full)))
        if bad.any():
            index = bad.arg_true()[0]
            raise cell_error(source, present[ROW][index], header, item,
                             f"「{text[index]}」应为 0 到 {full / SCALE:g} 之间的分数，最多两位小数")
    return values.with_columns(pl.col(items).round(0).cast(pl.Int64).fill_null(0))


def read_sheet(raw: pl.DataFrame, source: str) -> tuple[list[str], list[int], pl.DataFrame]:
    header = [c.strip() for c in raw.columns]
    if "考号" not in header:
        raise InputError(f"{source}：第 1 行：缺少「考号」列")
    items = [c for c in header if c not in KEY_NAMES]
    if not items:
        raise InputError(f"{source}：第 1 行：没有小题列")
    raw = raw.with_columns(pl.col(items).str.strip_chars()).with_columns(  # 缺考 = empty
        [pl.when(~pl.col(i).is_in(["", "缺考"])).then(pl.col(i)).alias(i) for i in items])
    fulls = _fulls(raw, items, source)
    rows = raw.slice(1).with_row_index(ROW, offset=3).filter(
        pl.any_horizontal([pl.col(c).is_not_null() for c in header]))
    return items, fulls, _parse_items(rows, items, fulls, header, source)


def _group_size(n: int) -> int:
    return max(1, int(UPPER_SHARE * n + Fraction(1, 2)))  # round half up


def _difficulty_flag(total: int, n: int, full: int) -> str:
    """mean / full compared with 0.3 and 0.7 in integers: total / (n · full)."""
    if 10 * total < 3 * n * full:
        return "偏难"
    return "偏易" if 10 * total > 7 * n * full else "适中"


def _discrimination_flag(upper: int, lower: int, k: int, full: int) -> str:
    """D = (upper − lower) / (k · full) against 0.4 / 0.3 / 0.2, in integers."""
    gap = 10 * (upper - lower)
    for tenths, label in ((4, "很好"), (3, "良好"), (2, "需修改")):
        if gap >= tenths * k * full:
            return label
    return "差"


def analyze_sheet(subject: str, items: list[str], fulls: list[int], scores: pl.DataFrame):
    """(one row per item, the paper row)."""
    n = scores.height
    frame = scores.with_columns(total=pl.sum_horizontal(items)).sort(
        ["total", ROW], descending=[True, False])
    k = _group_size(n) if n else 0
    upper, lower = frame.head(k), frame.tail(k)
    # One query per group and one for the correlations (not one per item: a district's
    # report runs this for every school).
    sums = [part.select(pl.col(items).sum().cast(pl.Int64)).row(0)
            for part in (frame, upper, lower)]
    rs = frame.select([pl.corr(pl.col(i), pl.col("total") - pl.col(i)).alias(i)
                       for i in items]).row(0) if n >= 2 else [None] * len(items)
    rows = []
    for item, full, total, up, low, r in zip(items, fulls, *sums, rs, strict=True):
        rows.append({
            "subject": subject, "item": item, "full_mark": full / SCALE, "n": n,
            "mean": total / (n * SCALE) if n else None,
            "difficulty": total / (n * full) if n else None,
            "discrimination": (up - low) / (k * full) if n else None,
            "item_rest_r": r if r is None or r == r else None,
            "difficulty_flag": _difficulty_flag(total, n, full) if n else None,
            "discrimination_flag": _discrimination_flag(up, low, k, full) if n else None,
        })
    return rows, {"subject": subject, "n": n, "items": len(items), "alpha": _alpha(frame, items)}


def _alpha(frame: pl.DataFrame, items: list[str]) -> float | None:
    if len(items) < 2 or frame.height < 2:
        return None
    variances = frame.select([pl.col(i).var(ddof=0) for i in items]).row(0)
    total_variance = frame["total"].var(ddof=0)
    if not total_variance:
        return None
    k = len(items)
    return k / (k - 1) * (1 - sum(variances) / total_variance)


def sheet_names(path: Path, name: str | None = None) -> list[str]:
    """The workbook's sheet names; `name` is the file's name in messages (an upload is read
    from a temporary file)."""
    import fastexcel

    name = name or path.name
    if path.suffix.lower() not in (".xlsx", ".xls", ".xlsm"):
        raise InputError(f"{name}：小题分文件应为 .xlsx 或 .xls（每科一个工作表）")
    if not path.is_file():
        raise InputError(f"{name}：找不到文件")
    try:
        return fastexcel.read_excel(str(path)).sheet_names
    except Exception as exc:
        raise InputError(f"{name}：无法读取文件（{str(exc).splitlines()[0]}）") from exc


def analyze_workbook(path: Path) -> dict[str, pl.DataFrame]:
    """{"items": rows of every sheet, "item_papers": one row per sheet}."""
    sheets = sheet_names(path)
    item_rows, papers = [], []
    for sheet in sheets:
        source = f"{path.name}「{sheet}」工作表"
        items, fulls, scores = read_sheet(read_raw(path, sheet=sheet, source=source), source)
        rows, paper = analyze_sheet(sheet.strip(), items, fulls, scores)
        item_rows += rows
        papers.append(paper)
    return {"items": pl.DataFrame(item_rows, schema=ITEM_SCHEMA),
            "item_papers": pl.DataFrame(papers, schema=PAPER_SCHEMA)}


ITEM_SCHEMA = {"subject": pl.String, "item": pl.String, "full_mark": pl.Float64, "n": pl.Int64,
               "mean": pl.Float64, "difficulty": pl.Float64, "discrimination": pl.Float64,
               "item_rest_r": pl.Float64, "difficulty_flag": pl.String,
               "discrimination_flag": pl.String}
PAPER_SCHEMA = {"subject": pl.String, "n": pl.Int64, "items": pl.Int64, "alpha": pl.Float64}

__all__ = ["analyze_sheet", "analyze_workbook", "column_letter", "read_sheet", "sheet_names"]
