"""The pages of enrolment: 培训菜单 and 我的培训 for teachers, 报名审核 for school administrators,
the roster for staff; data scope (a school administrator sees only their teachers)."""

import io
from datetime import timedelta

import polars as pl
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import TeacherFactory
from tests.training.factories_enrol import (
    ProgramFactory,
    TrainingClassFactory,
    program_with_class,
)
from yanxun.core.enums import Role
from yanxun.training.enrolment import enrolment_enrol
from yanxun.training.enums import EnrolmentStatus, ProgramStatus
from yanxun.training.models import Enrolment
from yanxun.training.policy import policy_for

S = EnrolmentStatus
TEACHER, SCHOOL_ADMIN, TRAINER = str(Role.TEACHER), str(Role.SCHOOL_ADMIN), str(Role.TRAINER)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _enrol(teacher, training_class):
    return enrolment_enrol(actor=teacher.user, teacher=teacher, training_class=training_class)


def test_menu_lists_eligible_first_and_explains_the_others(world):
    open_class = program_with_class(capacity=3, sessions=2, name="初中数学新课标研修",
                                    audience_stages=["junior"])
    _enrol(world.teacher_b, open_class)
    program_with_class(name="乡村教师提质专题", audience_locations=["rural"])
    program_with_class(name="新教师培养工程", audience_max_years=3, is_long=True)
    ProgramFactory(name="草稿项目", status=ProgramStatus.DRAFT)
    response = world.client_for(TEACHER).get(reverse("training:menu"))
    open_items, closed = response.context["open_items"], response.context["closed_items"]
    assert [(i.program.name, i.hours_text, i.seats_left, i.waiting) for i in open_items] == [
        ("初中数学新课标研修", "6", 2, 0)]
    assert [(i.program.name, i.reasons) for i in closed] == [
        ("乡村教师提质专题", ["仅面向乡村学校"]),
        ("新教师培养工程", ["仅面向入职 3 年内的新教师"])]
    page = response.content.decode()
    assert "仅面向乡村学校" in page and "草稿项目" not in page


