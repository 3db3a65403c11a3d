"""节假日与调休导入: a year of the State Council's notice as rows (日期, 上班/休息, 说明), through
the core import framework — template, row-level Chinese errors, nothing written unless the
whole file is good. A date already set is an error unless 「更新已有数据」 is ticked."""

from __future__ import annotations

from yanxun.core.imports.framework import Column, Importer, Row, WriteCounts, register
from yanxun.core.imports.readers import ROW
from yanxun.core.models import AuditLog, WorkCalendarDay
from yanxun.review import rules

FIELDS = ("is_workday", "note")


@register
class WorkCalendarImporter(Importer):
    kind = "work_calendar"
    label = "节假日与调休"
    nav_label = "节假日与调休导入"
    model = WorkCalendarDay
    natural_key = "date"
    permission = rules.MANAGE_CALENDAR
    notes = [
        "按国务院办公厅当年的节假日安排通知填写：放假的日期填「休息」，调休上班的周六、周日填「上班」。",
        "未列出的日期按周一至周五上班、周六周日休息计算。",
    ]
    columns = [
        Column("日期", "date", required=True, kind="date", example="2026-10-01"),
        Column("上班/休息", "is_workday", required=True, kind="choice",
               choices={"上班": True, "休息": False}, aliases={"班": True, "休": False},
               example="休息"),
        Column("说明", "note", max_length=50, example="国庆节", help="如 国庆节、国庆调休"),
    ]

    def write(self, rows: list[Row]) -> WriteCounts:
        counts = WriteCounts()
        created, updated, audit = [], [], []
        for row in rows:
            note = (row["note"] or "").strip()
            current = self.existing.get(row["date"])
            if current is None:
                created.append(WorkCalendarDay(date=row["date"], is_workday=row["is_workday"],
                                               note=note))
            elif (current.is_workday, current.note) == (row["is_workday"], note):
                counts.unchanged += 1
            else:
                before = {"is_workday": current.is_workday, "note": current.note}
                current.is_workday, current.note = row["is_workday"], note
                updated.append(current)
                audit.append(self.audit_entry("calendar.day_import", current, before,
                                              {"is_workday": current.is_workday,
                                               "note": note, "row": row[ROW]}))
        for batch in self.batches(created):
            WorkCalendarDay.objects.bulk_create(batch)
        for batch in self.batches(updated):
            WorkCalendarDay.objects.bulk_update(batch, list(FIELDS))
        AuditLog.objects.bulk_create(audit)
        counts.created, counts.updated = len(created), len(updated)
        return counts
