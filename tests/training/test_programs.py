"""Program management: the pages and services for programs, classes, sessions, categories,
and program_transition; the program list with its seat figures, filters and export."""

import io
from datetime import date, time
from decimal import Decimal

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import TeacherFactory
from tests.training.factories_enrol import (
    CategoryFactory,
    ProgramFactory,
    TrainingClassFactory,
    program_with_class,
)
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.training import programs
from yanxun.training.enrolment import enrolment_enrol
from yanxun.training.enums import EnrolmentStatus, ProgramStatus
from yanxun.training.models import Category, Enrolment, Program, TrainingClass, TrainingSession

P = ProgramStatus
TRAINER, SCHOOL_ADMIN = str(Role.TRAINER), str(Role.SCHOOL_ADMIN)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _program_form(category, **overrides) -> dict:
    data = {"name": "2026年新教师培养工程", "year": "2026", "level": "district",
            "category": str(category.pk), "organiser": "示范区教师发展中心",
            "budget_planned": "30000", "budget_spent": "0", "audience_stages": ["junior"],
            "audience_max_years": "3", "is_long": "on", "needs_school_approval": "on",
            "enrol_opens": "2026-09-01T08:00", "enrol_closes": "2026-09-15T17:00",
            "withdraw_deadline": "2026-09-10T17:00", "min_attendance_share": "0.8",
            "checkin_opens_before": "30", "on_time_until": "5", "late_until": "30"}
    data.update(overrides)
    return data


def test_staff_build_and_publish_a_program_through_the_pages(world):
    client = world.client_for(TRAINER)
    category = CategoryFactory(name="知识技能")
    response = client.post(reverse("training:program_create"), _program_form(category),
                           follow=True)
    program = Program.objects.get()
    assert response.redirect_chain == [(reverse("training:program_detail", args=[program.pk]),
                                        302)]
    assert _messages(response) == [
        "已新建项目「2026年新教师培养工程」（草稿），请添加班次与日程后发布。"]
    assert (program.status, program.audience_stages, program.audience_max_years,
            program.is_long, program.budget_planned) == (P.DRAFT, ["junior"], 3, True,
                                                         Decimal("30000"))
    publish = reverse("training:program_transition", args=[program.pk])
    response = client.post(publish, {"to": "published"}, follow=True)
    assert _messages(response) == ["请先添加至少一个班次，再发布项目。"]
    response = client.post(reverse("training:class_create", args=[program.pk]),
                           {"name": "初中班", "capacity": "40"}, follow=True)
    assert _messages(response) == ["已添加班次。"]
    training_class = TrainingClass.objects.get()
    response = client.post(publish, {"to": "published"}, follow=True)
    assert _messages(response) == ["班次「初中班」还没有日程，请先添加日程再发布。"]
    response = client.post(reverse("training:session_create", args=[training_class.pk]), {
        "title": "新课标解读", "date": "2026-10-10", "starts_at": "08:30", "ends_at": "11:30",
        "place": "", "online_url": "", "hours": "3"})
    assert response.context["form"].non_field_errors() == ["请填写地点或线上会议链接。"]
    response = client.post(reverse("training:session_create", args=[training_class.pk]), {
        "title": "新课标解读", "date": "2026-10-10", "starts_at": "08:30", "ends_at": "11:30",
        "place": "中心报告厅", "hours": "3", "presenter_no": world.teacher_a.employee_no},
        follow=True)
    assert _messages(response) == ["已添加日程。"]
    session = TrainingSession.objects.get()
    assert (session.presenter, session.presenter_name, session.hours) == (
        world.teacher_a, "张晓明", Decimal("3"))
    response = client.post(publish, {"to": "published"}, follow=True)
    assert _messages(response) == ["项目已转为「报名中」。"]
    program.refresh_from_db()
    assert program.status == P.PUBLISHED
    log = AuditLog.objects.get(action="training.program.transition")
    assert (log.before, log.after, log.actor) == ({"status": "draft"}, {"status": "published"},
                                                  world.users[TRAINER])
    assert list(AuditLog.objects.filter(action__startswith="training.").exclude(
        action="training.program.transition").order_by("pk").values_list("action", flat=True)) == [
        "training.program.create", "training.class.create", "training.session.create"]


