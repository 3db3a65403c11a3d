"""Look inside an .xlsx for what calamine hides from us: formula cells (it gives their cached
values) and merged cells in the header. The sheet XML is scanned in chunks with regular
expressions, so a large sheet is never parsed into a tree."""

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings

from yanxun.core.imports.errors import ImportFileError, RowError

CHUNK = 4 * 1024 * 1024
OVERLAP = 2048
MAX_LISTED = 20
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CELL_WITH_FORMULA = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?<!/)>\s*<(?:\w+:)?f\b")
CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([A-Z]{1,3})(\d+)')


@dataclass
class SheetXml:
    archive: zipfile.ZipFile
    path: str
    first_row: int = 1
    first_col: int = 0


def first_sheet(data: bytes) -> SheetXml:
    archive = zipfile.ZipFile(io.BytesIO(data))
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > 30 * settings.IMPORT_MAX_BYTES:
        raise ImportFileError("文件解压后过大，无法导入，请拆分后分批导入。")
    try:
        sheet = SheetXml(archive, _first_sheet_path(archive))
    except (KeyError, ElementTree.ParseError, StopIteration) as exc:
        raise ImportFileError("文件已损坏：找不到第一个工作表。") from exc
    with archive.open(sheet.path) as stream:
        match = DIMENSION.search(stream.read(65536))
    if match:
        sheet.first_col = column_index(match.group(1))
        sheet.first_row = int(match.group(2))
    return sheet


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    first = next(el for el in workbook.iter() if el.tag.endswith("}sheet"))
    rel_id = first.get(f"{REL_NS}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(el.get("Target") for el in rels if el.get("Id") == rel_id)
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def column_index(letters: bytes | str) -> int:
    """b"A" -> 0, b"AA" -> 26."""
    value = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        value = value * 26 + ord(ch) - 64
    return value - 1


def _scan(sheet: SheetXml) -> tuple[set[tuple[int, int]], list[str], bool]:
    """(formula cells as (row, col), merged ranges touching the header, formula without ref)."""
    formulas: set[tuple[int, int]] = set()
    merges: list[str] = []
    unreferenced = False
    tail = b""
    with sheet.archive.open(sheet.path) as stream:
        while chunk := stream.read(CHUNK):
            text = tail + chunk
            for match in CELL_WITH_FORMULA.finditer(text):
                ref = CELL_REF.search(match.group(1))
                if ref is None:
                    unreferenced = True
                else:
                    formulas.add((int(ref.group(2)), column_index(ref.group(1))))
            for match in MERGE.finditer(text):
                _add_merge(match, sheet.first_row, merges)
            tail = text[-OVERLAP:]
    return formulas, merges, unreferenced


def _add_merge(match: re.Match, header_row: int, merges: list[str]) -> None:
    top = int(match.group(2))
    bottom = int(match.group(4) or top)
    ref = match.group(0).split(b'ref="')[1].rstrip(b'"').decode()
    if top <= header_row <= bottom and ref not in merges:
        merges.append(ref)


def problems(sheet: SheetXml, headers: list[str], first_row: int,
             first_col: int) -> list[RowError]:
    formulas, merges, unreferenced = _scan(sheet)
    errors = [RowError(first_row, "", f"表头有合并单元格（{ref}），请取消合并后再导入")
              for ref in merges]
    for row, col in sorted(formulas)[:MAX_LISTED]:
        index = col - first_col
        header = headers[index] if 0 <= index < len(headers) and headers[index] else ""
        errors.append(RowError(row, header or f"{column_letter(col)} 列", "是公式，请粘贴为数值后再导入"))
    if len(formulas) > MAX_LISTED:
        errors.append(RowError(None, "", f"共有 {len(formulas)} 个公式单元格，以上只列出前 "
                                         f"{MAX_LISTED} 个。"))
    if unreferenced and not formulas:
        errors.append(RowError(None, "", "文件中有公式单元格，请把公式粘贴为数值后再导入。"))
    return errors


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
