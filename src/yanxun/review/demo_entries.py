"""Demo competitions and entries: the three competitions the review demo needs, with their
entry forms, groups, entries from several schools (co-authors, files), the schools'
recommendations within the quota and the centre's 形式审查 done, so that the scoring and
results demos can go on from them:

    from yanxun.review.demo_entries import build
    built = build(district, random.Random("yanxun-demo:2026:review.entries"))
    built.maths_lessons.accepted  # … the accepted entries of each competition

(a) 2026 年初中数学优质课评比 — to be finished later with a blind online round and a live round;
(b) 2026 年小学作业设计评比 — to be finished later with one blind round;
(c) 2026 年教学基本功大赛 — to be open for scoring by the demo judge.

All three are left 评审中 (entries settled: the entry and recommendation windows are over).
Dates are placed before `now` (default: the moment of the build). Deterministic for a given
random generator and `now`; bulk-written, with one 操作日志 row for the whole load. The demo
teacher (a junior 数学 teacher of the demo school administrator's school) is the lead author
of an accepted entry of (a), and the demo school takes part in every group of its stage.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.enums import Role
from yanxun.core.models import AuditLog
from yanxun.org.enums import TeacherStatus
from yanxun.org.models import District, Teacher
from yanxun.review.enums import CompetitionStatus, EntryStatus
from yanxun.review.models import Competition, CompetitionGroup, Entry, EntryFile

E = EntryStatus
PDF = "application/pdf"


@dataclass
class DemoCompetition:
    competition: Competition
    groups: list[CompetitionGroup]
    accepted: list[Entry]  # in group and code order
    counts: dict[str, int] = field(default_factory=dict)  # status -> entries


@dataclass
class DemoEntries:
    maths_lessons: DemoCompetition  # (a) 初中数学优质课评比: blind online round + live round
    homework: DemoCompetition  # (b) 小学作业设计评比: one blind round
    basic_skills: DemoCompetition  # (c) 教学基本功大赛: open for scoring by the demo judge

    def all(self) -> list[DemoCompetition]:
        return [self.maths_lessons, self.homework, self.basic_skills]


def _field(key, label, kind, required=True, identifying=False, help_text=""):
    return {"key": key, "label": label, "kind": kind, "required": required,
            "identifying": identifying, "help": help_text}


INTRO = _field("intro", "作者简介", "textarea", required=False, identifying=True,
               help_text="含姓名、单位者匿名评审时对评委隐藏")


@dataclass
class Plan:
    name: str
    description: str
    fields: list[dict]
    # (group name, code letter, stage, subject name or None for any, title topics)
    groups: list[tuple[str, str, str, str | None, list[str]]]
    schools_per_group: int
    days_ago: int  # the entry window closed this many days before `now`
    tiers: list[dict]
    co_author_share: float = 0.3


def _plans() -> list[Plan]:
    junior_maths = ["有理数的加法", "一元一次方程的应用", "平行线的判定", "全等三角形的判定",
                    "一次函数的图象与性质", "勾股定理", "二次根式的化简", "二次函数的图象",
                    "圆周角定理", "相似三角形的性质", "数据的收集与整理", "反比例函数",
                    "不等式的性质", "因式分解", "轴对称", "锐角三角函数"]
    return [
        Plan("2026 年初中数学优质课评比",
             "初评为网络匿名评审（课堂实录与教学设计），复评为现场上课。每校每组限报 2 节。",
             [_field("video", "课堂实录链接", "url", help_text="完整一节课的视频链接"),
              _field("plan", "教学设计", "file", help_text="PDF 或 Word"),
              _field("slides", "教学课件", "file", required=False),
              _field("reflection", "教学反思", "textarea", required=False), INTRO],
             [("七年级组", "A", "junior", "数学", junior_maths[:8]),
              ("八年级组", "B", "junior", "数学", junior_maths[4:12]),
              ("九年级组", "C", "junior", "数学", junior_maths[8:])],
             schools_per_group=9, days_ago=75,
             tiers=[{"name": "一等奖", "share": "0.15"}, {"name": "二等奖", "share": "0.3"},
                    {"name": "三等奖", "share": "0.35"}]),
        Plan("2026 年小学作业设计评比",
             "落实“双减”，评选单元作业设计。作业设计方案须含作业目标、内容、评价与时长。",
             [_field("design", "单元作业设计方案", "file"),
              _field("notes", "设计说明", "textarea", help_text="500 字以内"),
              _field("samples", "学生作业样例", "file", required=False), INTRO],
             [("语文组", "A", "primary", "语文", ["《荷花》", "《小蝌蚪找妈妈》", "《秋天的雨》",
                                              "《慈母情深》", "《草船借箭》", "《观潮》"]),
              ("数学组", "B", "primary", "数学", ["分数的初步认识", "多位数乘一位数", "圆的面积",
                                              "长方形和正方形", "小数的意义", "折线统计图"]),
              ("英语组", "C", "primary", "英语", ["Unit 3 My school", "Unit 5 Our clothes",
                                              "Unit 2 Ways to go to school", "Unit 4 Seasons"])],
             schools_per_group=9, days_ago=60, co_author_share=0.5,
             tiers=[{"name": "一等奖", "min_score": "90"}, {"name": "二等奖", "min_score": "85"},
                    {"name": "三等奖", "min_score": "80"}]),
        Plan("2026 年教学基本功大赛",
             "比赛内容：教学设计、说课与粉笔字。初赛提交教学设计与说课视频。",
             [_field("plan", "教学设计", "file"),
              _field("talk", "说课视频链接", "url"),
              _field("chalk", "粉笔字照片", "file", required=False), INTRO],
             [("小学组", "A", "primary", None, ["《桂林山水》", "认识钟表", "Colours"]),
              ("初中组", "B", "junior", None, ["《背影》", "光的折射", "一元二次方程"]),
              ("高中组", "C", "senior", None, ["《赤壁赋》", "牛顿第二定律", "细胞的增殖"])],
             schools_per_group=7, days_ago=20, co_author_share=0.0,
             tiers=[{"name": "一等奖", "share": "0.2"}, {"name": "二等奖", "share": "0.3"},
                    {"name": "三等奖", "share": "0.5"}]),
    ]


def demo_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII), with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


class _Build:
    def __init__(self, district: District, rng: random.Random, now: datetime):
        self.district, self.rng, self.now = district, rng, now
        self.plans = _plans()
        self.actor = (User.objects.filter(role_assignments__role=Role.TRAINER).order_by("pk")
                      .first() or User.objects.filter(role_assignments__role=Role.ADMIN)
                      .order_by("pk").first())
        if self.actor is None:
            raise LookupError("演示数据需要一名研训员或系统管理员账号。")
        self.school_admin = (RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN,
                                                           school__district=district)
                             .select_related("user").order_by("pk").first())
        self.demo_school_id = self.school_admin.school_id if self.school_admin else None
        self.featured = self._featured()
        self.teachers, self.by_school = self._teachers()
        self.recommenders = dict(RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN)
                                 .values_list("school_id", "user_id"))
        self.leads: dict[int, set[int]] = defaultdict(set)  # competition -> lead teachers
        self.files: list[EntryFile] = []
        self.co_authors: list = []

    def _featured(self) -> Teacher | None:
        teachers = Teacher.objects.filter(school_id=self.demo_school_id, stage="junior",
                                          status=TeacherStatus.ACTIVE, subjects__name="数学",
                                          user__isnull=False, staff_member__isnull=True)
        return (teachers.filter(entry_year__gte=2010, entry_year__lte=2018).order_by("pk")
                .first() or teachers.order_by("pk").first())

    def _teachers(self):
        """(stage, subject or None) -> school pk -> active teachers, and school pk -> active
        teachers, in pk order."""
        out: dict = defaultdict(lambda: defaultdict(list))
        by_school: dict[int, list[Teacher]] = defaultdict(list)
        rows = (Teacher.objects.filter(school__district=self.district,
                                       status=TeacherStatus.ACTIVE, user__isnull=False,
                                       staff_member__isnull=True)
                .select_related("school").prefetch_related("subjects").order_by("pk"))
        for teacher in rows:
            by_school[teacher.school_id].append(teacher)
            out[(teacher.stage, None)][teacher.school_id].append(teacher)
            for subject in teacher.subjects.all():
                out[(teacher.stage, subject.name)][teacher.school_id].append(teacher)
        return out, by_school


def build(district: District, rng: random.Random, *, now: datetime | None = None
          ) -> DemoEntries:
    """Create the three demo competitions with their entries; see the module's text."""
    builder = _Build(district, rng, now or timezone.now())
    with transaction.atomic():
        built = [_competition(builder, plan) for plan in builder.plans]
        Entry.co_authors.through.objects.bulk_create(builder.co_authors, batch_size=2000)
        EntryFile.objects.bulk_create(builder.files, batch_size=2000)
        AuditLog.objects.create(
            actor=builder.actor, action="review.entries.demo", object_type="org.district",
            object_id=str(district.pk), object_repr=district.name,
            after={d.competition.name: d.counts for d in built}, reason="演示数据：评比活动与参评作品")
    return DemoEntries(*built)


