"""异议/申诉 against a 公示: filed by a logged-in, named person (any role) with reasons and
optional evidence files (checked by content, training.files), only within the notice period
— the day after ends_on is too late; answered by staff (异议成立 / 异议不成立) with an answer the
filer reads on their page. Every filing and answer is audited."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.permissions import has_perm
from yanxun.core.validators import phone_problem
from yanxun.review import rules
from yanxun.review.enums import NoticeStatus, ObjectionStatus
from yanxun.review.models import Award, Objection, ObjectionEvidence, PublicNotice
from yanxun.review.notices import cn_date
from yanxun.review.workflow import transition
from yanxun.training.files import CheckedFile

REASON_MAX = 2000
ANSWER_MAX = 2000
DECISIONS = (ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED)


def objection_file(*, actor, notice: PublicNotice, reason: str, entry_id: int | None = None,
                   contact_phone: str = "", files: list[CheckedFile] = (),
                   today: date | None = None) -> Objection:
    """File an objection against an open notice, within its period."""
    if not has_perm(actor, rules.FILE_OBJECTIONS):
        raise PermissionDenied("无权提出异议。")
    today = today or timezone.localdate()
    _check_period(notice, today)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "请写明异议的具体理由。"
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"异议内容不能超过 {REASON_MAX} 字。"
    contact_phone = (contact_phone or "").strip()
    if contact_phone and phone_problem(contact_phone):
        errors["contact_phone"] = f"手机号{phone_problem(contact_phone)}"
    if entry_id is not None and not Award.objects.filter(
            competition=notice.competition_id, entry_id=entry_id, revoked=False).exists():
        errors["entry"] = "所选作品不在本次公示的名单中。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        objection = Objection.objects.create(notice=notice, entry_id=entry_id, filed_by=actor,
                                             contact_phone=contact_phone, reason=reason)
        for checked in files:
            ObjectionEvidence.objects.create(objection=objection, file=checked.content_file(),
                                             original_name=checked.name,
                                             content_type=checked.content_type,
                                             size=checked.size)
        audit_record(actor=actor, action="review.objection.file", obj=objection,
                     after={"notice": notice.pk, "entry": entry_id, "files": len(files)},
                     reason=reason[:500])
    return objection


def _check_period(notice: PublicNotice, today: date) -> None:
    if notice.status != NoticeStatus.OPEN:
        raise ValidationError(f"该公示{notice.get_status_display()}，不再受理异议。")
    if today < notice.starts_on:
        raise ValidationError(f"公示期自 {cn_date(notice.starts_on)} 开始，届时才能提出异议。")
    if today > notice.ends_on:
        raise ValidationError(f"公示期已于 {cn_date(notice.ends_on)} 结束，不再受理异议。")


def objection_answer(*, actor, objection: Objection, decision: str, answer: str) -> Objection:
    """Answer an objection: 异议成立 or 异议不成立, with the answer text; audited."""
    if not has_perm(actor, rules.ANSWER_OBJECTIONS):
        raise PermissionDenied("无权答复异议。")
    answer = (answer or "").strip()
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = "请选择「异议成立」或「异议不成立」。"
    if not answer:
        errors["answer"] = "请填写答复内容。"
    elif len(answer) > ANSWER_MAX:
        errors["answer"] = f"答复内容不能超过 {ANSWER_MAX} 字。"
    if errors:
        raise ValidationError(errors)
    return transition(objection, decision, actor=actor, reason=answer[:500],
                      action="review.objection.answer",
                      fields={"answer": answer, "answered_by": actor,
                              "answered_at": timezone.now()})


def objection_for_view(user, pk: int) -> Objection:
    """Staff who answer objections see every one; anyone else only their own (else 404)."""
    objections = Objection.objects.select_related("notice__competition", "entry", "filed_by",
                                                  "answered_by")
    if not has_perm(user, rules.ANSWER_OBJECTIONS):
        objections = objections.filter(filed_by=user)
    objection = objections.filter(pk=pk).first()
    if objection is None:
        raise Http404("未找到该异议，或无权查看。")
    return objection


def may_answer(user) -> bool:
    return has_perm(user, rules.ANSWER_OBJECTIONS)


def my_objections(user):
    return (Objection.objects.filter(filed_by=user)
            .select_related("notice__competition", "entry").order_by("-created_at"))
