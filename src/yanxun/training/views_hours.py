"""Pages of 学时认定 and certificates: the programs to accredit, a program's preview and
confirmation, certificates (issue for a class, print a class in one PDF, one certificate,
withdraw), the public verification page, and the export for the provincial platform."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yanxun.core.exports import XLSX_TYPE, content_disposition
from yanxun.core.listing import render_list
from yanxun.core.permissions import has_perm, scoped
from yanxun.org.models import School
from yanxun.training import exports, lists_hours, rules
from yanxun.training.certificates import (
    certificate_filename,
    certificate_revoke,
    certificate_verify,
    certificates_pdf,
    program_certificates_issue,
    verify_allowed,
)
from yanxun.training.enums import CertificateKind, EnrolmentStatus
from yanxun.training.forms_hours import ExportForm, ReasonForm, VerifyForm
from yanxun.training.hours import accreditation_plan, percent, program_accredit
from yanxun.training.models import Certificate
from yanxun.training.policy import current_policy
from yanxun.training.selectors_hours import (
    certificate_for_view,
    program_for_accreditation,
    require,
)


@login_required
def accreditation_list(request):
    return render_list(request, lists_hours.PROGRAMS)


def _class_of(program, raw):
    if not raw:
        return None
    training_class = program.classes.filter(pk=raw).first() if str(raw).isdigit() else None
    if training_class is None:
        raise Http404("该项目没有这个班次。")
    return training_class


@login_required
def accreditation(request, pk: int):
    """GET: the preview (who gets what and why); POST: confirm it."""
    program = program_for_accreditation(request.user, pk)
    training_class = _class_of(program, request.POST.get("class") or request.GET.get("class"))
    if request.method == "POST":
        try:
            plan = program_accredit(actor=request.user, program=program,
                                    training_class=training_class,
                                    fingerprint=request.POST.get("fingerprint", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            counts = plan.counts()
            messages.success(request, f"学时认定完成：{counts.get('earning', 0)} 人取得学时，"
                                      f"新增 {counts.get('新增', 0)}、更新 {counts.get('更新', 0)}、"
                                      f"撤销 {counts.get('撤销', 0)} 条记录。")
        url = reverse("training:accreditation", args=[program.pk])
        return redirect(url + (f"?class={training_class.pk}" if training_class else ""))
    plan = accreditation_plan(program, training_class)
    certified = Certificate.objects.filter(program=program, kind=CertificateKind.PROGRAM,
                                           revoked=False).count()
    return render(request, "training/hours/accreditation.html", {
        "program": program, "plan": plan, "page_title": f"学时认定：{program.name}",
        "classes": list(program.classes.all()), "training_class": training_class,
        "counts": plan.counts(), "certified": certified,
        "min_share": percent(program.min_attendance_share),
        "can_issue": has_perm(request.user, rules.ISSUE_CERTIFICATES),
    })


# --- certificates ----------------------------------------------------------------------------


@login_required
@require_POST
def program_certificates(request, pk: int):
    """Issue 培训证书 for the program (or one class) to every teacher who earned its hours."""
    require(request.user, rules.ISSUE_CERTIFICATES, "无权发放证书。")
    program = program_for_accreditation(request.user, pk)
    training_class = _class_of(program, request.POST.get("class"))
    try:
        issued = program_certificates_issue(actor=request.user, program=program,
                                            training_class=training_class)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"证书已发放：{len(issued)} 人持有有效证书。")
    url = reverse("training:accreditation", args=[program.pk])
    return redirect(url + (f"?class={training_class.pk}" if training_class else ""))


@login_required
def program_certificates_pdf(request, pk: int):
    """All valid certificates of the program (or one class) in one PDF, a page each."""
    require(request.user, rules.ISSUE_CERTIFICATES, "无权打印证书。")
    program = program_for_accreditation(request.user, pk)
    training_class = _class_of(program, request.GET.get("class"))
    certificates = Certificate.objects.filter(program=program, kind=CertificateKind.PROGRAM,
                                              revoked=False)
    if training_class is not None:
        certificates = certificates.filter(
            teacher__enrolments__training_class=training_class,
            teacher__enrolments__status=EnrolmentStatus.ENROLLED)
    certificates = list(certificates.select_related("teacher__school")
                        .order_by("teacher__school__code", "teacher__employee_no"))
    if not certificates:
        messages.error(request, "还没有可打印的证书，请先发放证书。")
        return redirect("training:accreditation", pk=program.pk)
    label = f"{program.name}{training_class.name if training_class else ''}"
    return _pdf_response(certificates_pdf(certificates, policy=current_policy(),
                                          request=request),
                         certificate_filename(certificates, label))


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_list(request):
    return render_list(request, lists_hours.CERTIFICATES)


@login_required
def certificate_pdf(request, pk: int):
    certificate = certificate_for_view(request.user, pk)
    if certificate.revoked:
        raise Http404("该证书已作废。")
    return _pdf_response(certificates_pdf([certificate], policy=current_policy(),
                                          request=request),
                         certificate_filename([certificate]))


@login_required
def certificate_revoke_page(request, pk: int):
    require(request.user, rules.ISSUE_CERTIFICATES, "无权作废证书。")
    certificate = certificate_for_view(request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_revoke(actor=request.user, certificate=certificate,
                               reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"证书 {certificate.serial} 已作废。")
            return redirect("training:certificate_list")
    return render(request, "form_page.html", {
        "form": form, "page_title": f"作废证书 {certificate.serial}", "narrow": True,
        "submit_label": "作废", "cancel_url": reverse("training:certificate_list"),
        "intro": f"{certificate.teacher.name}：{certificate.title}，{certificate.hours} 学时。"
                 "作废后公开验证页显示“已作废”。"})


# --- public verification -----------------------------------------------------------------------


def certificate_verify_page(request):
    """Anyone (no login): type the code printed on a certificate."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = "".join(ch for ch in form.cleaned_data["code"].upper()
                       if ch.isascii() and ch.isalnum())[:40]
        if code:
            return redirect("training:certificate_verify_code", code=code)
        return render(request, "training/hours/verify.html", {
            "form": form, "page_title": "证书验证", "asked": True,
            "result": certificate_verify("")})
    return render(request, "training/hours/verify.html", {"form": form, "page_title": "证书验证"})


