"""已报名教师与对象条件: teachers enrolled in a program who no longer meet its audience rules.

A program's audience rules may change after teachers enrolled (or a teacher's facts change:
an honour expires, a transfer to another school). Nothing is cancelled automatically: the
program page lists the active enrolments (待学校审核, 已录取, 候补) whose teacher fails a rule,
with the reason from the eligibility explanation, and staff decide per teacher or for all:

- keep: an audited decision (`training.enrolment.keep`) stored on the enrolment as the
  reasons it was kept despite (`Enrolment.kept_despite`) and shown as 已确认保留. If the
  reasons change later (the rules were changed again), the teacher is listed again.
- cancel: `enrolment_remove` (the enrolment transition to 已退出, audited as
  `training.enrolment.remove` and shown to the teacher under 消息), which gives a freed seat
  to the first waiting teacher as every removal does. Waiting and pending teachers are
  cancelled before enrolled ones, so a seat freed by "cancel all" does not go to a waiting
  teacher who is being cancelled too.

Both check, inside the transaction and before writing anything, that every chosen enrolment
is still on the list (refused otherwise with a Chinese message, nothing written).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.permissions import has_perm
from yanxun.training import rules
from yanxun.training.eligibility import audience_of, facts_for, reasons
from yanxun.training.enrolment import ACTIVE, ENDED, enrolment_remove, lock_classes
from yanxun.training.enums import EnrolmentStatus
from yanxun.training.models import Enrolment, Program

S = EnrolmentStatus
# Cancel all: those without a seat first (see the module docstring).
CANCEL_ORDER = {S.WAITING: 0, S.PENDING: 1, S.ENROLLED: 2}


@dataclass
class Mismatch:
    enrolment: Enrolment
    reasons: list[str]

    @property
    def reason_text(self) -> str:
        return "；".join(self.reasons)

    @property
    def kept(self) -> bool:
        return self.enrolment.kept_despite == self.reason_text


def mismatches(program: Program, *, on: date | None = None) -> list[Mismatch]:
    """The program's active enrolments whose teacher fails an audience rule today (none once
    the program has finished or been cancelled), by class, status and 工号."""
    if program.status in ENDED:
        return []
    rows = list(Enrolment.objects.filter(program=program, status__in=ACTIVE)
                .select_related("teacher__school", "training_class")
                .order_by("training_class__pk", "status", "waitlist_position",
                          "teacher__school__code", "teacher__employee_no", "pk"))
    facts = facts_for([e.teacher for e in rows], on=on or timezone.localdate())
    audience = audience_of(program)
    out = []
    for enrolment in rows:
        failed = reasons(facts[enrolment.teacher_id], audience)
        if failed:
            out.append(Mismatch(enrolment, failed))
    return out


def undecided(items: list[Mismatch]) -> list[Mismatch]:
    return [m for m in items if not m.kept]


def _require(actor) -> None:
    if not has_perm(actor, rules.MANAGE_PROGRAMS):
        raise PermissionDenied("无权管理培训项目的报名名单。")


def _chosen(program: Program, enrolment_ids: list[int], *, undecided_only: bool
            ) -> list[Mismatch]:
    """The mismatches of the chosen enrolments; refused unless every one is still listed
    (and, for keep, not kept already)."""
    ids = set(enrolment_ids)
    if not ids:
        raise ValidationError("请先选择教师。")
    listed = {m.enrolment.pk: m for m in mismatches(program)}
    if undecided_only:
        listed = {pk: m for pk, m in listed.items() if not m.kept}
    gone = ids - set(listed)
    if gone:
        raise ValidationError(f"名单已有变化（{len(gone)} 名教师已不在待处理名单中），"
                              "请刷新页面后重新选择。")
    return [listed[pk] for pk in sorted(ids)]


def audience_keep(*, actor, program: Program, enrolment_ids: list[int]) -> int:
    """Keep the chosen teachers despite the rules they fail; returns how many."""
    _require(actor)
    with transaction.atomic():
        list(Enrolment.objects.select_for_update(of=("self",))
             .filter(pk__in=list(enrolment_ids)).order_by("pk"))
        chosen = _chosen(program, enrolment_ids, undecided_only=True)
        for item in chosen:
            enrolment = item.enrolment
            before = {"kept_despite": enrolment.kept_despite}
            enrolment.kept_despite = item.reason_text
            enrolment.save(update_fields=["kept_despite", "updated_at"])
            audit_record(actor=actor, action="training.enrolment.keep", obj=enrolment,
                         object_repr=_describe(enrolment, program), before=before,
                         after={"kept_despite": item.reason_text},
                         reason="不再符合项目对象条件，确认保留")
    return len(chosen)


def audience_cancel(*, actor, program: Program, enrolment_ids: list[int]) -> list[Enrolment]:
    """Cancel the chosen enrolments (kept ones too: staff may change their mind); a freed
    seat goes to the first waiting teacher while the program is 报名中. Returns the cancelled
    enrolments, each with `promoted` (the teachers who got its seat)."""
    _require(actor)
    with transaction.atomic():
        lock_classes(*program.classes.values_list("pk", flat=True))
        chosen = _chosen(program, enrolment_ids, undecided_only=False)
        chosen.sort(key=lambda m: (CANCEL_ORDER[S(m.enrolment.status)], m.enrolment.pk))
        return [enrolment_remove(actor=actor, enrolment=m.enrolment,
                                 reason=f"不再符合项目对象条件：{m.reason_text}")
                for m in chosen]


def _describe(enrolment: Enrolment, program: Program) -> str:
    return (f"{enrolment.teacher.name} · {program.name} "
            f"{enrolment.training_class.name}")[:200]
