"""Value-added: the published dietox analysis, a simulation with known school effects, the
total of several subjects, and a model that cannot be fitted (docs/value-added-validation.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels

from tests.quality.helpers import load, run
from yanxun.quality import value_added

DIETOX = Path(statsmodels.__file__).parent / "regression" / "tests" / "results" / "dietox.csv"


def test_dietox_matches_the_published_lme4_fit():
    """Weight ~ Time + (1 | Pig), REML, on geepack's dietox data (861 weighings of 72 pigs).
    lme4's estimates, as recorded in statsmodels' test suite: fixed 15.723523 and 6.942505,
    pig variance 40.39395, residual variance 11.36692."""
    data = pl.read_csv(DIETOX, null_values="NA", has_header=False, skip_rows=1,
                       new_columns=["row", "Weight", "Feed", "Time", "Pig", "Evit", "Cu", "Litter"])
    fit = value_added.fit_random_intercept(data["Weight"].to_numpy(), data["Time"].to_numpy(),
                                           data["Pig"].to_numpy())
    assert fit.intercept == pytest.approx(15.723523, rel=1e-6)
    assert fit.slope == pytest.approx(6.942505, rel=1e-6)
    assert fit.school_variance == pytest.approx(40.39395, rel=1e-5)
    assert fit.residual_variance == pytest.approx(11.36692, rel=1e-5)
    # Conditional variance of a pig's intercept: σ_u²σ²/(σ² + n_j σ_u²), n_j = 12 weighings.
    expected = 40.39395 * 11.36692 / (11.36692 + 12 * 40.39395)
    assert fit.effects["conditional_variance"][0] == pytest.approx(expected, rel=1e-4)


def _simulated(seed: int, schools: int = 60, size: int = 80):
    rng = np.random.default_rng(seed)
    effect = rng.normal(0, 0.3, schools)
    school = np.repeat(np.arange(schools), size)
    intake = rng.normal(0, 1, schools * size) + rng.normal(0, 0.5, schools)[school]
    outcome = 0.7 * intake + effect[school] + rng.normal(0, 0.7, schools * size)
    frame = pl.DataFrame({"学校": [f"S{s:02d}" for s in school], "intake": 50 + 10 * intake,
                          "outcome": 60 + 12 * outcome})
    return frame, effect


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_simulated_school_effects_are_recovered(seed):
    frame, truth = _simulated(seed)
    model, schools = value_added.value_added(frame)
    assert model["n"] == 4800
    assert np.corrcoef(schools["value_added"].to_numpy(), truth)[0, 1] > 0.9
    assert np.corrcoef(schools["mean_residual"].to_numpy(), truth)[0, 1] > 0.9
    flagged = schools.filter(pl.col("significant"))
    assert ((flagged["ci_low"] > 0) | (flagged["ci_high"] < 0)).all()
    assert (schools["ci_low"] < schools["value_added"]).all()


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(["考号,姓名,学校,班级,语文,数学", *rows]) + "\n", encoding="utf-8")
    return path


def test_total_of_several_subjects_matched_by_exam_number(tmp_path, capsys):
    rng = np.random.default_rng(5)
    intake, outcome = [], []
    for s, effect in enumerate([-8, 0, 8]):
        for i in range(30):
            a, b = rng.integers(40, 90, 2)
            noise = rng.normal(0, 4, 2)
            intake.append(f"{s}{i:02d},x,{'甲乙丙'[s]}校,1班,{a},{b}")
            outcome.append(f"{s}{i:02d},x,{'甲乙丙'[s]}校,1班,"
                           f"{min(100, max(0, round(a + effect + noise[0])))},"
                           f"{min(100, max(0, round(b + effect + noise[1])))}")
    out = tmp_path / "va.json"
    status, stdout, stderr = run([
        "value-added", "--intake", str(_write(tmp_path / "a.csv", intake)),
        "--outcome", str(_write(tmp_path / "b.csv", outcome)), "--subject", "总分",
        "--full-marks", "语文=100,数学=100", "--json", str(out)], capsys)
    assert status == 0, stderr
    assert stdout == f"已匹配 90 名学生、3 所学校，结果写入 {out}\n"
    doc = load(out)
    assert doc["model"]["key"] == "考号" and doc["model"]["unmatched"] == 0
    assert [s["school"] for s in doc["schools"]] == ["甲校", "乙校", "丙校"]
    va = [s["value_added"] for s in doc["schools"]]
    assert va[0] < 0 < va[2] and doc["schools"][0]["significant"] and doc["schools"][2]["significant"]


def test_a_model_on_the_boundary_is_a_failure_with_a_chinese_message(tmp_path, capsys):
    rows_in, rows_out = [], []
    rng = np.random.default_rng(9)
    for s in range(3):
        for i in range(40):
            a = int(rng.integers(30, 90))
            rows_in.append(f"{s}{i:02d},x,校{s},1班,50,{a}")
            rows_out.append(f"{s}{i:02d},x,校{s},1班,50,{min(100, max(0, a + int(rng.integers(-3, 4))))}")
    out = tmp_path / "va.json"
    status, stdout, stderr = run([
        "value-added", "--intake", str(_write(tmp_path / "a.csv", rows_in)),
        "--outcome", str(_write(tmp_path / "b.csv", rows_out)), "--subject", "数学",
        "--json", str(out)], capsys)
    assert status == 1
    assert stdout == ""
    assert stderr == ("增值模型未能可靠拟合：学校间方差估计接近 0（在参数边界上），"
                      "各校增值无法与 0 区分，请检查数据或扩大样本\n")
    assert not out.exists()