def _competition(b: _Build, plan: Plan) -> DemoCompetition:
    closes = b.now - timedelta(days=plan.days_ago)
    competition = Competition.objects.create(
        name=plan.name, year=2026, level="district", description=plan.description,
        organiser=b.district.center_name or f"{b.district.name}教师发展中心",
        entry_fields=plan.fields, quota_per_school=2, entry_opens=closes - timedelta(days=30),
        entry_closes=closes, recommend_closes=closes + timedelta(days=5),
        award_method="bands" if "min_score" in plan.tiers[0] else "quota",
        award_tiers=plan.tiers, status=CompetitionStatus.REVIEWING, created_by=b.actor)
    groups, entries = [], []
    for position, spec in enumerate(plan.groups, start=1):
        group = CompetitionGroup.objects.create(
            competition=competition, name=spec[0], code_prefix=spec[1], stage=spec[2],
            position=position)
        groups.append(group)
        entries += _group_entries(b, plan, competition, group, spec)
    Entry.objects.bulk_create(entries, batch_size=2000)
    _attach(b, plan, competition, entries)
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        counts[entry.status] += 1
    accepted = [e for e in entries if e.status == E.ACCEPTED]
    return DemoCompetition(competition, groups, accepted, dict(counts))


def _schools(b: _Build, pool: dict[int, list[Teacher]], wanted: int) -> list[int]:
    """Schools with candidates; the demo school always among them when it has any."""
    candidates = sorted(pool)
    chosen = b.rng.sample(candidates, min(wanted, len(candidates)))
    if b.demo_school_id in pool and b.demo_school_id not in chosen:
        chosen[-1:] = [b.demo_school_id]
    return sorted(chosen)


