"""Pages of enrolment: the teacher's 培训菜单 and 我的培训 (phone-sized, plain forms), the school
administrator's applicants, the staff's roster with its corrections, and 统一报名 from a
filter or an Excel list. Thin: reads from selectors_enrol, writes through training.enrolment."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from yanxun.core.imports.templates import template_xlsx
from yanxun.core.listing import render_list
from yanxun.core.permissions import has_perm, scoped
from yanxun.org.models import School, Teacher
from yanxun.training import enrolment as services
from yanxun.training import lists_enrol, rules
from yanxun.training import selectors_enrol as selectors
from yanxun.training.eligibility import audience_filter, audience_of
from yanxun.training.enums import EnrolmentSource, ProgramLevel
from yanxun.training.forms_enrol import BulkFilterForm, BulkImportForm, MoveForm, ReasonForm
from yanxun.training.importers_enrol import EnrolmentImporter, import_enrolments
from yanxun.training.models import Category, TrainingClass

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN = 200  # rows of each group shown on the bulk preview and result pages


def _error(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _back(request, default: str) -> str:
    """Where a POST came from, if it is one of our own pages."""
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


# --- the teacher's pages -------------------------------------------------------------------


@login_required
def menu(request):
    level = request.GET.get("level", "")
    category = request.GET.get("category", "")
    search = request.GET.get("q", "").strip()[:50]
    items = selectors.menu_for(request.user, level=level if level in ProgramLevel.values
                               else "", category=category, search=search)
    return render(request, "training/enrol/menu.html", {
        "page_title": "培训菜单", "items": items,
        "open_items": [i for i in items if i.eligible or i.enrolment],
        "closed_items": [i for i in items if not i.eligible and not i.enrolment],
        "levels": ProgramLevel.choices, "categories": Category.objects.filter(is_active=True),
        "level": level, "category": category, "search": search,
    })


@login_required
def menu_program(request, pk: int):
    program = selectors.program_for_view(request.user, pk)
    item = selectors.menu_for(request.user, program_id=program.pk, any_status=True)[0]
    return render(request, "training/enrol/menu_program.html", {
        "page_title": program.name, "item": item, "program": program,
    })


@login_required
@require_POST
def enrol(request, pk: int):
    program = selectors.program_for_view(request.user, pk)
    teacher = selectors.own_teacher(request.user)
    training_class = TrainingClass.objects.filter(program=program,
                                                  pk=_int(request.POST.get("training_class"))
                                                  ).first()
    if teacher is None:
        raise PermissionDenied("您的账号没有关联教师档案，不能报名。")
    if training_class is None:
        messages.error(request, "请选择班次。")
        return redirect("training:menu_program", pk=program.pk)
    try:
        enrolment = services.enrolment_enrol(actor=request.user, teacher=teacher,
                                             training_class=training_class)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("training:menu_program", pk=program.pk)
    messages.success(request, f"已报名「{program.name}」{training_class.name}，当前状态："
                              f"{services.status_text(enrolment)}。")
    return redirect("training:my_training")


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 19 else None


@login_required
def my_training(request):
    teacher = selectors.own_teacher(request.user)
    context = {"page_title": "我的培训", "teacher": teacher}
    if teacher is not None:
        context["rows"] = selectors.my_enrolments(teacher)
        context["notices"] = selectors.notices_for(request.user)
    return render(request, "training/enrol/my_training.html", context)


@login_required
@require_POST
def withdraw(request, pk: int):
    enrolment = selectors.own_enrolment(request.user, pk)
    try:
        services.enrolment_withdraw(actor=request.user, enrolment=enrolment)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已退出「{enrolment.program.name}」。")
    return redirect("training:my_training")


# --- the school's applicants ---------------------------------------------------------------


@login_required
def approvals(request):
    pending = selectors.pending_for(request.user)
    return render(request, "training/enrol/approvals.html", {
        "page_title": "报名审核", "pending": pending,
        "enrolments_url": reverse("training:enrolment_list"),
    })


@login_required
@require_POST
def approve(request, pk: int):
    enrolment = selectors.enrolment_for_decision(request.user, pk)
    try:
        decided = services.enrolment_approve(actor=request.user, enrolment=enrolment)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已通过{enrolment.teacher.name}的报名（{decided.get_status_display()}）。")
    return redirect(_back(request, reverse("training:approvals")))


@login_required
@require_POST
def reject(request, pk: int):
    enrolment = selectors.enrolment_for_decision(request.user, pk)
    try:
        services.enrolment_reject(actor=request.user, enrolment=enrolment,
                                  reason=request.POST.get("reason", "")[:200])
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已退回{enrolment.teacher.name}的报名。")
    return redirect(_back(request, reverse("training:approvals")))


@login_required
def enrolment_list(request):
    return render_list(request, lists_enrol.ENROLMENTS)


# --- the roster (centre staff) -------------------------------------------------------------


@login_required
def roster(request, pk: int):
    program = selectors.program_for_manage(request.user, pk)
    return render(request, "training/enrol/roster.html", {
        "page_title": f"报名名单：{program.name}", "program": program,
        "classes": selectors.roster(program), "reason_form": ReasonForm(),
        "export_url": reverse("training:enrolment_list") + f"?program={program.pk}"
                      "&sort=status&format=xlsx",
    })


@login_required
def enrolment_move(request, pk: int):
    enrolment = selectors.enrolment_for_staff(request.user, pk)
    form = MoveForm(request.POST or None, enrolment=enrolment)
    back = reverse("training:roster", args=[enrolment.program_id])
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_move(actor=request.user, enrolment=enrolment,
                                    to_class=form.cleaned_data["to_class"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已将{enrolment.teacher.name}调至"
                                      f"「{form.cleaned_data['to_class'].name}」。")
            return redirect(back)
    return render(request, "form_page.html", {
        "form": form, "page_title": f"调整班次：{enrolment.teacher.name}", "cancel_url": back,
        "narrow": True, "submit_label": "调整",
        "intro": f"当前：{enrolment.training_class.name}，{services.status_text(enrolment)}。"})


@login_required
@require_POST
def enrolment_remove(request, pk: int):
    enrolment = selectors.enrolment_for_staff(request.user, pk)
    try:
        services.enrolment_remove(actor=request.user, enrolment=enrolment,
                                  reason=request.POST.get("reason", "")[:200])
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已将{enrolment.teacher.name}移出名单。")
    return redirect("training:roster", pk=enrolment.program_id)


@login_required
@require_POST
def enrolment_promote(request, pk: int):
    enrolment = selectors.enrolment_for_staff(request.user, pk)
    try:
        services.enrolment_promote(actor=request.user, enrolment=enrolment)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已将{enrolment.teacher.name}转为录取。")
    return redirect("training:roster", pk=enrolment.program_id)


# --- 统一报名 ----------------------------------------------------------------------------------


def _bulk_program(user, pk: int):
    if not has_perm(user, rules.MANAGE_ENROLMENTS):
        raise PermissionDenied("无权统一报名。")
    return selectors.program_for_view(user, pk)


def _schools(user):
    return scoped(School.objects.filter(is_active=True), user, rules.MANAGE_ENROLMENTS)


def _filtered_teachers(user, program, data: dict) -> list[Teacher]:
    """The teachers the filter names, within the user's scope, in school and 工号 order."""
    queryset = scoped(Teacher.objects.select_related("school__district"), user,
                      rules.MANAGE_ENROLMENTS)
    if data.get("match_audience"):
        queryset = queryset.filter(audience_filter(audience_of(program),
                                                   on=selectors.today()))
    if data.get("school"):
        queryset = queryset.filter(school=data["school"])
    if data.get("stage"):
        queryset = queryset.filter(stage=data["stage"])
    if data.get("subject"):
        queryset = queryset.filter(pk__in=Teacher.subjects.through.objects.filter(
            subject=data["subject"]).values("teacher_id"))
    if data.get("entry_year_from"):
        queryset = queryset.filter(entry_year__gte=data["entry_year_from"])
    if data.get("entry_year_to"):
        queryset = queryset.filter(entry_year__lte=data["entry_year_to"])
    return list(queryset.order_by("school__code", "employee_no", "pk"))


