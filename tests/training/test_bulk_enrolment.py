"""统一报名: from a filter of teachers (the program's audience rules reused) and from an Excel
list through the import framework (row-level errors, all or nothing)."""

import io

import polars as pl
import xlsxwriter
from django.urls import reverse

from tests.factories import SchoolFactory, TeacherFactory
from tests.training.factories_enrol import program_with_class
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.training.enrolment import enrolment_enrol
from yanxun.training.enums import EnrolmentSource, EnrolmentStatus
from yanxun.training.models import Enrolment

S = EnrolmentStatus
TRAINER, SCHOOL_ADMIN = str(Role.TRAINER), str(Role.SCHOOL_ADMIN)


def _new_teachers(world):
    """Three new teachers (2026 program: entered 2024-2026) and two older ones."""
    return {name: TeacherFactory(school=world.school_a if i % 2 else world.school_b, name=name,
                                 entry_year=year)
            for i, (name, year) in enumerate([("新一", 2026), ("新二", 2025), ("新三", 2024),
                                              ("老一", 2015), ("老二", 2020)])}


def _filter_data(training_class, **extra) -> dict:
    data = {"training_class": training_class.pk, "match_audience": "on",
            "overflow_waits": "on", "action": "preview"}
    data.update(extra)
    return data


def test_all_new_teachers_of_the_year_by_filter_preview_then_confirm(world):
    teachers = _new_teachers(world)
    training_class = program_with_class(capacity=2, name="新教师培养工程", audience_max_years=3)
    client = world.client_for(TRAINER)
    url = reverse("training:bulk", args=[training_class.program_id])
    preview = client.post(url, _filter_data(training_class)).context["preview"]
    assert {k: v["count"] for k, v in preview.items()} == {"enrolled": 2, "waiting": 1,
                                                          "skipped": 0}
    assert Enrolment.objects.count() == 0
    response = client.post(url, _filter_data(training_class, action="confirm"))
    groups = response.context["groups"]
    assert [r.teacher.name for r in groups["enrolled"]["rows"]] == ["新二", "新一"]
    assert [r.teacher.name for r in groups["waiting"]["rows"]] == ["新三"]
    assert "录取 2 人，候补 1 人，不能报名 0 人" in response.content.decode()
    rows = Enrolment.objects.order_by("pk")
    assert [(e.teacher.name, e.status, e.source) for e in rows] == [
        ("新二", S.ENROLLED, EnrolmentSource.STAFF), ("新一", S.ENROLLED, EnrolmentSource.STAFF),
        ("新三", S.WAITING, EnrolmentSource.STAFF)]
    assert teachers["老一"].enrolments.count() == 0


def test_without_the_audience_filter_ineligible_teachers_are_reported_with_reasons(world):
    _new_teachers(world)
    training_class = program_with_class(capacity=10, audience_max_years=3, is_long=True)
    enrolment_enrol(actor=world.teacher_a.user, teacher=world.teacher_a,
                    training_class=program_with_class(name="已参加的项目"))
    client = world.client_for(TRAINER)
    response = client.post(reverse("training:bulk", args=[training_class.program_id]),
                           _filter_data(training_class, match_audience="",
                                        school=world.school_a.pk, action="confirm"))
    groups = response.context["groups"]
    assert [r.teacher.name for r in groups["enrolled"]["rows"]] == ["新二"]
    assert [(r.teacher.name, r.reasons) for r in groups["skipped"]["rows"]] == [
        ("张晓明", ["仅面向入职 3 年内的新教师"]), ("老一", ["仅面向入职 3 年内的新教师"])]


def test_over_capacity_without_waiting_is_reported(world):
    _new_teachers(world)
    training_class = program_with_class(capacity=1, audience_max_years=3)
    response = world.client_for(TRAINER).post(
        reverse("training:bulk", args=[training_class.program_id]),
        _filter_data(training_class, overflow_waits="", action="confirm"))
    skipped = response.context["groups"]["skipped"]["rows"]
    assert [(r.teacher.name, r.reasons) for r in skipped] == [
        ("新一", ["超出名额：「1班」共 1 个名额，已满"]), ("新三", ["超出名额：「1班」共 1 个名额，已满"])]
    assert Enrolment.objects.count() == 1


