"""Lists of competitions and entries (pages, Excel exports, `yanxun export`), with their
counts taken from the entries and their rows scoped like the pages."""

from collections import defaultdict

from django.db.models import Count, Q

from yanxun.core.listing import (
    Column,
    Filter,
    ListSpec,
    choice_label,
    detail_link,
    listable,
    register_spec,
)
from yanxun.org.lists import school_choices
from yanxun.review import rules
from yanxun.review.enums import CompetitionLevel, CompetitionStatus, EntryStatus
from yanxun.review.models import CompetitionGroup, Entry
from yanxun.review.selectors_entries import competitions_visible, entries_visible

E = EntryStatus
SUBMITTED = [s for s in E.values if s not in (E.DRAFT, E.WITHDRAWN)]


def competition_queryset(user):
    return competitions_visible(user).annotate(
        group_total=Count("groups", distinct=True),
        entry_total=Count("entries", filter=Q(entries__status__in=SUBMITTED), distinct=True),
        accepted_total=Count("entries", filter=Q(entries__status=E.ACCEPTED), distinct=True))


def year_choices(user):
    years = competitions_visible(user).order_by("-year").values_list("year", flat=True)
    return [(y, f"{y} 年") for y in dict.fromkeys(years)]


COMPETITIONS = register_spec(ListSpec(
    name="review_competitions",
    title="评比活动",
    columns=(
        Column("name", "活动名称", "name", sort="name", link=True, width=32),
        Column("year", "年度", "year", sort="year", width=8),
        Column("level", "级别", choice_label("level", CompetitionLevel.choices), sort="level",
               width=8),
        Column("organiser", "主办单位", "organiser", width=20, page=False),
        Column("status", "状态", choice_label("status", CompetitionStatus.choices),
               sort="status", width=10),
        Column("groups", "组别", "group_total", width=6),
        Column("entries", "已提交作品", "entry_total", sort="entry_total", width=10),
        Column("accepted", "审查通过", "accepted_total", sort="accepted_total", width=10),
        Column("entry_closes", "报名截止", "entry_closes", sort="entry_closes", width=18),
        Column("recommend_closes", "学校推荐截止", "recommend_closes", width=18, page=False),
    ),
    base_queryset=competition_queryset,
    search_fields=("name__icontains", "organiser__icontains"),
    search_label="活动名称 / 主办单位",
    filters=(
        Filter("year", "年度", "year", choices=year_choices, integer=True),
        Filter("level", "级别", "level", choices=CompetitionLevel.choices),
        Filter("status", "状态", "status", choices=CompetitionStatus.choices),
    ),
    default_sort="-year",
    view_perm=rules.VIEW_COMPETITIONS,
    export_perm=rules.MANAGE_COMPETITIONS,
    detail_url=detail_link("review:competition_detail"),
))


# --- entries -------------------------------------------------------------------------------------


def entry_queryset(user):
    return (entries_visible(user).exclude(status=E.DRAFT)
            .select_related("competition", "group", "teacher", "school"))


def competition_choices(user):
    return competitions_visible(user).order_by("-year", "name").values_list("pk", "name")


def group_choices(user):
    rows = (CompetitionGroup.objects.filter(competition__in=competitions_visible(user))
            .select_related("competition").order_by("-competition__year", "competition__name",
                                                    "position", "pk"))
    return [(g.pk, f"{g.competition.name} · {g.name}") for g in rows]


def attach_co_authors(entries: list) -> None:
    names: dict[int, list[str]] = defaultdict(list)
    through = Entry.co_authors.through.objects.filter(entry_id__in=[e.pk for e in entries])
    for entry_id, name in through.values_list("entry_id", "teacher__name").order_by("pk"):
        names[entry_id].append(name)
    for entry in entries:
        entry.co_author_names = "、".join(names[entry.pk])


ENTRIES = register_spec(ListSpec(
    name="review_entries",
    title="参评作品",
    columns=(
        Column("code", "编号", "code", sort="code", link=True, width=8),
        Column("title", "作品名称", "title", sort="title", width=30, wrap=True),
        Column("competition", "评比活动", "competition.name", sort="competition__name",
               width=28, page=False),
        Column("group", "组别", "group.name", sort="group__position", width=14),
        Column("author", "第一作者", "teacher.name", sort="teacher__name", width=10),
        Column("co_authors", "其他作者", "co_author_names", width=20),
        Column("school", "学校", "school.name", sort="school__code", width=24),
        Column("status", "状态", choice_label("status", E.choices), sort="status", width=10),
        Column("reason", "退回/不通过原因", "status_reason", width=30, page=False),
        Column("submitted_at", "提交时间", "submitted_at", sort="submitted_at", width=18),
        Column("recommended_at", "推荐时间", "recommended_at", width=18, page=False),
        Column("checked_at", "审查时间", "checked_at", width=18, page=False),
    ),
    base_queryset=entry_queryset,
    search_fields=("code__icontains", "title__icontains", "teacher__name__icontains",
                   "teacher__employee_no"),
    search_label="编号 / 作品名称 / 作者 / 工号",
    filters=(
        Filter("competition", "评比活动", "competition_id", choices=competition_choices,
               integer=True),
        Filter("group", "组别", "group_id", choices=group_choices, integer=True),
        Filter("school", "学校", "school_id", choices=school_choices, integer=True),
        Filter("status", "状态", "status", choices=[c for c in E.choices if c[0] != E.DRAFT]),
    ),
    default_sort="code",
    view_perm=rules.VIEW_ENTRIES,
    export_perm=listable(rules.VIEW_ENTRIES),
    personal_data=True,
    detail_url=detail_link("review:entry_detail"),
    attach=attach_co_authors,
))
