"""Lists of the results part (pages, Excel exports, `yanxun export <name>`): competitions with
their review results, and the objections to answer."""

from django.db.models import Count, Q

from yanxun.core.listing import Column, Filter, ListSpec, choice_label, detail_link, register_spec
from yanxun.core.masking import mask_phone
from yanxun.review import rules
from yanxun.review.enums import CompetitionLevel, CompetitionStatus, ObjectionStatus
from yanxun.review.models import Competition, Objection

RESULT_STATUSES = (CompetitionStatus.REVIEWING, CompetitionStatus.NOTICE,
                   CompetitionStatus.PUBLISHED)


def competitions_queryset(user):
    """Competitions under review or beyond: the district's, seen whole by VIEW_RESULTS."""
    return Competition.objects.filter(status__in=RESULT_STATUSES).annotate(
        round_count=Count("rounds", distinct=True),
        award_count=Count("awards", filter=Q(awards__revoked=False), distinct=True))


def _year(queryset, value: str):
    return queryset.filter(year=int(value)) if value.isdigit() and len(value) == 4 \
        else queryset.none()


COMPETITIONS = register_spec(ListSpec(
    name="review_results",
    title="评审结果",
    columns=(
        Column("name", "评比活动", "name", sort="name", link=True, width=30),
        Column("year", "年度", "year", sort="year", width=8),
        Column("level", "级别", choice_label("level", CompetitionLevel.choices), sort="level",
               width=8),
        Column("organiser", "主办单位", "organiser", width=20),
        Column("status", "状态", choice_label("status", CompetitionStatus.choices),
               sort="status", width=10),
        Column("rounds", "轮次数", "round_count", sort="round_count", width=8),
        Column("awards", "获奖作品", "award_count", sort="award_count", width=10),
    ),
    base_queryset=competitions_queryset,
    search_fields=("name__icontains", "organiser__icontains"),
    search_label="活动名称 / 主办单位",
    filters=(
        Filter("year", "年度", "year", kind="text", apply=_year),
        Filter("status", "状态", "status",
               choices=[(s.value, s.label) for s in RESULT_STATUSES]),
        Filter("level", "级别", "level", choices=CompetitionLevel.choices),
    ),
    default_sort="-year",
    view_perm=rules.VIEW_RESULTS,
    export_perm=rules.VIEW_RESULTS,
    detail_url=detail_link("review:competition_results"),
))


def objections_queryset(user):
    return Objection.objects.select_related("notice__competition", "entry", "filed_by")


def competition_choices(user):
    return Competition.objects.filter(notices__isnull=False).distinct().values_list("pk", "name")


OBJECTIONS = register_spec(ListSpec(
    name="review_objections",
    title="异议处理",
    columns=(
        Column("created_at", "提出时间", "created_at", sort="created_at", link=True, width=18),
        Column("competition", "评比活动", "notice.competition.name",
               sort="notice__competition__name", width=24),
        Column("entry", "涉及作品", lambda o: o.entry.code if o.entry else "（整体）",
               sort="entry__code", width=10),
        Column("filed_by", "提出人", "filed_by.name", sort="filed_by__name", width=10),
        Column("phone", "联系电话", "contact_phone", personal=mask_phone, width=14),
        Column("reason", "异议内容", "reason", wrap=True, width=40),
        Column("status", "状态", choice_label("status", ObjectionStatus.choices),
               sort="status", width=10),
        Column("answered_at", "答复时间", "answered_at", sort="answered_at", width=18),
    ),
    base_queryset=objections_queryset,
    search_fields=("reason__icontains", "filed_by__name__icontains", "entry__code"),
    search_label="异议内容 / 提出人 / 作品编号",
    filters=(
        Filter("status", "状态", "status", choices=ObjectionStatus.choices),
        Filter("competition", "评比活动", "notice__competition_id",
               choices=competition_choices, integer=True),
    ),
    default_sort="-created_at",
    view_perm=rules.ANSWER_OBJECTIONS,
    export_perm=rules.ANSWER_OBJECTIONS,
    personal_data=True,
    detail_url=detail_link("review:objection_detail"),
))
