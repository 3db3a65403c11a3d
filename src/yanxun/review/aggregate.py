"""Aggregation of a round's raw scores: finals, ranks, judge agreement. No Django inside.

Definitions, formulas and the checked worked example: docs/review-aggregation.md.

Stated rules (the issue asks for rules, not crashes):
- A score of `None` means "not scored" (abstained): the entry and the judge are known, the
  score counts nowhere. An entry with no score has final and rank `None`.
- A judge who scored nothing has n = 0 and `None` for every figure; never an outlier.
- An entry with one score: its final is that score; it adds nothing to any judge's
  consensus correlation (there is no "other judges' mean") and offsets it by 0.
- Ranks: by final, descending, compared after rounding to 4 decimals; ties share the best
  rank (1, 2, 2, 4).
- ICC: over the entries and judges that have at least one score; null unless every such
  entry was scored by every such judge, with at least 2 entries and 2 judges, and null for a
  coefficient whose denominator is zero (e.g. all scores equal).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from math import isfinite, isnan
from typing import Any, Literal

import numpy as np

Method = Literal["mean", "trimmed", "zscore"]
METHODS: tuple[Method, ...] = ("mean", "trimmed", "zscore")
RANK_DECIMALS = 4
_TINY = 1e-12


class ScoreInputError(ValueError):
    """A row that cannot be a score: `position` is its 0-based index in the rows given."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True, eq=False)
class ScoreSheet:
    """A round's raw scores in index form: one element per (entry, judge) score."""

    entries: tuple[Hashable, ...]  # every entry, first-seen order (some may have no score)
    judges: tuple[Hashable, ...]  # every judge, first-seen order (some may have no score)
    entry_index: np.ndarray  # int, per score: position in `entries`
    judge_index: np.ndarray  # int, per score: position in `judges`
    scores: np.ndarray  # float, per score

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[Hashable, Hashable, float | None]],
        *,
        entries: Iterable[Hashable] = (),
        judges: Iterable[Hashable] = (),
    ) -> ScoreSheet:
        """Rows of (entry, judge, score or None). Extra `entries`/`judges` name panel members
        and entries that have no row. A repeated (entry, judge) pair or a non-finite score
        raises ScoreInputError."""
        entry_pos = {e: i for i, e in enumerate(dict.fromkeys(entries))}
        judge_pos = {j: i for i, j in enumerate(dict.fromkeys(judges))}
        seen: dict[tuple[int, int], int] = {}
        e_idx: list[int] = []
        j_idx: list[int] = []
        values: list[float] = []
        for position, (entry, judge, score) in enumerate(rows):
            e = entry_pos.setdefault(entry, len(entry_pos))
            j = judge_pos.setdefault(judge, len(judge_pos))
            if (e, j) in seen:
                raise ScoreInputError(
                    position,
                    f"作品 {entry} 与评委 {judge} 的评分重复（第 {seen[e, j] + 1} 条已有）",
                )
            seen[e, j] = position
            if score is None:
                continue
            if not isfinite(score):
                raise ScoreInputError(position, f"作品 {entry} 的评分不是有限数值：{score}")
            e_idx.append(e)
            j_idx.append(j)
            values.append(float(score))
        return cls(
            entries=tuple(entry_pos),
            judges=tuple(judge_pos),
            entry_index=np.asarray(e_idx, dtype=np.int64),
            judge_index=np.asarray(j_idx, dtype=np.int64),
            scores=np.asarray(values, dtype=np.float64),
        )

    def entry_counts(self) -> np.ndarray:
        return np.bincount(self.entry_index, minlength=len(self.entries))

    def judge_counts(self) -> np.ndarray:
        return np.bincount(self.judge_index, minlength=len(self.judges))


# --- per-group helpers -------------------------------------------------------------------


