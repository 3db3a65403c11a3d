"""Reads of the hours pages, each scoped by the acting user: a row outside the user's data
scope is "not found" (404), an action the user's role may not take is "forbidden" (403)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from yanxun.core.listing import listable
from yanxun.core.permissions import has_perm, scoped
from yanxun.org.models import Teacher
from yanxun.training import rules
from yanxun.training.models import Certificate, ClaimEvidence, HourClaim, Program


def _get(queryset: QuerySet, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("未找到该记录，或无权查看。")
    return obj


def require(user, perm, message: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(message)


def own_teacher(user) -> Teacher | None:
    return Teacher.objects.filter(user=user).select_related("school").first() \
        if user.is_authenticated else None


def teacher_for_ledger(user, pk) -> Teacher:
    require(user, rules.VIEW_LEDGER, "无权查看学时档案。")
    return _get(scoped(Teacher.objects.select_related("school"), user, rules.VIEW_LEDGER), pk)


def ledger_teachers(user) -> QuerySet[Teacher]:
    """The teachers whose ledgers this user sees on the dashboard (not a teacher's own)."""
    require(user, listable(rules.VIEW_LEDGER), "无权查看学时达标情况。")
    return scoped(Teacher.objects.all(), user, rules.VIEW_LEDGER)


def claim_for_view(user, pk) -> HourClaim:
    require(user, rules.VIEW_LEDGER, "无权查看学时申报。")
    return _get(scoped(HourClaim.objects.select_related("teacher__school", "rule__category",
                                                        "school_decided_by",
                                                        "center_decided_by",
                                                        "award__competition",
                                                        "award__entry__group"),
                       user, rules.VIEW_LEDGER), pk)


def evidence_for_download(user, pk) -> ClaimEvidence:
    """A file of a claim the user may see (the teacher, their school's administrator, the
    centre); anyone else gets "not found"."""
    evidence = _get(ClaimEvidence.objects.select_related("claim"), pk)
    claim_for_view(user, evidence.claim_id)
    return evidence


def certificate_for_view(user, pk) -> Certificate:
    require(user, rules.VIEW_LEDGER, "无权查看证书。")
    return _get(scoped(Certificate.objects.select_related("teacher__school", "program"), user,
                       rules.VIEW_LEDGER), pk)


def program_for_accreditation(user, pk) -> Program:
    require(user, rules.ACCREDIT_HOURS, "无权认定学时。")
    return _get(Program.objects.select_related("category"), pk)
