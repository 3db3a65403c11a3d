"""Program edits re-check enrolments: teachers who no longer meet the audience rules are listed
on the program page; staff keep (audited, 已确认保留) or cancel (the enrolment transition, which
promotes the waiting list); nothing is cancelled automatically. Capacity: lowered below the
enrolled teachers is refused, raised promotes the waiting list at once."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import TeacherFactory
from tests.training.factories_enrol import program_with_class
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.org.enums import Stage
from yanxun.training import audience_review, programs
from yanxun.training.enrolment import enrolment_enrol
from yanxun.training.enums import EnrolmentStatus, ProgramStatus
from yanxun.training.models import Enrolment, TrainingClass
from yanxun.training.selectors_enrol import notices_for

S = EnrolmentStatus
TRAINER = str(Role.TRAINER)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _edit_form(program, **overrides) -> dict:
    data = {"name": program.name, "year": str(program.year), "level": program.level,
            "category": str(program.category_id), "organiser": program.organiser,
            "budget_planned": "0", "budget_spent": "0",
            "min_attendance_share": "0.8", "checkin_opens_before": "30",
            "on_time_until": "5", "late_until": "30"}
    data.update(overrides)
    return data


@pytest.fixture
def class_of_four(world):
    """One class of two seats: 初中 张晓明 and 小学 周小学 enrolled, 小学 吴候补 and 初中 郑候补
    waiting (in that order)."""
    training_class = program_with_class(capacity=2, name="初中数学新课标研修")
    school = world.school_a
    primary = TeacherFactory(school=school, name="周小学", employee_no="A0002",
                             stage=Stage.PRIMARY)
    waiting_primary = TeacherFactory(school=world.school_b, name="吴候补", employee_no="B0002",
                                     stage=Stage.PRIMARY)
    waiting_junior = TeacherFactory(school=school, name="郑候补", employee_no="A0003")
    for teacher in (world.teacher_a, primary, waiting_primary, waiting_junior):
        enrolment_enrol(actor=teacher.user, teacher=teacher, training_class=training_class)
    return training_class


def _statuses() -> dict[str, tuple[str, int | None]]:
    return {e.teacher.name: (e.status, e.waitlist_position)
            for e in Enrolment.objects.select_related("teacher")}


BEFORE = {"张晓明": (S.ENROLLED, None), "周小学": (S.ENROLLED, None),
          "吴候补": (S.WAITING, 1), "郑候补": (S.WAITING, 2)}


def test_a_narrowed_audience_lists_the_teachers_and_cancels_nobody(world, class_of_four):
    program = class_of_four.program
    client = world.client_for(TRAINER)
    response = client.post(reverse("training:program_edit", args=[program.pk]),
                           _edit_form(program, audience_stages=["junior"]), follow=True)
    assert _messages(response) == [
        "项目已保存。", "2 名已报名教师不再符合对象条件，请在下方逐一或全部确认保留或取消报名。"]
    assert _statuses() == BEFORE
    rows = [(m.enrolment.teacher.name, m.enrolment.teacher.school.name,
             m.enrolment.get_status_display(), m.reason_text, m.kept)
            for m in response.context["mismatches"]]
    assert rows == [("周小学", "城东实验学校", "已录取", "仅面向初中学段", False),
                    ("吴候补", "城西中学", "候补", "仅面向初中学段", False)]
    html = response.content.decode()
    assert "2 名已报名教师不再符合对象条件" in html
    assert response.context["undecided_ids"] == [
        Enrolment.objects.get(teacher__name=name).pk for name in ("周小学", "吴候补")]
    # An edit that leaves everyone eligible says nothing more.
    response = client.post(reverse("training:program_edit", args=[program.pk]),
                           _edit_form(program), follow=True)
    assert _messages(response) == ["项目已保存。"]
    assert response.context["mismatches"] == []
    assert "不再符合对象条件" not in response.content.decode()


def test_cancel_all_goes_through_the_transition_and_promotes_the_waiting(world,
                                                                         class_of_four):
    program = class_of_four.program
    programs.program_update(actor=world.users[TRAINER], program=program,
                            audience_stages=["junior"])
    ids = [Enrolment.objects.get(teacher__name=n).pk for n in ("周小学", "吴候补")]
    response = world.client_for(TRAINER).post(
        reverse("training:audience_cancel", args=[program.pk]), {"enrolment": ids},
        follow=True)
    assert _messages(response) == ["已取消 2 名教师的报名。候补递补：郑候补。"]
    assert _statuses() == {"张晓明": (S.ENROLLED, None), "周小学": (S.WITHDRAWN, None),
                           "吴候补": (S.WITHDRAWN, None), "郑候补": (S.ENROLLED, None)}
    logs = list(AuditLog.objects.filter(action__in=["training.enrolment.remove",
                                                    "training.enrolment.promote"])
                .order_by("id").values_list("action", "object_repr", "reason"))
    assert logs == [
        ("training.enrolment.remove", "吴候补 · 初中数学新课标研修 1班", "不再符合项目对象条件：仅面向初中学段"),
        ("training.enrolment.remove", "周小学 · 初中数学新课标研修 1班", "不再符合项目对象条件：仅面向初中学段"),
        ("training.enrolment.promote", "郑候补 · 初中数学新课标研修 1班", "候补递补：周小学被移出"),
    ]
    teacher = Enrolment.objects.get(teacher__name="周小学").teacher
    assert [(n.title, n.body) for n in notices_for(teacher.user)] == [
        ("移出名单：初中数学新课标研修",
         "您已被移出1班名单。原因：不再符合项目对象条件：仅面向初中学段")]
    assert response.context["mismatches"] == []


def test_keep_is_audited_shown_and_asked_again_when_the_reasons_change(world, class_of_four):
    program = class_of_four.program
    trainer = world.users[TRAINER]
    programs.program_update(actor=trainer, program=program, audience_stages=["junior"])
    primary = Enrolment.objects.get(teacher__name="周小学")
    client = world.client_for(TRAINER)
    response = client.post(reverse("training:audience_keep", args=[program.pk]),
                           {"enrolment": [primary.pk]}, follow=True)
    assert _messages(response) == ["已确认保留 1 名教师的报名。"]
    assert [(m.enrolment.teacher.name, m.kept) for m in response.context["mismatches"]] == [
        ("周小学", True), ("吴候补", False)]
    assert response.context["undecided_ids"] == [Enrolment.objects.get(teacher__name="吴候补").pk]
    assert response.context["kept_count"] == 1
    html = response.content.decode()
    assert html.count('data-testid="audience-kept">已确认保留</span>') == 1
    assert "其中 1 名已确认保留。" in html
    log = AuditLog.objects.get(action="training.enrolment.keep")
    assert (log.actor, log.object_id, log.before, log.after, log.reason) == (
        trainer, str(primary.pk), {"kept_despite": ""}, {"kept_despite": "仅面向初中学段"},
        "不再符合项目对象条件，确认保留")
    assert _statuses() == BEFORE
    # Keeping again is refused: the teacher is no longer waiting for a decision.
    response = client.post(reverse("training:audience_keep", args=[program.pk]),
                           {"enrolment": [primary.pk]}, follow=True)
    assert _messages(response) == ["名单已有变化（1 名教师已不在待处理名单中），请刷新页面后重新选择。"]
    assert AuditLog.objects.filter(action="training.enrolment.keep").count() == 1
    # The rules change again: the kept teacher fails them for another reason, and is asked again.
    programs.program_update(actor=trainer, program=program, audience_stages=["junior"],
                            audience_max_years=3)
    items = audience_review.mismatches(program)
    assert [(m.enrolment.teacher.name, m.reason_text, m.kept) for m in items] == [
        ("张晓明", "仅面向入职 3 年内的新教师", False),
        ("周小学", "仅面向初中学段；仅面向入职 3 年内的新教师", False),
        ("吴候补", "仅面向初中学段；仅面向入职 3 年内的新教师", False),
        ("郑候补", "仅面向入职 3 年内的新教师", False),
    ]


def test_keep_all_and_a_stale_list_is_refused_whole(world, class_of_four):
    program = class_of_four.program
    trainer = world.users[TRAINER]
    programs.program_update(actor=trainer, program=program, audience_stages=["junior"])
    ids = [Enrolment.objects.get(teacher__name=n).pk for n in ("周小学", "吴候补")]
    junior = Enrolment.objects.get(teacher__name="郑候补").pk  # eligible: not on the list
    with pytest.raises(ValidationError) as excinfo:
        audience_review.audience_keep(actor=trainer, program=program,
                                      enrolment_ids=[*ids, junior])
    assert excinfo.value.messages == ["名单已有变化（1 名教师已不在待处理名单中），请刷新页面后重新选择。"]
    with pytest.raises(ValidationError):
        audience_review.audience_cancel(actor=trainer, program=program,
                                        enrolment_ids=[*ids, junior])
    assert not AuditLog.objects.filter(action__in=["training.enrolment.keep",
                                                   "training.enrolment.remove"]).exists()
    assert _statuses() == BEFORE
    assert audience_review.audience_keep(actor=trainer, program=program, enrolment_ids=ids) == 2
    assert [m.kept for m in audience_review.mismatches(program)] == [True, True]
    # A kept teacher may still be cancelled later.
    cancelled = audience_review.audience_cancel(actor=trainer, program=program,
                                                enrolment_ids=ids[:1])
    assert [(e.teacher.name, [p.teacher.name for p in e.promoted]) for e in cancelled] == [
        ("周小学", ["吴候补"])]
    assert Enrolment.objects.get(pk=ids[0]).kept_despite == ""


def test_a_finished_program_lists_nobody_and_only_staff_decide(world, class_of_four):
    program = class_of_four.program
    programs.program_update(actor=world.users[TRAINER], program=program,
                            audience_stages=["junior"])
    ids = [Enrolment.objects.get(teacher__name="周小学").pk]
    school_admin = world.users[str(Role.SCHOOL_ADMIN)]
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        audience_review.audience_keep(actor=school_admin, program=program, enrolment_ids=ids)
    page = world.client_for(str(Role.SCHOOL_ADMIN)).get(
        reverse("training:program_detail", args=[program.pk]))
    assert page.context["mismatches"] == []
    program.status = ProgramStatus.FINISHED
    program.save()
    assert audience_review.mismatches(program) == []


def test_capacity_below_the_enrolled_is_refused_and_a_raise_promotes_at_once(world,
                                                                            class_of_four):
    client = world.client_for(TRAINER)
    url = reverse("training:class_edit", args=[class_of_four.pk])
    response = client.post(url, {"name": "1班", "capacity": "1"})
    assert response.context["form"].non_field_errors() == [
        "「1班」已录取 2 人，名额不能少于 2；如需减少名额，请先将学员调至其他班次或移出名单。"]
    assert TrainingClass.objects.get(pk=class_of_four.pk).capacity == 2
    assert _statuses() == BEFORE
    response = client.post(url, {"name": "1班", "capacity": "3"}, follow=True)
    assert _messages(response) == ["班次已保存。"]
    assert _statuses() == {"张晓明": (S.ENROLLED, None), "周小学": (S.ENROLLED, None),
                           "吴候补": (S.ENROLLED, None), "郑候补": (S.WAITING, 2)}
    assert list(AuditLog.objects.filter(action="training.enrolment.promote")
                .values_list("object_repr", "reason")) == [
        ("吴候补 · 初中数学新课标研修 1班", "候补递补：班次增加名额")]
