"""The org lists (schools, teachers, staff, groups, communities): one ListSpec each, used by
the pages, their Excel exports, the API and `yanxun export`."""

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When

from yanxun.core.listing import (
    Column,
    Filter,
    ListSpec,
    choice_label,
    detail_link,
    register_spec,
    scoped_for,
)
from yanxun.core.masking import mask_id_number, mask_phone
from yanxun.core.permissions import scoped
from yanxun.org import rules
from yanxun.org.enums import (
    Gender,
    HonourTier,
    Location,
    ProfessionalTitle,
    SchoolType,
    StaffKind,
    Stage,
    TeacherStatus,
)
from yanxun.org.models import (
    EducationGroup,
    ResearchCommunity,
    School,
    StaffMember,
    Subject,
    Teacher,
    TeacherHonour,
)
from yanxun.org.selectors import with_subjects_and_honours

YES_NO = (("1", "是"), ("0", "否"))
TITLE_RANK = Case(*[When(professional_title=value, then=Value(rank))
                    for rank, value in enumerate(ProfessionalTitle.values)],
                  default=Value(0), output_field=IntegerField())


def visible_schools(user):
    return scoped_for(School.objects.all(), user, rules.VIEW_SCHOOLS)


def school_choices(user):
    return visible_schools(user).filter(is_active=True).values_list("pk", "name")


def subject_choices(user):
    return Subject.objects.values_list("pk", "name")


def _names(items) -> str:
    return "、".join(str(item) for item in items)


def honours_text(teacher: Teacher) -> str:
    return _names(teacher.honour_list)


def _has_honour(queryset, value: str):
    honours = TeacherHonour.objects.filter(teacher=OuterRef("pk"), tier=value)
    return queryset.filter(Exists(honours))


# --- teachers ------------------------------------------------------------------------------


def teacher_queryset(user):
    return scoped_for(Teacher.objects.select_related("school"), user, rules.VIEW_TEACHERS)


TEACHERS = register_spec(ListSpec(
    name="teachers",
    title="教师",
    columns=(
        Column("employee_no", "工号", "employee_no", sort="employee_no", width=12),
        Column("name", "姓名", "name", sort="name", link=True, width=10),
        Column("gender", "性别", choice_label("gender", Gender.choices), width=6),
        Column("school", "学校", "school.name", sort="school__code", width=24, unit=True),
        Column("stage", "学段", choice_label("stage", Stage.choices), sort="stage", width=8),
        Column("subjects", "任教学科", lambda t: _names(t.subject_names), width=14),
        Column("title", "职称", choice_label("professional_title", ProfessionalTitle.choices),
               sort=TITLE_RANK, width=12),
        Column("honours", "荣誉称号", honours_text, width=24),
        Column("entry_year", "入职年份", "entry_year", sort="entry_year", width=10,
               page=False),
        Column("id_number", "身份证号", "id_number", personal=mask_id_number, width=22,
               page=False),
        Column("phone", "手机号", "phone", personal=mask_phone, width=14),
        Column("status", "状态", choice_label("status", TeacherStatus.choices), sort="status",
               width=8),
    ),
    base_queryset=teacher_queryset,
    attach=with_subjects_and_honours,
    page_fields=("employee_no", "name", "gender", "school__name", "stage",
                 "professional_title", "phone", "status"),
    search_fields=("name__icontains", "employee_no__icontains", "phone"),
    search_label="姓名 / 工号 / 手机号",
    filters=(
        Filter("school", "学校", "school_id", choices=school_choices, integer=True),
        Filter("stage", "学段", "stage", choices=Stage.choices),
        Filter("subject", "学科", "subjects", choices=subject_choices, integer=True),
        Filter("title", "职称", "professional_title", choices=ProfessionalTitle.choices),
        Filter("status", "状态", "status", choices=TeacherStatus.choices),
        Filter("honour", "荣誉", choices=HonourTier.choices, apply=_has_honour),
    ),
    default_sort="school",
    view_perm=rules.VIEW_TEACHERS,
    export_perm=rules.EXPORT_TEACHERS,
    personal_perm=rules.VIEW_PERSONAL_DATA,
    personal_data=True,
    detail_url=detail_link("org:teacher_detail"),
    versioned_by="org",
))


# --- schools -------------------------------------------------------------------------------


def school_queryset(user):
    queryset = (School.objects.prefetch_related("education_groups")
                .annotate(teacher_count=Count("teachers",
                                              filter=Q(teachers__status=TeacherStatus.ACTIVE))))
    return scoped_for(queryset, user, rules.VIEW_SCHOOLS)


def group_choices(user):
    return EducationGroup.objects.values_list("pk", "name")


def _is_weak(queryset, value: str):
    return queryset.filter(is_weak=value == "1")


def _is_active(queryset, value: str):
    return queryset.filter(is_active=value == "1")