def certificate_verify_code(request, code: str):
    """Anyone (no login), by the QR code's URL: the masked name, title, hours and date only."""
    if not verify_allowed(request):
        return render(request, "training/hours/verify.html", {
            "form": VerifyForm(), "page_title": "证书验证", "limited": True}, status=429)
    result = certificate_verify(code)
    return render(request, "training/hours/verify.html", {
        "form": VerifyForm(initial={"code": code[:40]}), "page_title": "证书验证",
        "result": result, "asked": True})


# --- export for the provincial platform ---------------------------------------------------------


@login_required
def hours_export(request):
    require(request.user, rules.EXPORT_HOURS, "无权导出学时。")
    policy = current_policy()
    year = timezone.localdate().year
    schools = scoped(School.objects.filter(is_active=True), request.user, rules.EXPORT_HOURS)
    form = ExportForm(request.GET if "layout" in request.GET else None,
                      layouts=exports.layouts(), schools=schools,
                      initial={"year_from": year - 1, "year_to": year})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        flt = exports.ExportFilter(data["year_from"], data["year_to"],
                                   data["school"].pk if data["school"] else None,
                                   data["level"])
        content, _ = exports.hours_export(actor=request.user, layout=data["layout"], flt=flt,
                                          hours_per_credit=policy.hours_per_credit)
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition(
            f"学时_{data['layout'].name}_{flt.year_from}-{flt.year_to}.xlsx")
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "training/hours/export.html", {
        "form": form, "page_title": "学时导出", "layouts": exports.layouts(),
        "can_edit": has_perm(request.user, rules.ACCREDIT_HOURS),
        "field_labels": {k: f.label for k, f in exports.FIELDS.items()}})
