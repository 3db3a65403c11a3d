"""报名: enrol, school approval, the waiting list, withdrawal, and staff corrections.

`enrolment_transition` is the only writer of an enrolment's status, class and waiting-list
position; every service below decides the target state and calls it, and it writes one
操作日志 row per change (who, when, from, to, why).

Seats are counted, never stored: a class's enrolled teachers are its enrolments with status
ENROLLED. Every service that may take or free a seat locks the class row first
(`select_for_update` on PostgreSQL; on SQLite the IMMEDIATE transaction already holds the
database's write lock) and counts within that lock, so that two enrolments for the last seat
give one seat and one waiting place, and two staff promoting at once never over-fill a class.
Lock order, to rule out deadlocks: teacher rows (ascending pk), then class rows (ascending pk),
then enrolment rows.

The waiting list: a waiting teacher has a `waitlist_position`, increasing in the order they
joined the list; the teacher's place in the queue (第 n 位) is derived from it. A seat freed
while the program is 报名中 (published) goes at once to the first waiting teacher
("promote"), and the teacher gets a 站内消息 (training.notices), as for every change someone
else makes to their enrolment. Once enrolment has closed (报名结束), a freed seat stays free and
staff fill it by hand ("promote_by_hand"), since a teacher joining a running program must
first be told in person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yanxun.core.audit import audit_record, snapshot
from yanxun.core.permissions import has_perm, scoped
from yanxun.org.models import Teacher
from yanxun.training import notices, rules
from yanxun.training.eligibility import audience_of, facts_for, reasons
from yanxun.training.enums import EnrolmentSource, EnrolmentStatus, ProgramStatus
from yanxun.training.models import Enrolment, Program, TrainingClass, TrainingPolicy
from yanxun.training.policy import policy_for

S = EnrolmentStatus
ACTIVE = (S.PENDING, S.ENROLLED, S.WAITING)
ENDED = (ProgramStatus.FINISHED, ProgramStatus.CANCELLED)
# Staff may enrol while enrolment is open or after it closed (latecomers); teachers only while
# it is open, within the window.
STAFF_ENROL_STATUSES = (ProgramStatus.PUBLISHED, ProgramStatus.CLOSED)
NEW = None
TRANSITIONS: dict[S | None, set[S]] = {
    NEW: {S.PENDING, S.ENROLLED, S.WAITING},
    S.PENDING: {S.PENDING, S.ENROLLED, S.WAITING, S.REJECTED, S.WITHDRAWN},
    S.WAITING: {S.WAITING, S.ENROLLED, S.WITHDRAWN},
    S.ENROLLED: {S.ENROLLED, S.WITHDRAWN},
    S.WITHDRAWN: {S.PENDING, S.ENROLLED, S.WAITING},
    S.REJECTED: {S.PENDING, S.ENROLLED, S.WAITING},
}
AUDIT_FIELDS = ["status", "training_class", "waitlist_position", "source", "note"]
TIME_FORMAT = "%Y-%m-%d %H:%M"


def local_time(value: datetime) -> str:
    return timezone.localtime(value).strftime(TIME_FORMAT)


# --- the one writer --------------------------------------------------------------------------


def enrolment_transition(enrolment: Enrolment, to: S, *, actor, action: str, reason: str = "",
                         training_class: TrainingClass | None = None,
                         decision: bool = False) -> Enrolment:
    """Move `enrolment` (unsaved: a new one) to `to`, optionally into `training_class`, and
    audit it as `training.enrolment.<action>`. The caller holds the lock of every class
    concerned (see the module docstring)."""
    current = None if enrolment.pk is None else S(enrolment.status)
    to = S(to)
    if to not in TRANSITIONS[current]:
        label = current.label if current else "未报名"
        raise ValidationError(f"报名当前为「{label}」，不能转为「{to.label}」。")
    before = None if current is None else snapshot(enrolment, AUDIT_FIELDS)
    target = training_class or enrolment.training_class
    moving = current is None or target.pk != enrolment.training_class_id
    if to == S.WAITING:
        if current != S.WAITING or moving:
            enrolment.waitlist_position = next_waitlist_position(target)
    else:
        enrolment.waitlist_position = None
    enrolment.training_class, enrolment.program_id = target, target.program_id
    enrolment.status = to
    if to not in ACTIVE:
        enrolment.kept_despite = ""  # a keep decision (audience_review) ends with the enrolment
    if decision:
        enrolment.decided_by = actor
    if reason:
        enrolment.note = reason[:200]
    enrolment.save()
    log = audit_record(actor=actor, action=f"training.enrolment.{action}", obj=enrolment,
                       object_repr=_describe(enrolment, target), before=before,
                       after=snapshot(enrolment, AUDIT_FIELDS), reason=reason)
    notices.enrolment_changed(enrolment, action=action, actor=actor, log=log, reason=reason)
    return enrolment


def _describe(enrolment: Enrolment, training_class: TrainingClass) -> str:
    return f"{enrolment.teacher.name} · {training_class.program.name} {training_class.name}"[:200]


# --- counting within the lock --------------------------------------------------------------


def lock_classes(*pks: int) -> dict[int, TrainingClass]:
    """Lock the class rows (ascending pk) and return them with their programs."""
    rows = (TrainingClass.objects.select_for_update(of=("self",)).select_related("program")
            .filter(pk__in=sorted(set(pks))).order_by("pk"))
    found = {c.pk: c for c in rows}
    if len(found) != len(set(pks)):
        raise ValidationError("班次不存在或已被删除。")
    return found


def enrolled_count(training_class: TrainingClass) -> int:
    return Enrolment.objects.filter(training_class=training_class, status=S.ENROLLED).count()


def _has_waiting(training_class: TrainingClass) -> bool:
    return Enrolment.objects.filter(training_class=training_class, status=S.WAITING).exists()


def next_waitlist_position(training_class: TrainingClass) -> int:
    last = (Enrolment.objects.filter(training_class=training_class, status=S.WAITING)
            .aggregate(last=Max("waitlist_position"))["last"])
    return (last or 0) + 1


def seat_or_wait(training_class: TrainingClass) -> S:
    """A seat if one is free and nobody queues for it, else the end of the waiting list."""
    if enrolled_count(training_class) < training_class.capacity and not _has_waiting(
            training_class):
        return S.ENROLLED
    return S.WAITING


def fill_seats(training_class: TrainingClass, *, actor, cause: str) -> list[Enrolment]:
    """While the program is 报名中, give free seats to the waiting teachers in order. The
    caller holds the class lock."""
    if training_class.program.status != ProgramStatus.PUBLISHED:
        return []
    free = training_class.capacity - enrolled_count(training_class)
    if free <= 0:
        return []
    waiting = list(Enrolment.objects.select_related("teacher")
                   .filter(training_class=training_class, status=S.WAITING)
                   .order_by("waitlist_position")[:free])
    for enrolment in waiting:
        enrolment_transition(enrolment, S.ENROLLED, actor=actor, action="promote",
                             reason=f"候补递补：{cause}")
    return waiting


# --- who may act -----------------------------------------------------------------------------


def _require_self(actor, teacher: Teacher) -> None:
    if not has_perm(actor, rules.ENROL_SELF) or teacher.user_id != actor.pk:
        raise PermissionDenied("只能为本人报名或退出。")


def may_manage_teacher(actor, teacher: Teacher) -> bool:
    """Enrol others, approve or reject: centre staff for everyone, a school administrator
    for their own school's teachers."""
    return scoped(Teacher.objects.filter(pk=teacher.pk), actor, rules.MANAGE_ENROLMENTS).exists()


