"""Pages of awards and award certificates: the preview and confirmation of a competition's
awards, issuing certificates, printing a group's certificates, a teacher's own certificates,
the competition's seal, and the public verification page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yanxun.core.exports import content_disposition
from yanxun.core.forms import StyledForm
from yanxun.core.pdf import PdfError
from yanxun.review import rules
from yanxun.review.awards import award_plan, awards_confirm, awards_of
from yanxun.review.certificates import (
    award_certificates_issue,
    award_for_download,
    award_verify,
    certificate_filename,
    certificates_pdf,
    certified,
    seal_upload,
)
from yanxun.review.enums import AwardMethod, CompetitionStatus
from yanxun.review.models import Award, Competition, CompetitionGroup
from yanxun.review.views_results import require
from yanxun.training.certificates import verify_allowed
from yanxun.training.files import check_seal


def _competition(user, pk: int) -> Competition:
    require(user, rules.PUBLISH_RESULTS, "无权确定获奖名单。")
    return get_object_or_404(Competition, pk=pk)


@login_required
def awards_page(request, pk: int):
    """GET: the plan per group with its borderline cases, and the awards as confirmed;
    POST: confirm the plan (replacing earlier awards while the competition is 评审中)."""
    competition = _competition(request.user, pk)
    if request.method == "POST":
        try:
            made = awards_confirm(actor=request.user, competition=competition)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"获奖名单已确定：{len(made)} 件作品获奖。")
        return redirect("review:awards", pk=competition.pk)
    plan = award_plan(competition)
    confirmed = {a.entry_id: a.tier for a in Award.objects.filter(competition=competition,
                                                                   revoked=False)}
    return render(request, "review/awards/awards.html", {
        "page_title": f"获奖名单：{competition.name}", "competition": competition,
        "plan": plan, "confirmed": confirmed, "quota": plan.method == AwardMethod.QUOTA,
        "may_confirm": competition.status == CompetitionStatus.REVIEWING and not plan.problems,
        "differs": bool(confirmed) and confirmed != {
            line.row.entry_id: line.tier.name for line in plan.awarded},
    })


@login_required
@require_POST
def certificates_issue(request, pk: int):
    competition = _competition(request.user, pk)
    try:
        issued = award_certificates_issue(actor=request.user, competition=competition)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已发放获奖证书 {issued} 份。" if issued
                         else "所有获奖作品都已有证书。")
    return redirect("review:competition_results", pk=competition.pk)


class SealForm(StyledForm):
    seal = forms.FileField(label="印章图片", help_text="PNG 或 JPEG，透明背景的 PNG 效果最好，不超过 2 MB")


@login_required
def seal_page(request, pk: int):
    competition = _competition(request.user, pk)
    form = SealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            seal_upload(actor=request.user, competition=competition,
                        checked=check_seal(form.cleaned_data["seal"]))
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "证书印章已更新。")
            return redirect("review:competition_results", pk=competition.pk)
    return render(request, "form_page.html", {
        "form": form, "page_title": f"获奖证书印章：{competition.name}", "narrow": True,
        "multipart": True, "submit_label": "上传",
        "cancel_url": reverse("review:competition_results", args=[competition.pk]),
        "intro": "本活动的获奖证书使用此印章；未上传时使用师干训证书设置中的印章。"})


def _pdf_response(awards: list[Award], request, label: str = "") -> HttpResponse:
    try:
        data = certificates_pdf(awards, request=request)
    except PdfError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(certificate_filename(awards, label))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def group_certificates_pdf(request, pk: int):
    """All certificates of a group in one PDF (staff)."""
    require(request.user, rules.PUBLISH_RESULTS, "无权打印获奖证书。")
    group = get_object_or_404(CompetitionGroup.objects.select_related("competition"), pk=pk)
    awards = list(certified(awards_of(group.competition).filter(entry__group=group)))
    if not awards:
        messages.error(request, "该组别还没有可打印的获奖证书，请先发放证书。")
        return redirect("review:competition_results", pk=group.competition_id)
    return _pdf_response(awards, request, f"{group.competition.name}_{group.name}")


@login_required
def award_certificate_pdf(request, pk: int):
    """One certificate: its author (the teacher) or staff."""
    return _pdf_response([award_for_download(request.user, pk)], request)


@login_required
def my_awards_page(request):
    from yanxun.training.claims import award_claim_options

    return render(request, "review/awards/mine.html", {
        "page_title": "我的获奖", "options": award_claim_options(request.user)})


# --- public verification -----------------------------------------------------------------------


class VerifyForm(StyledForm):
    code = forms.CharField(label="验证码", max_length=40)


def award_verify_page(request):
    """Anyone (no login): type the code printed on a certificate."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = "".join(ch for ch in form.cleaned_data["code"].upper()
                       if ch.isascii() and ch.isalnum())[:40]
        if code:
            return redirect("review:award_verify_code", code=code)
    return render(request, "review/awards/verify.html", {"form": form,
                                                         "page_title": "获奖证书验证"})


def award_verify_code(request, code: str):
    """Anyone (no login), by the QR code's URL: the masked name, competition, group, tier."""
    if not verify_allowed(request):
        return render(request, "review/awards/verify.html", {
            "form": VerifyForm(), "page_title": "获奖证书验证", "limited": True}, status=429)
    return render(request, "review/awards/verify.html", {
        "form": VerifyForm(initial={"code": code[:40]}), "page_title": "获奖证书验证",
        "result": award_verify(code), "asked": True})
