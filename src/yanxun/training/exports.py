"""Export of accredited hours for the provincial continuing-education platform, in a column
layout the center arranges (HoursExportLayout: a list of {"header": …, "field": …} whose
fields come from FIELDS below).

身份证号 is personal data: it is written in full only for the rows whose teacher the exporting
user may see personal data of (org.VIEW_PERSONAL_DATA: 系统管理员 every row, 学校管理员 their
school's), masked on every other row; every export writes an `export.personal_data` audit row
(who, layout, filters, how many rows, whether anything was unmasked).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Value, When

from yanxun.core.audit import audit_record
from yanxun.core.masking import mask_id_number
from yanxun.core.permissions import has_perm, scope_filter, scoped
from yanxun.org.enums import Stage
from yanxun.org.rules import VIEW_PERSONAL_DATA
from yanxun.training import rules
from yanxun.training.enums import HourSource, ProgramLevel
from yanxun.training.ledger import credits_of
from yanxun.training.models import HourRecord, HoursExportLayout

FULL = "yx_full_personal"
HEADER_MAX = 30
COLUMNS_MAX = 30
STAGES = dict(Stage.choices)
LEVELS = dict(ProgramLevel.choices)
SOURCES = dict(HourSource.choices)


@dataclass(frozen=True)
class ExportField:
    label: str
    value: Callable[[HourRecord, Decimal], object]
    personal: bool = False
    number: bool = False


FIELDS: dict[str, ExportField] = {
    "name": ExportField("姓名", lambda r, _: r.teacher.name),
    "id_number": ExportField("身份证号", lambda r, _: r.teacher.id_number, personal=True),
    "employee_no": ExportField("工号", lambda r, _: r.teacher.employee_no),
    "school": ExportField("学校", lambda r, _: r.teacher.school.name),
    "school_code": ExportField("学校代码", lambda r, _: r.teacher.school.code),
    "stage": ExportField("学段", lambda r, _: STAGES.get(r.teacher.stage, r.teacher.stage)),
    "program": ExportField("项目", lambda r, _: r.title),
    "source": ExportField("来源", lambda r, _: SOURCES.get(r.source, r.source)),
    "level": ExportField("层级", lambda r, _: LEVELS.get(r.level, r.level)),
    "category": ExportField("类别", lambda r, _: r.category.name),
    "hours": ExportField("学时", lambda r, _: r.hours, number=True),
    "credits": ExportField("学分", lambda r, per_credit: credits_of(r.hours, per_credit),
                           number=True),
    "date": ExportField("日期", lambda r, _: r.earned_on.isoformat()),
    "year": ExportField("年度", lambda r, _: r.year, number=True),
}
DEFAULT_NAME = "省继续教育平台（默认）"
DEFAULT_COLUMNS = [{"header": FIELDS[f].label, "field": f} for f in (
    "name", "id_number", "school", "program", "level", "category", "hours", "credits",
    "date")]


def field_choices() -> list[tuple[str, str]]:
    return [(key, f.label) for key, f in FIELDS.items()]


def layouts():
    """The layouts, with the default one made on first use."""
    if not HoursExportLayout.objects.exists():
        HoursExportLayout.objects.get_or_create(name=DEFAULT_NAME,
                                                defaults={"columns": DEFAULT_COLUMNS})
    return HoursExportLayout.objects.order_by("name")


def check_columns(columns: list[dict]) -> list[dict]:
    out, headers = [], set()
    for i, column in enumerate(columns, start=1):
        header, key = str(column.get("header", "")).strip(), column.get("field", "")
        if key not in FIELDS:
            raise ValidationError(f"第 {i} 列的字段「{key}」不可用。")
        header = header or FIELDS[key].label
        if len(header) > HEADER_MAX:
            raise ValidationError(f"第 {i} 列的列名超过 {HEADER_MAX} 字。")
        if header in headers:
            raise ValidationError(f"列名「{header}」重复。")
        headers.add(header)
        out.append({"header": header, "field": key})
    if not out:
        raise ValidationError("请至少选择一列。")
    if len(out) > COLUMNS_MAX:
        raise ValidationError(f"最多 {COLUMNS_MAX} 列。")
    return out


def layout_save(*, actor, layout: HoursExportLayout | None, name: str,
                columns: list[dict]) -> HoursExportLayout:
    if not has_perm(actor, rules.ACCREDIT_HOURS):
        raise PermissionDenied("无权修改学时导出格式。")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写名称。"})
    columns = check_columns(columns)
    layout = layout or HoursExportLayout()
    before = {"name": layout.name, "columns": layout.columns} if layout.pk else None
    if HoursExportLayout.objects.filter(name=name).exclude(pk=layout.pk).exists():
        raise ValidationError({"name": "已有同名的导出格式。"})
    with transaction.atomic():
        layout.name, layout.columns = name, columns
        layout.save()
        audit_record(actor=actor, action="hours.export_layout", obj=layout, before=before,
                     after={"name": name, "columns": columns})
    return layout


@dataclass(frozen=True)
class ExportFilter:
    year_from: int
    year_to: int
    school_id: int | None = None
    level: str = ""

    def describe(self) -> dict:
        return {"year_from": self.year_from, "year_to": self.year_to,
                "school": self.school_id, "level": self.level}


def export_records(user, flt: ExportFilter):
    records = scoped(HourRecord.objects.select_related("teacher__school", "category"), user,
                     rules.EXPORT_HOURS).filter(year__gte=flt.year_from, year__lte=flt.year_to)
    if flt.school_id:
        records = records.filter(teacher__school_id=flt.school_id)
    if flt.level:
        records = records.filter(level=flt.level)
    condition = scope_filter(HourRecord, user, VIEW_PERSONAL_DATA)
    flag = (Value(True) if condition is None else
            Case(When(condition, then=Value(True)), default=Value(False),
                 output_field=BooleanField()))
    return records.annotate(**{FULL: flag}).order_by("teacher__school__code",
                                                      "teacher__employee_no", "earned_on", "pk")


def hours_export(*, actor, layout: HoursExportLayout, flt: ExportFilter,
                 hours_per_credit: Decimal) -> tuple[bytes, int]:
    """The .xlsx bytes and the number of rows; audited as a personal-data export."""
    if not has_perm(actor, rules.EXPORT_HOURS):
        raise PermissionDenied("无权导出学时。")
    columns = check_columns(layout.columns)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("学时")
    bold = workbook.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    one_place = workbook.add_format({"num_format": "0.0"})
    two_places = workbook.add_format({"num_format": "0.00"})
    for index, column in enumerate(columns):
        sheet.set_column(index, index, 20 if column["field"] in ("id_number", "program") else 12)
        sheet.write_string(0, index, column["header"], bold)
    rows, unmasked = 0, False
    for record in export_records(actor, flt).iterator(chunk_size=2000):
        rows += 1
        full = bool(getattr(record, FULL))
        for index, column in enumerate(columns):
            spec = FIELDS[column["field"]]
            value = spec.value(record, hours_per_credit)
            if spec.personal:
                unmasked = unmasked or full
                sheet.write_string(rows, index, value if full else mask_id_number(value))
            elif spec.number and isinstance(value, Decimal):
                sheet.write_number(rows, index, float(value),
                                   two_places if column["field"] == "credits" else one_place)
            elif spec.number:
                sheet.write_number(rows, index, value)
            else:
                sheet.write_string(rows, index, str(value))
    workbook.close()
    audit_record(actor=actor, action="export.personal_data", object_type="list.hour_records",
                 object_repr="导出学时记录",
                 after={"list": "hour_records", "layout": layout.name, "rows": rows,
                        "unmasked": unmasked, "filters": flt.describe()})
    return buffer.getvalue(), rows