def _groups(result: services.BulkResult) -> dict:
    return {key: {"count": len(rows), "rows": rows[:SHOWN], "more": max(0, len(rows) - SHOWN)}
            for key, rows in (("enrolled", result.of("enrolled")),
                              ("waiting", result.of("waiting")),
                              ("skipped", result.of("skipped")))}


@login_required
def bulk(request, pk: int):
    program = _bulk_program(request.user, pk)
    form = BulkFilterForm(request.POST or None, program=program, schools=_schools(request.user))
    import_form = BulkImportForm(program=program)
    context = {"page_title": f"统一报名：{program.name}", "program": program, "form": form,
               "import_form": import_form, "preview": None}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        teachers = _filtered_teachers(request.user, program, data)
        if request.POST.get("action") == "confirm":
            return _bulk_write(request, program, data, teachers)
        plan = services.bulk_plan(actor=request.user, training_class=data["training_class"],
                                  teachers=teachers, overflow_waits=data["overflow_waits"])
        context["preview"] = _groups(plan)
        context["matched"] = len(teachers)
    return render(request, "training/enrol/bulk.html", context)


def _bulk_write(request, program, data: dict, teachers: list[Teacher]):
    try:
        result = services.bulk_enrol(actor=request.user, training_class=data["training_class"],
                                     teachers=teachers, source=EnrolmentSource.STAFF,
                                     overflow_waits=data["overflow_waits"])
    except ValidationError as exc:
        _error(request, exc)
        return redirect("training:bulk", pk=program.pk)
    return render(request, "training/enrol/bulk_result.html", {
        "page_title": f"统一报名结果：{program.name}", "program": program,
        "training_class": data["training_class"], "groups": _groups(result)})


@login_required
@require_POST
def bulk_import(request, pk: int):
    program = _bulk_program(request.user, pk)
    form = BulkImportForm(request.POST, request.FILES, program=program)
    context = {"page_title": f"统一报名：{program.name}", "program": program,
               "form": BulkFilterForm(program=program, schools=_schools(request.user)),
               "import_form": form, "preview": None}
    if not form.is_valid():
        return render(request, "training/enrol/bulk.html", context)
    upload = form.cleaned_data["file"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            errors, result = import_enrolments(
                actor=request.user, training_class=form.cleaned_data["training_class"],
                path=path, original_name=upload.name,
                overflow_waits=form.cleaned_data["overflow_waits"])
        except ValidationError as exc:  # the list changed between the check and the write
            errors, result = [str(m) for m in exc.messages], None
    if result is None:
        context["import_errors"] = [str(e) for e in errors][:SHOWN]
        context["import_error_count"] = len(errors)
        return render(request, "training/enrol/bulk.html", context)
    return render(request, "training/enrol/bulk_result.html", {
        "page_title": f"统一报名结果：{program.name}", "program": program,
        "training_class": form.cleaned_data["training_class"], "groups": _groups(result),
        "file_name": upload.name})


@login_required
@require_GET
def bulk_template(request):
    if not has_perm(request.user, rules.MANAGE_ENROLMENTS):
        raise PermissionDenied("无权统一报名。")
    return FileResponse(io.BytesIO(template_xlsx(EnrolmentImporter)), as_attachment=True,
                        filename="培训报名名单导入模板.xlsx", content_type=XLSX)

