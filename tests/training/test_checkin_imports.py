"""Attendance from Excel (the import framework) and from a meeting platform's export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.core.import_files import csv_bytes, messages, run_import, xlsx
from tests.factories import TeacherFactory, UserFactory
from tests.training.factories_checkin import TrainingClassFactory, enrol, session_now
from yanxun.core.enums import ImportStatus
from yanxun.core.models import AuditLog
from yanxun.training.attendance import MeetingRow, online_attendance_import, online_status
from yanxun.training.enums import AttendanceMethod, AttendanceStatus, EnrolmentStatus
from yanxun.training.importers_checkin import AttendanceImporter
from yanxun.training.meeting_export import parse_minutes, read_meeting_export
from yanxun.training.models import Attendance

HEADERS = [c.header for c in AttendanceImporter.columns]


@pytest.fixture
def hall(world):
    klass = TrainingClassFactory(name="新教师一班")
    world.third = TeacherFactory(school=world.school_a, name="王芳", employee_no="A0002",
                                 phone="13912340003")
    world.namesake = TeacherFactory(school=world.school_b, name="王芳", employee_no="B0002",
                                    phone="13912340004")
    for teacher in (world.teacher_a, world.teacher_b, world.third, world.namesake):
        enrol(teacher, klass)
    world.outsider = TeacherFactory(school=world.school_b, name="局外人", employee_no="B0009")
    world.klass = klass
    # A 150-minute session (see session_now): present from 145 minutes, late from 120.
    world.session = session_now(klass, title="线上研讨")
    return world


def _row(hall, *, number="", id_number="", status="出勤", name="", note="", session=None):
    return [str((session or hall.session).pk), number, id_number, name, status, note]


# --- Excel, through the import framework -----------------------------------------------------


def test_import_writes_every_row_and_audits(hall):
    data = xlsx([HEADERS,
                 _row(hall, number="A0001", name="张晓明"),
                 _row(hall, id_number=hall.teacher_b.id_number, status="请假", note="病假"),
                 _row(hall, number="a0002", status="迟到")])
    job = run_import("attendance", data, actor=hall.users["trainer"])
    assert (job.status, job.created_count, job.updated_count) == (ImportStatus.DONE, 3, 0)
    assert sorted(Attendance.objects.values_list("teacher__name", "status", "method", "note")) == [
        ("张晓明", "present", "import", ""), ("李秋华", "leave", "import", "病假"),
        ("王芳", "late", "import", "")]
    logs = AuditLog.objects.filter(action="training.attendance.set")
    assert logs.count() == 3 and all(log.before is None for log in logs)
    assert {log.actor_id for log in logs} == {hall.users["trainer"].pk}


def test_import_with_errors_writes_nothing(hall):
    data = xlsx([HEADERS,
                 _row(hall, number="A0001"),
                 _row(hall, number="B0009"),  # not a member of the class
                 _row(hall, number="A0001", id_number=hall.teacher_b.id_number),
                 _row(hall),  # neither 工号 nor 身份证号
                 _row(hall, number="A0002", status="旷工"),
                 ["999999", "A0001", "", "", "出勤", ""],
                 _row(hall, id_number=hall.teacher_a.id_number)])  # the same teacher again
    job = run_import("attendance", data, actor=hall.users["trainer"])
    assert job.status == ImportStatus.INVALID
    assert messages(job) == [
        f"第 3 行「工号」班次「{hall.klass}」的已录取学员中没有这个工号",
        "第 4 行「工号」工号与身份证号不是同一名教师",
        "第 5 行「工号」工号与身份证号至少填写一项",
        "第 6 行「考勤状态」只能填写：出勤、迟到、请假、缺勤",
        "第 7 行「日程编号」没有这个日程",
        "第 8 行与第 2 行是同一名教师的同一日程",
    ]
    assert Attendance.objects.count() == 0
    assert not AuditLog.objects.filter(action="training.attendance.set").exists()


def test_import_leaves_existing_records_unless_update_is_ticked(hall):
    Attendance.objects.create(session=hall.session, teacher=hall.teacher_a,
                              status=AttendanceStatus.PRESENT, method=AttendanceMethod.QR)
    data = xlsx([HEADERS, _row(hall, number="A0001", status="请假", note="补假条")])
    refused = run_import("attendance", data, actor=hall.users["trainer"])
    assert messages(refused) == [
        "第 2 行已存在；如需修改已有数据，请勾选「更新已有数据」后重新导入"]
    assert Attendance.objects.get().status == AttendanceStatus.PRESENT
    job = run_import("attendance", data, actor=hall.users["trainer"], update=True)
    assert (job.status, job.updated_count) == (ImportStatus.DONE, 1)
    record = Attendance.objects.get()
    assert (record.status, record.method, record.note) == ("leave", "import", "补假条")
    log = AuditLog.objects.get(action="training.attendance.set")
    assert (log.before, log.after) == ({"status": "present", "method": "qr", "note": ""},
                                       {"status": "leave", "method": "import", "note": "补假条"})


def test_ambiguous_employee_number_needs_the_id_number(hall):
    twin = TeacherFactory(school=hall.school_b, employee_no="A0001", name="同号",
                          user=UserFactory(username="twin"))
    enrol(twin, hall.klass)
    job = run_import("attendance", xlsx([HEADERS, _row(hall, number="A0001")]),
                     actor=hall.users["trainer"])
    assert messages(job) == ["第 2 行「工号」该工号在班次中对应多名教师，请填写身份证号"]


def test_import_page_is_for_check_in_staff(hall):
    assert hall.client_for("trainer").get("/imports/attendance/").status_code == 200
    assert hall.client_for("school_admin").get("/imports/attendance/").status_code == 403
    template = hall.client_for("admin").get("/imports/attendance/template.xlsx")
    assert template.status_code == 200


# --- the meeting platform's export -------------------------------------------------------------


@pytest.mark.parametrize(("text", "unit", "minutes"), [
    ("95", "minutes", 95), ("95.6", "minutes", 95), ("95分钟", "minutes", 95),
    ("1小时35分", "minutes", 95), ("1小时35分钟20秒", "minutes", 95), ("01:35:00", "minutes", 95),
    ("1:35:59", "minutes", 95), ("95:30", "minutes", 95), ("5700", "seconds", 95),
    ("5700秒", "minutes", 95), ("1.5", "hours", 90), ("2h", "minutes", 120),
    ("", "minutes", None), ("很久", "minutes", None), ("1小时半", "minutes", None),
])
def test_duration_formats(text, unit, minutes):
    assert parse_minutes(text, unit) == minutes


def test_online_status_from_minutes(hall):
    assert [online_status(hall.session, m) for m in (150, 145, 144, 120, 119, 0)] == [
        "present", "present", "late", "late", "absent", "absent"]


MEETING_HEADERS = ["用户昵称（入会昵称）", "手机号", "首次入会时间", "累计参会时长(分钟)"]


def _meeting(*rows) -> bytes:
    return xlsx([MEETING_HEADERS, *rows], sheet="参会明细")


def test_meeting_export_matches_by_phone_and_lists_names_for_staff(hall):
    hall.teacher_b.phone = "13912340002"
    hall.teacher_b.save()
    data = _meeting(
        ["张晓明-城东", hall.teacher_a.phone, "09:01", "100"],
        ["张晓明-城东", hall.teacher_a.phone, "10:45", "46"],  # rejoined: 146 in all
        ["秋华", "139 1234 0002", "09:20", "125"],
        ["王芳", "138****0000", "09:00", "150"],  # masked phone: by name only, two 王芳
        ["访客", "", "09:00", "150"],
    )
    rows, errors = read_meeting_export(data)
    assert errors == []
    result = online_attendance_import(actor=hall.users["trainer"], session=hall.session,
                                      rows=rows)
    assert result.written == [
        {"name": "张晓明", "minutes": 146, "status": "present"},
        {"name": "李秋华", "minutes": 125, "status": "late"}]
    assert [(line["row"], line["name"], line["minutes"], line["status"],
             [c["id"] for c in line["candidates"]]) for line in result.by_name] == [
        (5, "王芳", 150, "present", [hall.third.pk, hall.namesake.pk])]
    assert [(line["row"], line["name"]) for line in result.unmatched] == [(6, "访客")]
    assert sorted(Attendance.objects.values_list("teacher__name", "status", "method",
                                                 "online_minutes")) == [
        ("张晓明", "present", "online", 146), ("李秋华", "late", "online", 125)]
    assert AuditLog.objects.filter(action="training.attendance.set").count() == 2


def test_meeting_export_matches_by_employee_number_and_keeps_scans(hall):
    Attendance.objects.create(session=hall.session, teacher=hall.teacher_a,
                              status=AttendanceStatus.PRESENT, method=AttendanceMethod.CODE)
    data = xlsx([["姓名", "工号", "参会时长"], ["张晓明", "A0001", "1小时"],
                 ["王芳", "A0002", "2小时28分"]])
    rows, errors = read_meeting_export(data)
    result = online_attendance_import(actor=hall.users["trainer"], session=hall.session,
                                      rows=rows)
    assert errors == []
    assert result.written == [{"name": "王芳", "minutes": 148, "status": "present"}]
    assert [(k["name"], k["status_label"], k["method_label"]) for k in result.kept] == [
        ("张晓明", "出勤", "签到码")]
    assert Attendance.objects.get(teacher=hall.teacher_a).method == AttendanceMethod.CODE


def test_meeting_export_with_unreadable_durations_writes_nothing(hall):
    rows, errors = read_meeting_export(_meeting(["张晓明", hall.teacher_a.phone, "", "一百"],
                                                ["王芳", "", "", "很久"]))
    assert rows == []
    assert [str(e) for e in errors] == [
        "第 2 行「累计参会时长(分钟)」无法识别的时长「一百」（可写作 95、95分钟、1小时35分 或 01:35:00）",
        "第 3 行「累计参会时长(分钟)」无法识别的时长「很久」（可写作 95、95分钟、1小时35分 或 01:35:00）"]


def test_meeting_export_without_the_columns(hall):
    rows, errors = read_meeting_export(csv_bytes([["序号", "备注"], ["1", "x"]]))
    assert [str(e) for e in errors] == [
        "没有找到「姓名（或昵称）」「参会时长」列。请上传会议平台导出的参会明细"
        "（表头中含姓名/昵称、手机号或工号、参会时长）。"]


def test_meeting_export_that_is_not_a_spreadsheet(hall):
    rows, errors = read_meeting_export(b"%PDF-1.4 not a table")
    assert rows == [] and "PDF" in str(errors[0])


def test_online_page_upload_and_resolve_by_hand(hall):
    client: Client = hall.client_for("trainer")
    url = f"/training/checkin/{hall.session.pk}/online/"
    data = _meeting(["王芳", "", "", "150"])
    response = client.post(url, {"file": SimpleUploadedFile("参会明细.xlsx", data)})
    assert (response.status_code, response["Location"]) == (302, url)
    page = client.get(url).content.decode()
    assert 'data-testid="online-by-name"' in page and "王芳（城东实验学校 A0002）" in page
    assert Attendance.objects.count() == 0  # never guessed
    client.post(f"/training/checkin/{hall.session.pk}/mark/", {
        "teacher": hall.third.pk, "status": "present", "minutes": "150", "online": "on",
        "note": "线上会议导入（按姓名人工确认）", "next": url})
    record = Attendance.objects.get()
    assert (record.teacher_id, record.status, record.method, record.online_minutes) == (
        hall.third.pk, "present", "online", 150)


def test_online_page_shows_file_errors(hall):
    response = hall.client_for("trainer").post(
        f"/training/checkin/{hall.session.pk}/online/",
        {"file": SimpleUploadedFile("x.xlsx", _meeting(["王芳", "", "", "很久"]))})
    assert response.status_code == 200
    assert 'data-testid="online-errors"' in response.content.decode()
    assert Attendance.objects.count() == 0


def test_waiting_teachers_are_not_matched(hall):
    waiting = TeacherFactory(school=hall.school_a, name="候补", phone="13912340099")
    enrol(waiting, hall.klass, EnrolmentStatus.WAITING)
    result = online_attendance_import(actor=hall.users["trainer"], session=hall.session, rows=[
        MeetingRow(2, "候补", "13912340099", "", 150)])
    assert (result.written, [u["name"] for u in result.unmatched]) == ([], ["候补"])