def _require_manage_teacher(actor, teacher: Teacher) -> None:
    if not may_manage_teacher(actor, teacher):
        raise PermissionDenied("无权为该教师办理报名。")


def _require_programs(actor) -> None:
    if not has_perm(actor, rules.MANAGE_PROGRAMS):
        raise PermissionDenied("无权管理培训项目的报名名单。")


# --- the checks of an enrolment ----------------------------------------------------------


def window_problem(program: Program, now: datetime) -> str | None:
    """Why a teacher may not enrol themself now (status and window); None when open."""
    if program.status != ProgramStatus.PUBLISHED:
        return f"该项目当前为「{ProgramStatus(program.status).label}」，不接受报名"
    if program.enrol_opens and now < program.enrol_opens:
        return f"报名尚未开始（{local_time(program.enrol_opens)} 开始）"
    if program.enrol_closes and now > program.enrol_closes:
        return f"报名已截止（{local_time(program.enrol_closes)}）"
    return None


def long_programs_by_teacher(teacher_ids, *, excluding: Program | None = None
                             ) -> dict[int, list[str]]:
    """{teacher pk: names of the long programs they take part in now}: enrolments pending,
    enrolled or waiting in a 团队/长期项目 that has not finished or been cancelled."""
    rows = (Enrolment.objects.filter(teacher_id__in=list(teacher_ids), status__in=ACTIVE,
                                     program__is_long=True)
            .exclude(program__status__in=ENDED).order_by("created_at", "pk"))
    if excluding is not None:
        rows = rows.exclude(program=excluding)
    out: dict[int, list[str]] = {}
    for teacher_id, name in rows.values_list("teacher_id", "program__name"):
        out.setdefault(teacher_id, []).append(name)
    return out


