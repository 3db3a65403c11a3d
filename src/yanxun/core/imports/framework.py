"""The one import mechanism every importer (schools, teachers, scores, enrolments ...) reuses.

An importer declares its columns, natural key and permission, and fills these hooks:

    validate_frame(frame) cell checks on whole columns (generic: from the Column kinds), then
    check_row(row)        per-row checks that need no database (身份证号 vs 性别 ...)
    load_context(rows)    ONE query per referenced table (schools, subjects, existing rows)
    prepare_row(row)      cross-row and database checks; resolves references into the row
    write(rows)           bulk_create / bulk_update in batches, inside the caller's transaction

`validate_file` reads and checks the whole file outside any transaction and keeps progress in
the cache; the caller writes only when it returned no error (see services.import_job_run).
"""

from __future__ import annotations

import difflib
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl
from django.db import models

from yanxun.core.context import current_ip
from yanxun.core.imports.columns import Column
from yanxun.core.imports.errors import ImportFileError, RowError, file_error, sort_key
from yanxun.core.imports.progress import Progress
from yanxun.core.imports.readers import ROW, Table, read_table
from yanxun.core.models import AuditLog
from yanxun.core.permissions import Permission, scope_filter

Row = dict[str, Any]
BATCH_SIZE = 1000
LOOKUP_CHUNK = 5000
TEST_DELAY_ENV = "YANXUN_IMPORT_WRITE_BATCH_DELAY"

__all__ = ["Column", "Importer", "RowError", "WriteCounts", "Validation", "register",
           "get_importer", "importers", "validate_file"]


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Validation:
    total: int = 0
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class Importer:
    kind: ClassVar[str]  # URL and CLI name: "teachers"
    label: ClassVar[str]  # "教师"
    columns: ClassVar[list[Column]]
    natural_key: ClassVar[str]  # a field of `model` and of each row
    model: ClassVar[type[models.Model]]
    permission: ClassVar[Permission]
    school_field: ClassVar[str | None] = None  # row field holding the School, for data scope
    nav_label: ClassVar[str | None] = None  # sidebar entry under 数据导入
    notes: ClassVar[list[str]] = []  # shown on the upload page, the template and the result

    def __init__(self, *, actor=None, update_existing: bool = False,
                 progress: Progress | None = None):
        self.actor = actor
        self.update_existing = update_existing
        self.progress = progress or Progress(None)
        self.existing: dict[Any, Any] = {}  # natural key -> model instance
        self._allowed_schools: set[int] | None = None

    # --- hooks ---------------------------------------------------------------------------
    def validate_frame(self, frame: pl.DataFrame) -> tuple[list[Row], list[RowError]]:
        """Per-cell and per-row checks of the whole file; returns the converted rows. The
        frame has one string column per field plus ROW. Override to add checks that are
        best done on whole columns; call super()."""
        columns = type(self).columns
        errors = _cell_errors(frame, columns)
        rows = frame.select([*(c.convert()[0] for c in columns), pl.col(ROW)]).to_dicts()
        bad_rows = {e.row for e in errors}
        for index, row in enumerate(rows, 1):
            if row[ROW] not in bad_rows:
                errors += self.check_row(row)
            if index % 1000 == 0:
                self.progress.update("validating", index, len(rows))
        return rows, errors

    def check_row(self, row: Row) -> list[RowError]:
        """Checks of one row that need no database (the row passed its cell checks)."""
        return []

    def load_context(self, rows: list[Row]) -> None:
        self.existing = self.fetch_in(self.model._default_manager.all(), self.natural_key,
                                      {r[self.natural_key] for r in rows})

    def prepare_row(self, row: Row) -> list[RowError]:
        return []

    def write(self, rows: list[Row]) -> WriteCounts:
        raise NotImplementedError

    # --- helpers for importers -----------------------------------------------------------
    def error(self, row: Row, field_name: str, message: str) -> RowError:
        return RowError(row[ROW], self.header_of(field_name), message)

    @classmethod
    def header_of(cls, field_name: str) -> str:
        return next((c.header for c in cls.columns if c.field == field_name), "")

    @staticmethod
    def fetch_in(queryset: models.QuerySet, field_name: str, values: Iterable) -> dict:
        """{value: object} for objects whose `field_name` is among `values` — one query per
        LOOKUP_CHUNK values (SQLite's limit on query parameters), never one per row."""
        values = sorted(v for v in set(values) if v not in (None, ""))
        found: dict = {}
        for start in range(0, len(values), LOOKUP_CHUNK):
            chunk = values[start:start + LOOKUP_CHUNK]
            found.update({getattr(o, field_name): o
                          for o in queryset.filter(**{f"{field_name}__in": chunk})})
        return found

    def batches(self, items: list, size: int = BATCH_SIZE, report: bool = True
                ) -> Iterator[list]:
        """Chunks for bulk writes; with `report`, each chunk counts as that many rows done
        (give it the list that has one object per row). The test-only environment
        variable YANXUN_IMPORT_WRITE_BATCH_DELAY sleeps between chunks, so that a test can
        kill the process halfway through the write."""
        delay = float(os.environ.get(TEST_DELAY_ENV) or 0)
        for start in range(0, len(items), size):
            if start and delay:
                time.sleep(delay)
            batch = items[start:start + size]
            yield batch
            if report:
                self.progress.advance(len(batch))

    def audit_entry(self, action: str, obj: models.Model, before: dict | None,
                    after: dict | None, reason: str = "") -> AuditLog:
        """An unsaved 操作日志 row, for AuditLog.objects.bulk_create at the end of write()."""
        actor = self.actor if self.actor is not None and self.actor.is_authenticated else None
        return AuditLog(actor=actor, action=action, object_type=obj._meta.label_lower,
                        object_id=str(obj.pk), object_repr=str(obj)[:200], before=before,
                        after=after, reason=reason, ip=current_ip.get())

    def allowed_school_ids(self) -> set[int] | None:
        """The schools this actor may import for (None: all) — the permission's data scope."""
        if self.actor is None:
            return None
        from yanxun.org.models import School

        condition = scope_filter(School, self.actor, self.permission)
        if condition is None:
            return None
        if self._allowed_schools is None:
            self._allowed_schools = set(School.objects.filter(condition)
                                        .values_list("pk", flat=True))
        return self._allowed_schools


