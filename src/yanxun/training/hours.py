"""学时认定 of a program: attendance → HourRecords, for one class or the whole program once
its sessions are over.

The rules (all settings, see docs/training.md):
- A teacher enrolled in a class (status 已录取) has attended the share
  hours of the class's sessions with a 出勤/迟到 record ÷ all session hours of the class.
- Below Program.min_attendance_share: no hours. At or above it: the class's hours in full,
  or with Program.pro_rata the hours attended (= class hours × share, exactly).
- A presenter (TrainingSession.presenter) earns the hours of the program's ended sessions they
  gave × TrainingPolicy.presenter_multiplier, in a record of its own (source 授课).
- Arithmetic is exact (Decimal); the share is compared exactly (attended ≥ share × total).
  The only rounding is the presenter's product, to one decimal place, half up
  (2.5 × 1.5 = 3.75 → 3.8); percentages on the page are rounded half up for display only.

`accreditation_plan` is the preview (who gets what, and why); `program_accredit` recomputes the
same plan inside one transaction and writes it: a record per teacher, program and source,
replaced on re-accreditation, every change audited with its before and after; a teacher whose
hours were granted, changed or withdrawn gets a 站内消息 (training.notices).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yanxun.core.audit import audit_record, snapshot
from yanxun.core.permissions import has_perm
from yanxun.notifications.services import Message
from yanxun.org.models import Teacher
from yanxun.training import notices, rules
from yanxun.training.enums import AttendanceStatus, EnrolmentStatus, HourSource
from yanxun.training.models import (
    Attendance,
    Certificate,
    Enrolment,
    HourRecord,
    Program,
    TrainingClass,
    TrainingPolicy,
    TrainingSession,
)
from yanxun.training.policy import current_policy

TENTH = Decimal("0.1")
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
RECORD_FIELDS = ["hours", "year", "earned_on", "category", "level", "title", "note"]


def one_place(value: Decimal) -> Decimal:
    """One decimal place, half up: the rounding of accredited hours."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros: 2.00 → 2, 0.850 → 0.85."""
    return format(value.normalize(), "f")


def percent(value: Decimal) -> str:
    """A share as a percentage with at most one decimal place, half up: 0.8 → 80%."""
    return f"{plain(one_place(value * 100))}%"


def session_over(session: TrainingSession, now: datetime) -> bool:
    ends = timezone.make_aware(datetime.combine(session.date, session.ends_at))
    return ends <= now


@dataclass
class PlanRow:
    teacher: Teacher
    source: str  # HourSource.PROGRAM or PRESENTER
    class_name: str
    attended: Decimal  # hours attended (presenters: hours presented)
    total: Decimal  # the class's session hours (presenters: the same as attended)
    hours: Decimal  # what the record will hold; 0 = no record
    reason: str
    earned_on: date | None
    before: Decimal | None = None  # the existing record's hours

    @property
    def change(self) -> str:
        if self.before is None:
            return "新增" if self.hours else "—"
        if not self.hours:
            return "撤销"
        return "不变" if self.hours == self.before else "更新"

    @property
    def source_label(self) -> str:
        return HourSource(self.source).label