def _group_entries(b: _Build, plan: Plan, competition, group, spec) -> list[Entry]:
    _, _, stage, subject, topics = spec
    pool = b.teachers[(stage, subject)]
    used = b.leads[competition.pk]
    featured = b.featured if plan is b.plans[0] and group.code_prefix == "A" else None
    rows, number = [], 0
    for school_id in _schools(b, pool, plan.schools_per_group):
        teachers = [t for t in pool[school_id] if t.pk not in used]
        leads = b.rng.sample(teachers, min(len(teachers), b.rng.choice([1, 2, 2, 3])))
        if featured is not None and school_id == featured.school_id and featured.pk not in used:
            leads = [featured, *[t for t in leads if t.pk != featured.pk]][:max(1, len(leads))]
        for rank, lead in enumerate(leads):
            used.add(lead.pk)
            number += 1
            rows.append(_entry(b, plan, competition, group, lead, number, rank, topics))
    _fate(b, rows)
    group.last_code = number
    CompetitionGroup.objects.filter(pk=group.pk).update(last_code=number)
    return rows


def _entry(b: _Build, plan: Plan, competition, group, lead: Teacher, number: int, rank: int,
           topics: list[str]) -> Entry:
    code = f"{group.code_prefix}{number:04d}"
    topic = b.rng.choice(topics)
    title = topic if "作业" not in plan.name else f"{topic}单元作业设计"
    submitted = competition.entry_opens + timedelta(hours=b.rng.randint(24, 24 * 28))
    form_data = {f["key"]: _answer(f, code, lead) for f in plan.fields if f["kind"] != "file"}
    entry = Entry(competition=competition, group=group, code=code, title=title, teacher=lead,
                  school_id=lead.school_id, form_data={k: v for k, v in form_data.items() if v},
                  status=E.SUBMITTED, submitted_at=submitted)
    entry.demo_rank = rank  # the school's own order of preference within the group
    return entry