# --- registry ----------------------------------------------------------------------------

REGISTRY: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    """Class decorator: make an importer available to the pages, the CLI and the sidebar."""
    first_time = importer.kind not in REGISTRY
    REGISTRY[importer.kind] = importer
    if importer.nav_label and first_time:
        from yanxun.core.navigation import NavItem
        from yanxun.core.navigation import register as nav_register

        nav_register(NavItem("数据导入", importer.nav_label, f"core:imports:upload-{importer.kind}",
                             importer.permission))
    return importer


def get_importer(kind: str) -> type[Importer] | None:
    return REGISTRY.get(kind)


def importers() -> list[type[Importer]]:
    return list(REGISTRY.values())


# --- validation --------------------------------------------------------------------------

def validate_file(importer: Importer, source) -> Validation:
    """Read and check the whole file. Runs outside any transaction and writes nothing."""
    importer.progress.update("reading")
    try:
        table = read_table(source)
    except ImportFileError as exc:
        return Validation(errors=exc.errors)
    errors = check_headers(type(importer).columns, table)
    if errors:
        return Validation(total=table.frame.height, errors=errors)
    rows, errors = parse_rows(importer, table)
    errors += _duplicate_keys(importer, rows)
    bad_rows = {e.row for e in errors}
    errors += prepare_rows(importer, [r for r in rows if r[ROW] not in bad_rows])
    errors.sort(key=sort_key)
    return Validation(total=len(rows), rows=rows, errors=errors)