def test_a_school_admin_enrols_only_their_own_teachers(world):
    _new_teachers(world)
    training_class = program_with_class(capacity=10, audience_max_years=3)
    response = world.client_for(SCHOOL_ADMIN).post(
        reverse("training:bulk", args=[training_class.program_id]),
        _filter_data(training_class, action="confirm"))
    assert [r.teacher.name for r in response.context["groups"]["enrolled"]["rows"]] == ["新二"]
    assert list(Enrolment.objects.values_list("teacher__school", flat=True)) == [
        world.school_a.pk]


# --- the Excel list ----------------------------------------------------------------------


def _xlsx(rows: list[list[str]], header=("工号", "身份证号", "姓名")) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    for index, row in enumerate(rows, 1):
        for column, value in enumerate(row):
            sheet.write_string(index, column, value)
    book.close()
    buffer.seek(0)
    buffer.name = "名单.xlsx"
    return buffer


def _upload(client, training_class, rows, overflow="on"):
    return client.post(reverse("training:bulk_import", args=[training_class.program_id]),
                       {"training_class": training_class.pk, "overflow_waits": overflow,
                        "file": _xlsx(rows)})


def test_import_reports_every_bad_row_and_writes_nothing(world):
    teachers = _new_teachers(world)
    training_class = program_with_class(capacity=5, audience_max_years=3)
    twin = TeacherFactory(school=SchoolFactory(), employee_no=teachers["新一"].employee_no,
                          name="同号", entry_year=2026, user=None)
    response = _upload(world.client_for(TRAINER), training_class, [
        [teachers["新二"].employee_no, "", ""],
        ["", teachers["新三"].id_number, "新三"],
        ["NOBODY", "", ""],
        [teachers["新一"].employee_no, "", ""],
        [teachers["老一"].employee_no, "", ""],
        ["", teachers["新三"].id_number, ""],
        [teachers["新二"].employee_no, "", "王五"],
        ["", "", ""],
        [twin.employee_no, teachers["新二"].id_number, ""],
    ])
    assert response.context["import_errors"] == [
        "第 4 行「工号」系统中没有该工号的教师",
        "第 5 行「工号」对应多名教师，请填写身份证号",
        "第 6 行老一：仅面向入职 3 年内的新教师",
        "第 7 行「身份证号」与第 3 行重复",
        "第 8 行「姓名」与系统中的姓名「新二」不一致",
        "第 10 行「工号」与身份证号不是同一名教师",
    ]
    assert Enrolment.objects.count() == 0


def test_a_valid_import_enrols_everyone_at_once(world):
    teachers = _new_teachers(world)
    training_class = program_with_class(capacity=2, audience_max_years=3)
    response = _upload(world.client_for(TRAINER), training_class, [
        [teachers["新一"].employee_no, "", "新一"], ["", teachers["新二"].id_number, ""],
        [teachers["新三"].employee_no, teachers["新三"].id_number, ""]])
    assert "录取 2 人，候补 1 人，不能报名 0 人" in response.content.decode()
    assert [(e.teacher.name, e.status, e.source) for e in Enrolment.objects.order_by("pk")] == [
        ("新一", S.ENROLLED, EnrolmentSource.IMPORT), ("新二", S.ENROLLED, EnrolmentSource.IMPORT),
        ("新三", S.WAITING, EnrolmentSource.IMPORT)]
    log = AuditLog.objects.get(action="training.enrolment.import")
    assert log.after == {"file": "名单.xlsx", "rows": 3, "enrolled": 2, "waiting": 1,
                         "skipped": 0}


def test_an_import_over_capacity_without_waiting_is_refused_whole(world):
    teachers = _new_teachers(world)
    training_class = program_with_class(capacity=1, audience_max_years=3)
    response = _upload(world.client_for(TRAINER), training_class, [
        [teachers["新一"].employee_no, "", ""], [teachers["新二"].employee_no, "", ""]],
        overflow="")
    assert response.context["import_errors"] == [
        "第 3 行新二：超出名额：「1班」共 1 个名额，已满"]
    assert Enrolment.objects.count() == 0


def test_the_template_downloads(world):
    response = world.client_for(TRAINER).get(reverse("training:enrol_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    frame = pl.read_excel(io.BytesIO(b"".join(response.streaming_content)), engine="calamine")
    assert frame.columns == ["工号", "身份证号", "姓名"]