SCHOOLS = register_spec(ListSpec(
    name="schools",
    title="学校",
    columns=(
        Column("code", "学校代码", "code", sort="code", width=12),
        Column("name", "学校名称", "name", sort="name", link=True, width=26),
        Column("short_name", "简称", "short_name", width=12),
        Column("school_type", "办学类型", "get_school_type_display", sort="school_type",
               width=14),
        Column("location", "城乡", "get_location_display", sort="location", width=8),
        Column("is_weak", "薄弱学校", "is_weak", sort="is_weak", width=10),
        Column("groups", "教育集团", lambda s: _names(s.education_groups.all()), width=20),
        Column("teacher_count", "在职教师", "teacher_count", sort="teacher_count", width=10),
        Column("is_active", "在用", "is_active", width=6),
    ),
    base_queryset=school_queryset,
    search_fields=("name__icontains", "short_name__icontains", "code__icontains"),
    search_label="学校名称 / 简称 / 代码",
    filters=(
        Filter("school_type", "办学类型", "school_type", choices=SchoolType.choices),
        Filter("location", "城乡", "location", choices=Location.choices),
        Filter("weak", "薄弱学校", choices=YES_NO, apply=_is_weak),
        Filter("group", "教育集团", "education_groups", choices=group_choices, integer=True),
        Filter("active", "在用", choices=YES_NO, apply=_is_active),
    ),
    default_sort="code",
    view_perm=rules.VIEW_SCHOOLS,
    export_perm=rules.VIEW_SCHOOLS,
    detail_url=detail_link("org:school_detail"),
    versioned_by="org",
))


# --- staff ---------------------------------------------------------------------------------


def staff_queryset(user):
    queryset = (StaffMember.objects.select_related("user", "teacher__school")
                .prefetch_related("subjects"))
    return scoped_for(queryset, user, rules.VIEW_STAFF)


def stages_text(staff: StaffMember) -> str:
    labels = dict(Stage.choices)
    return "、".join(str(labels.get(s, s)) for s in staff.stages or [])


STAFF = register_spec(ListSpec(
    name="staff",
    title="研训员",
    columns=(
        Column("username", "登录名", "user.username", sort="user__username", width=14),
        Column("name", "姓名", "user.name", sort="user__name", link=True, width=10),
        Column("kind", "类别", "get_kind_display", sort="kind", width=12),
        Column("department", "部门", "department", sort="department", width=14),
        Column("subjects", "负责学科", lambda s: _names(s.subjects.all()), width=16),
        Column("stages", "负责学段", stages_text, width=16),
        Column("school", "所在学校", "teacher.school.name", width=22),
        Column("phone", "手机号", "user.phone", personal=mask_phone, width=14),
    ),
    base_queryset=staff_queryset,
    search_fields=("user__name__icontains", "user__username__icontains", "department__icontains"),
    search_label="姓名 / 登录名 / 部门",
    filters=(
        Filter("kind", "类别", "kind", choices=StaffKind.choices),
        Filter("subject", "学科", "subjects", choices=subject_choices, integer=True),
    ),
    default_sort="kind",
    view_perm=rules.VIEW_STAFF,
    export_perm=rules.MANAGE_STAFF,
    personal_perm=rules.MANAGE_STAFF,
    personal_data=True,
    detail_url=detail_link("org:staff_detail"),
))


# --- education groups and research communities ------------------------------------------


def _unit_queryset(model, user):
    """Groups (or communities) having at least one school the user may see."""
    member_schools = Prefetch("schools", queryset=School.objects.order_by("code"))
    queryset = (model.objects.select_related("lead_school").prefetch_related(member_schools)
                .annotate(school_count=Count("schools", distinct=True)))
    if user is None:
        return queryset
    schools = scoped(School.objects.all(), user, rules.VIEW_SCHOOLS)
    return queryset.filter(Exists(model.schools.through.objects.filter(
        **{f"{model._meta.model_name}_id": OuterRef("pk")}, school_id__in=schools.values("pk"),
    )))


def _unit_spec(name: str, title: str, model) -> ListSpec:
    return register_spec(ListSpec(
        name=name,
        title=title,
        columns=(
            Column("name", "名称", "name", sort="name", width=24),
            Column("lead_school", "牵头学校", "lead_school.name", sort="lead_school__name",
                   width=24),
            Column("school_count", "成员学校数", "school_count", sort="school_count", width=10),
            Column("schools", "成员学校", lambda g: _names(g.schools.all()), width=60,
                   wrap=True),
        ),
        base_queryset=lambda user: _unit_queryset(model, user),
        search_fields=("name__icontains",),
        search_label="名称",
        default_sort="name",
        view_perm=rules.VIEW_SCHOOLS,
        export_perm=rules.VIEW_SCHOOLS,
        versioned_by="org",
    ))


EDUCATION_GROUPS = _unit_spec("education_groups", "教育集团", EducationGroup)
RESEARCH_COMMUNITIES = _unit_spec("research_communities", "教研共同体", ResearchCommunity)
