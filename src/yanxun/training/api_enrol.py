"""JSON API of the menu and enrolment: the same selectors (selectors_enrol.menu_for) and
services (enrolment.enrolment_enrol / enrolment_withdraw) as the pages, hence the same
permissions, eligibility and messages."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Router, Schema

from yanxun.org.schemas import ErrorOut
from yanxun.training import enrolment as services
from yanxun.training import selectors_enrol as selectors
from yanxun.training.models import Enrolment, TrainingClass

router = Router(tags=["师干训"])
REFUSALS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SessionOut(Schema):
    id: int
    title: str = Field(..., description="内容")
    date: date
    starts_at: time
    ends_at: time
    place: str = Field(..., description="地点")
    online: bool = Field(..., description="有线上会议链接")
    hours: Decimal = Field(..., description="学时")
    presenter: str = Field(..., description="授课人")


class ClassOut(Schema):
    id: int
    name: str = Field(..., description="班次")
    capacity: int = Field(..., description="名额")
    enrolled: int = Field(..., description="已录取人数")
    seats_left: int = Field(..., description="余额（名额 − 已录取）")
    waiting: int = Field(..., description="候补人数")
    hours: Decimal = Field(..., description="学时（各日程学时之和）")
    sessions: list[SessionOut]


class MenuProgramOut(Schema):
    id: int
    name: str
    year: int
    level: str = Field(..., description="层级代码")
    level_label: str = Field(..., description="层级")
    category: str = Field(..., description="类别")
    is_long: bool = Field(..., description="团队/长期项目（计入同时参加上限）")
    needs_school_approval: bool
    audience: str = Field(..., description="面向")
    enrol_opens: datetime | None
    enrol_closes: datetime | None
    withdraw_deadline: datetime | None
    seats_left: int
    waiting: int
    can_enrol: bool = Field(..., description="调用者现在可以报名")
    reasons: list[str] = Field(..., description="不能报名的原因（中文）")
    my_status: str | None = Field(None, description="调用者的报名状态，如「候补第 2 位」")
    classes: list[ClassOut]


class EnrolIn(Schema):
    training_class_id: int = Field(..., ge=1, le=2**63 - 1, description="班次编号")


class EnrolmentOut(Schema):
    id: int
    program_id: int
    program: str
    training_class_id: int
    training_class: str
    status: str = Field(..., description="状态代码：pending/enrolled/waiting/withdrawn/rejected")
    status_text: str = Field(..., description="状态，如「候补第 2 位」")
    waiting_rank: int | None = Field(None, description="候补位次")
    note: str


def _class_out(view: selectors.ClassView) -> dict:
    return {
        "id": view.training_class.pk, "name": view.training_class.name,
        "capacity": view.capacity, "enrolled": view.enrolled, "seats_left": view.seats_left,
        "waiting": view.waiting, "hours": view.hours,
        "sessions": [{"id": s.pk, "title": s.title, "date": s.date, "starts_at": s.starts_at,
                      "ends_at": s.ends_at, "place": s.place, "online": bool(s.online_url),
                      "hours": s.hours, "presenter": s.presenter_name} for s in view.sessions],
    }


def _menu_out(item: selectors.MenuItem) -> dict:
    program = item.program
    return {
        "id": program.pk, "name": program.name, "year": program.year, "level": program.level,
        "level_label": program.get_level_display(), "category": program.category.name,
        "is_long": program.is_long, "needs_school_approval": program.needs_school_approval,
        "audience": item.audience, "enrol_opens": program.enrol_opens,
        "enrol_closes": program.enrol_closes, "withdraw_deadline": program.withdraw_deadline,
        "seats_left": item.seats_left, "waiting": item.waiting, "can_enrol": item.can_enrol,
        "reasons": [] if item.enrolment else item.reasons,
        "my_status": item.enrolment_text or None,
        "classes": [_class_out(c) for c in item.classes],
    }


def _enrolment_out(enrolment: Enrolment) -> dict:
    waiting = enrolment.status == services.S.WAITING
    return {
        "id": enrolment.pk, "program_id": enrolment.program_id, "program": enrolment.program.name,
        "training_class_id": enrolment.training_class_id,
        "training_class": enrolment.training_class.name, "status": enrolment.status,
        "status_text": services.status_text(enrolment),
        "waiting_rank": services.waiting_rank(enrolment) if waiting else None,
        "note": enrolment.note,
    }


@router.get("/menu", response={200: list[MenuProgramOut], **REFUSALS}, summary="培训菜单",
            description="报名中的培训项目，含班次、日程、学时、余额、候补人数，以及调用者能否报名和"
                        "不能报名的原因（不符合条件的项目也列出）。与「培训菜单」页面相同。")
def menu(request):
    return [_menu_out(item) for item in selectors.menu_for(request.auth)]


@router.post("/programs/{program_id}/enrol", response={200: EnrolmentOut, **REFUSALS},
             summary="本人报名",
             description="教师本人报名某项目的某班次：检查面向条件、报名时间、是否已报名、"
                         "同时参加长期项目上限；名额已满时进入候补，需学校审核时待审核。")
def enrol(request, program_id: int, payload: EnrolIn):
    program = selectors.program_for_view(request.auth, program_id)
    teacher = selectors.own_teacher(request.auth)
    if teacher is None:
        raise PermissionDenied("您的账号没有关联教师档案，不能报名。")
    training_class = TrainingClass.objects.filter(program=program,
                                                  pk=payload.training_class_id).first()
    if training_class is None:
        raise Http404("该班次不属于这个项目。")
    enrolment = services.enrolment_enrol(actor=request.auth, teacher=teacher,
                                         training_class=training_class)
    return _enrolment_out(enrolment)


@router.post("/enrolments/{enrolment_id}/withdraw", response={200: EnrolmentOut, **REFUSALS},
             summary="本人退出",
             description="教师退出本人的报名（退出截止时间之前）；空出的名额自动由候补第 1 位递补。"
                         "他人的报名返回 404。")
def withdraw(request, enrolment_id: int):
    enrolment = selectors.own_enrolment(request.auth, enrolment_id)
    return _enrolment_out(services.enrolment_withdraw(actor=request.auth, enrolment=enrolment))


@router.get("/enrolments/mine", response={200: list[EnrolmentOut], **REFUSALS},
            summary="我的报名", description="调用者本人的全部报名（没有教师档案时为空列表）。")
def my_enrolments(request):
    teacher = selectors.own_teacher(request.auth)
    if teacher is None:
        return []
    return [_enrolment_out(row.enrolment) for row in selectors.my_enrolments(teacher)]
