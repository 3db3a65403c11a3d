"""Columns of an import: what the header says, which field it fills, and how a cell is checked
and converted. Checks run on whole Polars columns at once; only 身份证号 and 手机号 are checked
value by value (with core.validators, the same rules as forms and the API)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from yanxun.core.validators import id_number_problem, phone_problem

KINDS = ("text", "int", "date", "choice", "id_number", "phone")
EXCEL_EPOCH = date(1899, 12, 30)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d")
DATE_HINT = "不是有效日期（可写作 2024-09-01、2024/9/1 或 2024年9月1日）"
ROUNDED_BY_EXCEL = re.compile(r"^(\d{15}0{3}|\d(\.\d+)?E\+\d+)$", re.IGNORECASE)

Check = tuple[pl.Expr, str]  # (a boolean expression true on bad cells, the message)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    kind: str = "text"
    choices: dict[str, Any] = field(default_factory=dict)  # label shown -> stored value
    aliases: dict[str, Any] = field(default_factory=dict)  # also accepted, not offered
    example: str = ""
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    default: Any = None  # stored when an optional cell is blank
    help: str = ""
    text_format: bool = False  # the template formats the column as text (codes, 工号)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def as_text(self) -> bool:
        return self.text_format or self.kind in ("id_number", "phone")

    def convert(self) -> tuple[pl.Expr, list[Check]]:
        """The converted column and the checks that find its bad cells."""
        cell = pl.col(self.field)
        filled = cell != ""
        checks: list[Check] = [(~filled, "不能为空")] if self.required else []
        value, kind_checks = CONVERTERS[self.kind](self, cell)
        checks += [(filled & bad, message) for bad, message in kind_checks]
        if self.default is not None:
            value = pl.when(filled).then(value).otherwise(pl.lit(self.default))
        return value.alias(self.field), checks

    def value_problem(self) -> Callable[[str], str | None] | None:
        """A per-value check for kinds that Polars can't express (身份证号, 手机号)."""
        return VALUE_CHECKS.get(self.kind)


def _text(column: Column, cell: pl.Expr) -> tuple[pl.Expr, list[Check]]:
    checks = []
    if column.max_length:
        checks.append((cell.str.len_chars() > column.max_length,
                       f"不能超过 {column.max_length} 个字"))
    return cell, checks


def _int(column: Column, cell: pl.Expr) -> tuple[pl.Expr, list[Check]]:
    number = cell.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    checks: list[Check] = [(number.is_null(), "应为整数")]
    low, high = column.min_value, column.max_value
    if low is not None and high is not None:
        checks.append((number.is_not_null() & ((number < low) | (number > high)),
                       f"应在 {low} 到 {high} 之间"))
    return pl.when(cell != "").then(number), checks


def date_expr(cell: pl.Expr) -> pl.Expr:
    """A date from the formats people type, an Excel date cell or an Excel serial number."""
    text = cell.str.replace_many(["－", "／", "．"], ["-", "/", "."]).str.replace(
        r"^(\d{4}-\d{1,2}-\d{1,2})[ T]\d{1,2}:\d{2}(:\d{2})?(\.\d+)?$", "$1")
    parsed = [text.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS]
    serial = text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    from_serial = pl.when(serial.is_between(10000, 99999)).then(
        pl.lit(EXCEL_EPOCH) + pl.duration(days=serial))
    return pl.coalesce(*parsed, from_serial.cast(pl.Date))


def _date(column: Column, cell: pl.Expr) -> tuple[pl.Expr, list[Check]]:
    value = date_expr(cell)
    return value, [(value.is_null(), DATE_HINT)]


def _choice(column: Column, cell: pl.Expr) -> tuple[pl.Expr, list[Check]]:
    mapping = {**column.aliases, **column.choices}
    value = cell.replace_strict(list(mapping), list(mapping.values()), default=None)
    allowed = "、".join(column.choices)
    return value, [(~cell.is_in(list(mapping)), f"只能填写：{allowed}")]


def _id_number(column: Column, cell: pl.Expr) -> tuple[pl.Expr, list[Check]]:
    return cell.str.to_uppercase(), []


def _phone(column: Column, cell: pl.Expr) -> tuple[pl.Expr, list[Check]]:
    return cell.str.replace_all(r"[\s-]", ""), []


def id_number_value_problem(value: str) -> str | None:
    problem = id_number_problem(value)
    if problem and ROUNDED_BY_EXCEL.match(value):
        return "被 Excel 当作数字保存，末几位已丢失：请把该列设为文本格式后重新填写"
    return problem


CONVERTERS = {"text": _text, "int": _int, "date": _date, "choice": _choice,
              "id_number": _id_number, "phone": _phone}
VALUE_CHECKS = {"id_number": id_number_value_problem, "phone": phone_problem}


def excel_serial(value: date) -> int:
    return (value - EXCEL_EPOCH) // timedelta(days=1)