def test_the_program_detail_shows_derived_hours_and_seats(world):
    training_class = program_with_class(capacity=2, sessions=3, name="班主任专业化培训")
    enrolment_enrol(actor=world.teacher_a.user, teacher=world.teacher_a,
                    training_class=training_class)
    response = world.client_for(TRAINER).get(
        reverse("training:program_detail", args=[training_class.program_id]))
    view = response.context["classes"][0]
    assert (view.hours, view.capacity, view.enrolled, view.seats_left, view.waiting) == (
        Decimal("9"), 2, 1, 1, 0)
    assert response.context["totals"] == {"capacity": 2, "enrolled": 1, "waiting": 0,
                                          "pending": 0}
    assert [t["to"] for t in response.context["transitions"]] == ["closed", "cancelled"]


def test_transitions_outside_the_life_are_refused(world):
    trainer = world.users[TRAINER]
    program = program_with_class(status=P.FINISHED).program
    with pytest.raises(ValidationError) as excinfo:
        programs.program_transition(program, P.PUBLISHED, actor=trainer)
    assert excinfo.value.messages == [f"项目「{program.name}」当前为「已结束」，不能转为「报名中」。"]
    with pytest.raises(ValidationError) as excinfo:
        programs.program_update(actor=trainer, program=program, name="改名")
    assert excinfo.value.messages == ["项目已结束，不能再修改。"]


def test_audience_years_must_be_ordered(world):
    with pytest.raises(ValidationError) as excinfo:
        programs.program_create(actor=world.users[TRAINER], name="x", year=2026,
                                level="district", category=CategoryFactory(),
                                organiser="中心", audience_min_years=5, audience_max_years=3)
    assert excinfo.value.messages == ["「入职不少于（年）」不能大于「入职不超过（年）」。"]


