"""Enrolment: the checks and their exact messages, the waiting list and its automatic
promotion, withdrawal before the deadline, school approval, staff corrections, the cap."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import SchoolFactory, TeacherFactory
from tests.training.factories_enrol import (
    ProgramFactory,
    TrainingClassFactory,
    program_with_class,
)
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.org.models import Teacher
from yanxun.training.enrolment import (
    enrolment_approve,
    enrolment_enrol,
    enrolment_move,
    enrolment_promote,
    enrolment_reject,
    enrolment_remove,
    enrolment_withdraw,
    status_text,
    waiting_rank,
)
from yanxun.training.enums import EnrolmentSource, EnrolmentStatus, ProgramStatus
from yanxun.training.models import Enrolment
from yanxun.training.policy import policy_for

S = EnrolmentStatus


def _self_enrol(teacher, training_class, **kwargs):
    return enrolment_enrol(actor=teacher.user, teacher=teacher, training_class=training_class,
                           **kwargs)


def _messages(excinfo) -> list[str]:
    return excinfo.value.messages


def _states(training_class) -> list[tuple[str, str, int | None]]:
    return [(e.teacher.name, e.status, e.waitlist_position) for e in
            Enrolment.objects.filter(training_class=training_class).select_related("teacher")
            .order_by("pk")]


@pytest.fixture
def teachers(world):
    """Five more teachers of school A besides 张晓明."""
    return [world.teacher_a] + [TeacherFactory(school=world.school_a, name=f"教师{i}")
                                for i in range(1, 6)]


def test_enrol_takes_a_seat_and_is_audited(world):
    training_class = program_with_class(capacity=2, name="初中数学新课标研修")
    enrolment = _self_enrol(world.teacher_a, training_class)
    assert (enrolment.status, enrolment.waitlist_position, enrolment.source) == (
        S.ENROLLED, None, EnrolmentSource.SELF)
    log = AuditLog.objects.get(action="training.enrolment.enrol")
    assert log.actor == world.teacher_a.user
    assert log.object_repr == "张晓明 · 初中数学新课标研修 1班"
    assert log.before is None
    assert log.after["status"] == "enrolled"


def test_a_full_class_puts_teachers_on_the_waiting_list_in_order(teachers):
    training_class = program_with_class(capacity=2)
    for teacher in teachers[:5]:
        _self_enrol(teacher, training_class)
    assert _states(training_class) == [
        ("张晓明", S.ENROLLED, None), ("教师1", S.ENROLLED, None), ("教师2", S.WAITING, 1),
        ("教师3", S.WAITING, 2), ("教师4", S.WAITING, 3)]
    third = Enrolment.objects.get(teacher=teachers[3])
    assert (waiting_rank(third), status_text(third)) == (2, "候补第 2 位")


def test_a_freed_seat_promotes_the_first_waiting_teacher_and_tells_them(teachers):
    training_class = program_with_class(capacity=2)
    for teacher in teachers[:4]:
        _self_enrol(teacher, training_class)
    withdrawn = enrolment_withdraw(actor=teachers[1].user,
                                   enrolment=Enrolment.objects.get(teacher=teachers[1]))
    assert [e.teacher.name for e in withdrawn.promoted] == ["教师2"]
    assert _states(training_class) == [
        ("张晓明", S.ENROLLED, None), ("教师1", S.WITHDRAWN, None), ("教师2", S.ENROLLED, None),
        ("教师3", S.WAITING, 2)]
    assert status_text(Enrolment.objects.get(teacher=teachers[3])) == "候补第 1 位"
    notice = AuditLog.objects.get(action="training.enrolment.promote")
    assert notice.object_id == str(Enrolment.objects.get(teacher=teachers[2]).pk)
    assert notice.reason == "候补递补：教师1退出"
    assert (notice.before["status"], notice.after["status"]) == ("waiting", "enrolled")


def test_withdrawing_from_the_waiting_list_keeps_the_order(teachers):
    training_class = program_with_class(capacity=1)
    for teacher in teachers[:4]:
        _self_enrol(teacher, training_class)
    enrolment_withdraw(actor=teachers[2].user, enrolment=Enrolment.objects.get(
        teacher=teachers[2]))
    assert [status_text(Enrolment.objects.get(teacher=t)) for t in teachers[:4]] == [
        "已录取", "候补第 1 位", "已退出", "候补第 2 位"]
    assert not AuditLog.objects.filter(action="training.enrolment.promote").exists()


def test_withdraw_after_the_deadline_is_refused_and_changes_nothing(world):
    deadline = timezone.now() - timedelta(hours=1)
    training_class = program_with_class(withdraw_deadline=deadline)
    enrolment = _self_enrol(world.teacher_a, training_class)
    with pytest.raises(ValidationError) as excinfo:
        enrolment_withdraw(actor=world.teacher_a.user, enrolment=enrolment)
    local = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    assert _messages(excinfo) == [
        f"已过退出截止时间（{local}），不能自行退出；如确需退出，请联系培训负责人。"]
    assert Enrolment.objects.get().status == S.ENROLLED
    assert not AuditLog.objects.filter(action="training.enrolment.withdraw").exists()


def test_a_teacher_withdraws_only_their_own_enrolment(world):
    training_class = program_with_class()
    enrolment = _self_enrol(world.teacher_a, training_class)
    with pytest.raises(PermissionDenied):
        enrolment_withdraw(actor=world.teacher_b.user, enrolment=enrolment)
    with pytest.raises(PermissionDenied):
        enrolment_enrol(actor=world.teacher_a.user, teacher=world.teacher_b,
                        training_class=training_class)


@pytest.mark.parametrize(("fields", "message"), [
    ({"enrol_opens": timezone.now() + timedelta(days=2)}, "报名尚未开始（{opens} 开始）"),
    ({"enrol_opens": timezone.now() - timedelta(days=9),
      "enrol_closes": timezone.now() - timedelta(days=2)}, "报名已截止（{closes}）"),
    ({"status": ProgramStatus.DRAFT}, "该项目当前为「草稿」，不接受报名"),
    ({"status": ProgramStatus.CLOSED}, "该项目当前为「报名结束」，不接受报名"),
])
def test_window_and_status_refusals(world, fields, message):
    training_class = program_with_class(**fields)
    program = training_class.program
    with pytest.raises(ValidationError) as excinfo:
        _self_enrol(world.teacher_a, training_class)
    fmt = "%Y-%m-%d %H:%M"
    assert _messages(excinfo) == [message.format(
        opens=timezone.localtime(program.enrol_opens).strftime(fmt),
        closes=timezone.localtime(program.enrol_closes).strftime(fmt))]
    assert not Enrolment.objects.exists()


def test_ineligible_teacher_is_told_why(world):
    training_class = program_with_class(audience_stages=["primary"], audience_max_years=3)
    with pytest.raises(ValidationError) as excinfo:
        _self_enrol(world.teacher_a, training_class)
    assert _messages(excinfo) == ["仅面向小学学段", "仅面向入职 3 年内的新教师"]


def test_enrolling_twice_is_refused_but_a_withdrawn_teacher_may_return(world):
    training_class = program_with_class(capacity=1)
    _self_enrol(world.teacher_b, training_class)
    first = _self_enrol(world.teacher_a, training_class)
    with pytest.raises(ValidationError) as excinfo:
        _self_enrol(world.teacher_a, training_class)
    assert _messages(excinfo) == ["已报名该项目（候补第 1 位）"]
    enrolment_withdraw(actor=world.teacher_a.user, enrolment=first)
    again = _self_enrol(world.teacher_a, training_class)
    assert (again.pk, again.status, again.waitlist_position) == (first.pk, S.WAITING, 1)


def _long(name, **fields):
    return program_with_class(name=name, is_long=True, **fields)


def test_the_cap_on_long_programs_names_them(world):
    policy = policy_for(world.school_a.district)
    assert policy.max_long_programs == 2
    for name in ("新锐教师培养工程", "名师工作室研修"):
        _self_enrol(world.teacher_a, _long(name))
    third = _long("骨干教师高级研修")
    with pytest.raises(ValidationError) as excinfo:
        _self_enrol(world.teacher_a, third)
    assert _messages(excinfo) == [
        "每名教师同时参加的团队/长期项目不超过 2 个，已参加「新锐教师培养工程」、"
        "「名师工作室研修」，不能再报名「骨干教师高级研修」"]
    short = program_with_class(name="师德专题讲座")
    assert _self_enrol(world.teacher_a, short).status == S.ENROLLED


def test_the_cap_counts_waiting_and_pending_but_not_ended_or_withdrawn(world):
    full = _long("名师工作室研修", capacity=1)
    _self_enrol(world.teacher_b, full)
    _self_enrol(world.teacher_a, full)  # waiting: counts
    approval = _long("乡村骨干教师培养", needs_school_approval=True)
    _self_enrol(world.teacher_a, approval)  # pending: counts
    with pytest.raises(ValidationError):
        _self_enrol(world.teacher_a, _long("第三个长期项目"))
    full.program.status = ProgramStatus.FINISHED
    full.program.save()
    assert _self_enrol(world.teacher_a, _long("第四个长期项目")).status == S.ENROLLED


def test_the_cap_is_a_setting(world):
    policy = policy_for(world.school_a.district)
    policy.max_long_programs = 1
    policy.save()
    _self_enrol(world.teacher_a, _long("新锐教师培养工程"))
    with pytest.raises(ValidationError) as excinfo:
        _self_enrol(world.teacher_a, _long("名师工作室研修"))
    assert _messages(excinfo) == [
        "每名教师同时参加的团队/长期项目不超过 1 个，已参加「新锐教师培养工程」，"
        "不能再报名「名师工作室研修」"]


# --- school approval -----------------------------------------------------------------------


def test_approval_flow(world):
    training_class = program_with_class(capacity=1, needs_school_approval=True)
    school_admin = world.users[str(Role.SCHOOL_ADMIN)]
    pending = _self_enrol(world.teacher_a, training_class)
    assert (pending.status, pending.waitlist_position) == (S.PENDING, None)
    approved = enrolment_approve(actor=school_admin, enrolment=pending)
    assert (approved.status, approved.decided_by) == (S.ENROLLED, school_admin)
    other = TeacherFactory(school=world.school_a, name="王老师")
    waiting = enrolment_approve(actor=school_admin,
                                enrolment=_self_enrol(other, training_class))
    assert (waiting.status, waiting.waitlist_position) == (S.WAITING, 1)
    actions = list(AuditLog.objects.filter(action__startswith="training.enrolment")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["training.enrolment.enrol", "training.enrolment.approve",
                       "training.enrolment.enrol", "training.enrolment.approve"]


def test_a_school_admin_decides_only_for_their_teachers(world):
    training_class = program_with_class(needs_school_approval=True)
    pending = _self_enrol(world.teacher_b, training_class)
    with pytest.raises(PermissionDenied):
        enrolment_approve(actor=world.users[str(Role.SCHOOL_ADMIN)], enrolment=pending)
    with pytest.raises(PermissionDenied):
        enrolment_approve(actor=world.users[str(Role.LEADER)], enrolment=pending)
    assert Enrolment.objects.get().status == S.PENDING


def test_reject_needs_a_reason_and_the_teacher_may_apply_again(world):
    training_class = program_with_class(needs_school_approval=True)
    school_admin = world.users[str(Role.SCHOOL_ADMIN)]
    pending = _self_enrol(world.teacher_a, training_class)
    with pytest.raises(ValidationError) as excinfo:
        enrolment_reject(actor=school_admin, enrolment=pending, reason="  ")
    assert _messages(excinfo) == ["请填写不通过的原因。"]
    rejected = enrolment_reject(actor=school_admin, enrolment=pending,
                                reason="本学期已安排外出培训")
    assert (rejected.status, rejected.note) == (S.REJECTED, "本学期已安排外出培训")
    with pytest.raises(ValidationError) as excinfo:
        enrolment_approve(actor=school_admin, enrolment=rejected)
    assert _messages(excinfo) == ["该报名当前为「未通过」，不能审核。"]
    assert _self_enrol(world.teacher_a, training_class).status == S.PENDING


def test_staff_enrolment_needs_no_school_approval_and_no_window(world):
    training_class = program_with_class(needs_school_approval=True, status=ProgramStatus.CLOSED)
    enrolment = enrolment_enrol(actor=world.users[str(Role.TRAINER)], teacher=world.teacher_b,
                                training_class=training_class, source=EnrolmentSource.STAFF)
    assert (enrolment.status, enrolment.source) == (S.ENROLLED, EnrolmentSource.STAFF)
    with pytest.raises(PermissionDenied):
        enrolment_enrol(actor=world.users[str(Role.SCHOOL_ADMIN)], teacher=world.teacher_b,
                        training_class=training_class, source=EnrolmentSource.STAFF)


# --- staff corrections ---------------------------------------------------------------------


def test_after_enrolment_closes_freed_seats_wait_for_staff(teachers, world):
    training_class = program_with_class(capacity=1)
    for teacher in teachers[:3]:
        _self_enrol(teacher, training_class)
    program = training_class.program
    program.status = ProgramStatus.CLOSED
    program.save()
    trainer = world.users[str(Role.TRAINER)]
    enrolment_remove(actor=trainer, enrolment=Enrolment.objects.get(teacher=teachers[0]),
                     reason="调往外区支教")
    assert [e.status for e in Enrolment.objects.order_by("pk")] == [
        S.WITHDRAWN, S.WAITING, S.WAITING]
    promoted = enrolment_promote(actor=trainer,
                                 enrolment=Enrolment.objects.get(teacher=teachers[2]))
    assert (promoted.status, promoted.decided_by) == (S.ENROLLED, trainer)
    with pytest.raises(ValidationError) as excinfo:
        enrolment_promote(actor=trainer, enrolment=Enrolment.objects.get(teacher=teachers[1]))
    assert _messages(excinfo) == ["「1班」名额已满（1 人，已录取 1 人），不能转为录取。"]


def test_remove_needs_a_reason_and_staff(world):
    enrolment = _self_enrol(world.teacher_a, program_with_class())
    with pytest.raises(ValidationError) as excinfo:
        enrolment_remove(actor=world.users[str(Role.TRAINER)], enrolment=enrolment, reason="")
    assert _messages(excinfo) == ["请填写移出的原因。"]
    with pytest.raises(PermissionDenied):
        enrolment_remove(actor=world.users[str(Role.SCHOOL_ADMIN)], enrolment=enrolment,
                         reason="x")


def test_move_between_classes(teachers, world):
    first = program_with_class(capacity=1)
    second = TrainingClassFactory(program=first.program, name="2班", capacity=1)
    trainer = world.users[str(Role.TRAINER)]
    for teacher in teachers[:3]:
        _self_enrol(teacher, first)
    moved = enrolment_move(actor=trainer, enrolment=Enrolment.objects.get(teacher=teachers[0]),
                           to_class=second)
    assert (moved.training_class, moved.status, moved.note) == (
        second, S.ENROLLED, "由「1班」调至「2班」")
    assert [e.teacher.name for e in moved.promoted] == ["教师1"]
    with pytest.raises(ValidationError) as excinfo:
        enrolment_move(actor=trainer, enrolment=Enrolment.objects.get(teacher=teachers[1]),
                       to_class=second)
    assert _messages(excinfo) == ["「2班」名额已满（1 人），不能调入。"]
    waiting = enrolment_move(actor=trainer, enrolment=Enrolment.objects.get(teacher=teachers[2]),
                             to_class=second)
    assert (waiting.training_class, waiting.status, waiting.waitlist_position) == (
        second, S.WAITING, 1)
    other = TrainingClassFactory(program=ProgramFactory(), name="别的项目")
    with pytest.raises(ValidationError) as excinfo:
        enrolment_move(actor=trainer, enrolment=waiting, to_class=other)
    assert _messages(excinfo) == ["只能在同一项目的班次之间调整。"]


def test_transitions_outside_the_workflow_are_refused(world):
    enrolment = _self_enrol(world.teacher_a, program_with_class())
    with pytest.raises(ValidationError) as excinfo:
        enrolment_approve(actor=world.users[str(Role.TRAINER)], enrolment=enrolment)
    assert _messages(excinfo) == ["该报名当前为「已录取」，不能审核。"]


def test_teacher_of_another_district_school_is_not_special(world):
    """A teacher moved to school B keeps their enrolments; their new school decides."""
    training_class = program_with_class(needs_school_approval=True)
    pending = _self_enrol(world.teacher_a, training_class)
    Teacher.objects.filter(pk=world.teacher_a.pk).update(school=SchoolFactory())
    pending.refresh_from_db()
    with pytest.raises(PermissionDenied):
        enrolment_approve(actor=world.users[str(Role.SCHOOL_ADMIN)], enrolment=pending)
