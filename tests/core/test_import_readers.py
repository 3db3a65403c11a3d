"""readers.read_table: type by content, refusals, and how cells come out."""

import zipfile
from datetime import date, datetime

import polars as pl
import pytest

from tests.core.import_files import Formula, csv_bytes, xlsx
from yanxun.core.imports.columns import date_expr
from yanxun.core.imports.errors import ImportFileError
from yanxun.core.imports.readers import ROW, detect_type, read_table

HINT = "请上传 Excel 文件（.xlsx 或 .xls）或 CSV 文件。"


def refusal(data, **kwargs) -> list[str]:
    with pytest.raises(ImportFileError) as info:
        read_table(data, **kwargs)
    return [str(e) for e in info.value.errors]


def test_type_comes_from_content_not_name(tmp_path):
    workbook = tmp_path / "名单.csv"  # an .xlsx whatever the name says
    workbook.write_bytes(xlsx([["姓名", "工号"], ["王芳", "007"]]))
    table = read_table(workbook)
    assert (table.file_type, table.headers) == ("xlsx", ["姓名", "工号"])
    assert detect_type(csv_bytes([["a", "b"]])) == "csv"
    assert detect_type(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest") == "xls"


@pytest.mark.parametrize(("data", "kind"), [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PNG 图片"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "JPEG 图片"),
    (b"Rar!\x1a\x07\x00" + b"\x00" * 40, "RAR 压缩包"),
])
def test_other_known_files_are_named(data, kind):
    assert refusal(data) == [f"文件类型不支持（{kind}）。{HINT}"]


def test_word_document_is_named(tmp_path):
    path = tmp_path / "通知.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refusal(path) == [f"文件类型不支持（Word 文档）。{HINT}"]


def test_binary_without_known_magic_is_not_a_table():
    assert refusal(b"\x01\x02\x03\x00\x00binary" * 50) == [f"文件类型不支持（不是表格文件）。{HINT}"]


def test_size_is_checked_before_reading(tmp_path, settings):
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.write(b"PK\x03\x04")
        handle.truncate(50 * 1024 * 1024)
    assert refusal(path) == ["文件大小 50.0 MB，超过上限 20 MB，请拆分后分批导入。"]


def test_cells_come_back_as_clean_strings():
    data = xlsx([
        ["工号", " 姓名\u3000", "入职年份", "日期", "分数", "账号"],
        ["00123", "\u3000王芳 ", 2012, datetime(2024, 9, 1), 95.5, "ＡＢｃ１２３"],
        [None, None, None, None, None, None],
        ["00124", "李雷", 2013.0, date(2024, 9, 2), 88, "x"],
    ])
    table = read_table(data)
    assert table.headers == ["工号", "姓名", "入职年份", "日期", "分数", "账号"]
    assert table.frame.rows() == [
        ("00123", "王芳", "2012", "2024-09-01 00:00:00", "95.5", "ABc123", 2),
        ("00124", "李雷", "2013", "2024-09-02 00:00:00", "88", "x", 4),
    ]


def test_table_not_starting_at_a1_keeps_excel_row_numbers():
    import io

    from xlsxwriter import Workbook

    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(2, 1, ["姓名", "工号"])
    sheet.write_row(3, 1, ["王芳", "001"])
    book.close()
    table = read_table(buffer.getvalue())
    assert table.headers == ["姓名", "工号"]
    assert table.frame.get_column(ROW).to_list() == [4]
    assert table.letter(0) == "B"


def test_csv_quotes_blank_lines_and_ragged_rows():
    text = '姓名,地址,备注\r\n"王芳","人民路 1 号, 3 楼"\r\n\r\n李雷,,"两行\n备注",多余\r\n'
    table = read_table(text.encode())
    assert table.headers == ["姓名", "地址", "备注", ""]
    assert table.frame.select("c0", "c1", "c2", "c3", ROW).rows() == [
        ("王芳", "人民路 1 号, 3 楼", "", "", 2),
        ("李雷", "", "两行\n备注", "多余", 4),
    ]


def test_gb18030_and_utf8_give_the_same_table():
    rows = [["姓名", "学校"], ["欧阳修", "滁州中学"]]
    assert read_table(csv_bytes(rows, encoding="gb18030")).frame.rows() == \
        read_table(csv_bytes(rows)).frame.rows() == [("欧阳修", "滁州中学", 2)]


def test_many_formulas_are_listed_up_to_twenty():
    rows = [["甲", "乙"], *[[Formula(f"=1+{n}", n + 1), "x"] for n in range(25)]]
    errors = refusal(xlsx(rows))
    assert errors[0] == "第 2 行「甲」是公式，请粘贴为数值后再导入"
    assert errors[19] == "第 21 行「甲」是公式，请粘贴为数值后再导入"
    assert errors[20:] == ["共有 25 个公式单元格，以上只列出前 20 个。"]


def test_merged_cells_below_the_header_are_allowed():
    import io

    from xlsxwriter import Workbook

    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["甲", "乙"])
    sheet.merge_range("A2:B2", "合并的数据")
    book.close()
    assert read_table(buffer.getvalue()).frame.rows() == [("合并的数据", "", 2)]


def test_first_row_blank_is_refused():
    assert refusal(csv_bytes([["", ""], ["a", "b"]])) == ["第 1 行应为表头（列名），但它是空的。"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-09-01", date(2024, 9, 1)),
    ("2024/9/1", date(2024, 9, 1)),
    ("2024年9月1日", date(2024, 9, 1)),
    ("2024.9.1", date(2024, 9, 1)),
    ("20240901", date(2024, 9, 1)),
    ("2024-09-01 00:00:00", date(2024, 9, 1)),
    ("45536", date(2024, 9, 1)),
    ("2024－09－01", date(2024, 9, 1)),
    ("2024-02-30", None),
    ("九月一日", None),
])
def test_date_formats(text, expected):
    frame = pl.DataFrame({"d": [text]})
    assert frame.select(date_expr(pl.col("d"))).item() == expected
