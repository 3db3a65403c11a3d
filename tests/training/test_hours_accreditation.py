"""学时认定 of a program: the attendance share and its threshold, pro rata, the presenter's
multiple and its rounding, re-accreditation, and the refusals."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import TeacherFactory
from tests.training.factories_hours import (
    ProgramFactory,
    TrainingClassFactory,
    attend,
    enrol,
    policy,
    sessions,
)
from yanxun.core.models import AuditLog
from yanxun.training.enums import AttendanceStatus, EnrolmentStatus, HourSource
from yanxun.training.hours import accreditation_plan, program_accredit
from yanxun.training.models import HourRecord

D = Decimal
P, LATE, LEAVE = AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEAVE


@pytest.fixture
def course(world):
    """A 10-hour class of four sessions (2.5 h each), minimum share 80 %."""
    program = ProgramFactory(name="新课标专题培训", min_attendance_share=D("0.8"))
    training_class = TrainingClassFactory(program=program, name="初中一班")
    days = sessions(training_class, ["2.5", "2.5", "2.5", "2.5"])
    return program, training_class, days


def _teacher_with(training_class, days, statuses, **kwargs):
    teacher = TeacherFactory(**kwargs)
    enrol(teacher, training_class)
    for session, status in zip(days, statuses, strict=False):
        if status:
            attend(teacher, session, status)
    return teacher


def _rows(plan):
    return [(r.teacher.name, r.source, r.attended, r.total, r.hours, r.reason) for r in plan.rows]


def test_the_threshold_is_met_exactly_at_the_share(world, course):
    program, training_class, days = course
    policy()
    # 2.5 + 2.5 + 2.5 (late counts) + leave = 7.5 of 10 = 75 %: below.
    _teacher_with(training_class, days, [P, P, LATE, LEAVE], name="甲")
    # 10 of 10 with a 2.5-hour session split differently: exactly 80 % needs 8 hours, so use
    # a class of five 2-hour sessions below.
    program2 = ProgramFactory(name="班主任专题", min_attendance_share=D("0.8"))
    class2 = TrainingClassFactory(program=program2, name="一班")
    days2 = sessions(class2, ["2", "2", "2", "2", "2"])
    _teacher_with(class2, days2, [P, P, LATE, P, None], name="乙")  # 8 of 10 = 80 %
    _teacher_with(class2, days2, [P, P, P, None, None], name="丙")  # 6 of 10
    plan = accreditation_plan(program)
    assert _rows(plan) == [("甲", HourSource.PROGRAM, D("7.5"), D("10.0"), D("0"),
                            "出勤 7.5/10.0 学时（75%），低于最低出勤比例 80%，不计学时")]
    plan2 = accreditation_plan(program2)
    assert _rows(plan2) == [
        ("乙", HourSource.PROGRAM, D("8"), D("10"), D("10"),
         "出勤 8.0/10.0 学时（80%），达到最低出勤比例 80%，计全部 10.0 学时"),
        ("丙", HourSource.PROGRAM, D("6"), D("10"), D("0"),
         "出勤 6.0/10.0 学时（60%），低于最低出勤比例 80%，不计学时")]


def test_pro_rata_earns_the_hours_attended(world, course):
    program, training_class, days = course
    program.pro_rata = True
    program.save()
    policy()
    _teacher_with(training_class, days, [P, P, LATE, P], name="甲")
    _teacher_with(training_class, days, [P, P, None, LATE], name="乙")
    _teacher_with(training_class, days, [P, None, None, LATE], name="丙")
    plan = program_accredit(actor=world.users["trainer"], program=program)
    assert [(r.teacher.name, r.hours) for r in plan.rows] == [
        ("甲", D("10.0")), ("乙", D("0")), ("丙", D("0"))]
    # 7.5 of 10 is below 80 %: pro rata too has the threshold.
    assert plan.rows[1].reason == "出勤 7.5/10.0 学时（75%），低于最低出勤比例 80%，不计学时"


def test_pro_rata_above_the_threshold(world):
    program = ProgramFactory(min_attendance_share=D("0.6"), pro_rata=True)
    training_class = TrainingClassFactory(program=program)
    days = sessions(training_class, ["3", "3", "1.5", "1.5"])
    policy()
    _teacher_with(training_class, days, [P, LATE, None, P], name="甲")  # 7.5 of 9
    plan = program_accredit(actor=world.users["trainer"], program=program)
    assert _rows(plan) == [("甲", HourSource.PROGRAM, D("7.5"), D("9.0"), D("7.5"),
                            "出勤 7.5/9.0 学时（83.3%），达到最低出勤比例 60%，按出勤比例计 7.5 学时")]
    saved = HourRecord.objects.get()
    assert (saved.hours, saved.year, saved.earned_on.isoformat(), saved.level,
            saved.title, saved.source) == (D("7.5"), 2025, "2025-03-05", program.level,
                                            program.name, HourSource.PROGRAM)


def test_presenter_earns_the_multiple_rounded_half_up(world, course):
    program, training_class, days = course
    policy(presenter_multiplier=D("1.5"))
    presenter = TeacherFactory(name="刘名师")
    for session in days[:3]:
        session.presenter = presenter
        session.save()
    plan = program_accredit(actor=world.users["trainer"], program=program)
    assert _rows(plan) == [("刘名师", HourSource.PRESENTER, D("7.5"), D("7.5"), D("11.3"),
                            "授课 3 次共 7.5 学时 × 1.5 倍 = 11.3 学时（四舍五入到 0.1）")]
    saved = HourRecord.objects.get()
    assert (saved.teacher, saved.hours, saved.source, saved.title) == (
        presenter, D("11.3"), HourSource.PRESENTER, "新课标专题培训（授课）")


def test_presenter_default_multiple_of_two(world, course):
    program, training_class, days = course
    policy()
    presenter = _teacher_with(training_class, days, [P, P, P, P], name="刘名师")
    days[0].presenter = presenter
    days[0].save()
    plan = program_accredit(actor=world.users["trainer"], program=program)
    assert [(r.teacher.name, r.source, r.hours) for r in plan.rows] == [
        ("刘名师", HourSource.PROGRAM, D("10.0")), ("刘名师", HourSource.PRESENTER, D("5.0"))]
    assert plan.rows[1].reason == "授课 1 次共 2.5 学时 × 2 倍 = 5.0 学时"


def test_reaccreditation_replaces_and_audits_before_and_after(world, course):
    program, training_class, days = course
    program.pro_rata, program.min_attendance_share = True, D("0.7")
    program.save()
    policy()
    full = _teacher_with(training_class, days, [P, P, P, LATE], name="甲")
    dropping = _teacher_with(training_class, days, [P, P, P, P], name="乙")
    actor = world.users["trainer"]
    program_accredit(actor=actor, program=program)
    assert sorted(HourRecord.objects.values_list("teacher__name", "hours")) == [
        ("乙", D("10.0")), ("甲", D("10.0"))]
    # Roll call corrected: 甲 was on leave once, 乙 missed two sessions.
    full.attendances.filter(session=days[3]).update(status=LEAVE)
    dropping.attendances.filter(session__in=days[2:]).delete()
    plan = accreditation_plan(program)
    assert [(r.teacher.name, r.before, r.hours, r.change) for r in plan.rows] == [
        ("甲", D("10.0"), D("7.5"), "更新"), ("乙", D("10.0"), D("0"), "撤销")]
    program_accredit(actor=actor, program=program, fingerprint=plan.fingerprint)
    assert list(HourRecord.objects.values_list("teacher__name", "hours")) == [("甲", D("7.5"))]
    logs = AuditLog.objects.filter(action__in=["hours.accredit", "hours.revoke"]).order_by("pk")
    assert [(log.action, log.before and log.before["hours"], log.after and log.after["hours"])
            for log in logs] == [
        ("hours.accredit", None, "10.0"), ("hours.accredit", None, "10.0"),
        ("hours.accredit", "10.0", "7.5"), ("hours.revoke", "10.0", None)]
    summary = AuditLog.objects.filter(action="hours.accredit_program").order_by("pk").last()
    assert summary.after == {"scope": "全部班次", "更新": 1, "撤销": 1, "earning": 1,
                             "hours": "7.5"}


def test_accrediting_again_without_changes_writes_nothing_new(world, course):
    program, training_class, days = course
    policy()
    _teacher_with(training_class, days, [P, P, P, P], name="甲")
    program_accredit(actor=world.users["trainer"], program=program)
    program_accredit(actor=world.users["trainer"], program=program)
    assert AuditLog.objects.filter(action="hours.accredit").count() == 1
    assert [r.change for r in accreditation_plan(program).rows] == ["不变"]


def test_one_class_at_a_time(world, course):
    program, training_class, days = course
    other = TrainingClassFactory(program=program, name="初中二班")
    other_days = sessions(other, ["3", "3"])
    policy()
    _teacher_with(training_class, days, [P, P, P, P], name="甲")
    _teacher_with(other, other_days, [P, P], name="乙")
    plan = program_accredit(actor=world.users["trainer"], program=program,
                            training_class=other)
    assert [(r.teacher.name, r.class_name, r.hours) for r in plan.rows] == [
        ("乙", "初中二班", D("6.0"))]
    assert list(HourRecord.objects.values_list("teacher__name", flat=True)) == ["乙"]


def test_only_enrolled_teachers_earn(world, course):
    program, training_class, days = course
    policy()
    teacher = _teacher_with(training_class, days, [P, P, P, P], name="甲")
    teacher.enrolments.update(status=EnrolmentStatus.WITHDRAWN)
    assert accreditation_plan(program).rows == []


def test_refused_while_a_session_is_not_over(world, course):
    program, training_class, days = course
    policy()
    _teacher_with(training_class, days, [P, P, P, P], name="甲")
    during = timezone.make_aware(datetime(2025, 3, 5, 10, 0))  # the last session runs 9-11
    with pytest.raises(ValidationError) as info:
        program_accredit(actor=world.users["trainer"], program=program, now=during)
    assert info.value.messages == [
        "班次「初中一班」还有 1 次日程未结束（最后一次 2025-03-05），结束后才能认定学时。"]
    assert HourRecord.objects.count() == 0
    after = timezone.make_aware(datetime(2025, 3, 5, 11, 0))
    assert program_accredit(actor=world.users["trainer"], program=program, now=after).rows


def test_refused_without_classes_or_sessions(world):
    policy()
    program = ProgramFactory()
    with pytest.raises(ValidationError) as info:
        program_accredit(actor=world.users["trainer"], program=program)
    assert info.value.messages == ["该项目还没有班次。"]
    TrainingClassFactory(program=program, name="一班")
    with pytest.raises(ValidationError) as info:
        program_accredit(actor=world.users["trainer"], program=program)
    assert info.value.messages == ["班次「一班」没有日程。"]


def test_refused_when_the_outcome_changed_since_the_preview(world, course):
    program, training_class, days = course
    policy()
    teacher = _teacher_with(training_class, days, [P, P, P, P], name="甲")
    seen = accreditation_plan(program).fingerprint
    teacher.attendances.filter(session__in=days[1:]).delete()
    with pytest.raises(ValidationError) as info:
        program_accredit(actor=world.users["trainer"], program=program, fingerprint=seen)
    assert info.value.messages == ["预览之后考勤、报名或设置有变化，请查看新的预览后再确认。"]
    assert HourRecord.objects.count() == 0


@pytest.mark.parametrize("role", ["school_admin", "teacher", "leader"])
def test_only_the_centre_accredits(world, course, role):
    program, _, _ = course
    policy()
    with pytest.raises(PermissionDenied):
        program_accredit(actor=world.users[role], program=program)
