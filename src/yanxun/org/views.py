"""Pages of the org module: schools, teachers, staff, groups, 我的档案. Thin: the lists come
from org.lists, the reads from org.selectors, the writes from org.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from yanxun.core.enums import DataScope, Role
from yanxun.core.listing import listable, render_list
from yanxun.core.masking import mask_id_number, mask_phone
from yanxun.core.navigation import NavItem, register
from yanxun.core.permissions import Permission, has_perm
from yanxun.org import lists, rules, selectors, services
from yanxun.org.forms import SchoolForm, TeacherCreateForm, TeacherForm, TransferForm
from yanxun.org.models import District, School, Teacher

# 我的档案 is in the sidebar of those who have a teacher record of their own.
MY_PROFILE = Permission("org.my_profile", "我的档案", {str(Role.TEACHER): str(DataScope.SELF)})

register(
    NavItem("工作台", "我的档案", "org:my_profile", MY_PROFILE),
    NavItem("组织与人员", "学校", "org:school_list", listable(rules.VIEW_SCHOOLS)),
    NavItem("组织与人员", "教师", "org:teacher_list", listable(rules.VIEW_TEACHERS)),
    NavItem("组织与人员", "研训员", "org:staff_list", listable(rules.VIEW_STAFF)),
    NavItem("组织与人员", "教育集团", "org:group_list", listable(rules.VIEW_SCHOOLS)),
    NavItem("组织与人员", "教研共同体", "org:community_list",
            listable(rules.VIEW_SCHOOLS)),
)

TEACHER_FIELDS = ["employee_no", "name", "gender", "id_number", "phone", "stage",
                  "professional_title", "entry_year", "status"]


def _actions(user, *candidates: tuple[str, str, object]) -> list[dict]:
    return [{"label": label, "url": reverse(name), "primary": True}
            for label, name, perm in candidates if has_perm(user, perm)]


def _form_page(request, template: str, form, title: str, **extra):
    return render(request, template, {"form": form, "page_title": title, **extra})


# --- schools -------------------------------------------------------------------------------


@login_required
def school_list(request):
    actions = _actions(request.user, ("新增学校", "org:school_create", rules.MANAGE_SCHOOLS))
    return render_list(request, lists.SCHOOLS, context={"actions": actions})


@login_required
def school_detail(request, pk: int):
    school = selectors.school_for_view(request.user, pk)
    return render(request, "org/school_detail.html", {
        "school": school, "page_title": school.name,
        "summary": selectors.school_teacher_summary(school),
        "can_edit": has_perm(request.user, rules.MANAGE_SCHOOLS),
        "teachers_url": reverse("org:teacher_list") + f"?school={school.pk}",
    })


@login_required
def school_create(request):
    if not has_perm(request.user, rules.MANAGE_SCHOOLS):
        raise PermissionDenied("无权新增学校。")
    form = SchoolForm(request.POST or None, initial={"district": District.objects.first()})
    del form.fields["is_active"]
    if request.method == "POST" and form.is_valid():
        try:
            school = services.school_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, School)
        else:
            messages.success(request, f"已新增学校「{school.name}」。")
            return redirect("org:school_detail", pk=school.pk)
    return _form_page(request, "form_page.html", form, "新增学校",
                      cancel_url=reverse("org:school_list"))


def _school_initial(school) -> dict:
    return {"district": school.district_id, "code": school.code, "name": school.name,
            "short_name": school.short_name, "school_type": school.school_type,
            "location": school.location, "is_weak": school.is_weak,
            "is_active": school.is_active, "address": school.address,
            "education_groups": list(school.education_groups.all()),
            "research_communities": list(school.research_communities.all())}


@login_required
def school_edit(request, pk: int):
    school = selectors.school_for_edit(request.user, pk)
    form = SchoolForm(request.POST or None, initial=_school_initial(school))
    if request.method == "POST" and form.is_valid():
        try:
            services.school_update(actor=request.user, school=school, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, School)
        else:
            messages.success(request, "学校信息已保存。")
            return redirect("org:school_detail", pk=school.pk)
    return _form_page(request, "form_page.html", form, f"编辑学校：{school.name}",
                      cancel_url=reverse("org:school_detail", args=[school.pk]))


# --- teachers ------------------------------------------------------------------------------


@login_required
def teacher_list(request):
    actions = _actions(request.user, ("新增教师", "org:teacher_create", rules.MANAGE_TEACHERS))
    return render_list(request, lists.TEACHERS, context={"actions": actions})


def _personal(teacher, full: bool) -> dict:
    if full:
        return {"id_number": teacher.id_number, "phone": teacher.phone, "masked": False}
    return {"id_number": mask_id_number(teacher.id_number), "phone": mask_phone(teacher.phone),
            "masked": True}


def _teacher_context(user, teacher) -> dict:
    return {
        "teacher": teacher,
        "personal": _personal(teacher, selectors.can_see_personal_data(user, teacher)),
        "honours": teacher.honour_list,
        "postings": list(teacher.postings.all()),
        "subjects": teacher.subject_names,
        "today": timezone.localdate(),
    }


@login_required
def teacher_detail(request, pk: int):
    user = request.user
    teacher = selectors.teacher_for_view(user, pk)
    return render(request, "org/teacher_detail.html", {
        **_teacher_context(user, teacher), "page_title": teacher.name,
        "can_edit": selectors.can_manage_teacher(user, teacher),
        "can_transfer": selectors.can_transfer(user),
        "can_reset_password": selectors.can_reset_password(user, teacher),
    })


@login_required
def teacher_create(request):
    schools = selectors.schools_for_new_teacher(request.user)
    if not has_perm(request.user, rules.MANAGE_TEACHERS):
        raise PermissionDenied("无权新增教师。")
    form = TeacherCreateForm(request.POST or None, schools=schools,
                             initial={"entry_year": None, "professional_title": "none"})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password_hash = make_password(data.pop("initial_password"))
        try:
            teacher = services.teacher_create(actor=request.user, password_hash=password_hash,
                                              **data)
        except ValidationError as exc:
            form.add_service_error(exc, Teacher)
        else:
            messages.success(request, f"已新增教师「{teacher.name}」，登录名为"
                                      f"「{teacher.user.username}」，首次登录须修改初始密码。")
            return redirect("org:teacher_detail", pk=teacher.pk)
    return _form_page(request, "form_page.html", form, "新增教师",
                      cancel_url=reverse("org:teacher_list"))


@login_required
def teacher_edit(request, pk: int):
    teacher = selectors.teacher_for_edit(request.user, pk)
    initial = {name: getattr(teacher, name) for name in TEACHER_FIELDS}
    initial["subjects"] = list(teacher.subjects.all())
    form = TeacherForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.teacher_update(actor=request.user, teacher=teacher, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, Teacher)
        else:
            messages.success(request, "教师信息已保存。")
            return redirect("org:teacher_detail", pk=teacher.pk)
    return _form_page(request, "form_page.html", form, f"编辑教师：{teacher.name}",
                      cancel_url=reverse("org:teacher_detail", args=[teacher.pk]))


@login_required
def teacher_transfer(request, pk: int):
    teacher = selectors.teacher_for_view(request.user, pk)
    if not selectors.can_transfer(request.user):
        raise PermissionDenied("只有系统管理员可以办理教师调动。")
    form = TransferForm(request.POST or None, teacher=teacher)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.teacher_transfer(actor=request.user, teacher=teacher,
                                      to_school=data["to_school"], on=data["on"],
                                      note=data["note"])
        except ValidationError as exc:
            form.add_service_error(exc, Teacher)
        else:
            messages.success(request, f"已将{teacher.name}调至{data['to_school'].name}。")
            return redirect("org:teacher_detail", pk=teacher.pk)
    return _form_page(request, "form_page.html", form, f"教师调动：{teacher.name}",
                      cancel_url=reverse("org:teacher_detail", args=[teacher.pk]),
                      intro=f"当前学校：{teacher.school.name}。调动后原任职经历保留。")


@login_required
def my_profile(request):
    """我的档案: the logged-in teacher's own record, full personal data, phone-friendly."""
    teacher = selectors.own_teacher(request.user)
    context = _teacher_context(request.user, teacher) if teacher else {}
    return render(request, "org/my_profile.html", {**context, "page_title": "我的档案"})


# --- staff, groups, communities -------------------------------------------------------------


@login_required
def staff_list(request):
    return render_list(request, lists.STAFF)


@login_required
def staff_detail(request, pk: int):
    staff = selectors.staff_for_view(request.user, pk)
    full = has_perm(request.user, rules.MANAGE_STAFF)
    phone = staff.user.phone if full else mask_phone(staff.user.phone)
    return render(request, "org/staff_detail.html", {
        "staff": staff, "page_title": str(staff), "phone": phone, "masked": not full,
        "stages": lists.stages_text(staff), "subjects": list(staff.subjects.all()),
    })


@login_required
def group_list(request):
    return render_list(request, lists.EDUCATION_GROUPS)


@login_required
def community_list(request):
    return render_list(request, lists.RESEARCH_COMMUNITIES)
