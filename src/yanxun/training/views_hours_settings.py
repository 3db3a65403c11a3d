"""Settings pages of the hours part: the claim rules table (the centre; it shows the
categories' annual caps read-only — they are edited with the category, 培训类别), the cycle, conversion, presenter multiple, seal and cycle requirements (the
administrator, rules.MANAGE_POLICY), and the export layouts (the centre)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yanxun.core.permissions import has_perm
from yanxun.training import claims, exports, hours_settings, rules
from yanxun.training.forms_hours import (
    ClaimRuleForm,
    HoursPolicyForm,
    LayoutForm,
    RequirementForm,
)
from yanxun.training.ledger import current_cycle, load_rules
from yanxun.training.models import Category, ClaimRule, HoursExportLayout, LedgerRequirement
from yanxun.training.policy import current_policy
from yanxun.training.selectors_hours import require

RULE_FIELDS = ["kind", "level", "name", "hours", "per_day", "cycle_cap", "category",
               "is_active"]


def _get(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("未找到该记录。")
    return obj


# --- claim rules (the centre) ------------------------------------------------


@login_required
def claim_rules(request):
    require(request.user, rules.ACCREDIT_HOURS, "无权查看学时申报标准。")
    claims.claim_rules_seed()
    return render(request, "training/hours/claim_rules.html", {
        "page_title": "学时申报标准",
        "rules": ClaimRule.objects.select_related("category").order_by(
            "-is_active", "kind", "level", "name"),
        "categories": Category.objects.all(),
        "may_edit_categories": has_perm(request.user, rules.MANAGE_PROGRAMS)})


@login_required
def claim_rule_edit(request, pk: int | None = None):
    require(request.user, rules.ACCREDIT_HOURS, "无权修改学时申报标准。")
    rule = _get(ClaimRule.objects.all(), pk) if pk else None
    initial = {name: getattr(rule, name) for name in RULE_FIELDS} if rule else {
        "is_active": True}
    form = ClaimRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            claims.claim_rule_save(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, ClaimRule)
        else:
            messages.success(request, "学时申报标准已保存。")
            return redirect("training:claim_rules")
    return render(request, "form_page.html", {
        "form": form, "page_title": f"编辑申报标准：{rule.name}" if rule else "新增申报标准",
        "cancel_url": reverse("training:claim_rules"),
        "intro": "已认定的申报不受修改影响；每周期上限在学时档案中按认定先后计算，"
                 "修改上限后所有教师的档案即按新上限计算。"})


# --- policy and requirements (the administrator) ------------------------------------------------


def _seal_preview(policy) -> str:
    if not policy.seal_image:
        return ""
    try:
        with policy.seal_image.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


@login_required
def hours_policy(request):
    require(request.user, rules.MANAGE_POLICY, "只有系统管理员可以修改师干训设置。")
    policy = current_policy()
    initial = {name: getattr(policy, name) for name in hours_settings.POLICY_FIELDS}
    form = HoursPolicyForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            hours_settings.hours_policy_save(actor=request.user, policy=policy,
                                             seal=data.pop("seal"),
                                             remove_seal=data.pop("remove_seal"), **data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "学时设置已保存。")
            return redirect("training:hours_policy")
    return render(request, "training/hours/policy.html", {
        "form": form, "page_title": "学时设置", "policy": policy,
        "cycle": current_cycle(policy), "requirements": load_rules(policy).requirements,
        "seal": _seal_preview(policy)})


@login_required
def requirement_edit(request, pk: int | None = None):
    require(request.user, rules.MANAGE_POLICY, "只有系统管理员可以修改周期学时要求。")
    policy = current_policy()
    requirement = _get(LedgerRequirement.objects.filter(policy=policy), pk) if pk else None
    initial = {"position": LedgerRequirement.objects.filter(policy=policy).count()}
    if requirement:
        initial = {name: getattr(requirement, name) for name in
                   ("name", "minimum", "unit", "min_level", "position")}
        initial["categories"] = list(requirement.categories.all())
    form = RequirementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            hours_settings.requirement_save(actor=request.user, policy=policy,
                                            requirement=requirement,
                                            categories=list(data.pop("categories")), **data)
        except ValidationError as exc:
            form.add_service_error(exc, LedgerRequirement)
        else:
            messages.success(request, "周期学时要求已保存。")
            return redirect("training:hours_policy")
    return render(request, "form_page.html", {
        "form": form, "page_title": f"编辑要求：{requirement.name}" if requirement
        else "新增周期学时要求", "cancel_url": reverse("training:hours_policy"),
        "intro": "一条要求：本周期内、限定类别（不选为全部）、最低层级及以上（不限为任何层级）的计入学时"
                 "（或学分）不少于多少。如上海式学分结构，可按类别与层级各设一条。"})


@login_required
@require_POST
def requirement_delete(request, pk: int):
    require(request.user, rules.MANAGE_POLICY, "只有系统管理员可以修改周期学时要求。")
    requirement = _get(LedgerRequirement.objects.filter(policy=current_policy()), pk)
    hours_settings.requirement_delete(actor=request.user, requirement=requirement)
    messages.success(request, f"已删除要求「{requirement.name}」。")
    return redirect("training:hours_policy")


# --- export layouts (the centre) ------------------------------------------------------------


@login_required
def export_layout_edit(request, pk: int | None = None):
    require(request.user, rules.ACCREDIT_HOURS, "无权修改学时导出格式。")
    layout = _get(HoursExportLayout.objects.all(), pk) if pk else None
    initial = LayoutForm.initial_for(layout) if layout else {}
    form = LayoutForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            exports.layout_save(actor=request.user, layout=layout,
                                name=form.cleaned_data["name"], columns=form.columns())
        except ValidationError as exc:
            form.add_service_error(exc, HoursExportLayout)
        else:
            messages.success(request, "导出格式已保存。")
            return redirect("training:hours_export")
    return render(request, "form_page.html", {
        "form": form, "page_title": f"编辑导出格式：{layout.name}" if layout else "新增导出格式",
        "cancel_url": reverse("training:hours_export"),
        "intro": "按省平台模板的列顺序，为每一列选择字段并填写列名（留空用字段名）；不用的行选“（不用）”。"
                 "可用字段：" + "、".join(f.label for f in exports.FIELDS.values()) + "。"})
