"""Demo records of programs and enrolment: forty programs of the demo year after the shape of
Jintan's 2024 training plan (新教师培养工程, 新锐教师 (教坛新秀 / 教学能手 / 骨干), 教学名师, 师德师风,
乡村教师提质, 新课标, 心理健康, 教育科研, 班主任, 干部研修 …), with classes, sessions and
enrolments in every state: full classes with waiting lists, applicants awaiting their school,
withdrawals, finished and running programs, drafts.

    from yanxun.training.demo_enrol import build_enrol_demo
    build_enrol_demo(district, random.Random("yanxun-demo:2026:training.enrol"))

Deterministic for a given random generator and `now`: the dates are placed around `now`
(default: the moment of the build), so that the menu always has programs open for
enrolment — programs of the demo year that finished, are running, or open now. Everything is
bulk-written (one 操作日志 row for the whole load); enrolments respect the eligibility rules
and the cap on long programs, exactly as the services would.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yanxun.accounts.models import User
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.org.models import District, Subject, Teacher
from yanxun.training.eligibility import audience_filter, audience_of
from yanxun.training.enrolment import ACTIVE
from yanxun.training.enums import (
    EnrolmentSource,
    EnrolmentStatus,
    ProgramLevel,
    ProgramStatus,
)
from yanxun.training.models import Category, Enrolment, Program, TrainingClass, TrainingSession
from yanxun.training.policy import policy_for

S = EnrolmentStatus
L = ProgramLevel
CATEGORIES = [("师德师风", None), ("知识技能", None), ("实践体验", None), ("信息技术", Decimal("24")),
              ("班主任工作", None), ("心理健康", None), ("教育科研", None), ("干部管理", None)]
PRESENTERS = ["华东师范大学 王教授", "南京师范大学 李教授", "省教研室 陈老师", "市教科院 周老师",
              "特级教师 刘老师", "区教师发展中心 赵老师", "市名校长工作室 孙校长",
              "省心理健康教育指导中心 吴老师", "市班主任研究会 郑老师", "高校课程专家 冯教授"]
PLACES = ["区教师发展中心报告厅", "区教师发展中心 301 室", "区实验小学学术报告厅", "城南中学录播教室",
          "区委党校教室", "区青少年活动中心多功能厅"]
# The demo teacher's own enrolments (a junior 数学 teacher): one of each state worth showing.
FEATURED = {"义务教育新课标专题培训（数学）": S.ENROLLED, "人工智能助力课堂教学": S.WAITING,
            "校级领导备用人选组班培训": S.PENDING, "党纪学习教育专题报告会": S.ENROLLED,
            "师德师风专题培训：弘扬华罗庚精神": S.ENROLLED, "心理健康教育专题培训": S.ENROLLED}
NEW_CURRICULUM = ["语文", "数学", "英语", "物理", "化学", "道德与法治", "科学", "体育", "美术"]


@dataclass
class Plan:
    """One program of the demo: what it is and how full it gets."""

    name: str
    level: str
    category: str
    state: str  # finished / running / open / draft / cancelled
    classes: int = 1
    capacity: int = 40
    sessions: int = 2
    hours: str = "3"
    demand: float = 0.8  # applicants as a share of the seats
    is_long: bool = False
    approval: bool = False
    audience: dict = field(default_factory=dict)


def _plans() -> list[Plan]:
    p = Plan
    plans = [
        p("新教师培养工程（入职三年内教师）", L.DISTRICT, "知识技能", "running", classes=3,
          capacity=60, sessions=6, hours="6", demand=1.0, is_long=True,
          audience={"audience_max_years": 3}),
        p("新教师岗前培训", L.DISTRICT, "师德师风", "finished", classes=2, capacity=80,
          sessions=3, hours="6", demand=0.9, audience={"audience_max_years": 1}),
        p("新锐教师培养工程·教坛新秀研修班", L.DISTRICT, "知识技能", "open", capacity=40,
          sessions=5, demand=1.3, is_long=True, approval=True,
          audience={"audience_honours": ["new_star"]}),
        p("新锐教师培养工程·教学能手提升班", L.DISTRICT, "知识技能", "open", capacity=35,
          sessions=5, demand=1.4, is_long=True, audience={"audience_honours": ["skilled"]}),
        p("新锐教师培养工程·骨干教师高级研修班", L.CITY, "知识技能", "running", capacity=40,
          sessions=6, demand=1.2, is_long=True, audience={"audience_honours": ["backbone"]}),
        p("教学名师培养工程（学科带头人、特级教师后备）", L.CITY, "教育科研", "open", capacity=20,
          sessions=6, hours="6", demand=1.5, is_long=True, approval=True,
          audience={"audience_honours": ["backbone", "leader", "special"]}),
        p("师德师风专题培训：弘扬华罗庚精神", L.DISTRICT, "师德师风", "finished", classes=4,
          capacity=150, sessions=1, demand=0.9),
        p("重温从教誓词暨师德承诺读书交流会", L.SCHOOL, "师德师风", "open", classes=2,
          capacity=100, sessions=1, hours="2", demand=0.4),
        p("党纪学习教育专题报告会", L.DISTRICT, "师德师风", "running", capacity=200, sessions=1,
          hours="3", demand=0.7),
        p("乡村教师提质专题培训（小学）", L.DISTRICT, "实践体验", "open", capacity=50, sessions=4,
          demand=1.2, approval=True,
          audience={"audience_locations": ["rural"], "audience_stages": ["primary"]}),
        p("乡村教师提质专题培训（初中）", L.DISTRICT, "实践体验", "open", capacity=40, sessions=4,
          demand=0.8, audience={"audience_locations": ["rural", "town"],
                                "audience_stages": ["junior"]}),
        p("国培计划·乡村骨干教师能力提升", L.NATIONAL, "知识技能", "open", capacity=15,
          sessions=4, hours="6", demand=2.0, is_long=True, approval=True,
          audience={"audience_locations": ["rural"], "audience_min_years": 5}),
        p("省培·江苏省中小学骨干教师培训", L.PROVINCE, "知识技能", "finished", capacity=12,
          sessions=4, hours="6", demand=1.0, approval=True,
          audience={"audience_honours": ["backbone", "leader"]}),
        p("心理健康教育专题培训", L.DISTRICT, "心理健康", "open", classes=2, capacity=60,
          sessions=3, demand=1.1),
        p("心理危机识别与干预（班主任）", L.CITY, "心理健康", "finished", capacity=80, sessions=2,
          demand=0.9),
        p("教育科研专题：课题研究方法与申报", L.DISTRICT, "教育科研", "open", capacity=60,
          sessions=3, demand=1.2),
        p("教育科研专题：论文写作与成果提炼", L.DISTRICT, "教育科研", "running", capacity=60,
          sessions=3, demand=0.8),
        p("班主任专业化培训", L.DISTRICT, "班主任工作", "open", classes=2, capacity=50,
          sessions=4, demand=1.15),
        p("班主任基本功竞赛赛前培训", L.DISTRICT, "班主任工作", "finished", capacity=40,
          sessions=2, demand=1.0),
        p("名班主任工作室主题研训", L.DISTRICT, "班主任工作", "running", capacity=30, sessions=6,
          demand=1.0, is_long=True, approval=True, audience={"audience_min_years": 5}),
        p("暑期干部研修班", L.DISTRICT, "干部管理", "finished", capacity=60, sessions=4,
          hours="6", demand=0.8, audience={"audience_min_years": 10}),
        p("幼儿园园长培训班", L.DISTRICT, "干部管理", "open", capacity=30, sessions=3,
          demand=0.9, audience={"audience_stages": ["kindergarten"], "audience_min_years": 8}),
        p("后勤校长专题培训", L.DISTRICT, "干部管理", "draft", capacity=40, sessions=2,
          audience={"audience_min_years": 10}),
        p("校级领导备用人选组班培训", L.DISTRICT, "干部管理", "open", capacity=25, sessions=6,
          demand=1.6, is_long=True, approval=True, audience={"audience_min_years": 8}),
        p("幼儿教师保教能力提升培训", L.DISTRICT, "实践体验", "open", classes=2, capacity=50,
          sessions=3, demand=0.7, audience={"audience_stages": ["kindergarten"]}),
        p("新高考背景下的选科分班与生涯规划", L.CITY, "知识技能", "running", capacity=60,
          sessions=2, demand=0.9, audience={"audience_stages": ["senior"]}),
        p("高中大单元教学研讨", L.DISTRICT, "知识技能", "open", capacity=50, sessions=3,
          demand=1.25, audience={"audience_stages": ["senior"]}),
        p("信息技术应用能力提升工程 2.0", L.PROVINCE, "信息技术", "running", classes=2,
          capacity=100, sessions=2, demand=0.9),
        p("人工智能助力课堂教学", L.DISTRICT, "信息技术", "open", capacity=60, sessions=2,
          demand=1.3),
        p("大中小学思政课一体化建设专题", L.DISTRICT, "师德师风", "open", capacity=60,
          sessions=2, demand=0.8, audience={"subjects": ["道德与法治", "思想政治"]}),
        p("劳动教育课程实施专题", L.DISTRICT, "实践体验", "cancelled", capacity=40, sessions=2),
        p("家庭教育指导能力专题", L.DISTRICT, "班主任工作", "draft", capacity=60, sessions=2),
        p("跨校结对研修（薄弱学校）", L.DISTRICT, "实践体验", "open", capacity=40, sessions=4,
          demand=0.9, audience={"audience_weak_schools": True}),
        p("校本研修精品项目展评与培训", L.SCHOOL, "教育科研", "finished", capacity=60,
          sessions=1, demand=0.7),
    ]
    for i, subject in enumerate(NEW_CURRICULUM[:6]):
        state = ("open", "open", "running", "finished", "open", "draft")[i]
        plans.append(p(f"义务教育新课标专题培训（{subject}）", L.DISTRICT, "知识技能", state,
                       capacity=45, sessions=3, demand=(1.3, 0.9, 1.0, 0.8, 1.1, 0)[i],
                       audience={"subjects": [subject],
                                 "audience_stages": ["primary", "junior"]}))
    return plans


@dataclass
class Built:
    programs: int = 0
    classes: int = 0
    sessions: int = 0
    enrolments: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def build_enrol_demo(district: District, rng: random.Random, *, now: datetime | None = None,
                     featured: Teacher | None = None) -> Built:
    """Forty programs with classes, sessions and enrolments. `featured` (default: the demo
    teacher, a junior 数学 teacher of the school administrator's school) gets enrolments in
    several states, so that 我的培训 of the demo login has something to show."""
    now = now or timezone.now()
    actor = (User.objects.filter(role_assignments__role=Role.TRAINER).order_by("pk").first()
             or User.objects.filter(role_assignments__role=Role.ADMIN).order_by("pk").first())
    if actor is None:
        raise LookupError("演示数据需要一名研训员或系统管理员账号。")
    featured = featured or _featured_teacher(district)
    policy = policy_for(district)
    built = Built()
    with transaction.atomic():
        categories = _categories()
        subjects = {s.name: s for s in Subject.objects.all()}
        state = _EnrolState(policy.max_long_programs)
        year = timezone.localtime(now).year
        for index, plan in enumerate(_plans()):
            program = _program(plan, index, year, now, categories, subjects, actor, rng)
            classes = _classes(program, plan, index, now, rng, built)
            built.programs += 1
            if plan.state in ("open", "running", "finished"):
                _enrol(program, plan, classes, district, rng, state, featured, built, now)
        Enrolment.objects.bulk_create(state.rows, batch_size=2000)
        AuditLog.objects.create(action="demo.training_enrol", object_type="org.district",
                                object_id=str(district.pk), object_repr=district.name,
                                after={"programs": built.programs, "classes": built.classes,
                                       "sessions": built.sessions,
                                       "enrolments": dict(built.enrolments)},
                                reason="演示数据：培训项目与报名")
    return built


def _featured_teacher(district: District) -> Teacher | None:
    from yanxun.accounts.models import RoleAssignment

    assignment = (RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, user__username="schooladmin")
                  .select_related("school").first())
    teachers = Teacher.objects.filter(school__district=district, status="active",
                                      staff_member__isnull=True, user__isnull=False)
    if assignment is not None and assignment.school_id:
        teachers = teachers.filter(school_id=assignment.school_id)
    preferred = teachers.filter(subjects__name="数学", entry_year__gte=2010,
                                entry_year__lte=2018).order_by("pk").first()
    return preferred or teachers.order_by("pk").first()


def _categories() -> dict[str, Category]:
    out = {}
    for order, (name, cap) in enumerate(CATEGORIES):
        out[name], _ = Category.objects.get_or_create(
            name=name, defaults={"annual_cap": cap, "sort_order": order})
    return out


STATUS = {"finished": ProgramStatus.FINISHED, "running": ProgramStatus.CLOSED,
          "open": ProgramStatus.PUBLISHED, "draft": ProgramStatus.DRAFT,
          "cancelled": ProgramStatus.CANCELLED}


def _first_day(plan: Plan, index: int, now: datetime):
    """Finished: two to four months ago; running: began two weeks ago; open and the rest:
    sessions start a month after now."""
    today = timezone.localtime(now).date()
    offset = {"finished": -120 + (index % 7) * 10, "running": -14 - index % 5,
              "open": 30 + (index % 6) * 4}.get(plan.state, 45 + index % 10)
    return today + timedelta(days=offset)


def _window(plan: Plan, index: int, now: datetime) -> dict:
    """Enrolment windows on whole hours: open programs opened days ago and close in two or
    three weeks (every fourth one's withdrawal deadline has passed); the others closed ten
    days before their first session."""
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now).date()

    def at(day, hour: int) -> datetime:
        return datetime.combine(day, time(hour), zone)

    if plan.state == "open":
        closes = at(today + timedelta(days=14 + index % 7), 17)
        withdraw = closes - timedelta(days=3) if index % 4 else at(today - timedelta(days=1), 17)
        return {"enrol_opens": at(today - timedelta(days=5 + index % 5), 8),
                "enrol_closes": closes, "withdraw_deadline": withdraw}
    start = _first_day(plan, index, now)
    closes = at(start - timedelta(days=10), 17)
    return {"enrol_opens": at(start - timedelta(days=40), 8), "enrol_closes": closes,
            "withdraw_deadline": closes}


def _program(plan: Plan, index: int, year: int, now: datetime, categories, subjects, actor,
             rng: random.Random) -> Program:
    audience = dict(plan.audience)
    subject_names = audience.pop("subjects", [])
    budget = Decimal(plan.classes * plan.capacity * rng.choice((150, 200, 300)))
    spent = budget * Decimal({"finished": "0.92", "running": "0.45"}.get(plan.state, "0"))
    program = Program.objects.create(
        name=plan.name, year=year, level=plan.level, category=categories[plan.category],
        organiser="区教师发展中心" if plan.level in (L.DISTRICT, L.SCHOOL) else
        {L.NATIONAL: "教育部 国培计划", L.PROVINCE: "省教育厅", L.CITY: "市教育局"}[plan.level],
        description=f"{plan.name}。按照年度师干训工作意见安排，分层分类实施。",
        budget_line="师干训专项经费", budget_planned=budget, budget_spent=spent.quantize(
            Decimal("0.01")),
        is_long=plan.is_long, needs_school_approval=plan.approval,
        status=STATUS[plan.state], created_by=actor, **_window(plan, index, now), **audience)
    if subject_names:
        program.audience_subjects.set([subjects[n] for n in subject_names if n in subjects])
    return program


def _classes(program: Program, plan: Plan, index: int, now: datetime, rng: random.Random,
             built: Built) -> list[TrainingClass]:
    classes = TrainingClass.objects.bulk_create(
        TrainingClass(program=program, name=f"{n + 1}班", capacity=plan.capacity)
        for n in range(plan.classes))
    first = _first_day(plan, index, now)
    sessions = []
    for n, training_class in enumerate(classes):
        for k in range(plan.sessions):
            day = first + timedelta(days=7 * k + n)
            morning = (k + n) % 2 == 0
            hours = Decimal(plan.hours)
            start = time(8, 30) if morning else time(13, 30)
            end = time(11, 30) if hours <= 3 else time(17, 0)
            if not morning and hours <= 3:
                end = time(16, 30)
            online = (k + index) % 5 == 4
            sessions.append(TrainingSession(
                training_class=training_class, title=f"{plan.name.split('（')[0]} 第 {k + 1} 讲",
                date=day, starts_at=start, ends_at=end, hours=hours,
                place="" if online else rng.choice(PLACES),
                online_url="https://meeting.example.cn/j/" + f"{index:02d}{n}{k}" if online
                else "", presenter_name=rng.choice(PRESENTERS)))
    TrainingSession.objects.bulk_create(sessions)
    built.classes += len(classes)
    built.sessions += len(sessions)
    return classes


class _EnrolState:
    """Enrolments to write, and what the cap needs to know: each teacher's long programs."""

    def __init__(self, cap: int):
        self.cap = cap
        self.rows: list[Enrolment] = []
        self.long: dict[int, int] = defaultdict(int)


def _enrol(program: Program, plan: Plan, classes: list[TrainingClass], district: District,
           rng: random.Random, state: _EnrolState, featured: Teacher | None, built: Built,
           now: datetime) -> None:
    eligible = list(Teacher.objects.filter(school__district=district)
                    .filter(audience_filter(audience_of(program), on=timezone.localdate(now)))
                    .order_by("pk").values_list("pk", flat=True))
    seats = plan.capacity * len(classes)
    wanted = min(len(eligible), round(seats * plan.demand))
    chosen = rng.sample(eligible, wanted)
    wish = FEATURED.get(plan.name)
    if featured is not None:
        chosen = [pk for pk in chosen if pk != featured.pk]
        if wish and featured.pk in eligible:
            chosen.insert(len(chosen) if wish == S.WAITING else 0, featured.pk)
    if plan.is_long:
        chosen = [pk for pk in chosen if state.long[pk] < state.cap]
    for order, teacher_id in enumerate(chosen):
        training_class = classes[order % len(classes)]
        forced = wish if featured is not None and teacher_id == featured.pk else None
        status = _add(state, program, training_class, teacher_id, plan, rng, built, forced)
        if plan.is_long and plan.state != "finished" and status in ACTIVE:
            state.long[teacher_id] += 1


def _add(state: _EnrolState, program: Program, training_class: TrainingClass, teacher_id: int,
         plan: Plan, rng: random.Random, built: Built, forced: S | None = None) -> S:
    per_class = _per_class(state, training_class)
    taken = per_class[S.ENROLLED]
    roll = rng.random()
    if forced is not None and forced != S.PENDING:
        roll = 1.0  # a seat if one is free, else the waiting list
    if forced == S.PENDING or plan.state == "open" and plan.approval and roll < 0.35:
        status, position = S.PENDING, None
    elif roll < 0.04:
        status, position = (S.REJECTED if plan.approval else S.WITHDRAWN), None
    elif taken < training_class.capacity:
        status, position = S.ENROLLED, None
    else:
        per_class["position"] += 1
        status, position = S.WAITING, per_class["position"]
    per_class[status] += 1
    note = "本学期已安排外出培训" if status == S.REJECTED else ("本人退出" if status == S.WITHDRAWN
                                                          else "")
    source = EnrolmentSource.STAFF if plan.name.startswith("新教师") else EnrolmentSource.SELF
    state.rows.append(Enrolment(program=program, training_class=training_class,
                                teacher_id=teacher_id, status=status, waitlist_position=position,
                                source=source, note=note))
    built.enrolments[str(status)] += 1
    return status


def _per_class(state: _EnrolState, training_class: TrainingClass) -> dict:
    counts = getattr(training_class, "_demo_counts", None)
    if counts is None:
        counts = training_class._demo_counts = defaultdict(int)
    return counts

