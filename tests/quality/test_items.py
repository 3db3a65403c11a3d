"""Item analysis against the hand computation in data/golden_items.md."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from tests.quality.helpers import assert_rows, load, run

SHEET = [
    ["考号", "姓名", "1", "2", "3", "4", "5"],
    ["满分", None, 2, 3, 5, 4, 10],
    ["s1", "甲", 2, 3, 5, 4, 5],
    ["s2", "乙", 1, 2, 4, 4, 3],
    ["s3", "丙", 2, 3, 3, 4, 0],
    ["s4", "丁", 1, 1, 2, 4, 2],
    ["s5", "戊", 1, 1, 3, 4, 0],
    ["s6", "己", "缺考", "缺考", "缺考", "缺考", "缺考"],
    ["s7", "庚", 1, None, 3, 3, 0],
    ["s8", "辛", 2, "作弊", 5, 4, 10],
]
EXPECTED = [
    {"subject": "数学", "item": "1", "full_mark": 2, "n": 6, "difficulty": "2/3",
     "discrimination": "1/4", "item_rest_r": "36/sqrt(8*465)", "difficulty_flag": "适中",
     "discrimination_flag": "需修改"},
    {"subject": "数学", "item": "2", "full_mark": 3, "n": 6, "difficulty": "5/9",
     "discrimination": "2/3", "item_rest_r": "86/sqrt(44*329)", "difficulty_flag": "适中",
     "discrimination_flag": "很好"},
    {"subject": "数学", "item": "3", "full_mark": 5, "n": 6, "difficulty": "2/3",
     "discrimination": "3/10", "item_rest_r": "78/sqrt(32*357)", "difficulty_flag": "适中",
     "discrimination_flag": "良好"},
    {"subject": "数学", "item": "4", "full_mark": 4, "n": 6, "difficulty": "23/24",
     "discrimination": "1/8", "item_rest_r": "24/sqrt(5*492)", "difficulty_flag": "偏易",
     "discrimination_flag": "差"},
    {"subject": "数学", "item": "5", "full_mark": 10, "n": 6, "difficulty": "1/6",
     "discrimination": "2/5", "item_rest_r": "104/sqrt(128*209)", "difficulty_flag": "偏难",
     "discrimination_flag": "很好"},
]


def _book(path: Path) -> Path:
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("数学")
        for r, row in enumerate(SHEET):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    return path


def test_item_analysis_golden(tmp_path, capsys):
    scores = tmp_path / "s.csv"
    scores.write_text("考号,姓名,学校,班级,数学\ns1,甲,一中,1班,19\n", encoding="utf-8")
    out = tmp_path / "out.json"
    status, _, stderr = run(["analyze", str(scores), "--full-marks", "数学=100", "--items",
                             str(_book(tmp_path / "items.xlsx")), "--json", str(out)], capsys)
    assert status == 0, stderr
    doc = load(out)
    assert_rows(doc["items"], EXPECTED)
    assert_rows(doc["item_papers"], [{"subject": "数学", "n": 6, "items": 5, "alpha": "82/109"}])
