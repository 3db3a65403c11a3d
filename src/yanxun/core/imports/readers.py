"""Read an uploaded spreadsheet into a table of strings.

The type is told by the CONTENT (magic bytes), never by the file name: an .xlsx is a zip
holding xl/workbook.xml, an .xls an OLE2 compound file, a CSV plain text (UTF-8 with or
without BOM, UTF-16 as Excel's "Unicode text", or GB18030). Every cell comes back as a
trimmed string with full-width digits and letters made half-width; numbers keep no ".0"
and text cells keep their leading zeros. Anything we cannot read safely is refused with a
Chinese message before a single row is looked at.
"""

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl
from django.conf import settings

from yanxun.core.imports import xlsx_inspect
from yanxun.core.imports.errors import ImportFileError
from yanxun.core.imports.xlsx_inspect import column_letter

ROW = "_row"  # the Excel row number of each data row (the header is row 1)
UPLOAD_HINT = "请上传 Excel 文件（.xlsx 或 .xls）或 CSV 文件。"
BLANKS = " \t\r\n\u3000\u00a0\u200b\ufeff"
# Full-width digits and ASCII letters -> half-width (what NFKC does to them, nothing else).
FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
FULL_WIDTH |= {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
FULL_WIDTH |= {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
KNOWN_MAGIC = [
    (b"%PDF-", "PDF 文档"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
]


@dataclass
class Table:
    """The header texts in file order and the data rows: columns c0..cN of strings ("" for
    a blank cell) plus ROW, the row number the user sees in Excel. Blank rows are dropped."""

    headers: list[str]
    frame: pl.DataFrame
    file_type: str
    first_col: int = 0  # where the table starts, for column letters in messages

    def letter(self, index: int) -> str:
        return column_letter(self.first_col + index)

    @property
    def data_columns(self) -> list[str]:
        return [f"c{i}" for i in range(len(self.headers))]


def read_table(source: str | Path | bytes, *, max_bytes: int | None = None,
               max_rows: int | None = None) -> Table:
    """Read the first sheet of an .xlsx/.xls or a CSV; raise ImportFileError if we can't."""
    max_bytes = max_bytes or settings.IMPORT_MAX_BYTES
    max_rows = max_rows or settings.IMPORT_MAX_ROWS
    _check_size(_size_of(source), max_bytes)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    file_type = detect_type(data)
    if file_type == "csv":
        headers, frame, first_row, first_col = _read_csv(data)
    else:
        headers, frame, first_row, first_col = _read_excel(data, file_type)
    table = _make_table(headers, frame, first_row, file_type)
    table.first_col = first_col
    if table.frame.height > max_rows:
        raise ImportFileError(f"数据有 {table.frame.height} 行，超过单次导入上限 {max_rows} 行，"
                              "请拆分后分批导入。")
    return table


def _size_of(source: str | Path | bytes) -> int:
    return len(source) if isinstance(source, bytes) else Path(source).stat().st_size


def _check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise ImportFileError("文件是空的（0 字节），请检查后重新上传。")
    if size > max_bytes:
        raise ImportFileError(f"文件大小 {size / 1048576:.1f} MB，超过上限 "
                              f"{max_bytes / 1048576:.0f} MB，请拆分后分批导入。")


def detect_type(data: bytes) -> str:
    """"xlsx", "xls" or "csv" from the bytes themselves; anything else is refused."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if data.startswith(OLE2_MAGIC):
        return "xls"
    for magic, name in KNOWN_MAGIC:
        if data.startswith(magic):
            raise ImportFileError(f"文件类型不支持（{name}）。{UPLOAD_HINT}")
    return "csv"


def _zip_type(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError(f"文件已损坏，无法作为 Excel 文件打开。{UPLOAD_HINT}") from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        raise ImportFileError(f"文件类型不支持（Word 文档）。{UPLOAD_HINT}")
    if "ppt/presentation.xml" in names:
        raise ImportFileError(f"文件类型不支持（PowerPoint 文档）。{UPLOAD_HINT}")
    raise ImportFileError(f"文件类型不支持（zip 压缩包，不是 Excel 文件）。{UPLOAD_HINT}")


# --- Excel -------------------------------------------------------------------------------

def _read_excel(data: bytes, file_type: str) -> tuple[list[str], pl.DataFrame, int, int]:
    sheet = xlsx_inspect.first_sheet(data) if file_type == "xlsx" else None
    try:
        raw = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
        frame = raw.to_polars()
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ImportFileError(f"文件已损坏或不是有效的 Excel 文件，无法读取。{UPLOAD_HINT}") from exc
    if frame.width == 0 or frame.height == 0:
        raise ImportFileError("工作表是空的：第一个工作表里没有表头，也没有数据。")
    frame = _normalise(frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)}))
    headers = list(frame.row(0))
    first_row, first_col = (sheet.first_row, sheet.first_col) if sheet else (1, 0)
    if sheet is not None:
        problems = xlsx_inspect.problems(sheet, headers, first_row, first_col)
        if problems:
            raise ImportFileError(problems)
    return headers, frame.slice(1), first_row, first_col


# --- CSV ---------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise ImportFileError(f"文件类型不支持（不是表格文件）。{UPLOAD_HINT}")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"无法识别文件的文字编码（应为 UTF-8 或 GBK/GB18030）。{UPLOAD_HINT}")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > len(sample) // 100


def _read_csv(data: bytes) -> tuple[list[str], pl.DataFrame, int, int]:
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"文件编码有误（UTF-8 BOM 之后不是 UTF-8 文本）。{UPLOAD_HINT}") from exc
    if _looks_binary(text):
        raise ImportFileError(f"文件类型不支持（不是表格文件）。{UPLOAD_HINT}")
    lines = text.lstrip(BLANKS).splitlines()
    first = lines[0] if lines else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    if delimiter not in first:
        raise ImportFileError(f"文件类型不支持（普通文本，不是表格：第 1 行没有用逗号或制表符分隔的"
                              f"列名）。{UPLOAD_HINT}")
    records = list(csv.reader(io.StringIO(text.lstrip(BLANKS)), delimiter=delimiter))
    width = max(len(r) for r in records)
    columns = {f"c{i}": [r[i] if i < len(r) else "" for r in records] for i in range(width)}
    frame = _normalise(pl.DataFrame(columns, schema={c: pl.String for c in columns}))
    return list(frame.row(0)), frame.slice(1), 1, 0


# --- common ------------------------------------------------------------------------------

def normalise_expr(column: str) -> pl.Expr:
    """Trim blanks (full-width space too) and make full-width digits/letters half-width."""
    return (pl.col(column).fill_null("").str.strip_chars(BLANKS)
            .str.replace_many(list(FULL_WIDTH), list(FULL_WIDTH.values())))


def _normalise(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns([normalise_expr(c) for c in frame.columns])


def _make_table(headers: list[str], frame: pl.DataFrame, first_row: int,
                file_type: str) -> Table:
    if not any(headers):
        raise ImportFileError(f"第 {first_row} 行应为表头（列名），但它是空的。")
    keep = _used_columns(headers, frame)
    headers = [headers[i] for i in keep]
    frame = frame.select([pl.col(f"c{old}").alias(f"c{new}") for new, old in enumerate(keep)])
    frame = frame.with_columns(pl.int_range(first_row + 1, first_row + 1 + frame.height)
                               .alias(ROW))
    frame = frame.filter(pl.any_horizontal([pl.col(c) != "" for c in frame.columns
                                            if c != ROW]))
    if frame.height == 0:
        raise ImportFileError("表格只有表头，没有数据行。")
    return Table(headers=headers, frame=frame, file_type=file_type)


def _used_columns(headers: list[str], frame: pl.DataFrame) -> list[int]:
    """Indexes of the columns with a header or any data (Excel often reports empty ones)."""
    return [i for i, h in enumerate(headers)
            if h or frame.get_column(f"c{i}").ne("").any()]


__all__ = ["ROW", "Table", "read_table", "detect_type", "column_letter", "normalise_expr"]
