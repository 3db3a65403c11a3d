"""Reads of programs and enrolments for pages and the API: the menu (菜单式选学) with each
program's classes, schedule, hours, seats and the caller's eligibility; 我的培训 with its
站内消息; a school's applicants; a program's roster. Every figure is counted from records:
a class's hours are the sum of its sessions' hours, its seats left are its capacity minus
its enrolled teachers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yanxun.core.enums import DataScope, Role
from yanxun.core.permissions import Permission, has_perm, scoped
from yanxun.org.models import Teacher
from yanxun.training import rules
from yanxun.training.eligibility import audience_of, audience_text, facts_for, reasons
from yanxun.training.enrolment import (
    ACTIVE,
    ENDED,
    cap_problem,
    long_programs_by_teacher,
    status_text,
    window_problem,
)
from yanxun.training.enums import EnrolmentStatus, ProgramStatus
from yanxun.training.models import Enrolment, Program, TrainingClass, TrainingSession
from yanxun.training.policy import policy_for

S = EnrolmentStatus
# The staff-side program pages (list, detail): the centre, its leader and school administrators.
PROGRAM_PAGES = Permission("training.program_pages", "培训项目管理页", {
    str(Role.ADMIN): str(DataScope.ALL), str(Role.LEADER): str(DataScope.ALL),
    str(Role.TRAINER): str(DataScope.ALL), str(Role.SCHOOL_ADMIN): str(DataScope.ALL)})


def own_teacher(user) -> Teacher | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Teacher.objects.select_related("school__district").filter(user=user).first()


def today():
    return timezone.localdate()


def this_year() -> int:
    return timezone.localdate().year


def centre_name() -> str:
    from yanxun.org.models import District

    district = District.objects.order_by("pk").first()
    return district.center_name if district else ""


def may_manage_programs(user) -> bool:
    return has_perm(user, rules.MANAGE_PROGRAMS)


def _get(queryset: QuerySet, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("未找到该记录，或无权查看。")
    return obj


# --- programs ------------------------------------------------------------------------------


def programs_visible(user) -> QuerySet[Program]:
    """Staff see every program; everyone else the ones past 草稿."""
    queryset = Program.objects.select_related("category")
    if user is not None and not may_manage_programs(user):
        queryset = queryset.exclude(status=ProgramStatus.DRAFT)
    return queryset


def program_for_view(user, pk) -> Program:
    if not has_perm(user, rules.VIEW_PROGRAMS):
        raise PermissionDenied("无权查看培训项目。")
    return _get(programs_visible(user), pk)


def program_for_manage(user, pk) -> Program:
    if not may_manage_programs(user):
        raise PermissionDenied("无权管理培训项目。")
    return _get(Program.objects.select_related("category"), pk)


def class_for_manage(user, pk) -> TrainingClass:
    if not may_manage_programs(user):
        raise PermissionDenied("无权管理培训项目。")
    return _get(TrainingClass.objects.select_related("program"), pk)


def session_for_manage(user, pk) -> TrainingSession:
    if not may_manage_programs(user):
        raise PermissionDenied("无权管理培训项目。")
    return _get(TrainingSession.objects.select_related("training_class__program"), pk)


@dataclass
class ClassView:
    training_class: TrainingClass
    sessions: list[TrainingSession]
    enrolled: int
    waiting: int
    pending: int

    @property
    def hours(self) -> Decimal:
        return sum((s.hours for s in self.sessions), Decimal("0"))

    @property
    def capacity(self) -> int:
        return self.training_class.capacity

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.enrolled)


def class_counts(class_ids) -> dict[int, dict[str, int]]:
    """{class pk: {status: count}} in one query."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (Enrolment.objects.filter(training_class_id__in=list(class_ids)).order_by()
            .values_list("training_class_id", "status").annotate(n=Count("pk")))
    for class_id, status, n in rows:
        out[class_id][status] = n
    return out


