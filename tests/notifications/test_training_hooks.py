"""师干训 sends each teacher exactly the messages its events call for: recipient, kind, title,
body and link, from the real services."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import TeacherFactory
from tests.training.factories_enrol import TrainingClassFactory as EnrolClassFactory
from tests.training.factories_enrol import program_with_class
from tests.training.factories_hours import (
    PDF_BYTES,
    ProgramFactory,
    TrainingClassFactory,
    attend,
    claim_rule,
    enrol,
    policy,
    record,
    sessions,
    upload,
)
from yanxun.core.enums import Role
from yanxun.notifications.models import Notification
from yanxun.training import claims
from yanxun.training import enrolment as services
from yanxun.training.certificates import hours_certificate_issue, program_certificates_issue
from yanxun.training.enums import AttendanceStatus, ClaimStatus, EnrolmentStatus, ProgramStatus
from yanxun.training.files import check_evidence
from yanxun.training.hours import program_accredit
from yanxun.training.ledger import Cycle
from yanxun.training.models import Enrolment
from yanxun.training.programs import class_update, program_transition

S = EnrolmentStatus
TRAINER, SCHOOL_ADMIN = str(Role.TRAINER), str(Role.SCHOOL_ADMIN)
MINE = "/training/mine/"


def _inbox():
    """Every message: (recipient's name, kind, title, body, url), in the order written."""
    return [(n.recipient.name, n.kind, n.title, n.body, n.url)
            for n in Notification.objects.select_related("recipient").order_by("pk")]


def _enrol_self(teacher, training_class):
    return services.enrolment_enrol(actor=teacher.user, teacher=teacher,
                                    training_class=training_class)


# --- enrolment -------------------------------------------------------------------------------


def test_a_freed_seat_promotes_and_notifies_the_first_waiting_teacher(world):
    training_class = program_with_class(capacity=1, name="班主任专业化培训")
    first = _enrol_self(world.teacher_b, training_class)
    _enrol_self(world.teacher_a, training_class)
    third = _enrol_self(TeacherFactory(school=world.school_a, name="王候补"), training_class)
    assert _inbox() == []  # one's own enrolment is no news
    services.enrolment_withdraw(actor=world.teacher_b.user, enrolment=first)
    assert _inbox() == [("张晓明", "training.promoted", "候补转正：班主任专业化培训",
                         "有名额空出，您已由候补转为录取（1班）。", MINE)]
    assert Enrolment.objects.get(pk=third.pk).status == S.WAITING


def test_a_raised_capacity_notifies_each_promoted_teacher(world):
    training_class = program_with_class(capacity=1, name="心理健康教育专题培训")
    _enrol_self(world.teacher_b, training_class)
    _enrol_self(world.teacher_a, training_class)
    _enrol_self(TeacherFactory(school=world.school_a, name="王候补"), training_class)
    class_update(actor=world.users[TRAINER], training_class=training_class, capacity=3)
    assert [(name, kind, title) for name, kind, title, _, _ in _inbox()] == [
        ("张晓明", "training.promoted", "候补转正：心理健康教育专题培训"),
        ("王候补", "training.promoted", "候补转正：心理健康教育专题培训")]


def test_removal_and_promotion_by_hand(world):
    training_class = program_with_class(capacity=1, name="教育科研专题")
    seated = _enrol_self(world.teacher_b, training_class)
    waiting = _enrol_self(world.teacher_a, training_class)
    trainer = world.users[TRAINER]
    program_transition(training_class.program, ProgramStatus.CLOSED, actor=trainer)
    services.enrolment_remove(actor=trainer, enrolment=seated, reason="工作调动")
    services.enrolment_promote(actor=trainer, enrolment=waiting)
    assert _inbox() == [
        ("李秋华", "training.enrolment_removed", "移出名单：教育科研专题",
         "您已被移出1班名单。原因：工作调动", MINE),
        ("张晓明", "training.promoted", "候补转正：教育科研专题",
         "培训负责人已将您由候补转为录取（1班）。", MINE)]


def test_the_schools_decisions(world):
    training_class = program_with_class(needs_school_approval=True, name="教学名师培养工程",
                                        capacity=1)
    own = _enrol_self(world.teacher_a, training_class)
    colleague = _enrol_self(TeacherFactory(school=world.school_a, name="王老师"), training_class)
    admin = world.users[SCHOOL_ADMIN]
    services.enrolment_approve(actor=admin, enrolment=own)
    services.enrolment_reject(actor=admin, enrolment=colleague, reason="本学期教学任务重")
    assert _inbox() == [
        ("张晓明", "training.enrolment_approved", "报名审核通过：教学名师培养工程",
         "学校审核通过，当前状态：已录取。", MINE),
        ("王老师", "training.enrolment_rejected", "报名未通过：教学名师培养工程",
         "学校审核未通过。原因：本学期教学任务重", MINE)]


def test_staff_enrolment_and_a_move(world):
    training_class = program_with_class(capacity=1, name="新教师岗前培训")
    second = EnrolClassFactory(program=training_class.program, name="2班", capacity=5)
    trainer = world.users[TRAINER]
    services.bulk_enrol(actor=trainer, training_class=training_class,
                        teachers=[world.teacher_a, world.teacher_b])
    waiting = Enrolment.objects.get(teacher=world.teacher_b)
    services.enrolment_move(actor=trainer, enrolment=waiting, to_class=second)
    assert _inbox() == [
        ("张晓明", "training.enrolled_by_staff", "统一报名：新教师岗前培训",
         "已为您报名1班，当前状态：已录取。", MINE),
        ("李秋华", "training.enrolled_by_staff", "统一报名：新教师岗前培训",
         "已为您报名1班，当前状态：候补第 1 位。", MINE),
        ("李秋华", "training.enrolment_moved", "班次调整：新教师岗前培训",
         "由「1班」调至「2班」，当前状态：已录取。", MINE)]


def test_a_failed_transition_leaves_no_message(world):
    training_class = program_with_class(needs_school_approval=True, name="项目甲")
    pending = _enrol_self(world.teacher_a, training_class)
    with pytest.raises(ValidationError, match="请填写不通过的原因"):
        services.enrolment_reject(actor=world.users[SCHOOL_ADMIN], enrolment=pending, reason="")
    assert _inbox() == []


# --- claims ----------------------------------------------------------------------------------


def _claim(world, title="区级公开课"):
    rule = claims.ClaimRule.objects.first() or claim_rule()
    return claims.claim_submit(
        actor=world.teacher_a.user,
        data=claims.ClaimInput(rule, title, date(2025, 5, 1)),
        files=check_evidence([upload("证明.pdf", PDF_BYTES)]))


def test_each_claim_decision_is_a_message(world):
    school, centre = world.users[SCHOOL_ADMIN], world.users[TRAINER]
    claim = _claim(world)
    url = reverse("training:claim_detail", args=[claim.pk])
    move = claims.claim_transition
    move(actor=school, claim=claim, to=ClaimStatus.RETURNED, reason="请补充证明材料")
    move(actor=world.teacher_a.user, claim=claim, to=ClaimStatus.SUBMITTED)  # no message
    move(actor=school, claim=claim, to=ClaimStatus.SCHOOL_APPROVED)
    move(actor=centre, claim=claim, to=ClaimStatus.ACCREDITED)
    move(actor=centre, claim=claim, to=ClaimStatus.REJECTED, reason="材料与事实不符")
    assert _inbox() == [
        ("张晓明", "training.claim_returned", "学时申报被退回：区级公开课",
         "学校退回，理由：请补充证明材料。请修改后重新提交。", url),
        ("张晓明", "training.claim_school_approved", "学时申报学校审核通过：区级公开课",
         "已提交区教师发展中心认定。", url),
        ("张晓明", "training.claim_accredited", "学时申报已认定：区级公开课",
         "认定 6 学时，已计入您的学时档案。", url),
        ("张晓明", "training.claim_revoked", "学时认定已撤销：区级公开课",
         "中心撤销了该申报的学时认定，理由：材料与事实不符", url)]


def test_claims_refused_by_the_school_and_by_the_centre(world):
    school, centre = world.users[SCHOOL_ADMIN], world.users[TRAINER]
    first, second = _claim(world, "论文甲"), _claim(world, "论文乙")
    claims.claim_transition(actor=school, claim=first, to=ClaimStatus.REJECTED, reason="重复申报")
    claims.claim_transition(actor=school, claim=second, to=ClaimStatus.SCHOOL_APPROVED)
    claims.claim_transition(actor=centre, claim=second, to=ClaimStatus.RETURNED, reason="缺少证书")
    assert [(kind, title, body) for _, kind, title, body, _ in _inbox()] == [
        ("training.claim_rejected", "学时申报未通过：论文甲", "学校审核未通过，理由：重复申报"),
        ("training.claim_school_approved", "学时申报学校审核通过：论文乙", "已提交区教师发展中心认定。"),
        ("training.claim_returned", "学时申报被退回：论文乙",
         "中心退回，理由：缺少证书。请修改后重新提交。")]


# --- program hours and certificates ----------------------------------------------------------


def test_program_hours_accredited_changed_and_withdrawn(world):
    policy()
    program = ProgramFactory(name="新课标专题培训", min_attendance_share=Decimal("0.5"))
    training_class = TrainingClassFactory(program=program, name="一班")
    days = sessions(training_class, ["3", "3"])
    for teacher in (world.teacher_a, world.teacher_b):
        enrol(teacher, training_class)
        attend(teacher, days[0])
    trainer = world.users[TRAINER]
    program_accredit(actor=trainer, program=program)
    program_accredit(actor=trainer, program=program)  # nothing changed: no second message
    attend(world.teacher_a, days[1], AttendanceStatus.LATE)
    program.pro_rata = True
    program.save()
    Enrolment.objects.filter(teacher=world.teacher_b).update(status=S.WITHDRAWN)
    program_accredit(actor=trainer, program=program)
    hours = "/training/hours/me/"
    # 张晓明's second session changed the record's note, not its 6 hours: no message.
    assert _inbox() == [
        ("张晓明", "training.hours_accredited", "学时认定：新课标专题培训",
         "认定 6 学时，已计入您的学时档案。", hours),
        ("李秋华", "training.hours_accredited", "学时认定：新课标专题培训",
         "认定 6 学时，已计入您的学时档案。", hours),
        ("李秋华", "training.hours_revoked", "学时认定已撤销：新课标专题培训",
         "原因：已不在录取名单中", hours)]


def test_a_changed_hours_figure_is_its_own_message(world):
    policy()
    program = ProgramFactory(name="班主任专题", min_attendance_share=Decimal("0.5"),
                             pro_rata=True)
    training_class = TrainingClassFactory(program=program, name="一班")
    days = sessions(training_class, ["2", "2"])
    enrol(world.teacher_a, training_class)
    attend(world.teacher_a, days[0])
    trainer = world.users[TRAINER]
    program_accredit(actor=trainer, program=program)
    attend(world.teacher_a, days[1])
    program_accredit(actor=trainer, program=program)
    assert [(k, b) for _, k, _, b, _ in _inbox()] == [
        ("training.hours_accredited", "认定 2 学时，已计入您的学时档案。"),
        ("training.hours_accredited", "认定学时由 2 调整为 4。")]


def test_certificates_issued(world):
    current = policy()
    program = ProgramFactory(name="心理健康教育专题培训")
    training_class = TrainingClassFactory(program=program, name="一班")
    days = sessions(training_class, ["3"])
    enrol(world.teacher_a, training_class)
    attend(world.teacher_a, days[0])
    trainer = world.users[TRAINER]
    program_accredit(actor=trainer, program=program)
    Notification.objects.all().delete()
    [certificate] = program_certificates_issue(actor=trainer, program=program)
    program_certificates_issue(actor=trainer, program=program)  # nothing new: no message
    record(world.teacher_b, "40", year=2022)
    proof = hours_certificate_issue(actor=trainer, teacher=world.teacher_b, cycle=Cycle(2021, 5),
                                    policy=current)
    hours = "/training/hours/me/"
    assert _inbox() == [
        ("张晓明", "training.certificate_issued", "培训证书已发放：心理健康教育专题培训",
         f"编号 {certificate.serial}，3 学时。可在「我的学时」下载。", hours),
        ("李秋华", "training.certificate_issued", "学时证明已发放：2021—2025 年周期继续教育学时",
         f"编号 {proof.serial}，40 学时。可在「我的学时」下载。", hours)]


def test_a_teacher_without_a_login_gets_no_message(world):
    training_class = program_with_class(capacity=1, name="项目乙")
    no_login = TeacherFactory(school=world.school_a, name="无账号", user=None)
    services.bulk_enrol(actor=world.users[TRAINER], training_class=training_class,
                        teachers=[no_login])
    assert Enrolment.objects.get(teacher=no_login).status == S.ENROLLED
    assert _inbox() == []
