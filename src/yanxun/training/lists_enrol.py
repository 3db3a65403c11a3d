"""Lists of programs, enrolments and categories (pages, Excel exports, the API and
`yanxun export`), with the seat figures counted from the enrolments."""

from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from yanxun.core.listing import (
    Column,
    Filter,
    ListSpec,
    choice_label,
    detail_link,
    listable,
    register_spec,
    scoped_for,
)
from yanxun.core.masking import mask_phone
from yanxun.org import rules as org_rules
from yanxun.org.lists import school_choices
from yanxun.training import rules
from yanxun.training.enums import EnrolmentSource, EnrolmentStatus, ProgramLevel, ProgramStatus
from yanxun.training.models import Category, Enrolment, TrainingClass
from yanxun.training.selectors_enrol import PROGRAM_PAGES, programs_visible

S = EnrolmentStatus


def _count(status: str):
    rows = (Enrolment.objects.filter(program=OuterRef("pk"), status=status).order_by()
            .values("program").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows), 0)


def _capacity():
    rows = (TrainingClass.objects.filter(program=OuterRef("pk")).order_by().values("program")
            .annotate(total=Sum("capacity")).values("total"))
    return Coalesce(Subquery(rows), 0)


def _class_count():
    rows = (TrainingClass.objects.filter(program=OuterRef("pk")).order_by().values("program")
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows), 0)


def program_queryset(user):
    return programs_visible(user).annotate(
        class_total=_class_count(), capacity_total=_capacity(), enrolled_total=_count(S.ENROLLED),
        waiting_total=_count(S.WAITING), pending_total=_count(S.PENDING))


def year_choices(user):
    years = programs_visible(user).order_by("-year").values_list("year", flat=True).distinct()
    return [(y, f"{y} 年") for y in years]


def category_choices(user):
    return Category.objects.values_list("pk", "name")


PROGRAMS = register_spec(ListSpec(
    name="training_programs",
    title="培训项目",
    columns=(
        Column("name", "项目名称", "name", sort="name", link=True, width=30),
        Column("year", "年度", "year", sort="year", width=8),
        Column("level", "层级", choice_label("level", ProgramLevel.choices), sort="level",
               width=8),
        Column("category", "类别", "category.name", sort="category__sort_order", width=12),
        Column("organiser", "主办单位", "organiser", width=20, page=False),
        Column("is_long", "长期项目", "is_long", width=8),
        Column("status", "状态", choice_label("status", ProgramStatus.choices), sort="status",
               width=10),
        Column("classes", "班次", "class_total", width=6),
        Column("capacity", "名额", "capacity_total", sort="capacity_total", width=8),
        Column("enrolled", "已录取", "enrolled_total", sort="enrolled_total", width=8),
        Column("seats_left", "余额", lambda p: max(0, p.capacity_total - p.enrolled_total),
               width=8),
        Column("waiting", "候补", "waiting_total", sort="waiting_total", width=8),
        Column("pending", "待审核", "pending_total", width=8),
        Column("enrol_closes", "报名截止", "enrol_closes", sort="enrol_closes", width=18),
        Column("budget_planned", "预算（元）", "budget_planned", width=12, page=False),
        Column("budget_spent", "已支出（元）", "budget_spent", width=12, page=False),
    ),
    base_queryset=program_queryset,
    search_fields=("name__icontains", "organiser__icontains"),
    search_label="项目名称 / 主办单位",
    filters=(
        Filter("year", "年度", "year", choices=year_choices, integer=True),
        Filter("level", "层级", "level", choices=ProgramLevel.choices),
        Filter("category", "类别", "category_id", choices=category_choices, integer=True),
        Filter("status", "状态", "status", choices=ProgramStatus.choices),
    ),
    default_sort="-year",
    view_perm=PROGRAM_PAGES,
    export_perm=PROGRAM_PAGES,
    detail_url=detail_link("training:program_detail"),
))


# --- enrolments ------------------------------------------------------------------------------


def _waiting_rank():
    ahead = (Enrolment.objects.filter(training_class=OuterRef("training_class"), status=S.WAITING,
                                      waitlist_position__lte=OuterRef("waitlist_position"))
             .order_by().values("training_class").annotate(n=Count("pk")).values("n"))
    return Subquery(ahead)


def enrolment_queryset(user):
    queryset = (Enrolment.objects.select_related("teacher__school", "program", "training_class")
                .annotate(waiting_rank=_waiting_rank()))
    return scoped_for(queryset, user, rules.VIEW_ENROLMENTS)


def program_choices(user):
    return programs_visible(user).order_by("-year", "name").values_list("pk", "name")


ENROLMENTS = register_spec(ListSpec(
    name="training_enrolments",
    title="培训报名",
    columns=(
        Column("program", "培训项目", "program.name", sort="program__name", width=30),
        Column("class", "班次", "training_class.name", width=10),
        Column("employee_no", "工号", "teacher.employee_no", sort="teacher__employee_no",
               width=12),
        Column("name", "姓名", "teacher.name", sort="teacher__name", width=10),
        Column("school", "学校", "teacher.school.name", sort="teacher__school__code", width=24),
        Column("status", "状态", choice_label("status", S.choices), sort="status", width=10),
        Column("waiting_rank", "候补位次", "waiting_rank", width=8),
        Column("source", "方式", choice_label("source", EnrolmentSource.choices), width=10),
        Column("created_at", "报名时间", "created_at", sort="created_at", width=18),
        Column("note", "说明", "note", width=24, page=False),
        Column("phone", "手机号", "teacher.phone", personal=mask_phone, width=14, page=False),
    ),
    base_queryset=enrolment_queryset,
    search_fields=("teacher__name__icontains", "teacher__employee_no__icontains",
                   "program__name__icontains"),
    search_label="姓名 / 工号 / 项目",
    filters=(
        Filter("program", "培训项目", "program_id", choices=program_choices, integer=True),
        Filter("status", "状态", "status", choices=S.choices),
        Filter("school", "学校", "teacher__school_id", choices=school_choices, integer=True),
        Filter("source", "方式", "source", choices=EnrolmentSource.choices),
    ),
    default_sort="-created_at",
    view_perm=rules.VIEW_ENROLMENTS,
    export_perm=listable(rules.VIEW_ENROLMENTS),
    personal_perm=org_rules.VIEW_PERSONAL_DATA,
    personal_data=True,
))


# --- categories ------------------------------------------------------------------------------


def category_queryset(user):
    return Category.objects.annotate(program_total=Count("programs"))


CATEGORIES = register_spec(ListSpec(
    name="training_categories",
    title="培训类别",
    columns=(
        Column("name", "类别", "name", sort="name", link=True, width=16),
        Column("annual_cap", "每年计入上限（学时）", lambda c: c.annual_cap if c.annual_cap
               is not None else "不设上限", width=18),
        Column("sort_order", "顺序", "sort_order", sort="sort_order", width=6),
        Column("is_active", "在用", "is_active", width=6),
        Column("programs", "项目数", "program_total", sort="program_total", width=8),
    ),
    base_queryset=category_queryset,
    search_fields=("name__icontains",),
    search_label="类别",
    default_sort="sort_order",
    view_perm=rules.MANAGE_PROGRAMS,
    export_perm=rules.MANAGE_PROGRAMS,
    detail_url=detail_link("training:category_edit"),
))