def class_views(programs: list[Program]) -> dict[int, list[ClassView]]:
    """{program pk: its classes with sessions and seat counts}; the programs were fetched
    with `with_schedule`."""
    classes = [c for p in programs for c in p.classes.all()]
    counts = class_counts(c.pk for c in classes)
    out: dict[int, list[ClassView]] = {p.pk: [] for p in programs}
    for c in classes:
        n = counts.get(c.pk, {})
        out[c.program_id].append(ClassView(c, list(c.sessions.all()), n.get(S.ENROLLED, 0),
                                           n.get(S.WAITING, 0), n.get(S.PENDING, 0)))
    return out


def with_schedule(queryset: QuerySet[Program]) -> QuerySet[Program]:
    sessions = Prefetch("sessions", queryset=TrainingSession.objects.select_related("presenter"))
    classes = Prefetch("classes", queryset=TrainingClass.objects.order_by("pk")
                       .prefetch_related(sessions))
    return queryset.prefetch_related("audience_subjects", classes)


def hours_text(value: Decimal) -> str:
    """6 → "6", 1.5 → "1.5"."""
    return format(value.normalize(), "f")


# --- the menu ------------------------------------------------------------------------------


@dataclass
class MenuItem:
    program: Program
    audience: str
    classes: list[ClassView]
    reasons: list[str] = field(default_factory=list)  # why the caller may not enrol now
    enrolment: Enrolment | None = None  # the caller's, when active
    enrolment_text: str = ""

    @property
    def can_enrol(self) -> bool:
        return not self.reasons and self.enrolment is None

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def hours_text(self) -> str:
        values = sorted({c.hours for c in self.classes})
        if not values:
            return "—"
        low, high = hours_text(values[0]), hours_text(values[-1])
        return low if low == high else f"{low}–{high}"

    @property
    def seats_left(self) -> int:
        return sum(c.seats_left for c in self.classes)

    @property
    def waiting(self) -> int:
        return sum(c.waiting for c in self.classes)

    @property
    def first_date(self):
        dates = [s.date for c in self.classes for s in c.sessions]
        return min(dates) if dates else None


def menu_for(user, *, now: datetime | None = None, program_id: int | None = None,
             any_status: bool = False, level: str = "", category: str = "", search: str = ""
             ) -> list[MenuItem]:
    """The published programs (`any_status`: also those past 草稿), each with the caller's
    standing: eligible and open, already enrolled, or the reasons they may not enrol
    (ineligible programs are listed, not hidden). Eligible programs first, then by the first
    session's date."""
    if not has_perm(user, rules.VIEW_PROGRAMS):
        raise PermissionDenied("无权查看培训菜单。")
    now = now or timezone.now()
    queryset = programs_visible(user)
    if not any_status:
        queryset = queryset.filter(status=ProgramStatus.PUBLISHED)
    if program_id is not None:
        queryset = queryset.filter(pk=program_id)
    if level:
        queryset = queryset.filter(level=level)
    if category:
        queryset = queryset.filter(category_id=category) if category.isdigit() else queryset.none()
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(organiser__icontains=search))
    programs = list(with_schedule(queryset).order_by("enrol_closes", "name"))
    views = class_views(programs)
    items = [MenuItem(p, audience_text(audience_of(p)), views[p.pk]) for p in programs]
    teacher = own_teacher(user)
    if teacher is not None and has_perm(user, rules.ENROL_SELF):
        _standing(teacher, items, now)
    else:
        for item in items:
            item.reasons = ["仅教师本人可以报名"]
    items.sort(key=lambda i: (not i.eligible and i.enrolment is None,
                              i.first_date or now.date(), i.program.name))
    return items


def _standing(teacher: Teacher, items: list[MenuItem], now: datetime) -> None:
    facts = facts_for([teacher], on=timezone.localdate(now))[teacher.pk]
    mine = {e.program_id: e for e in Enrolment.objects.filter(
        teacher=teacher, program_id__in=[i.program.pk for i in items], status__in=ACTIVE)}
    current = long_programs_by_teacher([teacher.pk]).get(teacher.pk, [])
    policy = policy_for(teacher.school.district)
    for item in items:
        program = item.program
        item.enrolment = mine.get(program.pk)
        if item.enrolment is not None:
            item.enrolment_text = status_text(item.enrolment)
            continue
        problems = reasons(facts, audience_of(program))
        problems += [p for p in [window_problem(program, now),
                                 cap_problem(program, current, policy)] if p]
        item.reasons = problems


