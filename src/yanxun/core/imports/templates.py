"""Spreadsheets the import framework hands out: the .xlsx template of an importer, and the
list of a job's errors. Written with xlsxwriter into memory."""

import io
from collections.abc import Iterable

import xlsxwriter

from yanxun.core.imports.columns import Column
from yanxun.core.imports.errors import RowError

TEMPLATE_ROWS = 5000
TEXT_FORMAT = 49  # Excel's built-in "@": what is typed stays text (leading zeros, 18 digits)  # rows that get the dropdowns and text formats
HELP_HEADERS = ["列名", "是否必填", "填写说明", "可选值", "示例"]
KIND_HELP = {
    "int": "整数",
    "date": "日期，如 2024-09-01、2024/9/1 或 2024年9月1日",
    "id_number": "18 位身份证号",
    "phone": "11 位手机号码",
}


def template_xlsx(importer) -> bytes:
    """Header row (required columns in red, with a note), one example row, dropdowns on
    choice columns, text format on code/ID/phone columns, and a 填写说明 sheet."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(importer.label)
    formats = _formats(book)
    for index, column in enumerate(importer.columns):
        _write_column(sheet, formats, index, column)
    sheet.freeze_panes(1, 0)
    _help_sheet(book, formats, importer)
    book.close()
    return buffer.getvalue()


def _formats(book) -> dict:
    return {
        "required": book.add_format({"bold": True, "font_color": "#C00000", "bg_color": "#FCE4D6",
                                     "border": 1}),
        "optional": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "text": book.add_format({"num_format": TEXT_FORMAT}),
        "example_text": book.add_format({"num_format": TEXT_FORMAT, "font_color": "#808080",
                                         "italic": True}),
        "example": book.add_format({"font_color": "#808080", "italic": True}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "bold": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
    }


def _write_column(sheet, formats: dict, index: int, column: Column) -> None:
    width = max(10, len(column.header) * 2 + 4, len(column.example) + 4)
    sheet.set_column(index, index, width, formats["text"] if column.as_text else None)
    sheet.write_string(0, index, column.header,
                       formats["required" if column.required else "optional"])
    note = ("必填。" if column.required else "选填。") + (column.help or "")
    sheet.write_comment(0, index, note, {"x_scale": 1.6})
    example_format = formats["example_text" if column.as_text else "example"]
    if column.kind == "int" and column.example.isdigit():
        sheet.write_number(1, index, int(column.example), example_format)  # no "text" warning
    else:
        sheet.write_string(1, index, column.example, example_format)
    if column.choices:
        sheet.data_validation(1, index, TEMPLATE_ROWS, index, {
            "validate": "list", "source": list(column.choices),
            "error_title": "请从下拉列表中选择", "error_message": "只能填写：" + "、".join(column.choices),
        })


def _help_sheet(book, formats: dict, importer) -> None:
    sheet = book.add_worksheet("填写说明")
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 60, formats["wrap"])
    sheet.set_column(3, 3, 36, formats["wrap"])
    sheet.set_column(4, 4, 22)
    sheet.write_row(0, 0, HELP_HEADERS, formats["bold"])
    for row, column in enumerate(importer.columns, 1):
        sheet.write_row(row, 0, [column.header, "必填" if column.required else "选填",
                                 _describe(column), "、".join(column.choices), column.example])
    notes = [
        "第一个工作表的第 1 行是表头，请勿修改列名、勿合并单元格；从第 2 行起每行一条数据。",
        "灰色斜体的示例行可以保留或删除：与示例完全相同的行不会被导入。",
        "请勿使用公式；如有公式，请「选择性粘贴 → 数值」后再导入。",
        "整个文件校验通过才会写入；有错误时不会写入任何数据，请按错误说明修改后重新导入。",
        *importer.notes,
    ]
    start = len(importer.columns) + 2
    for offset, note in enumerate(notes):
        sheet.write_string(start + offset, 0, f"{offset + 1}. {note}")


def _describe(column: Column) -> str:
    parts = [column.help] if column.help else []
    if column.kind in KIND_HELP:
        parts.append(KIND_HELP[column.kind])
    if column.max_length:
        parts.append(f"不超过 {column.max_length} 个字")
    return "；".join(parts)


def errors_xlsx(errors: Iterable[RowError]) -> bytes:
    """All the errors of a job: 行号, 列, 错误说明 (the full sentence, as on the page)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("错误")
    bold = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 80)
    sheet.write_row(0, 0, ["行号", "列", "错误说明"], bold)
    for index, error in enumerate(errors, 1):
        if error.row is not None:
            sheet.write_number(index, 0, error.row)
        sheet.write_string(index, 1, error.column)
        sheet.write_string(index, 2, str(error))
    book.close()
    return buffer.getvalue()
