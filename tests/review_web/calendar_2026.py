"""The real 2026 calendar around 中秋 and 国庆, from 国务院办公厅关于2026年部分节假日安排的通知
(2025-11-04, published by Xinhua, e.g. https://politics.gmw.cn/2025-11/04/content_38391083.htm):

    六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
    七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""

from datetime import date

from yanxun.core.models import WorkCalendarDay

AUTUMN_2026 = [
    (date(2026, 9, 20), True, "国庆调休"),
    *[(date(2026, 9, d), False, "中秋节") for d in (25, 26, 27)],
    *[(date(2026, 10, d), False, "国庆节") for d in range(1, 8)],
    (date(2026, 10, 10), True, "国庆调休"),
]


def autumn_2026() -> None:
    WorkCalendarDay.objects.bulk_create(
        WorkCalendarDay(date=d, is_workday=w, note=n) for d, w, n in AUTUMN_2026)
