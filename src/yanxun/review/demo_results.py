"""Demo records of the results part: for every competition whose rounds are all finished
(评分结束), the release as a centre would do it — flags acknowledged, results finalised,
awards confirmed, a 公示 published three weeks before the demo's "today" and ended, one
objection filed by a teacher and answered, the results published and certificates issued.

    import random
    from yanxun.review.demo_results import build_results_demo
    build_results_demo(district, random.Random("yanxun-demo:2026:review.results"))

Run it after the scoring demo has closed its rounds. Everything goes through the real
services (audited as the demo trainer). Deterministic from `rng` (certificate verification
codes excepted: they come from `secrets`, as they must); fast (a few queries per entry).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.audit import audit_record
from yanxun.core.enums import Role
from yanxun.core.workdays import working_period_end
from yanxun.org.demo import REFERENCE_DATE
from yanxun.org.enums import TeacherStatus
from yanxun.org.models import District, Teacher
from yanxun.review.awards import awards_confirm
from yanxun.review.certificates import award_certificates_issue
from yanxun.review.enums import CompetitionStatus, ObjectionStatus, RoundStatus
from yanxun.review.models import Award, Competition, Round
from yanxun.review.notices import (
    NoticeInput,
    notice_default_body,
    notice_default_title,
    notice_publish,
    notice_publish_final,
)
from yanxun.review.objections import objection_answer, objection_file
from yanxun.review.results import flag_acknowledge, round_finalise, round_results

CONTACT = "区教师发展中心 评比办公室 0510-86001234"
OBJECTIONS = [
    ("该作品的课堂实录与作者去年参评的课例高度相似，请核实是否重复参评。",
     "经调取两次参评材料比对，两节课的课题、教学设计与课堂实施均不相同，不属于重复参评，异议不成立。"),
    ("该组评委中有一位与获奖教师同属一个教育集团，请核实是否应当回避。",
     "经核查，该评委未被分配评审该作品（系统已按同校、同集团和申报的利害关系自动回避），异议不成立。"),
    ("该作品的教学设计中部分内容与公开发表的文章雷同，请核实原创性。",
     "经比对，雷同部分为课程标准原文及教材内容的引用，已注明出处，不影响原创性认定，异议不成立。"),
]
ACK_NOTE = "已查看各评委评分及评语，分歧在合理范围内，评分有效。"


def _user_with(role: str) -> User | None:
    assignment = (RoleAssignment.objects.filter(role=role).select_related("user")
                  .order_by("pk").first())
    return assignment.user if assignment else None


def finished_competitions() -> list[Competition]:
    """Competitions under review whose every round has finished scoring (or is finalised)."""
    out = []
    for competition in Competition.objects.filter(status=CompetitionStatus.REVIEWING)\
            .order_by("year", "pk"):
        statuses = set(competition.rounds.values_list("status", flat=True))
        if statuses and statuses <= {RoundStatus.CLOSED, RoundStatus.FINALISED}:
            out.append(competition)
    return out


def build_results_demo(district: District, rng: random.Random, *,
                       today: date = REFERENCE_DATE) -> dict:
    """Release the finished competitions of the demo; returns what was made."""
    staff = _user_with(Role.TRAINER) or _user_with(Role.ADMIN)
    teachers = list(Teacher.objects.filter(school__district=district,
                                           status=TeacherStatus.ACTIVE, user__isnull=False)
                    .order_by("pk").values_list("user_id", flat=True)[:200])
    released = []
    with transaction.atomic():
        for number, competition in enumerate(finished_competitions()):
            start = working_period_end(today - timedelta(days=24 - 3 * number), 1)
            released.append(_release(competition, staff, teachers, rng, start, today))
        summary = {"competitions": len(released),
                   "awards": sum(r["awards"] for r in released),
                   "certificates": sum(r["certificates"] for r in released),
                   "objections": len(released)}
        audit_record(actor=None, action="review.results_demo", object_type="org.district",
                     object_id=str(district.pk), object_repr=district.name, after=summary,
                     reason="演示数据")
    return summary


def _release(competition: Competition, staff: User, teachers: list[int], rng: random.Random,
             start: date, today: date) -> dict:
    for round_ in Round.objects.filter(competition=competition).select_related(
            "competition", "tie_break_item").order_by("position", "pk"):
        if round_.status == RoundStatus.CLOSED:
            for flag in round_results(round_).open_flags:
                flag_acknowledge(actor=staff, round_=round_, kind=str(flag.kind),
                                 object_id=flag.object_id, note=ACK_NOTE)
            round_finalise(actor=staff, round_=round_)
    made = awards_confirm(actor=staff, competition=competition)
    competition.refresh_from_db()
    notice = notice_publish(actor=staff, competition=competition, today=start, data=NoticeInput(
        title=notice_default_title(competition), body=notice_default_body(competition),
        starts_on=start, contact=CONTACT))
    filed_on = min(working_period_end(start, 2), notice.ends_on)
    reason, answer = rng.choice(OBJECTIONS)
    filer = User.objects.get(pk=rng.choice(teachers)) if teachers else staff
    entry = rng.choice(made).entry_id
    objection = objection_file(actor=filer, notice=notice, reason=reason, entry_id=entry,
                               today=filed_on)
    objection_answer(actor=staff, objection=objection, decision=ObjectionStatus.DISMISSED,
                     answer=answer)
    notice_publish_final(actor=staff, notice=notice, today=max(today, notice.ends_on
                                                                + timedelta(days=1)))
    competition.refresh_from_db()
    issued = award_certificates_issue(actor=staff, competition=competition, today=today)
    return {"competition": competition.name, "awards": Award.objects.filter(
        competition=competition, revoked=False).count(), "certificates": issued,
        "notice": (str(notice.starts_on), str(notice.ends_on))}
