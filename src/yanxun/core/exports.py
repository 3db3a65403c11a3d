"""Excel export of a ListSpec: every list page exports what it shows, with its filters.

Personal data (个人信息保护法):
- List pages always show masked 身份证号 and phone numbers.
- An export shows a row's personal values in full only when the exporting user's role may see
  that row's personal data (the spec's `personal_perm`, e.g. org.VIEW_PERSONAL_DATA: 系统管理员
  for every row, 学校管理员 for their own school's rows); every other row is masked.
- Every export of a list about people writes an 操作日志 row `export.personal_data`: who, which
  list, which filters, how many rows, and whether any value was exported unmasked.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import islice
from typing import IO, Any
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.listing import (
    FULL_FLAG,
    ListQuery,
    ListSpec,
    cell_text,
    filtered_queryset,
    with_personal_flag,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000


def write_xlsx(spec: ListSpec, user, query: ListQuery, out: str | IO[bytes]) -> dict[str, Any]:
    """Write all rows matching the query (not just one page) to `out`. `user=None` is the
    server operator (the command line without --as): every row, unmasked.
    Returns {"rows": n, "unmasked": bool}."""
    columns = [c for c in spec.columns if c.export]
    queryset = with_personal_flag(spec, user, filtered_queryset(spec, user, query))
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet(spec.title[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
        sheet.write_string(0, index, column.header, bold)
    sheet.freeze_panes(1, 0)
    rows, unmasked = 0, False
    for obj in _loaded(spec, queryset):
        full = bool(getattr(obj, FULL_FLAG, False))
        rows += 1
        for index, column in enumerate(columns):
            sheet.write_string(rows, index, cell_text(column, obj, unmasked=full))
        unmasked = unmasked or (full and any(c.personal for c in columns))
    workbook.close()
    _audit(spec, user, query, rows=rows, unmasked=unmasked)
    return {"rows": rows, "unmasked": unmasked}


def _loaded(spec: ListSpec, queryset) -> Iterator[Any]:
    """The rows, read CHUNK at a time, each chunk completed by the spec's `attach`."""
    rows = queryset.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        yield from spec.load(chunk)


def _audit(spec: ListSpec, user, query: ListQuery, *, rows: int, unmasked: bool) -> None:
    if not spec.personal_data:
        return
    audit_record(
        actor=user, action="export.personal_data", object_type=f"list.{spec.name}",
        object_repr=f"导出{spec.title}", reason="" if user else "命令行导出",
        after={"list": spec.name, "rows": rows, "unmasked": unmasked,
               "filters": query.describe()},
    )


def export_filename(spec: ListSpec) -> str:
    return f"{spec.title}_{timezone.localdate():%Y%m%d}.xlsx"


def content_disposition(filename: str) -> str:
    """An ASCII fallback for old clients and the Chinese name for everyone else (RFC 6266)."""
    fallback = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    if fallback.startswith("_"):
        fallback = "export" + fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(spec: ListSpec, user, query: ListQuery) -> HttpResponse:
    buffer = io.BytesIO()
    write_xlsx(spec, user, query, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(export_filename(spec))
    response["Cache-Control"] = "no-store"
    return response
