"""Value-added (增值评价): a random school intercept over standardised intake and outcome.

    outcome_z = β0 + β1 · intake_z + u_school + e

fitted by REML (statsmodels MixedLM) with an explicit optimiser list; any convergence warning
is a failure. A school's value added is its empirical-Bayes (conditional) intercept u_j with a
95 % interval from its conditional variance; `mean_residual` is the school's mean residual
from the ordinary least-squares line of outcome_z on intake_z. Validation against published
estimates: docs/value-added-validation.md.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl

from yanxun.quality.engine import PRESENT, TOTAL, hundredths, status_column
from yanxun.quality.scores_io import STUDENT_ID, InputError, QualityError, parse_scores, read_raw

OPTIMISERS = ["powell", "lbfgs"]
Z_95 = 1.959963984540054  # the standard normal 97.5 % quantile


class ModelError(QualityError):
    """The model could not be fitted reliably (exit status 1)."""

    exit_status = 1


@dataclass
class Fit:
    intercept: float
    slope: float
    school_variance: float
    residual_variance: float
    effects: pl.DataFrame  # group, n, value_added, conditional_variance


@dataclass
class Result:
    model: dict
    schools: pl.DataFrame
    warnings: list[str] = field(default_factory=list)

    def document(self) -> str:
        doc = {"model": self.model, "schools": self.schools.to_dicts()}
        return json.dumps(doc, ensure_ascii=False, allow_nan=False)


# ---------------------------------------------------------------------------------------
# The model (generic: used on the exam data and on the published validation data)
# ---------------------------------------------------------------------------------------


def fit_random_intercept(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> Fit:
    """REML fit of y = β0 + β1·x + u_group + e. Raises ModelError on any convergence warning
    (statsmodels' default can report convergence at a wrong optimum; boundary estimates of
    the school variance make the intervals meaningless)."""
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    exog = np.column_stack([np.ones_like(x, dtype=float), x.astype(float)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = MixedLM(y.astype(float), exog, groups).fit(reml=True, method=OPTIMISERS)
    problems = [w for w in caught if issubclass(w.category, ConvergenceWarning)
                and not str(w.message).startswith("Retrying MixedLM optimization")]
    if problems or not result.converged:
        raise ModelError(_convergence_message([str(w.message) for w in problems]))
    labels = list(result.random_effects)
    effects = pl.DataFrame({
        "group": labels,
        "value_added": [float(result.random_effects[g].iloc[0]) for g in labels],
        "conditional_variance": [float(np.asarray(result.random_effects_cov[g])[0, 0])
                                 for g in labels],
    })
    return Fit(float(result.fe_params[0]), float(result.fe_params[1]),
               float(np.asarray(result.cov_re)[0, 0]), float(result.scale), effects)


def _convergence_message(messages: list[str]) -> str:
    if any("boundary" in m for m in messages):
        return ("增值模型未能可靠拟合：学校间方差估计接近 0（在参数边界上），"
                "各校增值无法与 0 区分，请检查数据或扩大样本")
    detail = "；".join(messages) or "优化未收敛"
    return f"增值模型未收敛（已依次尝试 {'、'.join(OPTIMISERS)}）：{detail}"


def ols_residuals(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    slope = float(np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2))
    return y - (y.mean() - slope * x.mean()) - slope * x


def standardise(values: pl.Expr) -> pl.Expr:
    """z-score over the matched students, population standard deviation (ddof = 0)."""
    return (values - values.mean()) / values.std(ddof=0)


# ---------------------------------------------------------------------------------------
# Reading, matching, fitting: the command
# ---------------------------------------------------------------------------------------


def _read(path: Path, subject: str, fulls: dict[str, Fraction] | None) -> tuple[pl.DataFrame, bool]:
    """(frame with 学校, keys and `score` in hundredths or null, has 学籍号)."""
    source = path.name
    raw = read_raw(path, source=source)
    if subject == TOTAL:
        if not fulls:
            raise InputError("参数 --full-marks：--subject 总分 时须列出相加的科目及满分")
        limits = {name: hundredths(full) for name, full in fulls.items()}
    elif subject not in raw.columns:
        raise InputError(f"{source}：第 1 行：缺少「{subject}」列")
    else:
        limits = {subject: hundredths(fulls[subject]) if fulls and subject in fulls else None}
    keys = ("考号", "学校")
    table = parse_scores(raw, fulls=limits, keys=keys, source=source)
    frame = table.frame
    names = list(limits)
    present = pl.all_horizontal([pl.col(status_column(n)) == PRESENT for n in names])
    score = pl.when(present).then(pl.sum_horizontal([pl.col(n) for n in names]))
    columns = ["考号", "学校", *([STUDENT_ID] if table.has_student_id else [])]
    return frame.select(*columns, score.alias("score")), table.has_student_id


def _key(intake_has_id: bool, outcome_has_id: bool, key: str | None) -> str:
    if key == STUDENT_ID and not (intake_has_id and outcome_has_id):
        raise InputError("参数 --key 学籍号：两个文件都须有「学籍号」列")
    return key or (STUDENT_ID if intake_has_id and outcome_has_id else "考号")


def _unique(frame: pl.DataFrame, key: str, path: Path) -> pl.DataFrame:
    """A key may be empty (that student cannot be matched) but never repeated."""
    dup = frame.filter(pl.col(key).is_not_null() & pl.col(key).is_duplicated())
    if len(dup):
        raise InputError(f"{path.name}：「{key}」列：「{dup[key][0]}」出现了不止一次，无法匹配学生")
    return frame


def match(intake: pl.DataFrame, outcome: pl.DataFrame, key: str) -> tuple[pl.DataFrame, dict]:
    """Matched students with both scores (school from the outcome exam) and the counts."""
    both = outcome.select(key, "学校", outcome="score").join(
        intake.select(key, intake="score"), on=key, how="inner")
    usable = both.filter(pl.col("intake").is_not_null() & pl.col("outcome").is_not_null())
    counts = {
        "unmatched_intake": intake.height - both.height,
        "unmatched_outcome": outcome.height - both.height,
        "missing_score": both.height - usable.height,
    }
    return usable, counts


def value_added(matched: pl.DataFrame) -> tuple[dict, pl.DataFrame]:
    """Fit on matched students (学校, intake, outcome in any unit) and tabulate the schools."""
    data = matched.with_columns(
        intake_z=standardise(pl.col("intake").cast(pl.Float64)),
        outcome_z=standardise(pl.col("outcome").cast(pl.Float64)),
    )
    x, y = data["intake_z"].to_numpy(), data["outcome_z"].to_numpy()
    fit = fit_random_intercept(y, x, data["学校"].to_numpy())
    residuals = data.select("学校").with_columns(residual=pl.Series(ols_residuals(y, x)))
    per_school = residuals.group_by("学校", maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("n"), pl.col("residual").mean().alias("mean_residual"))
    half = pl.col("conditional_variance").sqrt() * Z_95
    va = pl.col("value_added")
    schools = per_school.join(fit.effects.rename({"group": "学校"}), on="学校", how="left",
                              maintain_order="left").select(
        pl.col("学校").alias("school"), "n", "value_added",
        (va - half).alias("ci_low"), (va + half).alias("ci_high"), "mean_residual",
        ((va - half > 0) | (va + half < 0)).alias("significant"),
    )
    model = {"slope": fit.slope, "intercept": fit.intercept,
             "school_variance": fit.school_variance, "residual_variance": fit.residual_variance,
             "n": data.height}
    return model, schools


def run(*, intake: Path, outcome: Path, subject: str, fulls: dict[str, Fraction] | None,
        key: str | None) -> Result:
    intake_frame, intake_has_id = _read(intake, subject, fulls)
    outcome_frame, outcome_has_id = _read(outcome, subject, fulls)
    key = _key(intake_has_id, outcome_has_id, key)
    matched, counts = match(_unique(intake_frame, key, intake),
                            _unique(outcome_frame, key, outcome), key)
    _check_enough(matched, outcome)
    model, schools = value_added(matched)
    unmatched = counts["unmatched_intake"] + counts["unmatched_outcome"]
    model |= {"unmatched": unmatched, "key": key, **counts}
    notes = [f"按「{key}」匹配：入口考试 {counts['unmatched_intake']} 人、出口考试 "
             f"{counts['unmatched_outcome']} 人未匹配，{counts['missing_score']} 人缺少成绩"]
    return Result(model, schools, notes)


def _check_enough(matched: pl.DataFrame, outcome: Path) -> None:
    if matched.height < 3 or matched["学校"].n_unique() < 2:
        raise InputError(f"{outcome.name}：匹配到的学生不足（{matched.height} 人、"
                         f"{matched['学校'].n_unique()} 所学校），至少需要两所学校的学生")
    for column in ("intake", "outcome"):
        if matched[column].n_unique() < 2:
            raise InputError(f"{outcome.name}：匹配学生的{'入口' if column == 'intake' else '出口'}"
                             "成绩全部相同，无法标准化")