def test_raising_capacity_fills_seats_while_open_and_not_below_enrolled(world):
    training_class = program_with_class(capacity=1)
    trainer = world.users[TRAINER]
    for teacher in (world.teacher_a, TeacherFactory(school=world.school_a),
                    TeacherFactory(school=world.school_a)):
        enrolment_enrol(actor=teacher.user, teacher=teacher, training_class=training_class)
    programs.class_update(actor=trainer, training_class=training_class, capacity=2)
    statuses = list(Enrolment.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [EnrolmentStatus.ENROLLED, EnrolmentStatus.ENROLLED,
                        EnrolmentStatus.WAITING]
    assert AuditLog.objects.get(action="training.enrolment.promote").reason == (
        "候补递补：班次增加名额")
    with pytest.raises(ValidationError) as excinfo:
        programs.class_update(actor=trainer, training_class=training_class, capacity=1)
    assert excinfo.value.messages == [
        "「1班」已录取 2 人，名额不能少于 2；如需减少名额，请先将学员调至其他班次或移出名单。"]


def test_reopening_enrolment_gives_free_seats_to_the_waiting(world):
    training_class = program_with_class(capacity=1)
    trainer = world.users[TRAINER]
    enrolment_enrol(actor=world.teacher_a.user, teacher=world.teacher_a,
                    training_class=training_class)
    enrolment_enrol(actor=world.teacher_b.user, teacher=world.teacher_b,
                    training_class=training_class)
    program = training_class.program
    programs.program_transition(program, P.CLOSED, actor=trainer)
    programs.class_update(actor=trainer, training_class=training_class, capacity=2)
    assert Enrolment.objects.get(teacher=world.teacher_b).status == EnrolmentStatus.WAITING
    programs.program_transition(program, P.PUBLISHED, actor=trainer, reason="补报")
    assert Enrolment.objects.get(teacher=world.teacher_b).status == EnrolmentStatus.ENROLLED


def test_a_class_with_enrolments_and_a_session_with_attendance_stay(world):
    from yanxun.training.enums import AttendanceMethod, AttendanceStatus
    from yanxun.training.models import Attendance

    training_class = program_with_class()
    enrolment_enrol(actor=world.teacher_a.user, teacher=world.teacher_a,
                    training_class=training_class)
    trainer = world.users[TRAINER]
    with pytest.raises(ValidationError) as excinfo:
        programs.class_delete(actor=trainer, training_class=training_class)
    assert excinfo.value.messages == ["班次「1班」已有报名记录，不能删除；可先将学员调至其他班次。"]
    session = training_class.sessions.get()
    Attendance.objects.create(session=session, teacher=world.teacher_a, status=AttendanceStatus.PRESENT,
                              method=AttendanceMethod.MANUAL)
    with pytest.raises(ValidationError) as excinfo:
        programs.session_delete(actor=trainer, session=session)
    assert excinfo.value.messages == ["该日程已有签到记录，不能删除。"]
    empty = TrainingClassFactory(program=training_class.program, name="2班")
    programs.class_delete(actor=trainer, training_class=empty)
    assert list(TrainingClass.objects.values_list("name", flat=True)) == ["1班"]


def test_category_dictionary(world):
    client = world.client_for(TRAINER)
    client.post(reverse("training:category_create"),
                {"name": "信息技术", "annual_cap": "24", "sort_order": "3", "is_active": "on"})
    category = Category.objects.get()
    assert (category.name, category.annual_cap, category.is_active) == (
        "信息技术", Decimal("24"), True)
    client.post(reverse("training:category_edit", args=[category.pk]),
                {"name": "信息技术应用", "annual_cap": "", "sort_order": "3"})
    category.refresh_from_db()
    assert (category.name, category.annual_cap, category.is_active) == (
        "信息技术应用", None, False)
    log = AuditLog.objects.get(action="training.category.update")
    assert log.before == {"name": "信息技术", "annual_cap": "24.0", "is_active": True}
    form = client.get(reverse("training:program_create")).context["form"]
    assert list(form.fields["category"].queryset) == []
    response = client.get(reverse("training:category_list"))
    assert [r["cells"][0]["text"] for r in response.context["table"]["rows"]] == ["信息技术应用"]


def _list_rows(client, query: str = "") -> list[list[str]]:
    response = client.get(reverse("training:program_list") + query)
    return [[c["text"] for c in row["cells"]] for row in response.context["table"]["rows"]]


def test_program_list_with_seat_figures_filters_and_export(world):
    full = program_with_class(capacity=1, name="高中大单元教学研讨", level="city")
    for teacher in (world.teacher_a, world.teacher_b):
        enrolment_enrol(actor=teacher.user, teacher=teacher, training_class=full)
    ProgramFactory(name="家庭教育指导能力专题", status=P.DRAFT, year=2025)
    client = world.client_for(TRAINER)
    rows = _list_rows(client, "?sort=name")
    assert [r[0] for r in rows] == ["家庭教育指导能力专题", "高中大单元教学研讨"]
    assert rows[1] == ["高中大单元教学研讨", "2026", "市培", "知识技能", "否", "报名中", "1", "1",
                       "1", "0", "1", "0", rows[1][12]]
    assert [r[0] for r in _list_rows(client, "?year=2025")] == ["家庭教育指导能力专题"]
    assert [r[0] for r in _list_rows(client, "?level=city&status=published")] == [
        "高中大单元教学研讨"]
    assert [r[0] for r in _list_rows(world.client_for(SCHOOL_ADMIN))] == ["高中大单元教学研讨"]
    response = client.get(reverse("training:program_list") + "?format=xlsx&sort=name")
    frame = pl.read_excel(io.BytesIO(response.content), engine="calamine")
    assert frame["项目名称"].to_list() == ["家庭教育指导能力专题", "高中大单元教学研讨"]
    assert frame["候补"].to_list() == ["0", "1"]


def test_session_form_checks_times_and_presenter(world):
    training_class = program_with_class()
    client = world.client_for(TRAINER)
    response = client.post(reverse("training:session_create", args=[training_class.pk]), {
        "title": "讲座", "date": "2026-10-10", "starts_at": "11:30", "ends_at": "08:30",
        "place": "中心", "hours": "3", "presenter_no": "NOPE"})
    form = response.context["form"]
    assert form.errors["presenter_no"] == ["没有工号为「NOPE」的教师。"]
    response = client.post(reverse("training:session_create", args=[training_class.pk]), {
        "title": "讲座", "date": "2026-10-10", "starts_at": "11:30", "ends_at": "08:30",
        "place": "中心", "hours": "3"})
    assert response.context["form"].non_field_errors() == ["结束时间应晚于开始时间。"]
    assert TrainingSession.objects.filter(training_class=training_class).count() == 1
    assert (date(2026, 12, 5), time(8, 30)) == (training_class.sessions.get().date,
                                                training_class.sessions.get().starts_at)