def test_menu_query_count_does_not_grow_with_programs(world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            world.client_for(TEACHER).get(reverse("training:menu"))
        return len(queries)

    policy_for(world.school_a.district)  # created on first use: not part of the page
    program_with_class(name="项目一")
    one = count()
    for name in ("项目二", "项目三"):
        training_class = program_with_class(name=name, sessions=2)
        TrainingClassFactory(program=training_class.program, name="2班")
    assert count() == one


def test_enrol_from_the_program_page_then_see_it_in_my_training(world):
    training_class = program_with_class(capacity=1, name="心理健康教育专题培训", sessions=2)
    _enrol(world.teacher_b, training_class)
    client = world.client_for(TEACHER)
    program_page = client.get(reverse("training:menu_program", args=[training_class.program_id]))
    assert program_page.context["item"].can_enrol is True
    assert "报名（名额已满，进入候补）" in program_page.content.decode()
    response = client.post(reverse("training:enrol", args=[training_class.program_id]),
                           {"training_class": training_class.pk}, follow=True)
    assert response.redirect_chain == [(reverse("training:my_training"), 302)]
    assert _messages(response) == ["已报名「心理健康教育专题培训」1班，当前状态：候补第 1 位。"]
    row = response.context["rows"][0]
    assert (row.status_text, row.hours, row.can_withdraw) == ("候补第 1 位", 6, True)
    again = client.post(reverse("training:enrol", args=[training_class.program_id]),
                        {"training_class": training_class.pk}, follow=True)
    assert _messages(again) == ["已报名该项目（候补第 1 位）"]


def test_promotion_is_shown_as_a_notice_on_my_training(world):
    training_class = program_with_class(capacity=1, name="班主任专业化培训")
    first = _enrol(world.teacher_b, training_class)
    _enrol(world.teacher_a, training_class)
    client_b = Client()
    client_b.force_login(world.teacher_b.user)
    client_b.post(reverse("training:withdraw", args=[first.pk]))
    response = world.client_for(TEACHER).get(reverse("training:my_training"))
    assert [(n.title, n.body) for n in response.context["notices"]] == [
        ("候补转正：班主任专业化培训", "有名额空出，您已由候补转为录取（1班）。")]
    assert "候补转正：班主任专业化培训</span>" in response.content.decode()
    assert response.context["rows"][0].status_text == "已录取"


def test_withdraw_after_the_deadline_shows_the_reason(world):
    training_class = program_with_class(withdraw_deadline=timezone.now() - timedelta(minutes=5))
    enrolment = _enrol(world.teacher_a, training_class)
    client = world.client_for(TEACHER)
    page = client.get(reverse("training:my_training"))
    assert (page.context["rows"][0].can_withdraw, page.context["rows"][0].withdraw_note) == (
        False, "已过退出截止时间")
    response = client.post(reverse("training:withdraw", args=[enrolment.pk]), follow=True)
    assert _messages(response)[0].startswith("已过退出截止时间（")
    assert Enrolment.objects.get().status == S.ENROLLED


def test_school_admin_approves_and_rejects_only_their_teachers(world):
    training_class = program_with_class(needs_school_approval=True, name="教学名师培养工程")
    own = _enrol(world.teacher_a, training_class)
    other = _enrol(world.teacher_b, training_class)
    colleague = _enrol(TeacherFactory(school=world.school_a, name="王老师"), training_class)
    client = world.client_for(SCHOOL_ADMIN)
    page = client.get(reverse("training:approvals"))
    assert [e.teacher.name for e in page.context["pending"]] == ["张晓明", "王老师"]
    response = client.post(reverse("training:enrolment_approve", args=[own.pk]), follow=True)
    assert _messages(response) == ["已通过张晓明的报名（已录取）。"]
    response = client.post(reverse("training:enrolment_reject", args=[colleague.pk]),
                           {"reason": "本学期教学任务重"}, follow=True)
    assert _messages(response) == ["已退回王老师的报名。"]
    assert client.post(reverse("training:enrolment_approve", args=[other.pk])).status_code == 404
    assert [e.status for e in Enrolment.objects.order_by("pk")] == [S.ENROLLED, S.PENDING,
                                                                   S.REJECTED]
    notices = world.client_for(TEACHER).get(reverse("training:my_training")).context["notices"]
    assert [(n.title, n.body) for n in notices] == [
        ("报名审核通过：教学名师培养工程", "学校审核通过，当前状态：已录取。")]


def _list_names(client, query: str = "") -> list[str]:
    response = client.get(reverse("training:enrolment_list") + query)
    return [row["cells"][3]["text"] for row in response.context["table"]["rows"]]


def test_a_school_admin_sees_only_their_teachers_enrolments(world):
    training_class = program_with_class(name="师德师风专题培训")
    _enrol(world.teacher_a, training_class)
    _enrol(world.teacher_b, training_class)
    school_admin = world.client_for(SCHOOL_ADMIN)
    assert _list_names(school_admin) == ["张晓明"]
    assert _list_names(school_admin, f"?school={world.school_b.pk}") == []
    assert sorted(_list_names(world.client_for(TRAINER))) == ["张晓明", "李秋华"]
    export = school_admin.get(reverse("training:enrolment_list") + "?format=xlsx")
    frame = pl.read_excel(io.BytesIO(export.content), engine="calamine")
    assert frame["姓名"].to_list() == ["张晓明"]
    assert frame["手机号"].to_list() == [world.teacher_a.phone]  # 本校: shown in full
    assert world.client_for(TEACHER).get(reverse("training:enrolment_list")).status_code == 403


def test_roster_lists_classes_with_the_waiting_list_in_order(world):
    training_class = program_with_class(capacity=1, name="高中大单元教学研讨")
    teachers = [world.teacher_a] + [TeacherFactory(school=world.school_a, name=n)
                                    for n in ("甲老师", "乙老师", "丙老师")]
    for teacher in teachers:
        _enrol(teacher, training_class)
    client = world.client_for(TRAINER)
    withdrawn = Enrolment.objects.get(teacher=teachers[2])
    response = client.post(reverse("training:enrolment_remove", args=[withdrawn.pk]),
                           {"reason": "工作调整"}, follow=True)
    assert _messages(response) == ["已将乙老师移出名单。"]
    roster = response.context["classes"][0]
    assert ([e.teacher.name for e in roster.enrolled], [e.teacher.name for e in roster.waiting],
            [e.teacher.name for e in roster.left]) == (["张晓明"], ["甲老师", "丙老师"],
                                                      ["乙老师"])
    export = client.get(response.context["export_url"])
    frame = pl.read_excel(io.BytesIO(export.content), engine="calamine")
    assert list(zip(frame["姓名"].to_list(), frame["状态"].to_list(),
                    frame["候补位次"].to_list(), strict=True)) == [
        ("张晓明", "已录取", ""), ("甲老师", "候补", "1"), ("丙老师", "候补", "2"),
        ("乙老师", "已退出", "")]


def test_move_page(world):
    first = program_with_class(capacity=2)
    second = TrainingClassFactory(program=first.program, name="2班", capacity=2)
    enrolment = _enrol(world.teacher_a, first)
    client = world.client_for(TRAINER)
    form = client.get(reverse("training:enrolment_move", args=[enrolment.pk])).context["form"]
    assert list(form.fields["to_class"].queryset) == [second]
    response = client.post(reverse("training:enrolment_move", args=[enrolment.pk]),
                           {"to_class": second.pk}, follow=True)
    assert _messages(response) == ["已将张晓明调至「2班」。"]
    assert Enrolment.objects.get().training_class == second
