"""Writes of program management (centre staff, rules.MANAGE_PROGRAMS): programs with their
audience rules, budget, windows and hours rules; their classes (班次) and sessions (日程);
the category dictionary. `program_transition` is the only writer of a program's status.
Every write is validated first, then done in one transaction with its 操作日志 row."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from yanxun.core.audit import audit_record, changed_fields, snapshot
from yanxun.core.permissions import has_perm
from yanxun.training import rules
from yanxun.training.enrolment import enrolled_count, fill_seats, lock_classes
from yanxun.training.enums import ProgramStatus
from yanxun.training.models import Category, Program, TrainingClass, TrainingSession

P = ProgramStatus
# In the order the buttons show (a tuple: a set's order changes from one process to the next).
TRANSITIONS: dict[P, tuple[P, ...]] = {
    P.DRAFT: (P.PUBLISHED, P.CANCELLED),
    P.PUBLISHED: (P.CLOSED, P.CANCELLED),
    P.CLOSED: (P.PUBLISHED, P.FINISHED, P.CANCELLED),
    P.FINISHED: (),
    P.CANCELLED: (),
}
TRANSITION_VERBS = {P.PUBLISHED: "发布（开放报名）", P.CLOSED: "结束报名", P.FINISHED: "结束项目",
                    P.CANCELLED: "取消项目"}
PROGRAM_FIELDS = [
    "name", "year", "level", "category", "organiser", "description", "budget_line",
    "budget_planned", "budget_spent", "audience_stages", "audience_honours",
    "audience_max_years", "audience_min_years", "audience_locations", "audience_weak_schools",
    "is_long", "needs_school_approval", "enrol_opens", "enrol_closes", "withdraw_deadline",
    "min_attendance_share", "pro_rata", "checkin_opens_before", "on_time_until", "late_until",
]
CLASS_FIELDS = ["name", "capacity", "head"]
SESSION_FIELDS = ["title", "date", "starts_at", "ends_at", "place", "online_url", "hours",
                  "presenter", "presenter_name", "geofence_lat", "geofence_lng",
                  "geofence_radius", "check_out", "min_stay_minutes", "code_enabled"]
CATEGORY_FIELDS = ["name", "annual_cap", "sort_order", "is_active"]


def _require(actor) -> None:
    if actor is not None and not has_perm(actor, rules.MANAGE_PROGRAMS):
        raise PermissionDenied("无权管理培训项目。")


def _editable(program: Program) -> None:
    if program.status in (P.FINISHED, P.CANCELLED):
        raise ValidationError(f"项目{P(program.status).label}，不能再修改。")


# --- programs ------------------------------------------------------------------------------


def _check_program(program: Program) -> None:
    if program.audience_min_years is not None and program.audience_max_years is not None \
            and program.audience_min_years > program.audience_max_years:
        raise ValidationError("「入职不少于（年）」不能大于「入职不超过（年）」。")
    if program.enrol_opens and program.enrol_closes and program.enrol_opens >= program.enrol_closes:
        raise ValidationError("报名截止时间应晚于报名开始时间。")
    if program.withdraw_deadline and program.enrol_opens \
            and program.withdraw_deadline < program.enrol_opens:
        raise ValidationError("退出截止时间不能早于报名开始时间。")
    if program.budget_spent > program.budget_planned > 0:
        raise ValidationError("已支出不能超过预算（专款专用）。")
    if not (program.on_time_until <= program.late_until):
        raise ValidationError("「开始后可迟到签到」不能早于「开始后仍算准时」。")
    if program.category_id and not program.category.is_active and program._state.adding:
        raise ValidationError(f"类别「{program.category.name}」已停用。")
    program.full_clean(exclude=["created_by", "status"])


def _program_snapshot(program: Program) -> dict:
    data = snapshot(program, PROGRAM_FIELDS)
    data["audience_subjects"] = sorted(program.audience_subjects.values_list("pk", flat=True))
    return data


def program_create(*, actor, audience_subjects=(), **fields) -> Program:
    _require(actor)
    program = Program(created_by=actor, status=P.DRAFT, **fields)
    _check_program(program)
    with transaction.atomic():
        program.save()
        program.audience_subjects.set(audience_subjects)
        audit_record(actor=actor, action="training.program.create", obj=program,
                     after=_program_snapshot(program))
    return program


def program_update(*, actor, program: Program, audience_subjects=None, **fields) -> Program:
    """Change a program's fields (not its status: program_transition)."""
    _require(actor)
    _editable(program)
    if "status" in fields:
        raise ValidationError("项目状态请通过「发布 / 结束报名 / 结束 / 取消」操作修改。")
    before = _program_snapshot(program)
    for name, value in fields.items():
        setattr(program, name, value.strip() if isinstance(value, str) else value)
    _check_program(program)
    with transaction.atomic():
        program.save()
        if audience_subjects is not None:
            program.audience_subjects.set(audience_subjects)
        old, new = changed_fields(before, _program_snapshot(program))
        if new:
            audit_record(actor=actor, action="training.program.update", obj=program,
                         before=old, after=new)
    return program


def program_transition(program: Program, to: P, *, actor, reason: str = "") -> Program:
    """Move the program through its life: 草稿 → 报名中 → 报名结束 → 已结束, or 已取消; 报名结束
    may reopen (报名中), which gives free seats to waiting teachers. Publishing needs at least
    one class with at least one session. The status is written with a conditional update, so
    two staff cannot both move it from the same state."""
    _require(actor)
    current, to = P(program.status), P(to)
    if to not in TRANSITIONS[current]:
        raise ValidationError(f"项目「{program.name}」当前为「{current.label}」，不能转为「{to.label}」。")
    if to == P.PUBLISHED:
        _check_publishable(program)
    with transaction.atomic():
        if not Program.objects.filter(pk=program.pk, status=current).update(status=to):
            raise ValidationError(f"项目「{program.name}」的状态刚被他人修改，请刷新后重试。")
        program.status = to
        audit_record(actor=actor, action="training.program.transition", obj=program,
                     before={"status": str(current)}, after={"status": str(to)}, reason=reason)
        if to == P.PUBLISHED:
            for training_class in lock_classes(*program.classes.values_list("pk", flat=True)
                                               ).values():
                fill_seats(training_class, actor=actor, cause="项目重新开放报名")
    return program