def cap_problem(program: Program, current: list[str], policy: TrainingPolicy) -> str | None:
    """The rule "a teacher takes part in at most N teams or long programs at once"."""
    if not program.is_long or len(current) < policy.max_long_programs:
        return None
    names = "、".join(f"「{name}」" for name in current)
    return (f"每名教师同时参加的团队/长期项目不超过 {policy.max_long_programs} 个，"
            f"已参加{names}，不能再报名「{program.name}」")


def already_problem(enrolment: Enrolment | None) -> str | None:
    if enrolment is None or enrolment.status not in ACTIVE:
        return None
    return f"已报名该项目（{status_text(enrolment)}）"


def status_text(enrolment: Enrolment) -> str:
    """当前状态：已录取 / 候补第 3 位 / 待学校审核 …"""
    if enrolment.status == S.WAITING:
        return f"候补第 {waiting_rank(enrolment)} 位"
    return S(enrolment.status).label


def waiting_rank(enrolment: Enrolment) -> int:
    return Enrolment.objects.filter(training_class_id=enrolment.training_class_id,
                                    status=S.WAITING,
                                    waitlist_position__lte=enrolment.waitlist_position).count()


def enrol_problems(*, teacher: Teacher, program: Program, existing: Enrolment | None,
                   on=None) -> list[str]:
    """Eligibility, not enrolled already, the cap — what every kind of enrolment checks."""
    on = on or timezone.localdate()
    facts = facts_for([teacher], on=on)[teacher.pk]
    problems = reasons(facts, audience_of(program))
    problems += [p for p in [already_problem(existing)] if p]
    current = long_programs_by_teacher([teacher.pk], excluding=program).get(teacher.pk, [])
    problems += [p for p in [cap_problem(program, current, policy_for(teacher.school.district))]
                 if p]
    return problems


# --- enrol, approve, reject, withdraw ------------------------------------------------------


def _locked_teacher(teacher: Teacher) -> Teacher:
    return (Teacher.objects.select_for_update(of=("self",)).select_related("school__district")
            .get(pk=teacher.pk))


def _locked_enrolment(pk: int) -> Enrolment:
    return (Enrolment.objects.select_for_update(of=("self",))
            .select_related("teacher__school", "program").get(pk=pk))


