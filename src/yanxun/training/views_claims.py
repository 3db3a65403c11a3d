"""Pages of 学时申报: the teacher's form (phone-sized), the list to decide, a claim with its
evidence and the decision buttons of whoever may move it, and the evidence downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yanxun.core.listing import render_list
from yanxun.training import claims, lists_hours, rules
from yanxun.training.claims import ClaimInput
from yanxun.training.enums import ClaimStatus
from yanxun.training.files import EVIDENCE_TYPES, download_response
from yanxun.training.forms_hours import ClaimForm, DecisionForm
from yanxun.training.ledger import claim_cap_preview
from yanxun.training.policy import current_policy
from yanxun.training.selectors_hours import (
    claim_for_view,
    evidence_for_download,
    own_teacher,
    require,
)

MOVE_LABELS = {
    ClaimStatus.SCHOOL_APPROVED: ("审核通过", "btn-success"),
    ClaimStatus.ACCREDITED: ("认定学时", "btn-success"),
    ClaimStatus.RETURNED: ("退回修改", "btn-warning"),
    ClaimStatus.REJECTED: ("不予认定", "btn-danger"),
}


@login_required
def claim_list(request):
    return render_list(request, lists_hours.CLAIMS)


def _input(data: dict) -> ClaimInput:
    return ClaimInput(rule=data["rule"], title=data["title"], happened_on=data["happened_on"],
                      description=data.get("description", ""), days=data.get("days"))


@login_required
def claim_create(request):
    require(request.user, rules.SUBMIT_CLAIMS, "只有教师可以申报学时。")
    if own_teacher(request.user) is None:
        raise PermissionDenied("您的账号没有关联教师档案，不能申报学时。")
    form = ClaimForm(request.POST or None, request.FILES or None,
                     rules_queryset=claims.active_rules())
    if request.method == "POST" and form.is_valid():
        try:
            claim = claims.claim_submit(actor=request.user, data=_input(form.cleaned_data),
                                        files=form.cleaned_data["files"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "申报已提交，等待学校审核。")
            return redirect("training:claim_detail", pk=claim.pk)
    intro = ("参加本平台以外的学习（外出培训、公开课、课题、论文、竞赛获奖、送教）可申报学时。"
             "学校审核后由中心认定，学时按申报标准计算，超出每周期上限的部分不计入。")
    open_awards = claims.open_award_count(request.user)
    if open_awards:
        intro += (f"您在本平台评比中有 {open_awards} 项获奖尚未申报，可在「我的获奖」中直接申报，"
                  "无需上传材料。")
    return render(request, "form_page.html", {
        "form": form, "page_title": "申报学时", "multipart": True, "narrow": True,
        "submit_label": "提交申报", "cancel_url": reverse("training:my_hours"),
        "intro": intro})


@login_required
@require_POST
def claim_award(request, pk: int):
    """申报学时 for an award Yanxun recorded (the button on 我的获奖)."""
    require(request.user, rules.SUBMIT_CLAIMS, "只有教师可以申报学时。")
    try:
        claim = claims.claim_from_award(actor=request.user, award_id=pk)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("review:my_awards")
    messages.success(request, f"已按平台获奖记录申报 {claims.claim_hours(claim)} 学时，等待学校审核。")
    return redirect("training:claim_detail", pk=claim.pk)


@login_required
def claim_edit(request, pk: int):
    claim = claim_for_view(request.user, pk)
    if claim.status != ClaimStatus.RETURNED or not claims.role_for(request.user, claim,
                                                                    claims.TEACHER):
        raise PermissionDenied("只能修改本人被退回的申报。")
    evidence = list(claim.evidence.all())
    initial = {"rule": claim.rule, "title": claim.title, "happened_on": claim.happened_on,
               "days": claim.days, "description": claim.description}
    form = ClaimForm(request.POST or None, request.FILES or None, initial=initial,
                     rules_queryset=claims.active_rules(), evidence=evidence)
    if request.method == "POST" and form.is_valid():
        try:
            claims.claim_resubmit(actor=request.user, claim=claim,
                                  data=_input(form.cleaned_data),
                                  files=form.cleaned_data["files"],
                                  remove=[int(x) for x in form.cleaned_data.get("remove", [])])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "申报已重新提交，等待学校审核。")
            return redirect("training:claim_detail", pk=claim.pk)
    return render(request, "form_page.html", {
        "form": form, "page_title": f"修改申报：{claim.title}", "multipart": True,
        "narrow": True, "submit_label": "重新提交",
        "intro": f"退回理由：{claim.reason}",
        "cancel_url": reverse("training:claim_detail", args=[claim.pk])})


@login_required
def claim_detail(request, pk: int):
    claim = claim_for_view(request.user, pk)
    moves = [m for m in claims.allowed_moves(request.user, claim) if m in MOVE_LABELS]
    cap = None
    if ClaimStatus.ACCREDITED in moves:
        cap = claim_cap_preview(teacher=claim.teacher, rule=claim.rule,
                                hours=claims.claim_hours(claim), on=claim.happened_on,
                                policy=current_policy())
    return render(request, "training/hours/claim_detail.html", {
        "claim": claim, "page_title": f"学时申报：{claim.title}",
        "evidence": list(claim.evidence.all()), "worth": claims.claim_hours(claim),
        "moves": [{"to": m, "label": "撤销认定" if claim.status == ClaimStatus.ACCREDITED
                   else MOVE_LABELS[m][0], "css": MOVE_LABELS[m][1]} for m in moves],
        "can_edit": claim.status == ClaimStatus.RETURNED and claims.role_for(
            request.user, claim, claims.TEACHER),
        "form": DecisionForm(), "cap": cap,
    })


@login_required
@require_POST
def claim_decide(request, pk: int):
    claim = claim_for_view(request.user, pk)
    form = DecisionForm(request.POST)
    to = request.POST.get("to", "")
    if to not in ClaimStatus.values or not form.is_valid():
        messages.error(request, "请求不完整，请重试。")
        return redirect("training:claim_detail", pk=claim.pk)
    try:
        claims.claim_transition(actor=request.user, claim=claim, to=to,
                                reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已处理：{ClaimStatus(to).label}。")
    return redirect("training:claim_detail", pk=claim.pk)


@login_required
def evidence_download(request, pk: int):
    """A claim's file, to those who may see the claim, always as a download with the type its
    content was found to be (never rendered inline by the browser)."""
    evidence = evidence_for_download(request.user, pk)
    return download_response(evidence, EVIDENCE_TYPES)
