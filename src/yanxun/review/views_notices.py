"""Pages of 公示 and 异议: publishing a notice, the staff's view of it (objections, final
publication, withdrawal), the public page at its token URL, filing an objection, the staff's
list and answer, the filer's own objections, and evidence downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yanxun.core.forms import StyledForm
from yanxun.core.listing import render_list
from yanxun.core.masking import mask_phone
from yanxun.core.permissions import has_perm
from yanxun.review import lists_results, rules
from yanxun.review.enums import ObjectionStatus
from yanxun.review.models import Competition, ObjectionEvidence, PublicNotice
from yanxun.review.notices import (
    DEFAULT_WORKING_DAYS,
    NoticeInput,
    accepts_objections,
    notice_by_token,
    notice_default_body,
    notice_default_title,
    notice_publish,
    notice_publish_final,
    notice_withdraw,
    open_objections,
    public_rows,
)
from yanxun.review.objections import (
    DECISIONS,
    may_answer,
    my_objections,
    objection_answer,
    objection_file,
    objection_for_view,
)
from yanxun.review.views_results import require
from yanxun.training.files import (
    EVIDENCE_MAX_FILES,
    EVIDENCE_TYPES,
    check_evidence,
    download_response,
)
from yanxun.training.forms_hours import MultipleFileField


class NoticeForm(StyledForm):
    title = forms.CharField(label="公示标题", max_length=150)
    starts_on = forms.DateField(label="公示开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    working_days = forms.IntegerField(label="公示期（工作日）", min_value=1, max_value=30,
                                      initial=DEFAULT_WORKING_DAYS,
                                      help_text="按节假日与调休安排计算工作日，截止日期自动算出")
    contact = forms.CharField(label="异议受理联系方式", max_length=200,
                              help_text="如 区教师发展中心中学教研室 0510-12345678")
    body = forms.CharField(label="公示说明", required=False, widget=forms.Textarea(attrs={"rows": 5}))


@login_required
def notice_create(request, pk: int):
    require(request.user, rules.PUBLISH_RESULTS, "无权发布公示。")
    competition = get_object_or_404(Competition, pk=pk)
    form = NoticeForm(request.POST or None, initial={
        "title": notice_default_title(competition), "starts_on": timezone.localdate(),
        "body": notice_default_body(competition)})
    if request.method == "POST" and form.is_valid():
        try:
            notice = notice_publish(actor=request.user, competition=competition,
                                    data=NoticeInput(**form.cleaned_data))
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"公示已发布，公示期至 {notice.ends_on:%Y-%m-%d}。")
            return redirect("review:notice_detail", pk=notice.pk)
    return render(request, "form_page.html", {
        "form": form, "page_title": f"发布公示：{competition.name}", "submit_label": "发布公示",
        "cancel_url": reverse("review:competition_results", args=[competition.pk]),
        "intro": "公示页面无需登录即可访问，列出获奖作品的名称、作者、学校和奖项（不含电话、身份证号），"
                 "并说明公示期和提出异议的方式。"})


def _notice(user, pk: int) -> PublicNotice:
    require(user, rules.PUBLISH_RESULTS, "无权管理公示。")
    return get_object_or_404(PublicNotice.objects.select_related("competition"), pk=pk)


@login_required
def notice_detail(request, pk: int):
    notice = _notice(request.user, pk)
    today = timezone.localdate()
    return render(request, "review/notices/detail.html", {
        "page_title": notice.title, "notice": notice, "rows": public_rows(notice.competition),
        "objections": list(notice.objections.select_related("entry", "filed_by")),
        "waiting": open_objections(notice), "ended": today > notice.ends_on,
        "public_url": request.build_absolute_uri(
            reverse("review:notice_public", args=[notice.token]))})


@login_required
@require_POST
def notice_final(request, pk: int):
    notice = _notice(request.user, pk)
    try:
        notice_publish_final(actor=request.user, notice=notice)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "公示期满，评比结果已正式发布。")
    return redirect("review:notice_detail", pk=notice.pk)


@login_required
@require_POST
def notice_withdraw_view(request, pk: int):
    notice = _notice(request.user, pk)
    try:
        notice_withdraw(actor=request.user, notice=notice, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("review:notice_detail", pk=notice.pk)
    messages.success(request, "公示已撤回，评比活动回到「评审中」。")
    return redirect("review:competition_results", pk=notice.competition_id)


def notice_public(request, token: str):
    """Anyone (no login): the awarded list, the period and how to object."""
    notice = notice_by_token(token)
    if notice is None:
        raise Http404("未找到该公示。")
    return render(request, "review/notices/public.html", {
        "page_title": notice.title, "notice": notice, "rows": public_rows(notice.competition),
        "accepting": accepts_objections(notice)})


# --- objections ------------------------------------------------------------------------------


class ObjectionForm(StyledForm):
    entry = forms.TypedChoiceField(label="涉及作品", required=False, coerce=int, empty_value=None)
    reason = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 6}),
                             max_length=2000, help_text="写明事实和理由，异议须实名提出")
    contact_phone = forms.CharField(label="联系电话", required=False, max_length=20)
    evidence = MultipleFileField(label="证明材料", required=False,
                                 help_text=f"可选，PDF、图片、Word 或 Excel，最多 {EVIDENCE_MAX_FILES} 个")

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", "（针对整体评选结果）")] + [
            (r.entry_id, f"{r.group} · {r.tier} · {r.title}（{r.author}）") for r in rows]


@login_required
def objection_create(request, token: str):
    require(request.user, rules.FILE_OBJECTIONS, "无权提出异议。")
    notice = notice_by_token(token)
    if notice is None:
        raise Http404("未找到该公示。")
    form = ObjectionForm(request.POST or None, request.FILES or None,
                         rows=public_rows(notice.competition))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            files = check_evidence(data["evidence"] or [])
            objection = objection_file(actor=request.user, notice=notice, reason=data["reason"],
                                       entry_id=data["entry"],
                                       contact_phone=data["contact_phone"], files=files)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "异议已提交，答复后可在「我的异议」中查看。")
            return redirect("review:objection_detail", pk=objection.pk)
    elif request.method == "GET" and not accepts_objections(notice):
        messages.error(request, f"该公示的公示期为 {notice.starts_on:%Y-%m-%d} 至 "
                                f"{notice.ends_on:%Y-%m-%d}，当前不受理异议。")
    return render(request, "form_page.html", {
        "form": form, "page_title": f"提出异议：{notice.title}", "multipart": True,
        "submit_label": "提交异议", "cancel_url": reverse("review:notice_public", args=[token]),
        "intro": f"公示期 {notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d}（含），"
                 "公示期满后不再受理。提交后由评比组织部门调查核实并答复。"})


@login_required
def objection_list(request):
    return render_list(request, lists_results.OBJECTIONS)


@login_required
def my_objections_page(request):
    require(request.user, rules.FILE_OBJECTIONS, "无权查看异议。")
    return render(request, "review/notices/my_objections.html", {
        "page_title": "我的异议", "objections": list(my_objections(request.user))})


class AnswerForm(StyledForm):
    decision = forms.ChoiceField(label="答复结论", choices=[(d.value, d.label) for d in DECISIONS],
                                 widget=forms.RadioSelect)
    answer = forms.CharField(label="答复内容", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 5}))


@login_required
def objection_detail(request, pk: int):
    """The filer reads their objection and its answer; staff read and answer it."""
    objection = objection_for_view(request.user, pk)
    staff = may_answer(request.user)
    form = AnswerForm(request.POST or None) if staff else None
    if request.method == "POST":
        if not staff:
            require(request.user, rules.ANSWER_OBJECTIONS, "无权答复异议。")
        if form.is_valid():
            try:
                objection_answer(actor=request.user, objection=objection,
                                 decision=form.cleaned_data["decision"],
                                 answer=form.cleaned_data["answer"])
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, "已答复异议。")
                return redirect("review:objection_detail", pk=objection.pk)
    own = objection.filed_by_id == request.user.pk
    return render(request, "review/notices/objection.html", {
        "page_title": f"异议：{objection.notice.title}", "objection": objection,
        "form": form if objection.status == ObjectionStatus.SUBMITTED else None,
        "staff": staff, "evidence": list(objection.evidence.all()),
        "phone": objection.contact_phone if (staff or own) else mask_phone(
            objection.contact_phone),
        "may_withdraw_notice": staff and has_perm(request.user, rules.PUBLISH_RESULTS)})


@login_required
def evidence_download(request, pk: int):
    """An objection's file, to its filer and staff, always as a download."""
    evidence = get_object_or_404(ObjectionEvidence, pk=pk)
    objection_for_view(request.user, evidence.objection_id)
    return download_response(evidence, EVIDENCE_TYPES)