def enrolment_enrol(*, actor, teacher: Teacher, training_class: TrainingClass,
                    source: str = EnrolmentSource.SELF, now: datetime | None = None
                    ) -> Enrolment:
    """报名. A teacher enrols themself while the program is 报名中 and within its window; staff
    (and a school administrator, for their school) enrol others as 统一报名, with no school
    approval and no window. The teacher gets a seat, or the end of the waiting list, or (own
    enrolment in a program that needs it) waits for their school's approval."""
    now = now or timezone.now()
    own = source == EnrolmentSource.SELF
    if own:
        _require_self(actor, teacher)
    else:
        _require_manage_teacher(actor, teacher)
    with transaction.atomic():
        teacher = _locked_teacher(teacher)
        target = lock_classes(training_class.pk)[training_class.pk]
        program = target.program
        existing = (Enrolment.objects.select_for_update(of=("self",))
                    .filter(program=program, teacher=teacher).first())
        problems = [p for p in [_status_problem(program, now, own=own)] if p]
        problems += enrol_problems(teacher=teacher, program=program, existing=existing)
        if problems:
            raise ValidationError(problems)
        enrolment = existing or Enrolment(teacher=teacher, program=program,
                                          training_class=target)
        enrolment.teacher = teacher
        enrolment.source = source
        to = S.PENDING if own and program.needs_school_approval else seat_or_wait(target)
        return enrolment_transition(enrolment, to, actor=actor, action="enrol",
                                    training_class=target, decision=not own)


def _status_problem(program: Program, now: datetime, *, own: bool) -> str | None:
    if own:
        return window_problem(program, now)
    if program.status not in STAFF_ENROL_STATUSES:
        return f"该项目当前为「{ProgramStatus(program.status).label}」，不能报名"
    return None


def enrolment_approve(*, actor, enrolment: Enrolment) -> Enrolment:
    """学校审核通过: the teacher gets a seat, or the end of the waiting list."""
    _require_manage_teacher(actor, enrolment.teacher)
    with transaction.atomic():
        target = lock_classes(enrolment.training_class_id)[enrolment.training_class_id]
        enrolment = _locked_enrolment(enrolment.pk)
        _require_status(enrolment, S.PENDING, "审核")
        if target.program.status in ENDED:
            raise ValidationError(f"项目{ProgramStatus(target.program.status).label}，不能审核。")
        return enrolment_transition(enrolment, seat_or_wait(target), actor=actor,
                                    action="approve", decision=True)


def enrolment_reject(*, actor, enrolment: Enrolment, reason: str) -> Enrolment:
    """学校审核不通过, with the reason the teacher will read."""
    _require_manage_teacher(actor, enrolment.teacher)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写不通过的原因。")
    with transaction.atomic():
        enrolment = _locked_enrolment(enrolment.pk)
        _require_status(enrolment, S.PENDING, "审核")
        return enrolment_transition(enrolment, S.REJECTED, actor=actor, action="reject",
                                    reason=reason, decision=True)


def _require_status(enrolment: Enrolment, status: S, verb: str) -> None:
    if enrolment.status != status:
        raise ValidationError(f"该报名当前为「{S(enrolment.status).label}」，不能{verb}。")


def enrolment_withdraw(*, actor, enrolment: Enrolment, now: datetime | None = None
                       ) -> Enrolment:
    """The teacher withdraws (pending, enrolled or waiting) before the program's withdrawal
    deadline; a freed seat goes to the first waiting teacher."""
    now = now or timezone.now()
    _require_self(actor, enrolment.teacher)
    with transaction.atomic():
        target = lock_classes(enrolment.training_class_id)[enrolment.training_class_id]
        enrolment = _locked_enrolment(enrolment.pk)
        program = target.program
        if enrolment.status not in ACTIVE:
            raise ValidationError(f"该报名当前为「{S(enrolment.status).label}」，无需退出。")
        if program.status in ENDED:
            raise ValidationError(f"项目{ProgramStatus(program.status).label}，不能退出。")
        deadline = program.withdraw_deadline
        if deadline and now > deadline:
            raise ValidationError(f"已过退出截止时间（{local_time(deadline)}），不能自行退出；"
                                  "如确需退出，请联系培训负责人。")
        return _leave(enrolment, target, actor=actor, action="withdraw", reason="本人退出",
                      cause=f"{enrolment.teacher.name}退出")


def _leave(enrolment: Enrolment, target: TrainingClass, *, actor, action: str, reason: str,
           cause: str, decision: bool = False) -> Enrolment:
    freed = enrolment.status == S.ENROLLED
    enrolment_transition(enrolment, S.WITHDRAWN, actor=actor, action=action, reason=reason,
                         decision=decision)
    if freed:
        enrolment.promoted = fill_seats(target, actor=actor, cause=cause)
    return enrolment


