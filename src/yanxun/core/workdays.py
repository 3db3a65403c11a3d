"""Working days by the district's calendar: Monday–Friday, except the holidays and 调休 make-up
days the administrator records (core.WorkCalendarDay). Not "skip weekends": in China a
Saturday can be a working day and a Wednesday a holiday."""

from __future__ import annotations

from datetime import date, timedelta

from yanxun.core.models import WorkCalendarDay

MAX_SPAN_DAYS = 400


def _overrides(start: date, end: date) -> dict[date, bool]:
    return dict(WorkCalendarDay.objects.filter(date__range=(start, end))
                .values_list("date", "is_workday"))


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = _overrides(day, day)
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def working_period_end(start: date, working_days: int) -> date:
    """The last day of a period of `working_days` working days that begins on `start`
    (counted from `start` itself when it is a working day, else from the next one)."""
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    overrides = _overrides(start, start + timedelta(days=MAX_SPAN_DAYS))
    day, counted = start, 0
    for _ in range(MAX_SPAN_DAYS):
        if is_working_day(day, overrides):
            counted += 1
            if counted == working_days:
                return day
        day += timedelta(days=1)
    raise ValueError("no such period within 400 days")


def working_days_between(start: date, end: date) -> int:
    """Working days in [start, end] (0 when end < start)."""
    if end < start:
        return 0
    overrides = _overrides(start, end)
    return sum(is_working_day(start + timedelta(days=i), overrides)
               for i in range((end - start).days + 1))