@dataclass
class Plan:
    program: Program
    training_class: TrainingClass | None
    rows: list[PlanRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def scope_label(self) -> str:
        return self.training_class.name if self.training_class else "全部班次"

    @property
    def fingerprint(self) -> str:
        """Changes whenever the outcome changes: the confirm form carries the preview's."""
        text = "|".join(f"{r.teacher.pk}:{r.source}:{r.hours}:{r.earned_on}:{r.before}"
                        for r in sorted(self.rows, key=lambda r: (r.teacher.pk, r.source)))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for row in self.rows:
            out[row.change] += 1
        out["earning"] = sum(1 for r in self.rows if r.hours)
        return dict(out)

    @property
    def total_hours(self) -> Decimal:
        return sum((r.hours for r in self.rows), Decimal("0"))


def _require(actor) -> None:
    if not has_perm(actor, rules.ACCREDIT_HOURS):
        raise PermissionDenied("无权认定学时。")


def accreditation_plan(program: Program, training_class: TrainingClass | None = None, *,
                       policy: TrainingPolicy | None = None,
                       now: datetime | None = None) -> Plan:
    """Who earns what, and why, if the program (or one class of it) is accredited now."""
    now = now or timezone.now()
    policy = policy or current_policy()
    classes = [training_class] if training_class else list(program.classes.all())
    plan = Plan(program, training_class)
    sessions = list(TrainingSession.objects.filter(training_class__program=program)
                    .order_by("date", "starts_at", "pk"))
    _check_sessions(plan, classes, sessions, now)
    if plan.problems:
        return plan
    existing = {(r.teacher_id, r.source): r for r in HourRecord.objects.filter(
        program=program, source__in=[HourSource.PROGRAM, HourSource.PRESENTER])}
    plan.rows += _attendee_rows(program, classes, sessions)
    plan.rows += _presenter_rows(program, sessions, policy, now)
    _add_revocations(plan, classes, existing)
    for row in plan.rows:
        record = existing.get((row.teacher.pk, row.source))
        row.before = record.hours if record else None
    plan.rows.sort(key=lambda r: (r.source != HourSource.PROGRAM, r.class_name,
                                  r.teacher.school.code, r.teacher.employee_no))
    return plan


def _check_sessions(plan: Plan, classes, sessions, now: datetime) -> None:
    if not classes:
        plan.problems.append("该项目还没有班次。")
    for training_class in classes:
        own = [s for s in sessions if s.training_class_id == training_class.pk]
        if not own:
            plan.problems.append(f"班次「{training_class.name}」没有日程。")
            continue
        pending = [s for s in own if not session_over(s, now)]
        if pending:
            plan.problems.append(f"班次「{training_class.name}」还有 {len(pending)} 次日程未结束"
                                 f"（最后一次 {own[-1].date:%Y-%m-%d}），结束后才能认定学时。")
        elif not sum((s.hours for s in own), Decimal("0")):
            plan.problems.append(f"班次「{training_class.name}」的日程学时合计为 0。")


def _attendee_rows(program: Program, classes, sessions) -> list[PlanRow]:
    class_ids = {c.pk for c in classes}
    names = {c.pk: c.name for c in classes}
    hours = {s.pk: s.hours for s in sessions}
    by_class = defaultdict(list)
    for s in sessions:
        if s.training_class_id in class_ids:
            by_class[s.training_class_id].append(s)
    attended: dict[int, Decimal] = defaultdict(Decimal)
    for teacher_id, session_id in Attendance.objects.filter(
            session__training_class_id__in=class_ids, status__in=ATTENDED).values_list(
            "teacher_id", "session_id"):
        attended[teacher_id] += hours[session_id]
    rows = []
    for enrolment in (Enrolment.objects.filter(training_class_id__in=class_ids,
                                               status=EnrolmentStatus.ENROLLED)
                      .select_related("teacher__school")):
        own = by_class[enrolment.training_class_id]
        total = sum((s.hours for s in own), Decimal("0"))
        rows.append(_attendee_row(program, enrolment.teacher, names[enrolment.training_class_id],
                                  attended[enrolment.teacher_id], total, own[-1].date))
    return rows


def _attendee_row(program: Program, teacher: Teacher, class_name: str, attended: Decimal,
                  total: Decimal, last: date) -> PlanRow:
    minimum = program.min_attendance_share
    head = f"出勤 {one_place(attended)}/{one_place(total)} 学时（{percent(attended / total)}），"
    if attended < minimum * total:
        return PlanRow(teacher, HourSource.PROGRAM, class_name, attended, total,
                       Decimal("0"), head + f"低于最低出勤比例 {percent(minimum)}，不计学时",
                       None)
    if program.pro_rata:
        reason = head + f"达到最低出勤比例 {percent(minimum)}，按出勤比例计 {one_place(attended)} 学时"
        return PlanRow(teacher, HourSource.PROGRAM, class_name, attended, total, attended,
                       reason, last)
    reason = head + f"达到最低出勤比例 {percent(minimum)}，计全部 {one_place(total)} 学时"
    return PlanRow(teacher, HourSource.PROGRAM, class_name, attended, total, total, reason,
                   last)


def _presenter_rows(program: Program, sessions, policy: TrainingPolicy,
                    now: datetime) -> list[PlanRow]:
    given: dict[int, list[TrainingSession]] = defaultdict(list)
    for s in sessions:
        if s.presenter_id and session_over(s, now):
            given[s.presenter_id].append(s)
    teachers = Teacher.objects.select_related("school").in_bulk(list(given))
    multiplier = policy.presenter_multiplier
    rows = []
    for teacher_id, own in given.items():
        presented = sum((s.hours for s in own), Decimal("0"))
        earned = one_place(presented * multiplier)
        reason = (f"授课 {len(own)} 次共 {one_place(presented)} 学时 × {plain(multiplier)} 倍 = {earned} 学时"
                  + ("（四舍五入到 0.1）" if earned != presented * multiplier else ""))
        rows.append(PlanRow(teachers[teacher_id], HourSource.PRESENTER, "授课", presented,
                            presented, earned, reason, own[-1].date))
    return rows


def _add_revocations(plan: Plan, classes, existing: dict) -> None:
    """Existing records this accreditation no longer supports are withdrawn (shown first)."""
    planned = {(r.teacher.pk, r.source) for r in plan.rows}
    in_scope = None
    if plan.training_class is not None:
        in_scope = set(Enrolment.objects.filter(training_class__in=classes)
                       .values_list("teacher_id", flat=True))
    stale = [record for key, record in existing.items() if key not in planned and (
        record.source == HourSource.PRESENTER or in_scope is None
        or record.teacher_id in in_scope)]
    teachers = Teacher.objects.select_related("school").in_bulk([r.teacher_id for r in stale])
    for record in stale:
        reason = ("已不在录取名单中" if record.source == HourSource.PROGRAM
                  else "不再是已结束日程的授课教师")
        plan.rows.append(PlanRow(teachers[record.teacher_id], record.source,
                                 "授课" if record.source == HourSource.PRESENTER else "—",
                                 Decimal("0"), Decimal("0"), Decimal("0"), reason, None))


# --- writing ---------------------------------------------------------------------------------


def program_accredit(*, actor, program: Program, training_class: TrainingClass | None = None,
                     fingerprint: str | None = None, now: datetime | None = None) -> Plan:
    """Write the plan: create, replace or withdraw HourRecords in one transaction; refuse if
    a session is not over, or if the outcome differs from the preview the user confirmed."""
    _require(actor)
    with transaction.atomic():
        # One accreditation of a program at a time (PostgreSQL row lock; SQLite serialises).
        Program.objects.select_for_update().filter(pk=program.pk).first()
        plan = accreditation_plan(program, training_class, now=now)
        if plan.problems:
            raise ValidationError(plan.problems)
        if fingerprint is not None and fingerprint != plan.fingerprint:
            raise ValidationError("预览之后考勤、报名或设置有变化，请查看新的预览后再确认。")
        existing = {(r.teacher_id, r.source): r for r in HourRecord.objects.filter(
            program=program, source__in=[HourSource.PROGRAM, HourSource.PRESENTER])}
        messages = [_apply(actor, program, row, existing.get((row.teacher.pk, row.source)))
                    for row in plan.rows]
        notices.send_all(messages)
        audit_record(actor=actor, action="hours.accredit_program", obj=program,
                     after={"scope": plan.scope_label, **plan.counts(),
                            "hours": str(plan.total_hours)})
    return plan


def _apply(actor, program: Program, row: PlanRow, record: HourRecord | None) -> Message | None:
    """Write one row of the plan; the teacher's 站内消息 about it, if anything changed."""
    if record is None and not row.hours:
        return None
    if record is not None and not row.hours:
        before = snapshot(record, RECORD_FIELDS)
        _revoke_certificates(actor, record)
        record.delete()
        log = audit_record(actor=actor, action="hours.revoke",
                           object_type="training.hourrecord", object_id=str(row.teacher.pk),
                           object_repr=f"{row.teacher.name} {program}", before=before,
                           reason=row.reason[:200])
        return notices.hours_revoked(row.teacher, record.title, reason=row.reason, log=log)
    values = {
        "hours": row.hours, "year": row.earned_on.year, "earned_on": row.earned_on,
        "category": program.category, "level": program.level,
        "title": program.name if row.source == HourSource.PROGRAM else f"{program.name}（授课）",
        "note": row.reason[:200],
    }
    if record is None:
        record = HourRecord.objects.create(teacher=row.teacher, program=program,
                                           source=row.source, accredited_by=actor, **values)
        log = audit_record(actor=actor, action="hours.accredit", obj=record,
                           object_repr=f"{row.teacher.name} {record.title}",
                           after=snapshot(record, RECORD_FIELDS))
        return notices.hours_accredited(row.teacher, record, before=None, log=log)
    before = snapshot(record, RECORD_FIELDS)
    old_hours = record.hours
    for name, value in values.items():
        setattr(record, name, value)
    after = snapshot(record, RECORD_FIELDS)
    if before == after:
        return None
    record.accredited_by, record.accredited_at = actor, timezone.now()
    record.save()
    log = audit_record(actor=actor, action="hours.accredit", obj=record,
                       object_repr=f"{row.teacher.name} {record.title}", before=before,
                       after=after)
    if record.hours == old_hours:
        return None  # the date or the note changed, not the hours: no news to the teacher
    return notices.hours_accredited(row.teacher, record, before=old_hours, log=log)


def _revoke_certificates(actor, record: HourRecord) -> None:
    """A program certificate stands on the program's record: withdrawn with it."""
    if record.source != HourSource.PROGRAM:
        return
    from yanxun.training.certificates import certificate_revoke

    for certificate in Certificate.objects.filter(teacher_id=record.teacher_id,
                                                  program_id=record.program_id, revoked=False):
        certificate_revoke(actor=actor, certificate=certificate, reason="学时认定已撤销",
                           check=False)
