"""Pages of program management (centre staff): programs, their classes and sessions, the
category dictionary. Thin: reads from selectors_enrol, writes through training.programs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yanxun.core.listing import render_list
from yanxun.core.permissions import has_perm
from yanxun.training import audience_review, lists_enrol, programs, rules
from yanxun.training import selectors_enrol as selectors
from yanxun.training.eligibility import audience_of, audience_text
from yanxun.training.enrolment import STAFF_ENROL_STATUSES
from yanxun.training.enums import ProgramStatus
from yanxun.training.forms_enrol import (
    CategoryForm,
    ProgramForm,
    TrainingClassForm,
    TrainingSessionForm,
    program_initial,
    session_initial,
)
from yanxun.training.models import Category, Program, TrainingClass, TrainingSession


def _form_page(request, form, title: str, cancel_url: str, **extra):
    return render(request, "form_page.html", {"form": form, "page_title": title,
                                              "cancel_url": cancel_url, **extra})


def _require_manage(user) -> None:
    if not selectors.may_manage_programs(user):
        raise PermissionDenied("无权管理培训项目。")


# --- programs ------------------------------------------------------------------------------


@login_required
def program_list(request):
    actions = ([{"label": "新建项目", "url": reverse("training:program_create"), "primary": True},
                {"label": "培训类别", "url": reverse("training:category_list")}]
               if selectors.may_manage_programs(request.user) else [])
    return render_list(request, lists_enrol.PROGRAMS, context={"actions": actions})


@login_required
def program_create(request):
    _require_manage(request.user)
    form = ProgramForm(request.POST or None, initial={"year": selectors.this_year(),
                                                      "organiser": selectors.centre_name()})
    if request.method == "POST" and form.is_valid():
        try:
            program = programs.program_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, Program)
        else:
            messages.success(request, f"已新建项目「{program.name}」（草稿），请添加班次与日程后发布。")
            return redirect("training:program_detail", pk=program.pk)
    return _form_page(request, form, "新建培训项目", reverse("training:program_list"))


@login_required
def program_edit(request, pk: int):
    program = selectors.program_for_manage(request.user, pk)
    form = ProgramForm(request.POST or None, initial=program_initial(program))
    if request.method == "POST" and form.is_valid():
        try:
            programs.program_update(actor=request.user, program=program, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, Program)
        else:
            messages.success(request, "项目已保存。")
            waiting = len(audience_review.undecided(audience_review.mismatches(program)))
            if waiting:
                messages.warning(request, f"{waiting} 名已报名教师不再符合对象条件，"
                                          "请在下方逐一或全部确认保留或取消报名。")
            return redirect("training:program_detail", pk=program.pk)
    return _form_page(request, form, f"编辑项目：{program.name}",
                      reverse("training:program_detail", args=[program.pk]))


@login_required
def program_detail(request, pk: int):
    if not has_perm(request.user, selectors.PROGRAM_PAGES):
        raise PermissionDenied("无权查看培训项目管理页。")
    program = selectors.program_for_view(request.user, pk)
    manage = selectors.may_manage_programs(request.user)
    program = selectors.with_schedule(Program.objects.filter(pk=program.pk)).get()
    views = selectors.class_views([program])[program.pk]
    mismatches = audience_review.mismatches(program) if manage else []
    undecided_ids = [m.enrolment.pk for m in audience_review.undecided(mismatches)]
    return render(request, "training/programs/program_detail.html", {
        "mismatches": mismatches, "undecided_ids": undecided_ids,
        "kept_count": len(mismatches) - len(undecided_ids),
        "program": program, "page_title": program.name, "manage": manage,
        "classes": views, "audience": audience_text(audience_of(program)),
        "transitions": [{"to": str(to), "label": programs.TRANSITION_VERBS[to]}
                        for to in programs.TRANSITIONS[ProgramStatus(program.status)]]
        if manage else [],
        "editable": manage and program.status not in (ProgramStatus.FINISHED,
                                                      ProgramStatus.CANCELLED),
        "totals": {"capacity": sum(v.capacity for v in views),
                   "enrolled": sum(v.enrolled for v in views),
                   "waiting": sum(v.waiting for v in views),
                   "pending": sum(v.pending for v in views)},
        "enrolments_url": reverse("training:enrolment_list") + f"?program={program.pk}",
        "can_bulk": has_perm(request.user, rules.MANAGE_ENROLMENTS)
        and program.status in STAFF_ENROL_STATUSES,
    })


@login_required
@require_POST
def program_transition(request, pk: int):
    program = selectors.program_for_manage(request.user, pk)
    to = request.POST.get("to", "")
    if to not in ProgramStatus.values:
        messages.error(request, "未知的项目状态。")
        return redirect("training:program_detail", pk=program.pk)
    try:
        programs.program_transition(program, ProgramStatus(to), actor=request.user,
                                    reason=request.POST.get("reason", "")[:500])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"项目已转为「{ProgramStatus(to).label}」。")
    return redirect("training:program_detail", pk=program.pk)


def _enrolment_ids(request) -> list[int]:
    return [int(v) for v in request.POST.getlist("enrolment") if v.isdigit() and len(v) < 19]


@login_required
@require_POST
def audience_keep(request, pk: int):
    """保留 the chosen teachers who no longer meet the audience rules (one or all)."""
    program = selectors.program_for_manage(request.user, pk)
    try:
        kept = audience_review.audience_keep(actor=request.user, program=program,
                                             enrolment_ids=_enrolment_ids(request))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已确认保留 {kept} 名教师的报名。")
    return redirect("training:program_detail", pk=program.pk)


@login_required
@require_POST
def audience_cancel(request, pk: int):
    """取消报名 of the chosen teachers who no longer meet the audience rules (one or all)."""
    program = selectors.program_for_manage(request.user, pk)
    try:
        cancelled = audience_review.audience_cancel(actor=request.user, program=program,
                                                    enrolment_ids=_enrolment_ids(request))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        promoted = [e.teacher.name for c in cancelled for e in getattr(c, "promoted", [])]
        text = f"已取消 {len(cancelled)} 名教师的报名。"
        if promoted:
            text += f"候补递补：{'、'.join(promoted)}。"
        messages.success(request, text)
    return redirect("training:program_detail", pk=program.pk)


# --- classes and sessions ------------------------------------------------------------------


@login_required
def class_create(request, pk: int):
    program = selectors.program_for_manage(request.user, pk)
    form = TrainingClassForm(request.POST or None,
                             initial={"name": f"{program.classes.count() + 1}班"})
    if request.method == "POST" and form.is_valid():
        try:
            programs.class_create(actor=request.user, program=program, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, TrainingClass)
        else:
            messages.success(request, "已添加班次。")
            return redirect("training:program_detail", pk=program.pk)
    return _form_page(request, form, f"添加班次：{program.name}",
                      reverse("training:program_detail", args=[program.pk]), narrow=True)


@login_required
def class_edit(request, pk: int):
    training_class = selectors.class_for_manage(request.user, pk)
    initial = {"name": training_class.name, "capacity": training_class.capacity,
               "head": training_class.head}
    form = TrainingClassForm(request.POST or None, initial=initial)
    back = reverse("training:program_detail", args=[training_class.program_id])
    if request.method == "POST" and form.is_valid():
        try:
            programs.class_update(actor=request.user, training_class=training_class,
                                  **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, TrainingClass)
        else:
            messages.success(request, "班次已保存。")
            return redirect(back)
    return _form_page(request, form, f"编辑班次：{training_class}", back, narrow=True)


@login_required
@require_POST
def class_delete(request, pk: int):
    training_class = selectors.class_for_manage(request.user, pk)
    try:
        programs.class_delete(actor=request.user, training_class=training_class)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已删除班次「{training_class.name}」。")
    return redirect("training:program_detail", pk=training_class.program_id)


@login_required
def session_create(request, pk: int):
    training_class = selectors.class_for_manage(request.user, pk)
    form = TrainingSessionForm(request.POST or None)
    back = reverse("training:program_detail", args=[training_class.program_id])
    if request.method == "POST" and form.is_valid():
        try:
            programs.session_create(actor=request.user, training_class=training_class,
                                    **form.service_fields())
        except ValidationError as exc:
            form.add_service_error(exc, TrainingSession)
        else:
            messages.success(request, "已添加日程。")
            return redirect(back)
    return _form_page(request, form, f"添加日程：{training_class}", back)


@login_required
def session_edit(request, pk: int):
    session = selectors.session_for_manage(request.user, pk)
    form = TrainingSessionForm(request.POST or None, initial=session_initial(session))
    back = reverse("training:program_detail", args=[session.training_class.program_id])
    if request.method == "POST" and form.is_valid():
        try:
            programs.session_update(actor=request.user, session=session, **form.service_fields())
        except ValidationError as exc:
            form.add_service_error(exc, TrainingSession)
        else:
            messages.success(request, "日程已保存。")
            return redirect(back)
    return _form_page(request, form, f"编辑日程：{session.title}", back)


@login_required
@require_POST
def session_delete(request, pk: int):
    session = selectors.session_for_manage(request.user, pk)
    try:
        programs.session_delete(actor=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已删除日程「{session.title}」。")
    return redirect("training:program_detail", pk=session.training_class.program_id)


# --- categories ------------------------------------------------------------------------------


@login_required
def category_list(request):
    actions = ([{"label": "新增类别", "url": reverse("training:category_create"),
                 "primary": True}] if has_perm(request.user, rules.MANAGE_PROGRAMS) else [])
    return render_list(request, lists_enrol.CATEGORIES, context={"actions": actions})


@login_required
def category_create(request):
    _require_manage(request.user)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programs.category_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, Category)
        else:
            messages.success(request, f"已新增类别「{form.cleaned_data['name']}」。")
            return redirect("training:category_list")
    return _form_page(request, form, "新增培训类别", reverse("training:category_list"),
                      narrow=True)


@login_required
def category_edit(request, pk: int):
    _require_manage(request.user)
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise Http404("未找到该类别。")
    initial = {name: getattr(category, name) for name in programs.CATEGORY_FIELDS}
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            programs.category_update(actor=request.user, category=category, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, Category)
        else:
            messages.success(request, "类别已保存。")
            return redirect("training:category_list")
    return _form_page(request, form, f"编辑类别：{category.name}",
                      reverse("training:category_list"), narrow=True)
