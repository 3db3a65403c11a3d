"""节假日与调休 (the administrator's): one year's days with their kind, a form to add a day,
removing a day, and the link to the yearly import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yanxun.core.forms import StyledForm
from yanxun.core.models import WorkCalendarDay
from yanxun.review import rules
from yanxun.review.calendar import (
    calendar_day_add,
    calendar_day_remove,
    calendar_days,
    calendar_years,
    weekday_label,
)
from yanxun.review.views_results import require


class DayForm(StyledForm):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"},
                                                             format="%Y-%m-%d"))
    is_workday = forms.TypedChoiceField(label="安排", coerce=lambda v: v == "1",
                                        choices=[("0", "休息（节假日）"), ("1", "上班（调休）")])
    note = forms.CharField(label="说明", max_length=50, required=False,
                           help_text="如 国庆节、国庆调休")


def _year(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 2000 <= int(raw) <= 2100 \
        else timezone.localdate().year


@login_required
def calendar_page(request):
    require(request.user, rules.MANAGE_CALENDAR, "无权维护节假日与调休。")
    year = _year(request.GET.get("year"))
    form = DayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            day = calendar_day_add(actor=request.user, day=data["day"],
                                   is_workday=data["is_workday"], note=data["note"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已添加 {day.date:%Y-%m-%d}。")
            return redirect(reverse("review:calendar") + f"?year={day.date.year}")
    days = [{"day": d, "weekday": weekday_label(d.date),
             "restates": d.is_workday == (d.date.weekday() < 5)} for d in calendar_days(year)]
    years = sorted(set(calendar_years()) | {year, timezone.localdate().year}, reverse=True)
    return render(request, "review/calendar/calendar.html", {
        "page_title": "节假日与调休", "form": form, "year": year, "years": years, "days": days,
        "holidays": sum(1 for d in days if not d["day"].is_workday),
        "workdays": sum(1 for d in days if d["day"].is_workday)})


@login_required
@require_POST
def calendar_delete(request, pk: int):
    require(request.user, rules.MANAGE_CALENDAR, "无权维护节假日与调休。")
    day = get_object_or_404(WorkCalendarDay, pk=pk)
    try:
        calendar_day_remove(actor=request.user, day=day)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已删除 {day.date:%Y-%m-%d}。")
    return redirect(reverse("review:calendar") + f"?year={day.date.year}")
