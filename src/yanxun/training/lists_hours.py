"""Lists of the hours part (pages, Excel exports, `yanxun export <name>`): claims to decide,
certificates, and the programs to accredit."""

from django.db.models import Count, Max, Q

from yanxun.core.listing import (
    Column,
    Filter,
    ListSpec,
    choice_label,
    detail_link,
    register_spec,
    scoped_for,
)
from yanxun.org.models import School
from yanxun.training import rules
from yanxun.training.enums import CertificateKind, ClaimKind, ClaimStatus, ProgramLevel
from yanxun.training.models import Category, Certificate, HourClaim, Program


def school_choices(user):
    return scoped_for(School.objects.filter(is_active=True), user,
                      rules.VIEW_LEDGER).values_list("pk", "name")


def claims_queryset(user):
    return scoped_for(HourClaim.objects.select_related("teacher__school", "rule"), user,
                      rules.VIEW_LEDGER)


CLAIMS = register_spec(ListSpec(
    name="hour_claims",
    title="学时申报",
    columns=(
        Column("created_at", "提交时间", "created_at", sort="created_at", width=18),
        Column("teacher", "教师", "teacher.name", sort="teacher__name", width=10),
        Column("school", "学校", "teacher.school.name", sort="teacher__school__code",
               width=20),
        Column("rule", "申报类型", "rule.name", sort="rule__name", width=20),
        Column("title", "名称", "title", link=True, width=30),
        Column("happened_on", "日期", "happened_on", sort="happened_on", width=12),
        Column("status", "状态", choice_label("status", ClaimStatus.choices), sort="status",
               width=10),
        Column("hours", "认定学时", "hours", sort="hours", width=10),
    ),
    base_queryset=claims_queryset,
    search_fields=("teacher__name__icontains", "teacher__employee_no", "title__icontains"),
    search_label="教师姓名 / 工号 / 名称",
    filters=(
        Filter("status", "状态", "status", choices=ClaimStatus.choices),
        Filter("kind", "类型", "rule__kind", choices=ClaimKind.choices),
        Filter("school", "学校", "teacher__school_id", choices=school_choices, integer=True),
        Filter("date_from", "起始日期", "happened_on", kind="date_from"),
        Filter("date_to", "截止日期", "happened_on", kind="date_to"),
    ),
    default_sort="-created_at",
    view_perm=rules.VIEW_LEDGER,
    export_perm=rules.EXPORT_HOURS,
    personal_data=True,
    detail_url=detail_link("training:claim_detail"),
))


def certificates_queryset(user):
    return scoped_for(Certificate.objects.select_related("teacher__school"), user,
                      rules.VIEW_LEDGER)


CERTIFICATES = register_spec(ListSpec(
    name="certificates",
    title="证书",
    columns=(
        Column("serial", "证书编号", "serial", sort="serial", link=True, width=14),
        Column("kind", "类型", choice_label("kind", CertificateKind.choices), sort="kind",
               width=10),
        Column("teacher", "教师", "teacher.name", sort="teacher__name", width=10),
        Column("school", "学校", "teacher.school.name", sort="teacher__school__code",
               width=20),
        Column("title", "名称", "title", width=30),
        Column("hours", "学时", "hours", sort="hours", width=8),
        Column("issued_on", "发证日期", "issued_on", sort="issued_on", width=12),
        Column("revoked", "已作废", "revoked", sort="revoked", width=8),
    ),
    base_queryset=certificates_queryset,
    search_fields=("serial", "teacher__name__icontains", "title__icontains"),
    search_label="证书编号 / 教师姓名 / 名称",
    filters=(
        Filter("kind", "类型", "kind", choices=CertificateKind.choices),
        Filter("revoked", "作废", "revoked", choices=(("0", "有效"), ("1", "已作废")),
               apply=lambda qs, v: qs.filter(revoked=v == "1")),
        Filter("school", "学校", "teacher__school_id", choices=school_choices, integer=True),
    ),
    default_sort="-issued_on",
    view_perm=rules.VIEW_LEDGER,
    export_perm=rules.EXPORT_HOURS,
    personal_data=True,
    detail_url=detail_link("training:certificate_pdf"),
))


def programs_queryset(user):
    """Programs are the district's (not a school's): whoever may accredit sees them all."""
    return Program.objects.select_related("category").annotate(
        session_count=Count("classes__sessions", distinct=True),
        last_session=Max("classes__sessions__date"),
        accredited=Count("hour_records", filter=Q(hour_records__source="program"),
                         distinct=True))


def _year(queryset, value: str):
    return queryset.filter(year=int(value)) if value.isdigit() and len(value) == 4 \
        else queryset.none()


def category_choices(user):
    return Category.objects.values_list("pk", "name")


PROGRAMS = register_spec(ListSpec(
    name="hour_programs",
    title="学时认定",
    columns=(
        Column("name", "项目名称", "name", sort="name", link=True, width=30),
        Column("year", "年度", "year", sort="year", width=8),
        Column("level", "层级", choice_label("level", ProgramLevel.choices), sort="level",
               width=8),
        Column("category", "类别", "category.name", sort="category__name", width=12),
        Column("sessions", "日程数", "session_count", sort="session_count", width=8),
        Column("last_session", "最后一次日程", "last_session", sort="last_session", width=14),
        Column("accredited", "已认定人数", "accredited", sort="accredited", width=10),
    ),
    base_queryset=programs_queryset,
    search_fields=("name__icontains", "organiser__icontains"),
    search_label="项目名称 / 主办单位",
    filters=(
        Filter("year", "年度", "year", kind="text", apply=_year),
        Filter("level", "层级", "level", choices=ProgramLevel.choices),
        Filter("category", "类别", "category_id", choices=category_choices, integer=True),
    ),
    default_sort="-last_session",
    view_perm=rules.ACCREDIT_HOURS,
    export_perm=rules.ACCREDIT_HOURS,
    detail_url=detail_link("training:accreditation"),
))
