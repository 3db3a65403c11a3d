"""The work calendar (节假日与调休) kept by the administrator from the State Council's yearly
notice: holidays on weekdays and 调休 make-up working days on weekends (core.WorkCalendarDay),
read by core.workdays for every period counted in working days (公示期 …). A day that only
restates the default (a weekend holiday, a weekday working day) is kept too: the yearly notice
lists whole holidays, weekends included, and keeping them names the holiday."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from yanxun.core.audit import audit_record
from yanxun.core.models import WorkCalendarDay
from yanxun.core.permissions import has_perm
from yanxun.review import rules

WEEKDAYS = "一二三四五六日"


def weekday_label(day: date) -> str:
    return f"周{WEEKDAYS[day.weekday()]}"


def _require(actor) -> None:
    if not has_perm(actor, rules.MANAGE_CALENDAR):
        raise PermissionDenied("无权维护节假日与调休。")


def calendar_day_add(*, actor, day: date, is_workday: bool, note: str = "") -> WorkCalendarDay:
    _require(actor)
    note = (note or "").strip()
    if len(note) > 50:
        raise ValidationError({"note": "说明不能超过 50 字。"})
    try:
        with transaction.atomic():
            made = WorkCalendarDay.objects.create(date=day, is_workday=is_workday, note=note)
            audit_record(actor=actor, action="calendar.day_add", obj=made,
                         after={"date": str(day), "is_workday": is_workday, "note": note})
    except IntegrityError:
        raise ValidationError({"day": f"{day} 已有设置，请先删除再添加。"}) from None
    return made


def calendar_day_remove(*, actor, day: WorkCalendarDay) -> None:
    _require(actor)
    with transaction.atomic():
        if not WorkCalendarDay.objects.filter(pk=day.pk).delete()[0]:
            raise ValidationError("该日期的设置已被删除。")
        audit_record(actor=actor, action="calendar.day_remove", object_type="core.workcalendarday",
                     object_id=str(day.pk), object_repr=str(day),
                     before={"date": str(day.date), "is_workday": day.is_workday,
                             "note": day.note})


def calendar_days(year: int) -> list[WorkCalendarDay]:
    return list(WorkCalendarDay.objects.filter(date__year=year).order_by("date"))


def calendar_years() -> list[int]:
    return sorted({d.year for d in WorkCalendarDay.objects.dates("date", "year")}, reverse=True)
