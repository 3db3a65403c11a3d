"""Pages of the ledger: 我的学时 (a teacher's own, phone-sized), a teacher's ledger for staff and
school administrators, and the compliance dashboard with its Excel export."""

from __future__ import annotations

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yanxun.core.audit import audit_record
from yanxun.core.exports import XLSX_TYPE, content_disposition
from yanxun.core.permissions import best_scope, has_perm, scoped
from yanxun.org.enums import Stage
from yanxun.org.models import School
from yanxun.training import compliance, ledger_cache, rules
from yanxun.training.certificates import hours_certificate_issue
from yanxun.training.enums import ClaimStatus
from yanxun.training.ledger import (
    LedgerState,
    cycle_choices,
    cycle_from_param,
    teacher_ledger,
)
from yanxun.training.models import Certificate, HourClaim
from yanxun.training.policy import current_policy
from yanxun.training.selectors_hours import ledger_teachers, own_teacher, teacher_for_ledger

PER_PAGE = 50
CLAIM_BADGES = {ClaimStatus.SUBMITTED: "bg-yellow-lt", ClaimStatus.SCHOOL_APPROVED: "bg-azure-lt",
                ClaimStatus.ACCREDITED: "bg-green-lt", ClaimStatus.RETURNED: "bg-orange-lt",
                ClaimStatus.REJECTED: "bg-red-lt"}
STATE_BADGES = {LedgerState.COMPLETE: "bg-green-lt", LedgerState.ON_TRACK: "bg-azure-lt",
                LedgerState.BEHIND: "bg-orange-lt", LedgerState.FAR_BEHIND: "bg-red-lt"}


def _ledger_context(request, teacher) -> dict:
    policy = current_policy()
    cycle = cycle_from_param(policy, request.GET.get("cycle"))
    ledger = teacher_ledger(teacher, cycle, policy=policy)
    claims = list(HourClaim.objects.filter(teacher=teacher).select_related("rule")
                  .order_by("-created_at")[:50])
    for claim in claims:
        claim.badge = CLAIM_BADGES.get(claim.status, "bg-secondary-lt")
    return {
        "ledger": ledger, "teacher": teacher, "cycles": cycle_choices(policy),
        "state_badge": STATE_BADGES[ledger.state], "claims": claims,
        "certificates": list(Certificate.objects.filter(teacher=teacher)
                             .order_by("-issued_on", "-pk")[:50]),
        "can_issue": has_perm(request.user, rules.ISSUE_CERTIFICATES),
    }


@login_required
def my_hours(request):
    """我的学时: the logged-in teacher's cycle, requirements, records, claims, certificates."""
    teacher = own_teacher(request.user)
    context = _ledger_context(request, teacher) if teacher else {}
    return render(request, "training/hours/my_hours.html", {
        **context, "page_title": "我的学时",
        "can_claim": teacher is not None and has_perm(request.user, rules.SUBMIT_CLAIMS)})


@login_required
def teacher_ledger_page(request, pk: int):
    teacher = teacher_for_ledger(request.user, pk)
    return render(request, "training/hours/teacher_ledger.html", {
        **_ledger_context(request, teacher), "page_title": f"学时档案：{teacher.name}"})


@login_required
@require_POST
def hours_certificate(request, pk: int):
    """出具学时证明 for the teacher's cycle (the centre), then back to the ledger."""
    teacher = teacher_for_ledger(request.user, pk)
    policy = current_policy()
    cycle = cycle_from_param(policy, request.POST.get("cycle"))
    try:
        certificate = hours_certificate_issue(actor=request.user, teacher=teacher, cycle=cycle,
                                              policy=policy)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已出具学时证明，编号 {certificate.serial}。")
    return redirect(reverse("training:teacher_ledger", args=[teacher.pk]) +
                    f"?cycle={cycle.start}")


# --- compliance dashboard ----------------------------------------------------------------------


@login_required
def compliance_page(request):
    user = request.user
    teachers = ledger_teachers(user)
    policy = current_policy()
    cycle = cycle_from_param(policy, request.GET.get("cycle"))
    frame, hour_rules = ledger_cache.ledgers(teachers, cycle, policy=policy)
    schools = dict(scoped(School.objects.all(), user, rules.VIEW_LEDGER)
                   .filter(pk__in=frame["school_id"].unique().to_list())
                   .order_by("code").values_list("pk", "name"))
    filters = compliance.Filters.from_params(request.GET, set(schools))
    shown = compliance.filtered(frame, filters, hour_rules)
    if request.GET.get("format") == "xlsx":
        return _compliance_xlsx(request, shown, hour_rules, cycle, schools, filters)
    page = Paginator(range(shown.height), PER_PAGE).get_page(request.GET.get("page"))
    rows = compliance.teacher_rows(shown.slice((page.number - 1) * PER_PAGE, PER_PAGE),
                                   hour_rules)
    for row in rows:
        row.badge = STATE_BADGES[row.state]
    base = frame.filter(pl.col("school_id") == filters.school_id) if filters.school_id \
        else frame
    return render(request, "training/hours/compliance.html", {
        "page_title": "学时达标情况", "cycle": cycle, "cycles": cycle_choices(policy),
        "rules": hour_rules, "requirements": hour_rules.requirements, "filters": filters,
        "schools": schools, "stages": Stage.choices, "states": LedgerState.choices,
        "sorts": compliance.SORTS.items(), "counts": compliance.state_counts(shown),
        "total": shown.height, "rows": rows, "page": page,
        "by_school": compliance.groups(base, "school_id", schools, hour_rules)
        if len(schools) > 1 or filters.school_id else [],
        "by_stage": compliance.groups(base.sort("stage"), "stage", dict(Stage.choices),
                                      hour_rules),
        "query": _query(request, page=None), "scope": best_scope(user, rules.VIEW_LEDGER),
    })


def _query(request, **override) -> str:
    params = request.GET.copy()
    for key, value in override.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    return params.urlencode()


def _compliance_xlsx(request, frame, hour_rules, cycle, schools, filters) -> HttpResponse:
    data = compliance.workbook(frame, hour_rules, cycle, schools)
    audit_record(actor=request.user, action="export.personal_data",
                 object_type="list.hour_compliance", object_repr="导出学时达标情况",
                 after={"list": "hour_compliance", "rows": frame.height, "unmasked": False,
                        "cycle": cycle.start, "filters": filters.describe()})
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(
        f"学时达标情况_{cycle.start}-{cycle.end}.xlsx")
    response["Cache-Control"] = "no-store"
    return response
