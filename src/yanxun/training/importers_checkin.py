"""Attendance from Excel, through the import framework (core/imports): template download,
row-level Chinese errors, nothing written unless the whole file is valid, 操作日志 per change.

One row is one teacher at one session: 日程编号 (shown on the session's attendance page; the
roster downloaded there has it filled in), the teacher by 工号 or 身份证号 among the enrolled
members of the session's class, and the status. A teacher who already has a record (a scan,
a code, an earlier mark) is only changed with 更新已有数据 ticked."""

from __future__ import annotations

import polars as pl
from django.utils import timezone

from yanxun.core.audit import changed_fields, snapshot
from yanxun.core.imports.framework import (
    Column,
    Importer,
    Row,
    RowError,
    WriteCounts,
    register,
)
from yanxun.core.imports.readers import ROW
from yanxun.core.models import AuditLog
from yanxun.training import rules
from yanxun.training.attendance import AUDIT_FIELDS
from yanxun.training.enums import AttendanceMethod, AttendanceStatus, EnrolmentStatus
from yanxun.training.models import Attendance, Enrolment, TrainingSession

STATUS_LABELS = {str(label): value for value, label in AttendanceStatus.choices}
STATUS_ALIASES = {"准时": AttendanceStatus.PRESENT, "已签到": AttendanceStatus.PRESENT,
                  "签到": AttendanceStatus.PRESENT, "假": AttendanceStatus.LEAVE,
                  "未到": AttendanceStatus.ABSENT, "旷课": AttendanceStatus.ABSENT}
SESSION_ID_MAX = 2**31 - 1


@register
class AttendanceImporter(Importer):
    kind = "attendance"
    label = "考勤"
    # No sidebar entry: staff reach it from a session's attendance page (导入考勤).
    model = Attendance
    natural_key = "key"
    permission = rules.RUN_CHECK_IN
    columns = [
        Column("日程编号", "session_id", required=True, kind="int", min_value=1,
               max_value=SESSION_ID_MAX, example="1",
               help="日程考勤页上显示的编号；从考勤页下载的名单已填好"),
        Column("工号", "employee_no", max_length=30, example="BJ00001", text_format=True,
               help="工号与身份证号至少填一项；工号在班次内重复时请填身份证号"),
        Column("身份证号", "id_number", kind="id_number", example=""),
        Column("姓名", "name", max_length=50, example="张晓明", help="仅供核对，不用于匹配"),
        Column("考勤状态", "status", required=True, kind="choice", choices=STATUS_LABELS,
               aliases=STATUS_ALIASES, example="出勤"),
        Column("说明", "note", max_length=200, example="", help="如请假事由"),
    ]
    notes = ["已有考勤记录（扫码、签到码或人工登记）的教师，只有勾选「更新已有数据」才会被修改；"
             "每处修改都记入操作日志。"]

    def validate_frame(self, frame: pl.DataFrame) -> tuple[list[Row], list[RowError]]:
        rows, errors = super().validate_frame(frame)
        for row in rows:  # before the teacher is known: exact duplicate lines
            row["key"] = f"{row['session_id']}|{row['employee_no']}|{row['id_number']}"
        return rows, errors

    def check_row(self, row: Row) -> list[RowError]:
        if not row["employee_no"] and not row["id_number"]:
            return [RowError(row[ROW], "工号", "工号与身份证号至少填写一项")]
        return []

    def load_context(self, rows: list[Row]) -> None:
        ids = {r["session_id"] for r in rows}
        self.sessions = self.fetch_in(TrainingSession.objects.select_related(
            "training_class__program"), "pk", ids)
        classes = {s.training_class_id for s in self.sessions.values()}
        self.members: dict[int, list[dict]] = {}
        for member in (Enrolment.objects.filter(training_class_id__in=classes,
                                                status=EnrolmentStatus.ENROLLED)
                       .values("training_class_id", "teacher_id", "teacher__employee_no",
                               "teacher__id_number", "teacher__name")):
            self.members.setdefault(member["training_class_id"], []).append(member)
        self.existing = {(a.session_id, a.teacher_id): a
                         for a in Attendance.objects.filter(session_id__in=ids)}
        self.seen: dict[tuple, int] = {}

    def prepare_row(self, row: Row) -> list[RowError]:
        session = self.sessions.get(row["session_id"])
        if session is None:
            return [self.error(row, "session_id", "没有这个日程")]
        member, problem = self._member(session, row)
        if problem:
            return [problem]
        key = (session.pk, member["teacher_id"])
        if key in self.seen:
            return [RowError(row[ROW], "", f"与第 {self.seen[key]} 行是同一名教师的同一日程")]
        self.seen[key] = row[ROW]
        row.update(key=key, session=session, teacher_id=member["teacher_id"],
                   teacher_name=member["teacher__name"])
        return []

    def _member(self, session: TrainingSession, row: Row) -> tuple[dict | None, RowError | None]:
        members = self.members.get(session.training_class_id, [])
        number = (row["employee_no"] or "").upper()
        by_id = [m for m in members
                 if row["id_number"] and m["teacher__id_number"] == row["id_number"]]
        by_number = [m for m in members if number and m["teacher__employee_no"].upper() == number]
        if row["id_number"]:
            if not by_id:
                return None, self.error(row, "id_number", f"该教师不是「{session.training_class}」"
                                                          "的已录取学员")
            if number and by_id[0] not in by_number:
                return None, self.error(row, "employee_no", "工号与身份证号不是同一名教师")
            return by_id[0], None
        if not by_number:
            return None, self.error(row, "employee_no", f"班次「{session.training_class}」的已录取"
                                                        "学员中没有这个工号")
        if len(by_number) > 1:
            return None, self.error(row, "employee_no", "该工号在班次中对应多名教师，请填写身份证号")
        return by_number[0], None

    def write(self, rows: list[Row]) -> WriteCounts:
        now = timezone.now()
        new, changed, audit = [], [], []
        for row in rows:
            record = self.existing.get(row["key"])
            if record is None:
                new.append(Attendance(session=row["session"], teacher_id=row["teacher_id"],
                                      status=row["status"], method=AttendanceMethod.IMPORT,
                                      note=row["note"] or "", recorded_by=self.actor))
                continue
            note = row["note"] or ""
            if record.status == row["status"] and record.note == note:
                continue
            before = snapshot(record, AUDIT_FIELDS)
            record.status, record.note, record.method = row["status"], note, AttendanceMethod.IMPORT
            record.recorded_by, record.updated_at = self.actor, now
            old, values = changed_fields(before, snapshot(record, AUDIT_FIELDS))
            changed.append(record)
            audit.append(self._audit(record, row, old, values))
        for batch in self.batches(new):
            Attendance.objects.bulk_create(batch)
        audit += [self._audit(a, row, None, snapshot(a, AUDIT_FIELDS))
                  for a, row in zip(new, [r for r in rows if r["key"] not in self.existing],
                                    strict=True)]
        for batch in self.batches(changed):
            Attendance.objects.bulk_update(batch, ["status", "note", "method", "recorded_by",
                                                   "updated_at"])
        AuditLog.objects.bulk_create(audit, batch_size=500)
        return WriteCounts(created=len(new), updated=len(changed),
                           unchanged=len(rows) - len(new) - len(changed))

    def _audit(self, record: Attendance, row: Row, before, after) -> AuditLog:
        entry = self.audit_entry("training.attendance.set", record, before, after,
                                 reason=row["note"] or "考勤导入")
        entry.object_repr = f"{row['session']} {row['teacher_name']}"[:200]
        return entry