def _group_sum(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(index, weights=values, minlength=size)


def _group_mean(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    counts = np.bincount(index, minlength=size)
    sums = _group_sum(index, values, size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _group_extreme(index: np.ndarray, values: np.ndarray, size: int, *, high: bool) -> np.ndarray:
    out = np.full(size, -np.inf if high else np.inf)
    (np.maximum if high else np.minimum).at(out, index, values)
    return out


# --- finals ------------------------------------------------------------------------------


def mean_finals(sheet: ScoreSheet) -> np.ndarray:
    """Arithmetic mean of each entry's scores (NaN for an entry with no score)."""
    return _group_mean(sheet.entry_index, sheet.scores, len(sheet.entries))


def trimmed_finals(sheet: ScoreSheet, *, trim_min: int = 5) -> np.ndarray:
    """Drop one highest and one lowest score when an entry has at least `trim_min` scores,
    else the plain mean. `trim_min` must be at least 3 (something must remain)."""
    if trim_min < 3:
        raise ValueError("trim_min 至少为 3")
    size = len(sheet.entries)
    counts = sheet.entry_counts()
    sums = _group_sum(sheet.entry_index, sheet.scores, size)
    high = _group_extreme(sheet.entry_index, sheet.scores, size, high=True)
    low = _group_extreme(sheet.entry_index, sheet.scores, size, high=False)
    trim = counts >= trim_min
    with np.errstate(invalid="ignore", divide="ignore"):
        trimmed = (sums - high - low) / (counts - 2)
    return np.where(trim, trimmed, mean_finals(sheet))


def judge_spread_is_degenerate(sheet: ScoreSheet) -> np.ndarray:
    """Per judge: True when the judge has fewer than two scores or all their scores are equal
    (the z-score method then uses z = 0 for them and flags them)."""
    size = len(sheet.judges)
    high = _group_extreme(sheet.judge_index, sheet.scores, size, high=True)
    low = _group_extreme(sheet.judge_index, sheet.scores, size, high=False)
    return (sheet.judge_counts() < 2) | (high == low)


def zscore_finals(sheet: ScoreSheet) -> np.ndarray:
    """Per-judge standardisation: z = (score - judge mean) / judge std (ddof 0); an entry's
    z is the mean of its z's; final = the round's mean + the round's std * z (ddof 0, over all raw scores)."""
    if sheet.scores.size == 0:
        return np.full(len(sheet.entries), np.nan)
    size = len(sheet.judges)
    j = sheet.judge_index
    judge_mean = _group_mean(j, sheet.scores, size)
    deviation = sheet.scores - judge_mean[j]
    judge_std = np.sqrt(_group_mean(j, deviation**2, size))
    degenerate = judge_spread_is_degenerate(sheet)[j]
    z = np.where(degenerate, 0.0, deviation / np.where(degenerate, 1.0, judge_std[j]))
    entry_z = _group_mean(sheet.entry_index, z, len(sheet.entries))
    return sheet.scores.mean() + sheet.scores.std() * entry_z


def finals(sheet: ScoreSheet, method: Method = "mean", *, trim_min: int = 5) -> np.ndarray:
    if method == "mean":
        return mean_finals(sheet)
    if method == "trimmed":
        return trimmed_finals(sheet, trim_min=trim_min)
    if method == "zscore":
        return zscore_finals(sheet)
    raise ValueError(f"未知的汇总方法：{method}")


def round_half_even(values: np.ndarray | float, decimals: int = RANK_DECIMALS) -> Any:
    """The one rounding used for comparing and reporting finals: NumPy's (scale by 10^d, round
    half to even, scale back). Plain floats take the same steps in Python, which is faster
    per value and gives identical results."""
    if isinstance(values, float | int):
        scale = 10.0**decimals
        return round(values * scale) / scale
    return np.round(values, decimals)


def competition_ranks(values: Sequence[float] | np.ndarray) -> list[int | None]:
    """Rank descending after rounding to 4 decimals; ties share the best rank (1, 2, 2, 4);
    NaN (no score) gets None."""
    keys = round_half_even(np.asarray(values, dtype=np.float64))
    valid = np.sort(keys[~np.isnan(keys)])
    greater = valid.size - np.searchsorted(valid, keys, side="right")
    return [None if np.isnan(key) else int(g) + 1 for key, g in zip(keys, greater, strict=True)]


# --- intraclass correlation (Shrout & Fleiss 1979) -----------------------------------------


@dataclass(frozen=True)
class Icc:
    """The six Shrout & Fleiss coefficients for an n-entries x k-judges complete design."""

    n_entries: int
    n_judges: int
    bms: float  # between-entries (targets) mean square
    wms: float  # within-entries mean square (one-way)
    jms: float  # between-judges mean square
    ems: float  # residual mean square (two-way)
    icc1: float | None
    icc2: float | None
    icc3: float | None
    icc1k: float | None
    icc2k: float | None
    icc3k: float | None


ICC_KEYS = ("icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k")


def _ratio(numerator: float, denominator: float, scale: float) -> float | None:
    if abs(denominator) <= _TINY * scale:
        return None
    return numerator / denominator


def icc_from_matrix(matrix: np.ndarray) -> Icc | None:
    """ICC(1,1), ICC(2,1), ICC(3,1) and their k-judge forms from an n x k matrix (rows are
    entries, columns judges, no gaps). None under 2 entries or 2 judges."""
    x = np.asarray(matrix, dtype=np.float64)
    n, k = x.shape
    if n < 2 or k < 2:
        return None
    grand = x.mean()
    row, col = x.mean(axis=1), x.mean(axis=0)
    ss_total = ((x - grand) ** 2).sum()
    ss_rows = k * ((row - grand) ** 2).sum()
    ss_cols = n * ((col - grand) ** 2).sum()
    bms = ss_rows / (n - 1)
    wms = (ss_total - ss_rows) / (n * (k - 1))
    jms = ss_cols / (k - 1)
    ems = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    scale = 1.0 + ss_total
    return Icc(
        n_entries=n,
        n_judges=k,
        bms=bms,
        wms=wms,
        jms=jms,
        ems=ems,
        icc1=_ratio(bms - wms, bms + (k - 1) * wms, scale),
        icc2=_ratio(bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n, scale),
        icc3=_ratio(bms - ems, bms + (k - 1) * ems, scale),
        icc1k=_ratio(bms - wms, bms, scale),
        icc2k=_ratio(bms - ems, bms + (jms - ems) / n, scale),
        icc3k=_ratio(bms - ems, bms, scale),
    )


def complete_matrix(sheet: ScoreSheet) -> np.ndarray | None:
    """The entries x judges matrix when every entry that has a score was scored by every judge
    who has a score (entries/judges with no score at all are left out); else None."""
    entry_rows = np.flatnonzero(sheet.entry_counts() > 0)
    judge_cols = np.flatnonzero(sheet.judge_counts() > 0)
    if sheet.scores.size != entry_rows.size * judge_cols.size:
        return None
    row_of = np.full(len(sheet.entries), -1)
    row_of[entry_rows] = np.arange(entry_rows.size)
    col_of = np.full(len(sheet.judges), -1)
    col_of[judge_cols] = np.arange(judge_cols.size)
    matrix = np.empty((entry_rows.size, judge_cols.size))
    matrix[row_of[sheet.entry_index], col_of[sheet.judge_index]] = sheet.scores
    return matrix  # pairs are unique, so size equality means every cell is filled


def sheet_icc(sheet: ScoreSheet) -> Icc | None:
    matrix = complete_matrix(sheet)
    return None if matrix is None else icc_from_matrix(matrix)


# Koo & Li (2016), J Chiropr Med 15(2):155-163: < 0.5 poor, 0.5-0.75 moderate,
# 0.75-0.9 good, > 0.9 excellent.
KOO_LI_BANDS = ((0.9, "优秀"), (0.75, "良好"), (0.5, "中等"))


def koo_li_band(value: float) -> str:
    for bound, label in KOO_LI_BANDS:
        if value >= bound:
            return label
    return "差"


def icc_verdict(icc: Icc | None) -> str:
    """A readable Chinese verdict on ICC(2,1) (one judge) and ICC(2,k) (the panel's mean)."""
    if icc is None:
        return "评分设计不完整（并非每件作品都由同一组评委评分，或不足 2 件作品 / 2 位评委），不计算组内相关系数。"
    if icc.icc2 is None or icc.icc2k is None:
        return "所有评分相同或作品间没有差异，组内相关系数无意义。"
    k = icc.n_judges
    return (
        f"单个评委的一致性 ICC(2,1) = {icc.icc2:.2f}，{koo_li_band(icc.icc2)}；"
        f"{k} 位评委平均分的信度 ICC(2,{k}) = {icc.icc2k:.2f}，{koo_li_band(icc.icc2k)}"
        "（分档：< 0.50 差，0.50–0.75 中等，0.75–0.90 良好，≥ 0.90 优秀；Koo & Li 2016）。"
    )


# --- judges ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeStats:
    judge: Hashable
    n: int
    mean_offset: float | None
    consensus_corr: float | None
    outlier: bool
    reasons: tuple[str, ...]  # "low_consensus", "offset"


def _pearson_by_group(
    index: np.ndarray, x: np.ndarray, y: np.ndarray, size: int, min_n: int
) -> list[float | None]:
    counts = np.bincount(index, minlength=size)
    dx = x - _group_mean(index, x, size)[index]
    dy = y - _group_mean(index, y, size)[index]
    sxy, sxx, syy = (_group_sum(index, v, size) for v in (dx * dy, dx * dx, dy * dy))
    scale = _group_sum(index, x * x + y * y, size) + 1.0
    out: list[float | None] = []
    for g in range(size):
        if counts[g] < min_n or sxx[g] <= _TINY * scale[g] or syy[g] <= _TINY * scale[g]:
            out.append(None)
        else:
            out.append(float(np.clip(sxy[g] / np.sqrt(sxx[g] * syy[g]), -1.0, 1.0)))
    return out


def consensus_correlations(sheet: ScoreSheet, *, min_entries: int = 3) -> list[float | None]:
    """Per judge: Pearson r of their scores with the mean of the other judges on the same
    entries; entries nobody else scored are skipped; None under `min_entries` such entries or
    when either side has no spread."""
    counts = sheet.entry_counts()[sheet.entry_index]
    shared = counts >= 2
    sums = _group_sum(sheet.entry_index, sheet.scores, len(sheet.entries))[sheet.entry_index]
    others = (sums[shared] - sheet.scores[shared]) / (counts[shared] - 1)
    return _pearson_by_group(
        sheet.judge_index[shared], sheet.scores[shared], others, len(sheet.judges), min_entries
    )


def mean_offsets(sheet: ScoreSheet) -> np.ndarray:
    """Per judge: mean over their entries of (their score - the entry's mean). NaN if none."""
    entry_mean = mean_finals(sheet)[sheet.entry_index]
    return _group_mean(sheet.judge_index, sheet.scores - entry_mean, len(sheet.judges))


def _offset_outliers(offsets: np.ndarray, offset_sd: float) -> np.ndarray:
    known = ~np.isnan(offsets)
    if known.sum() < 2:
        return np.zeros(offsets.size, dtype=bool)
    centre, sd = offsets[known].mean(), offsets[known].std()
    if sd <= _TINY:
        return np.zeros(offsets.size, dtype=bool)
    return known & (np.abs(np.where(known, offsets, centre) - centre) > offset_sd * sd)


def judge_stats(
    sheet: ScoreSheet, *, corr_min: float = 0.2, offset_sd: float = 2.0
) -> list[JudgeStats]:
    """Per judge, in sheet order. Outlier: consensus_corr < `corr_min`, or mean_offset more
    than `offset_sd` standard deviations (ddof 0) from the panel's mean offset."""
    offsets = mean_offsets(sheet)
    corrs = consensus_correlations(sheet)
    far = _offset_outliers(offsets, offset_sd)
    counts = sheet.judge_counts()
    out = []
    for g, judge in enumerate(sheet.judges):
        corr = corrs[g]
        reasons = tuple(
            name
            for name, hit in (
                ("low_consensus", corr is not None and corr < corr_min),
                ("offset", bool(far[g])),
            )
            if hit
        )
        offset = None if np.isnan(offsets[g]) else float(offsets[g])
        out.append(JudgeStats(judge, int(counts[g]), offset, corr, bool(reasons), reasons))
    return out


# --- entries whose judges disagree ----------------------------------------------------------


def entry_spreads(sheet: ScoreSheet) -> np.ndarray:
    """Per entry: highest minus lowest score (0 for one score, NaN for none)."""
    size = len(sheet.entries)
    high = _group_extreme(sheet.entry_index, sheet.scores, size, high=True)
    low = _group_extreme(sheet.entry_index, sheet.scores, size, high=False)
    return np.where(sheet.entry_counts() > 0, high - low, np.nan)


def spread_threshold(sheet: ScoreSheet, max_spread: float | None = None) -> float | None:
    """`max_spread` points when given; else 2 x the standard deviation (ddof 0) of all the
    round's raw scores. None when there are no scores."""
    if max_spread is not None:
        return float(max_spread)
    return 2.0 * float(sheet.scores.std()) if sheet.scores.size else None


def wide_spread_entries(sheet: ScoreSheet, threshold: float | None) -> list[tuple[Hashable, float]]:
    """(entry, spread) for entries whose spread is strictly above `threshold`, sheet order."""
    if threshold is None:
        return []
    spreads = entry_spreads(sheet)
    return [(sheet.entries[i], float(spreads[i])) for i in np.flatnonzero(spreads > threshold)]


# --- the round's report --------------------------------------------------------------------


@dataclass(frozen=True)
class EntryResult:
    entry: Hashable
    n_scores: int
    final: float | None  # full precision; compare and report via round_half_even
    rank: int | None
    spread: float | None


@dataclass(frozen=True)
class RoundReport:
    method: Method
    trim_min: int
    entries: list[EntryResult]  # by rank, ties and unranked in sheet order
    icc: Icc | None
    verdict: str
    judges: list[JudgeStats]  # sheet order
    zscore_fallback: tuple[Hashable, ...]  # judges given z = 0 (method "zscore" only)
    spread_threshold: float | None
    wide_spread: list[tuple[Hashable, float]]


def round_report(
    sheet: ScoreSheet,
    *,
    method: Method = "mean",
    trim_min: int = 5,
    corr_min: float = 0.2,
    offset_sd: float = 2.0,
    max_spread: float | None = None,
) -> RoundReport:
    """Finals by `method`, ranks, ICC and verdict, judge statistics and flags for one round."""
    values = finals(sheet, method, trim_min=trim_min)
    ranks = competition_ranks(values)
    counts, spreads = sheet.entry_counts(), entry_spreads(sheet)
    entries = [
        EntryResult(entry, int(counts[i]), _maybe(values[i]), ranks[i], _maybe(spreads[i]))
        for i, entry in enumerate(sheet.entries)
    ]
    entries.sort(key=lambda r: (r.rank is None, r.rank or 0))  # stable: ties keep sheet order
    icc = sheet_icc(sheet)
    degenerate = (judge_spread_is_degenerate(sheet) & (sheet.judge_counts() > 0)).tolist()
    fallback = tuple(j for j, hit in zip(sheet.judges, degenerate, strict=True) if hit)
    threshold = spread_threshold(sheet, max_spread)
    return RoundReport(
        method=method,
        trim_min=trim_min,
        entries=entries,
        icc=icc,
        verdict=icc_verdict(icc),
        judges=judge_stats(sheet, corr_min=corr_min, offset_sd=offset_sd),
        zscore_fallback=fallback if method == "zscore" else (),
        spread_threshold=threshold,
        wide_spread=wide_spread_entries(sheet, threshold),
    )


def _maybe(value: float) -> float | None:
    return None if isnan(value) else float(value)
