"""The list of sessions staff run check-in for (签到管理): pages and Excel export."""

from django.db.models import QuerySet

from yanxun.core.listing import Column, Filter, ListSpec, detail_link, register_spec
from yanxun.training import rules
from yanxun.training.models import TrainingSession


def _sessions(user) -> QuerySet:
    return TrainingSession.objects.select_related("training_class__program")


def _times(session: TrainingSession) -> str:
    return f"{session.starts_at:%H:%M}–{session.ends_at:%H:%M}"


CHECKIN_SESSIONS = register_spec(ListSpec(
    name="checkin_sessions",
    title="签到管理",
    columns=(
        Column("pk", "编号", "pk", sort="pk", width=8),
        Column("date", "日期", "date", sort="date", width=12),
        Column("time", "时间", _times, sort="starts_at", width=14),
        Column("program", "培训项目", "training_class.program.name",
               sort="training_class__program__name", width=30, wrap=True),
        Column("class", "班次", "training_class.name", sort="training_class__name", width=16),
        Column("title", "内容", "title", sort="title", link=True, width=30, wrap=True),
        Column("place", "地点", lambda s: s.place or ("线上" if s.online_url else ""), width=20),
    ),
    base_queryset=_sessions,
    search_fields=("title__icontains", "training_class__name__icontains",
                   "training_class__program__name__icontains", "place__icontains"),
    search_label="项目 / 班次 / 内容 / 地点",
    filters=(
        Filter("from", "日期起", "date", kind="date_from"),
        Filter("to", "日期止", "date", kind="date_to"),
    ),
    default_sort="-date",
    view_perm=rules.RUN_CHECK_IN,
    export_perm=rules.RUN_CHECK_IN,
    detail_url=detail_link("training:checkin_roster"),
))