def _check_publishable(program: Program) -> None:
    classes = list(program.classes.all())
    if not classes:
        raise ValidationError("请先添加至少一个班次，再发布项目。")
    without = [c.name for c in classes if not c.sessions.exists()]
    if without:
        raise ValidationError(f"班次「{'、'.join(without)}」还没有日程，请先添加日程再发布。")


# --- classes -------------------------------------------------------------------------------


def class_create(*, actor, program: Program, **fields) -> TrainingClass:
    _require(actor)
    _editable(program)
    training_class = TrainingClass(program=program, **fields)
    training_class.full_clean()
    with transaction.atomic():
        training_class.save()
        audit_record(actor=actor, action="training.class.create", obj=training_class,
                     after=snapshot(training_class, CLASS_FIELDS))
    return training_class


def class_update(*, actor, training_class: TrainingClass, **fields) -> TrainingClass:
    """Change a class; its capacity may not drop below the teachers already enrolled, and a
    raised capacity goes to the waiting teachers while the program is 报名中."""
    _require(actor)
    _editable(training_class.program)
    with transaction.atomic():
        locked = lock_classes(training_class.pk)[training_class.pk]
        before = snapshot(locked, CLASS_FIELDS)
        for name, value in fields.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        locked.full_clean()
        taken = enrolled_count(locked)
        if locked.capacity < taken:
            raise ValidationError(f"「{locked.name}」已录取 {taken} 人，名额不能少于 {taken}；"
                                  "如需减少名额，请先将学员调至其他班次或移出名单。")
        locked.save()
        old, new = changed_fields(before, snapshot(locked, CLASS_FIELDS))
        if new:
            audit_record(actor=actor, action="training.class.update", obj=locked, before=old,
                         after=new)
        if "capacity" in new:
            fill_seats(locked, actor=actor, cause="班次增加名额")
    return locked


def class_delete(*, actor, training_class: TrainingClass) -> None:
    _require(actor)
    _editable(training_class.program)
    if training_class.enrolments.exists():
        raise ValidationError(f"班次「{training_class.name}」已有报名记录，不能删除；"
                              "可先将学员调至其他班次。")
    with transaction.atomic():
        audit_record(actor=actor, action="training.class.delete", obj=training_class,
                     before=snapshot(training_class, CLASS_FIELDS))
        training_class.delete()


# --- sessions ------------------------------------------------------------------------------


def _check_session(session: TrainingSession) -> None:
    if session.starts_at and session.ends_at and session.starts_at >= session.ends_at:
        raise ValidationError("结束时间应晚于开始时间。")
    if not session.place and not session.online_url:
        raise ValidationError("请填写地点或线上会议链接。")
    if session.hours is not None and session.hours <= 0:
        raise ValidationError("学时应大于 0。")
    session.full_clean()


def session_create(*, actor, training_class: TrainingClass, **fields) -> TrainingSession:
    _require(actor)
    _editable(training_class.program)
    session = TrainingSession(training_class=training_class, **fields)
    _check_session(session)
    with transaction.atomic():
        session.save()
        audit_record(actor=actor, action="training.session.create", obj=session,
                     after=snapshot(session, SESSION_FIELDS))
    return session


def session_update(*, actor, session: TrainingSession, **fields) -> TrainingSession:
    _require(actor)
    _editable(session.training_class.program)
    before = snapshot(session, SESSION_FIELDS)
    for name, value in fields.items():
        setattr(session, name, value.strip() if isinstance(value, str) else value)
    _check_session(session)
    with transaction.atomic():
        session.save()
        old, new = changed_fields(before, snapshot(session, SESSION_FIELDS))
        if new:
            audit_record(actor=actor, action="training.session.update", obj=session,
                         before=old, after=new)
    return session


def session_delete(*, actor, session: TrainingSession) -> None:
    _require(actor)
    _editable(session.training_class.program)
    if session.attendances.exists():
        raise ValidationError("该日程已有签到记录，不能删除。")
    with transaction.atomic():
        audit_record(actor=actor, action="training.session.delete", obj=session,
                     before=snapshot(session, SESSION_FIELDS))
        session.delete()


# --- the category dictionary ---------------------------------------------------------------


def category_create(*, actor, **fields) -> Category:
    _require(actor)
    category = Category(**fields)
    category.name = category.name.strip()
    category.full_clean()
    with transaction.atomic():
        category.save()
        audit_record(actor=actor, action="training.category.create", obj=category,
                     after=snapshot(category, CATEGORY_FIELDS))
    return category


def category_update(*, actor, category: Category, **fields) -> Category:
    """Rename, change the annual cap or order, deactivate (an inactive category stays on its
    programs and hour records, and is no longer offered for new programs)."""
    _require(actor)
    before = snapshot(category, CATEGORY_FIELDS)
    for name, value in fields.items():
        setattr(category, name, value.strip() if isinstance(value, str) else value)
    category.full_clean()
    with transaction.atomic():
        category.save()
        old, new = changed_fields(before, snapshot(category, CATEGORY_FIELDS))
        if new:
            audit_record(actor=actor, action="training.category.update", obj=category,
                         before=old, after=new)
    return category
