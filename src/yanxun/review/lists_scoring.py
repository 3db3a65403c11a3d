"""The list of rounds (评审轮次) for centre staff: page, Excel export, `yanxun export`."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from yanxun.core.listing import (
    Column,
    Filter,
    ListSpec,
    choice_label,
    detail_link,
    register_spec,
)
from yanxun.core.permissions import has_perm
from yanxun.review import rules
from yanxun.review.enums import AggregationMethod, RoundKind, RoundStatus
from yanxun.review.models import Assignment, Competition, Round, RoundEntry, RoundJudge


def _count(model):
    rows = (model.objects.filter(round=OuterRef("pk")).order_by().values("round")
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows), 0)


def round_queryset(user):
    if not has_perm(user, rules.RUN_REVIEWS):
        return Round.objects.none()
    return Round.objects.select_related("competition").annotate(
        entry_total=_count(RoundEntry), judge_total=_count(RoundJudge),
        assignment_total=_count(Assignment))


def competition_choices(user):
    return Competition.objects.order_by("-year", "name").values_list("pk", "name")


ROUNDS = register_spec(ListSpec(
    name="review_rounds",
    title="评审轮次",
    columns=(
        Column("competition", "评比活动", "competition.name", sort="competition__name", width=30),
        Column("name", "轮次", "name", sort="position", link=True, width=10),
        Column("kind", "方式", choice_label("kind", RoundKind.choices), width=10),
        Column("status", "状态", choice_label("status", RoundStatus.choices), sort="status",
               width=10),
        Column("blind", "匿名", lambda r: "是" if r.blind else "否", width=6),
        Column("k", "每件评委数", "judges_per_entry", width=8),
        Column("entries", "作品数", "entry_total", sort="entry_total", width=8),
        Column("judges", "评委数", "judge_total", width=8),
        Column("assignments", "分配数", "assignment_total", width=8),
        Column("method", "计分方法", choice_label("method", AggregationMethod.choices), width=14,
               page=False),
        Column("opens_at", "评分开始", "opens_at", sort="opens_at", width=18),
        Column("closes_at", "评分截止", "closes_at", sort="closes_at", width=18),
    ),
    base_queryset=round_queryset,
    search_fields=("name__icontains", "competition__name__icontains"),
    search_label="评比活动 / 轮次",
    filters=(
        Filter("competition", "评比活动", "competition_id", choices=competition_choices,
               integer=True),
        Filter("status", "状态", "status", choices=RoundStatus.choices),
    ),
    default_sort="-closes_at",
    view_perm=rules.RUN_REVIEWS,
    export_perm=rules.RUN_REVIEWS,
    detail_url=detail_link("review:round_detail"),
))
