"""core.workdays with the real 2026 calendar (tests/review_web/calendar_2026.py cites the State
Council notice), the calendar's services and its import."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.core.import_files import messages, run_import, xlsx
from tests.review_web.calendar_2026 import autumn_2026
from yanxun.core.enums import ImportStatus
from yanxun.core.models import AuditLog, WorkCalendarDay
from yanxun.core.workdays import is_working_day, working_days_between, working_period_end
from yanxun.review.calendar import calendar_day_add, calendar_day_remove

HEADERS = ["日期", "上班/休息", "说明"]


@pytest.fixture
def autumn(db):
    autumn_2026()


def test_five_working_days_across_national_day_end_on_the_make_up_saturday(autumn):
    # 9/29 Tue (1), 9/30 Wed (2), 10/1–7 off, 10/8 Thu (3), 10/9 Fri (4), 10/10 Sat 调休 (5)
    assert working_period_end(date(2026, 9, 29), 5) == date(2026, 10, 10)
    # without the calendar it would be 10/5, a holiday
    WorkCalendarDay.objects.all().delete()
    assert working_period_end(date(2026, 9, 29), 5) == date(2026, 10, 5)


def test_the_make_up_sunday_counts_and_mid_autumn_does_not(autumn):
    assert working_period_end(date(2026, 9, 19), 1) == date(2026, 9, 20)  # Sat → Sun 调休
    assert working_period_end(date(2026, 9, 24), 2) == date(2026, 9, 28)  # Thu, (Fri 中秋) Mon
    assert is_working_day(date(2026, 10, 10)) and not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 10, 11))


def test_working_days_in_september_and_october_2026(autumn):
    # September: 22 weekdays − 9/25 + 9/20 = 22; October: 22 weekdays − 5 (10/1, 2, 5, 6, 7)
    # + 10/10 = 18
    assert working_days_between(date(2026, 9, 1), date(2026, 9, 30)) == 22
    assert working_days_between(date(2026, 10, 1), date(2026, 10, 31)) == 18


def test_the_administrator_adds_and_removes_days_audited(world):
    admin = world.users["admin"]
    day = calendar_day_add(actor=admin, day=date(2026, 10, 10), is_workday=True, note="国庆调休")
    with pytest.raises(ValidationError) as twice:
        calendar_day_add(actor=admin, day=date(2026, 10, 10), is_workday=False)
    assert twice.value.message_dict == {"day": ["2026-10-10 已有设置，请先删除再添加。"]}
    with pytest.raises(PermissionDenied):
        calendar_day_add(actor=world.users["trainer"], day=date(2026, 10, 1), is_workday=False)
    calendar_day_remove(actor=admin, day=day)
    assert WorkCalendarDay.objects.count() == 0
    assert list(AuditLog.objects.order_by("pk").values_list("action", "object_repr")) == [
        ("calendar.day_add", "2026-10-10 上班 国庆调休"),
        ("calendar.day_remove", "2026-10-10 上班 国庆调休")]


def test_a_year_is_imported_from_a_small_xlsx(world):
    rows = [HEADERS, ["2026-09-20", "上班", "国庆调休"], ["2026/10/1", "休息", "国庆节"],
            ["2026年10月10日", "班", "国庆调休"]]
    job = run_import("work_calendar", xlsx(rows, sheet="节假日"), actor=world.users["admin"])
    assert job.status == ImportStatus.DONE
    assert list(WorkCalendarDay.objects.values_list("date", "is_workday", "note")) == [
        (date(2026, 9, 20), True, "国庆调休"), (date(2026, 10, 1), False, "国庆节"),
        (date(2026, 10, 10), True, "国庆调休")]


def test_a_bad_calendar_file_writes_nothing(world):
    WorkCalendarDay.objects.create(date=date(2026, 10, 2), is_workday=False, note="国庆节")
    rows = [HEADERS, ["2026-10-01", "放假", ""], ["2026-13-01", "休息", ""],
            ["2026-10-02", "休息", "国庆节"], ["2026-10-03", "休息", ""], ["2026-10-03", "休息", ""]]
    job = run_import("work_calendar", xlsx(rows, sheet="节假日"), actor=world.users["admin"])
    assert job.status == ImportStatus.INVALID
    assert messages(job) == [
        "第 2 行「上班/休息」只能填写：上班、休息",
        "第 3 行「日期」不是有效日期（可写作 2024-09-01、2024/9/1 或 2024年9月1日）",
        "第 4 行「日期」已存在；如需修改已有数据，请勾选「更新已有数据」后重新导入",
        "第 6 行「日期」与第 5 行重复",
    ]
    assert WorkCalendarDay.objects.count() == 1


def test_only_the_administrator_imports_the_calendar(world):
    with pytest.raises(PermissionDenied):
        run_import("work_calendar", xlsx([HEADERS, ["2026-10-01", "休息", ""]]),
                   actor=world.users["trainer"])