# --- staff corrections on the roster -------------------------------------------------------


def enrolment_remove(*, actor, enrolment: Enrolment, reason: str) -> Enrolment:
    """Staff take a teacher off the roster (at any time, with a reason)."""
    _require_programs(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写移出的原因。")
    with transaction.atomic():
        target = lock_classes(enrolment.training_class_id)[enrolment.training_class_id]
        enrolment = _locked_enrolment(enrolment.pk)
        if enrolment.status not in ACTIVE:
            raise ValidationError(f"该报名当前为「{S(enrolment.status).label}」，无需移出。")
        return _leave(enrolment, target, actor=actor, action="remove", reason=reason,
                      cause=f"{enrolment.teacher.name}被移出", decision=True)


def enrolment_promote(*, actor, enrolment: Enrolment) -> Enrolment:
    """Staff give a free seat to a waiting teacher of their choice. Refused when the class is
    full: the count is taken under the class lock, so two staff promoting at once can never
    put more teachers in the class than it has seats."""
    _require_programs(actor)
    with transaction.atomic():
        target = lock_classes(enrolment.training_class_id)[enrolment.training_class_id]
        enrolment = _locked_enrolment(enrolment.pk)
        _require_status(enrolment, S.WAITING, "转为录取")
        taken = enrolled_count(target)
        if taken >= target.capacity:
            raise ValidationError(f"「{target.name}」名额已满（{target.capacity} 人，已录取 "
                                  f"{taken} 人），不能转为录取。")
        return enrolment_transition(enrolment, S.ENROLLED, actor=actor,
                                    action="promote_by_hand", reason="研训员手动转为录取",
                                    decision=True)


def enrolment_move(*, actor, enrolment: Enrolment, to_class: TrainingClass) -> Enrolment:
    """Staff move a teacher to another class of the same program: an enrolled teacher needs a
    free seat there (their old seat then goes to the old class's first waiting teacher); a
    waiting teacher gets a seat or the end of the new class's list; a pending one just
    changes class."""
    _require_programs(actor)
    if to_class.pk == enrolment.training_class_id:
        raise ValidationError("目标班次与当前班次相同。")
    with transaction.atomic():
        classes = lock_classes(enrolment.training_class_id, to_class.pk)
        old, new = classes[enrolment.training_class_id], classes[to_class.pk]
        enrolment = _locked_enrolment(enrolment.pk)
        if new.program_id != enrolment.program_id:
            raise ValidationError("只能在同一项目的班次之间调整。")
        status = S(enrolment.status)
        if status == S.ENROLLED:
            if enrolled_count(new) >= new.capacity:
                raise ValidationError(f"「{new.name}」名额已满（{new.capacity} 人），不能调入。")
            to = S.ENROLLED
        elif status == S.WAITING:
            to = seat_or_wait(new)
        elif status == S.PENDING:
            to = S.PENDING
        else:
            raise ValidationError(f"该报名当前为「{status.label}」，不能调整班次。")
        reason = f"由「{old.name}」调至「{new.name}」"
        enrolment_transition(enrolment, to, actor=actor, action="move", reason=reason,
                             training_class=new, decision=True)
        if status == S.ENROLLED:
            enrolment.promoted = fill_seats(old, actor=actor,
                                            cause=f"{enrolment.teacher.name}调出本班次")
        return enrolment


# --- bulk enrolment ------------------------------------------------------------------------


@dataclass
class BulkRow:
    teacher: Teacher
    outcome: str  # "enrolled", "waiting", "skipped"
    reasons: list[str] = field(default_factory=list)


@dataclass
class BulkResult:
    rows: list[BulkRow]

    def of(self, outcome: str) -> list[BulkRow]:
        return [r for r in self.rows if r.outcome == outcome]

    @property
    def counts(self) -> dict[str, int]:
        return {k: len(self.of(k)) for k in ("enrolled", "waiting", "skipped")}


def bulk_plan(*, actor, training_class: TrainingClass, teachers: list[Teacher],
              overflow_waits: bool = True, on=None) -> BulkResult:
    """What 统一报名 of these teachers into the class would do, checked for each teacher with
    the same rules as a single enrolment: eligible, not enrolled already, within the cap,
    within the actor's scope; beyond the free seats, the waiting list (or, without
    `overflow_waits`, "over capacity" as a reason). Reads only: used for the preview, the
    import's check and, under the locks, the write."""
    on = on or timezone.localdate()
    program = training_class.program
    audience = audience_of(program)
    facts = facts_for(teachers, on=on)
    existing = {e.teacher_id: e for e in Enrolment.objects.filter(
        program=program, teacher_id__in=[t.pk for t in teachers])}
    longs = long_programs_by_teacher([t.pk for t in teachers], excluding=program)
    allowed = set(scoped(Teacher.objects.filter(pk__in=[t.pk for t in teachers]), actor,
                         rules.MANAGE_ENROLMENTS).values_list("pk", flat=True))
    policies: dict[int, TrainingPolicy] = {}
    free = training_class.capacity - enrolled_count(training_class)
    queue = _has_waiting(training_class)
    rows = []
    for teacher in teachers:
        policy = policies.setdefault(teacher.school.district_id,
                                     policy_for(teacher.school.district))
        problems = [] if teacher.pk in allowed else ["不在您的管理范围内"]
        problems += reasons(facts[teacher.pk], audience)
        problems += [p for p in [already_problem(existing.get(teacher.pk)),
                                 cap_problem(program, longs.get(teacher.pk, []), policy)] if p]
        if problems:
            rows.append(BulkRow(teacher, "skipped", problems))
        elif free > 0 and not queue:
            free -= 1
            rows.append(BulkRow(teacher, "enrolled"))
        elif overflow_waits:
            rows.append(BulkRow(teacher, "waiting"))
        else:
            rows.append(BulkRow(teacher, "skipped", [
                f"超出名额：「{training_class.name}」共 {training_class.capacity} 个名额，已满"]))
    return BulkResult(rows)


def bulk_enrol(*, actor, training_class: TrainingClass, teachers: list[Teacher],
               source: str = EnrolmentSource.STAFF, overflow_waits: bool = True,
               all_or_nothing: bool = False) -> BulkResult:
    """统一报名: enrol every teacher that passes the checks, in the given order, and report
    the others with their reasons (none is dropped silently). With `all_or_nothing` (the
    Excel import) a single refused teacher refuses the whole list and nothing is written."""
    if not has_perm(actor, rules.MANAGE_ENROLMENTS):
        raise PermissionDenied("无权统一报名。")
    with transaction.atomic():
        locked = list(Teacher.objects.select_for_update(of=("self",))
                      .select_related("school__district")
                      .filter(pk__in=[t.pk for t in teachers]).order_by("pk"))
        by_pk = {t.pk: t for t in locked}
        target = lock_classes(training_class.pk)[training_class.pk]
        if target.program.status not in STAFF_ENROL_STATUSES:
            raise ValidationError(f"该项目当前为「{ProgramStatus(target.program.status).label}」"
                                  "，不能报名。")
        plan = bulk_plan(actor=actor, training_class=target,
                         teachers=[by_pk[t.pk] for t in teachers], overflow_waits=overflow_waits)
        if all_or_nothing and plan.of("skipped"):
            raise ValidationError([f"{r.teacher.name}：{'；'.join(r.reasons)}"
                                   for r in plan.of("skipped")])
        existing = {e.teacher_id: e for e in Enrolment.objects.select_for_update(of=("self",))
                    .filter(program=target.program, teacher_id__in=list(by_pk))}
        for row in plan.rows:
            if row.outcome == "skipped":
                continue
            enrolment = existing.get(row.teacher.pk) or Enrolment(
                teacher=row.teacher, program=target.program, training_class=target)
            enrolment.teacher, enrolment.source = row.teacher, source
            enrolment_transition(enrolment, S(row.outcome), actor=actor, action="enrol",
                                 training_class=target, decision=True)
        return plan