def _answer(field: dict, code: str, lead: Teacher) -> str:
    if field["kind"] == "url":
        return f"https://video.example.cn/review/2026/{code}"
    if field["key"] == "intro":
        return f"{lead.name}，{lead.school.name}教师，{2026 - lead.entry_year} 年教龄。"
    if field["key"] == "reflection":
        return "本节课以问题串推进，学生参与度高；小组讨论时间偏紧，需进一步优化。"
    return "围绕单元目标分层设计基础、拓展与实践三类作业，控制书面作业时长，配套评价量规。"


def _fate(b: _Build, rows: list[Entry]) -> None:
    """What the school and the centre decided: each school recommends its first two (its
    quota), the rest are not recommended; the centre accepts the recommended ones but one
    (when the group has more than six), which it rejects — never the demo teacher's."""
    by_school: dict[int, list[Entry]] = defaultdict(list)
    for entry in rows:
        by_school[entry.school_id].append(entry)
    recommended = []
    for entries in by_school.values():
        for entry in entries:
            if entry.demo_rank < 2:
                recommended.append(entry)
            else:
                entry.status, entry.status_reason = E.NOT_RECOMMENDED, "校内评选未入选，名额已满"
    for entry in recommended:
        entry.status = E.ACCEPTED
        entry.recommended_at = entry.submitted_at + timedelta(days=2)
        entry.recommended_by_id = b.recommenders.get(entry.school_id, b.actor.pk)
        entry.checked_at = entry.recommended_at + timedelta(days=3)
        entry.checked_by_id = b.actor.pk
    others = [e for e in recommended if not b.featured or e.teacher_id != b.featured.pk]
    if len(recommended) > 6:
        rejected = b.rng.choice(others)
        rejected.status, rejected.status_reason = E.REJECTED, "教学设计与课堂实录内容不一致"


def _attach(b: _Build, plan: Plan, competition, entries: list[Entry]) -> None:
    """Co-authors (colleagues of the same school) and files of the saved entries."""
    through = Entry.co_authors.through
    for entry in entries:
        if b.rng.random() < plan.co_author_share:
            others = [t for t in b.by_school[entry.school_id] if t.pk != entry.teacher_id]
            for teacher in b.rng.sample(others, min(len(others), b.rng.choice([1, 1, 2]))):
                b.co_authors.append(through(entry_id=entry.pk, teacher_id=teacher.pk))
        for f in plan.fields:
            if f["kind"] == "file" and (f["required"] or b.rng.random() < 0.5):
                b.files.append(_file(entry, f))


def _file(entry: Entry, field: dict) -> EntryFile:
    data = demo_pdf(f"Demo entry {entry.code} - {field['key']}")
    name = default_storage.save(f"review/entries/demo/{entry.competition_id}-{entry.code}-"
                                f"{field['key']}.pdf", ContentFile(data))
    return EntryFile(entry=entry, field_key=field["key"], file=name,
                     original_name=f"{entry.title}-{field['label']}.pdf", content_type=PDF,
                     size=len(data), sha256=hashlib.sha256(data).hexdigest())


def wipe() -> None:
    """Remove every competition and entry (the demo's `--reset`): entries first, their
    groups protect them."""
    Entry.objects.all().delete()
    Competition.objects.all().delete()