def check_headers(columns: list[Column], table: Table) -> list[RowError]:
    """Every column of the template once, nothing else; name what is missing or unknown."""
    expected = [c.header for c in columns]
    counts = Counter(table.headers)
    first_data_row = table.frame.get_column(ROW).min()
    header_row = first_data_row - 1 if isinstance(first_data_row, int) else 1
    errors = [RowError(header_row, "", f"{table.letter(i)} 列有数据但没有列名")
              for i, h in enumerate(table.headers) if not h]
    errors += [RowError(header_row, "", f"表头中「{h}」出现了 {n} 次，每列只能有一次")
               for h, n in counts.items() if h and n > 1]
    missing = [h for h in expected if h not in counts]
    for header in (h for h in counts if h and h not in expected):
        close = difflib.get_close_matches(header, missing, n=1, cutoff=0.3)
        hint = f"，是否应为「{close[0]}」？" if close else ""
        errors.append(RowError(header_row, "", f"表头中的「{header}」不是模板中的列{hint}"))
    errors += [RowError(header_row, "", f"缺少列「{h}」") for h in missing]
    if errors:
        errors.append(file_error("请下载导入模板，按模板的列名填写后再导入。"))
    return errors


def parse_rows(importer: Importer, table: Table) -> tuple[list[Row], list[RowError]]:
    """Convert every column (Polars, whole columns at once) and run the per-row checks."""
    columns = type(importer).columns
    frame = table.frame.rename({f"c{table.headers.index(c.header)}": c.field for c in columns})
    frame = _drop_example_row(frame, columns)
    if frame.height == 0:
        return [], [file_error("表格只有表头和示例行，没有数据行。")]
    importer.progress.update("validating", 0, frame.height)
    return importer.validate_frame(frame)


def _drop_example_row(frame: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """The template's example row, left in place, is not data."""
    is_example = pl.all_horizontal([pl.col(c.field) == c.example for c in columns])
    return frame.filter(~is_example)


def _cell_errors(frame: pl.DataFrame, columns: list[Column]) -> list[RowError]:
    errors: list[RowError] = []
    for column in columns:
        _, checks = column.convert()
        for mask, message in checks:
            rows = frame.filter(mask).get_column(ROW).to_list()
            errors += [RowError(r, column.header, message) for r in rows]
        value_problem = column.value_problem()
        if value_problem is not None:
            values = frame.select(ROW, column.convert()[0]).filter(pl.col(column.field) != "")
            for row, value in values.iter_rows():
                problem = value_problem(value)
                if problem:
                    errors.append(RowError(row, column.header, problem))
    return errors


def prepare_rows(importer: Importer, rows: list[Row]) -> list[RowError]:
    """References, existing rows, data scope — for the rows that passed the cell checks."""
    errors: list[RowError] = []
    importer.load_context(rows)
    allowed = importer.allowed_school_ids()
    for index, row in enumerate(rows, 1):
        row_errors = importer.prepare_row(row)
        row_errors += _existing_problem(importer, row)
        if not row_errors and allowed is not None:
            row_errors += _scope_problem(importer, row, allowed)
        errors += row_errors
        if index % 1000 == 0:
            importer.progress.update("checking", index, len(rows))
    return errors


def _duplicate_keys(importer: Importer, rows: list[Row]) -> list[RowError]:
    key = importer.natural_key
    first_seen: dict[Any, int] = {}
    errors = []
    for row in rows:
        value = row[key]
        if value in (None, ""):
            continue
        if value in first_seen:
            errors.append(importer.error(row, key, f"与第 {first_seen[value]} 行重复"))
        else:
            first_seen[value] = row[ROW]
    return errors


def _existing_problem(importer: Importer, row: Row) -> list[RowError]:
    if importer.update_existing or row[importer.natural_key] not in importer.existing:
        return []
    return [importer.error(row, importer.natural_key,
                           "已存在；如需修改已有数据，请勾选「更新已有数据」后重新导入")]


def _scope_problem(importer: Importer, row: Row, allowed: set[int]) -> list[RowError]:
    field_name = importer.school_field
    if field_name is None:
        return []
    school = row.get(field_name)
    current = importer.existing.get(row[importer.natural_key])
    school_ids = [getattr(school, "pk", None), getattr(current, f"{field_name}_id", None)]
    if all(pk is None or pk in allowed for pk in school_ids):
        return []
    return [importer.error(row, field_name, "不在您的管理范围内：只能导入本单位的数据")]
