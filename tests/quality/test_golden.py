"""Golden files for both commands: inputs typed in data/, outputs worked by hand (see the .md
files beside them)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import xlsxwriter

from tests.quality.helpers import DATA, assert_rows, copy_data, load, run

TABLES = ["district", "schools", "classes", "all_pass", "all_pass_classes", "top_n",
          "borderline", "balance"]


def _check_analyze(out: Path) -> None:
    expected, actual = load(DATA / "golden_analyze.json"), load(out)
    assert actual["subjects"] == expected["subjects"]
    for table in TABLES:
        assert_rows(actual[table], expected[table])


def _to_xlsx(source: Path, target: Path) -> None:
    """The same sheet as staff would save it from Excel: numbers as numbers, text as text."""
    with source.open(encoding="utf-8") as handle, xlsxwriter.Workbook(target) as book:
        sheet = book.add_worksheet("成绩")
        for r, row in enumerate(csv.reader(handle)):
            for c, cell in enumerate(row):
                if r and c >= 4 and cell.replace(".", "", 1).isdigit():
                    sheet.write_number(r, c, float(cell))
                elif cell:
                    sheet.write_string(r, c, cell)


def test_analyze_golden_csv(tmp_path, capsys):
    scores, out = copy_data("golden_scores.csv", tmp_path), tmp_path / "out.json"
    command = load(DATA / "golden_analyze.json")["command"]
    status, stdout, stderr = run([command[0], str(scores), *command[2:], "--json", str(out)],
                                 capsys)
    assert status == 0, stderr
    assert stderr == "提示：golden_scores.csv：已忽略列「备注」\n"
    assert stdout == f"已分析 8 名学生、2 个科目，结果写入 {out}\n"
    _check_analyze(out)


def test_analyze_golden_xlsx_gives_the_same(tmp_path, capsys):
    xlsx, out = tmp_path / "golden_scores.xlsx", tmp_path / "out.json"
    _to_xlsx(DATA / "golden_scores.csv", xlsx)
    command = load(DATA / "golden_analyze.json")["command"]
    status, _, stderr = run([command[0], str(xlsx), *command[2:], "--json", str(out),
                             "--xlsx", str(tmp_path / "out.xlsx")], capsys)
    assert status == 0, stderr
    _check_analyze(out)


def test_analyze_xlsx_output_has_the_same_tables(tmp_path, capsys):
    import fastexcel

    scores, out, book = copy_data("golden_scores.csv", tmp_path), tmp_path / "o.json", tmp_path / "o.xlsx"
    status, _, stderr = run(["analyze", str(scores), "--full-marks", "语文=100,数学=100",
                             "--top", "2,4", "--json", str(out), "--xlsx", str(book)], capsys)
    assert status == 0, stderr
    reader = fastexcel.read_excel(str(book))
    doc = load(out)
    assert reader.sheet_names == [k for k in doc if k != "subjects"]
    schools = reader.load_sheet("schools").to_polars()
    assert schools.columns == list(doc["schools"][0])
    assert schools["school"].to_list() == [row["school"] for row in doc["schools"]]
    assert schools["mean"].to_list() == pytest.approx([row["mean"] for row in doc["schools"]],
                                                      rel=1e-15)  # xlsx keeps 16 digits


def test_value_added_golden(tmp_path, capsys):
    intake = copy_data("golden_intake.csv", tmp_path)
    outcome = copy_data("golden_outcome.csv", tmp_path)
    out = tmp_path / "va.json"
    status, stdout, stderr = run(["value-added", "--intake", str(intake), "--outcome",
                                  str(outcome), "--subject", "数学", "--json", str(out)], capsys)
    assert status == 0, stderr
    assert stderr == "提示：按「学籍号」匹配：入口考试 1 人、出口考试 1 人未匹配，1 人缺少成绩\n"
    expected, actual = load(DATA / "golden_value_added.json"), load(out)
    model = dict(expected["model"])
    for key in ("unmatched", "n", "key", "unmatched_intake", "unmatched_outcome", "missing_score"):
        assert actual["model"][key] == model.pop(key)
    assert abs(actual["model"].pop("intercept")) < 1e-9
    model.pop("intercept")
    assert_rows([actual["model"]], [model], rel=1e-5, abs_=1e-8)
    assert_rows(actual["schools"], expected["schools"], rel=1e-5, abs_=1e-8)
