"""Every bad input: exit status 2, a Chinese message on stderr naming the file, row and
column, and no output written (an output that existed before is left as it was)."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from tests.quality.helpers import run

HEADER = "考号,姓名,学校,班级,语文,数学\n"
GOOD = "001,甲,一中,1班,90,80\n002,乙,一中,1班,70,60\n"


def _csv(folder: Path, text: str, name: str = "s.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path, capsys, args: list[str], message: str) -> None:
    out = tmp_path / "out.json"
    out.write_text("上一次的结果", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    status, stdout, stderr = run([*args, "--json", str(out)], capsys)
    assert status == 2
    assert stdout == ""
    assert stderr == message + "\n"
    assert out.read_text(encoding="utf-8") == "上一次的结果"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary file left


def _analyze(path: Path, *extra: str) -> list[str]:
    return ["analyze", str(path), "--full-marks", "语文=100,数学=100", *extra]


@pytest.mark.parametrize(("cell", "problem"), [
    ("九十", "无法识别「九十」：应为分数，或留空、缺考、作弊、违纪、免考"),
    ("-5", "分数不能为负数（「-5」）"),
    ("100.5", "分数「100.5」超过满分 100"),
    ("60.125", "分数「60.125」最多保留两位小数"),
    ("nan", "无法识别「nan」：应为分数，或留空、缺考、作弊、违纪、免考"),
])
def test_bad_score_cells_name_row_and_column(tmp_path, capsys, cell, problem):
    path = _csv(tmp_path, HEADER + GOOD + f"003,丙,一中,1班,80,{cell}\n")
    _refused(tmp_path, capsys, _analyze(path), f"s.csv：第 4 行，「数学」列（F 列）：{problem}")


def test_several_bad_cells_report_the_first_and_the_count(tmp_path, capsys):
    path = _csv(tmp_path, HEADER + "001,甲,一中,1班,abc,80\n002,乙,一中,1班,70,200\n")
    _refused(tmp_path, capsys, _analyze(path), "s.csv：第 2 行，「语文」列（E 列）：无法识别「abc」："
             "应为分数，或留空、缺考、作弊、违纪、免考（共 2 处错误，请逐一改正）")


def test_bad_cell_in_an_xlsx_names_the_row_of_the_sheet(tmp_path, capsys):
    path = tmp_path / "s.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        for r, row in enumerate([["考号", "姓名", "学校", "班级", "语文", "数学"],
                                 ["001", "甲", "一中", "1班", 90, 80], [],
                                 ["003", "丙", "一中", "1班", 101, 80]]):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    _refused(tmp_path, capsys, _analyze(path), "s.xlsx：第 4 行，「语文」列（E 列）：分数「101」超过满分 100")


@pytest.mark.parametrize(("text", "message"), [
    ("考号,姓名,学校,班级,语文\n001,甲,一中,1班,90\n", "s.csv：第 1 行：缺少「数学」列"),
    ("考号,姓名,学校,语文,数学\n001,甲,一中,90,80\n", "s.csv：第 1 行：缺少「班级」列"),
    (HEADER + ",甲,一中,1班,90,80\n", "s.csv：第 2 行，「考号」列（A 列）：「考号」不能为空"),
    (HEADER + "001,甲,,1班,90,80\n", "s.csv：第 2 行，「学校」列（C 列）：「学校」不能为空"),
    (HEADER + GOOD + "001,丙,二中,1班,90,80\n",
     "s.csv：第 4 行，「考号」列（A 列）：考号「001」与第 2 行重复"),
    ("考号,姓名,学校,班级,语文,语文\n001,甲,一中,1班,90,80\n", "s.csv：第 1 行，F 列：列名「语文」重复"),
    (HEADER + ",,,,,\n", "s.csv：第 2 行起没有学生成绩"),
])
def test_bad_layout(tmp_path, capsys, text, message):
    _refused(tmp_path, capsys, _analyze(_csv(tmp_path, text)), message)


@pytest.mark.parametrize(("extra", "message"), [
    (["--lines", "excellent=0.85,great=0.9"],
     "参数 --lines：未知的线「great」，可用 excellent、good、pass、low"),
    (["--lines", "pass=1.2"], "参数 --lines：pass=1.2 应在 0 到 1 之间（满分的比例）"),
    (["--lines", "good=0.9"], "参数 --lines：应满足 excellent ≥ good ≥ pass ≥ low"),
    (["--lines", "pass"], "参数 --lines：「pass」应写成 名称=数值"),
    (["--top", "10,x"], "参数 --top：「10,x」应为逗号分隔的正整数"),
    (["--elective", "物理"], "参数 --elective：「物理」不在 --full-marks 中"),
    (["--band-width", "0"], "参数 --band-width：应大于 0 且不超过 1（满分的比例）"),
])
def test_bad_options(tmp_path, capsys, extra, message):
    _refused(tmp_path, capsys, _analyze(_csv(tmp_path, HEADER + GOOD), *extra), message)


@pytest.mark.parametrize(("marks", "message"), [
    ("语文=150,数学", "参数 --full-marks：「数学」应写成 名称=数值"),
    ("语文=abc", "参数 --full-marks：「abc」不是数字"),
    ("语文=0", "参数 --full-marks：「语文」的满分应为正数，最多两位小数"),
    ("语文=100,语文=150", "参数 --full-marks：「语文」重复"),
])
def test_bad_full_marks(tmp_path, capsys, marks, message):
    path = _csv(tmp_path, HEADER + GOOD)
    _refused(tmp_path, capsys, ["analyze", str(path), "--full-marks", marks], message)


def test_missing_required_option_is_reported_in_chinese(tmp_path, capsys):
    path = _csv(tmp_path, HEADER + GOOD)
    _refused(tmp_path, capsys, ["analyze", str(path)],
             "命令参数有误：缺少参数：--full-marks（用法见 yanxun quality analyze -h）")


def test_missing_and_unsupported_files(tmp_path, capsys):
    _refused(tmp_path, capsys, _analyze(tmp_path / "none.csv"), "none.csv：找不到文件")
    _refused(tmp_path, capsys, _analyze(_csv(tmp_path, "x", "s.txt")),
             "s.txt：不支持的文件类型「.txt」，请使用 .xlsx、.xls 或 .csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    status, _, stderr = run([*_analyze(broken), "--json", str(tmp_path / "new.json")], capsys)
    assert status == 2
    assert stderr.startswith("broken.xlsx：无法读取文件（") and stderr.count("\n") == 1
    assert not (tmp_path / "new.json").exists()


def test_output_folder_must_exist(tmp_path, capsys):
    path = _csv(tmp_path, HEADER + GOOD)
    status, _, stderr = run([*_analyze(path), "--json", str(tmp_path / "no" / "o.json")], capsys)
    assert status == 2
    assert stderr == f"参数 --json：目录「{tmp_path / 'no'}」不存在\n"


def test_gbk_csv_from_excel_is_read(tmp_path, capsys):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + GOOD).encode("gb18030"))
    status, _, stderr = run([*_analyze(path), "--json", str(tmp_path / "o.json")], capsys)
    assert status == 0, stderr


def _items_book(path: Path, rows: list[list]) -> Path:
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("数学")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    return path


@pytest.mark.parametrize(("rows", "message"), [
    ([["考号", "1", "2"], ["满分", 4, 6], ["001", 5, 3]],
     "items.xlsx「数学」工作表：第 3 行，「1」列（B 列）：「5」应为 0 到 4 之间的分数，最多两位小数"),
    ([["考号", "1", "2"], ["满分", 4, 6], ["001", 2, "对"]],
     "items.xlsx「数学」工作表：第 3 行，「2」列（C 列）：「对」应为 0 到 6 之间的分数，最多两位小数"),
    ([["考号", "1", "2"], ["满分", 4, None], ["001", 2, 3]],
     "items.xlsx「数学」工作表：第 2 行，「2」列（C 列）：小题满分「」应为正数，最多两位小数"),
    ([["姓名", "1"], [None, 4], ["甲", 2]], "items.xlsx「数学」工作表：第 1 行：缺少「考号」列"),
])
def test_bad_item_sheets(tmp_path, capsys, rows, message):
    items = _items_book(tmp_path / "items.xlsx", rows)
    path = _csv(tmp_path, HEADER + GOOD)
    _refused(tmp_path, capsys, [*_analyze(path), "--items", str(items)], message)


def test_bad_teacher_table(tmp_path, capsys):
    teachers = _csv(tmp_path, "学校,班级,教师\n一中,1班,张\n", "t.csv")
    path = _csv(tmp_path, HEADER + GOOD)
    _refused(tmp_path, capsys, [*_analyze(path), "--teachers", str(teachers)],
             "t.csv：第 1 行：缺少「科目」列")


VA_HEADER = "学籍号,考号,姓名,学校,班级,数学\n"


def _va(tmp_path, intake: str, outcome: str, *extra: str) -> list[str]:
    a, b = _csv(tmp_path, intake, "a.csv"), _csv(tmp_path, outcome, "b.csv")
    return ["value-added", "--intake", str(a), "--outcome", str(b), *extra]


@pytest.mark.parametrize(("intake", "outcome", "extra", "message"), [
    (VA_HEADER + "G1,1,甲,一中,1班,50\n", "考号,姓名,学校,班级,语文\n1,甲,一中,1班,50\n",
     ["--subject", "数学"], "b.csv：第 1 行：缺少「数学」列"),
    (VA_HEADER + "G1,1,甲,一中,1班,50\n", VA_HEADER + "G1,1,甲,一中,1班,50\n",
     ["--subject", "总分"], "参数 --full-marks：--subject 总分 时须列出相加的科目及满分"),
    (VA_HEADER + "G1,1,甲,一中,1班,50\nG1,2,乙,一中,1班,60\n", VA_HEADER + "G1,1,甲,一中,1班,50\n",
     ["--subject", "数学"], "a.csv：「学籍号」列：「G1」出现了不止一次，无法匹配学生"),
    ("考号,姓名,学校,班级,数学\n1,甲,一中,1班,50\n", VA_HEADER + "G1,1,甲,一中,1班,50\n",
     ["--subject", "数学", "--key", "学籍号"], "参数 --key 学籍号：两个文件都须有「学籍号」列"),
    (VA_HEADER + "G1,1,甲,一中,1班,50\nG2,2,乙,一中,1班,60\n",
     VA_HEADER + "G1,1,甲,一中,1班,50\nG2,2,乙,一中,1班,70\n", ["--subject", "数学"],
     "b.csv：匹配到的学生不足（2 人、1 所学校），至少需要两所学校的学生"),
    (VA_HEADER + "G1,1,甲,一中,1班,50\n", VA_HEADER + "G1,1,甲,一中,1班,151\n",
     ["--subject", "数学", "--full-marks", "数学=150"],
     "b.csv：第 2 行，「数学」列（F 列）：分数「151」超过满分 150"),
])
def test_value_added_bad_input(tmp_path, capsys, intake, outcome, extra, message):
    _refused(tmp_path, capsys, _va(tmp_path, intake, outcome, *extra), message)