# --- 我的培训 ----------------------------------------------------------------------------------


@dataclass
class MyEnrolment:
    enrolment: Enrolment
    status_text: str
    sessions: list[TrainingSession]
    can_withdraw: bool
    withdraw_note: str

    @property
    def hours(self) -> Decimal:
        return sum((s.hours for s in self.sessions), Decimal("0"))


def my_enrolments(teacher: Teacher, *, now: datetime | None = None) -> list[MyEnrolment]:
    now = now or timezone.now()
    sessions = Prefetch("training_class__sessions", queryset=TrainingSession.objects.all())
    rows = (Enrolment.objects.filter(teacher=teacher)
            .select_related("program__category", "training_class").prefetch_related(sessions)
            .order_by("-created_at", "-pk"))
    out = []
    for enrolment in rows:
        program = enrolment.program
        deadline = program.withdraw_deadline
        active = enrolment.status in ACTIVE and program.status not in ENDED
        late = deadline is not None and now > deadline
        note = ""
        if active and deadline is not None:
            note = (f"退出截止：{timezone.localtime(deadline):%Y-%m-%d %H:%M}" if not late
                    else "已过退出截止时间")
        out.append(MyEnrolment(enrolment, status_text(enrolment),
                               list(enrolment.training_class.sessions.all()),
                               active and not late, note))
    return out


def notices_for(user, *, limit: int = 20) -> list:
    """The user's latest 站内消息 of 师干训 (promotion from the waiting list, the school's
    decision, a staff move or removal, 统一报名, claims, hours, certificates) for 我的培训."""
    from yanxun.notifications.selectors import recent_for

    return recent_for(user, kind_prefix="training.", limit=limit)


# --- a school's applicants, a program's roster -----------------------------------------------


def enrolments_in_scope(user, perm: Permission = rules.VIEW_ENROLMENTS) -> QuerySet[Enrolment]:
    queryset = Enrolment.objects.select_related("teacher__school", "program", "training_class")
    return scoped(queryset, user, perm)


def pending_for(user) -> list[Enrolment]:
    """The applicants awaiting their school's approval that this user may decide on."""
    if not has_perm(user, rules.MANAGE_ENROLMENTS):
        raise PermissionDenied("无权审核报名。")
    return list(enrolments_in_scope(user, rules.MANAGE_ENROLMENTS)
                .filter(status=S.PENDING).exclude(program__status__in=ENDED)
                .order_by("created_at", "pk"))


def enrolment_for_decision(user, pk) -> Enrolment:
    if not has_perm(user, rules.MANAGE_ENROLMENTS):
        raise PermissionDenied("无权审核报名。")
    return _get(enrolments_in_scope(user, rules.MANAGE_ENROLMENTS), pk)


def enrolment_for_staff(user, pk) -> Enrolment:
    if not may_manage_programs(user):
        raise PermissionDenied("无权管理报名名单。")
    return _get(enrolments_in_scope(user, rules.MANAGE_PROGRAMS), pk)


def own_enrolment(user, pk) -> Enrolment:
    return _get(Enrolment.objects.select_related("teacher", "program", "training_class")
                .filter(teacher__user=user), pk)


@dataclass
class RosterClass:
    view: ClassView
    enrolled: list[Enrolment]
    waiting: list[Enrolment]
    pending: list[Enrolment]
    left: list[Enrolment]  # withdrawn or rejected


def roster(program: Program) -> list[RosterClass]:
    """Each class: enrolled (by name), waiting (in order), pending, withdrawn and rejected."""
    program = with_schedule(Program.objects.filter(pk=program.pk)).get()
    views = class_views([program])[program.pk]
    rows = (Enrolment.objects.filter(program=program).select_related("teacher__school")
            .order_by("waitlist_position", "teacher__name", "pk"))
    by_class: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in rows:
        by_class[enrolment.training_class_id].append(enrolment)
    out = []
    for view in views:
        items = by_class[view.training_class.pk]
        out.append(RosterClass(
            view, [e for e in items if e.status == S.ENROLLED],
            [e for e in items if e.status == S.WAITING],
            [e for e in items if e.status == S.PENDING],
            [e for e in items if e.status in (S.WITHDRAWN, S.REJECTED)]))
    return out
