"""The hand-worked round of the results tests (docs/review.md, "Results", repeats it).

Round 初评 of a competition, method mean, max_spread 9, tie-break item 教学方法; judges
J1 J2 J3 score, J4 is on the panel and scores nothing.

    group 初中数学组           J1   J2        J3    final  rank  place
      A0001 (teacher A)        90   88        86    88     1     1
      A0002 (teacher B)        85   87        86    86     2     2   教学方法 26,27,26 → 26.3333
      A0003                    86   85        87    86     2     3   教学方法 25,25,27 → 25.6667
      A0004                    80   abstains  82    81     4     4
    group 初中语文组
      B0001                    70   75        80    75     1     1   spread 10 > 9: flagged
      B0002                    60   65        70    65     2     2   spread 10 > 9: flagged
      B0003                    J1 has a draft only               未评

ICC: the round and 初中数学组 are incomplete (A0004 lacks J2): null. 初中语文组 is the complete
2 × 3 design [[70, 75, 80], [60, 65, 70]]: grand mean 70, SS_total 250, SS_entries 150,
SS_judges 100, so BMS 150, WMS 25, JMS 50, EMS 0 and
ICC(1,1) = 125/200 = 0.625, ICC(2,1) = 150/225 = 0.6667, ICC(3,1) = 1,
ICC(1,3) = 125/150 = 0.8333, ICC(2,3) = 150/175 = 0.8571, ICC(3,3) = 1.

Mean offsets (score − entry mean, averaged over the judge's entries):
J1 (2 − 1 + 0 − 1 − 5 − 5)/6 = −1.6667; J2 (0 + 1 − 1 + 0 + 0)/5 = 0; J3 (−2 + 0 + 1 + 1 + 5 + 5)/6
= 1.6667; J4 n = 0. J2's consensus correlation: its scores 88 87 85 75 65 against the others'
means 88 85.5 86.5 75 65: Sxy 385, Sxx 388, Syy 386.5, r = 385 / √(388 × 386.5) = 0.9942.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from tests.factories import TeacherFactory
from tests.review_web.factories import (
    CompetitionFactory,
    EntryFactory,
    GroupFactory,
    JudgeUserFactory,
    RoundFactory,
)
from yanxun.review.enums import CompetitionStatus, RoundStatus, ScoreStatus
from yanxun.review.models import Assignment, RoundEntry, RoundJudge, Score

SCORES = {  # code: (J1, J2, J3); None: abstained; "draft": a draft
    "A0001": (90, 88, 86),
    "A0002": (85, 87, 86),
    "A0003": (86, 85, 87),
    "A0004": (80, None, 82),
    "B0001": (70, 75, 80),
    "B0002": (60, 65, 70),
    "B0003": ("draft", "-", "-"),
}
METHOD_ITEM = {"A0002": (26, 27, 26), "A0003": (25, 25, 27)}


def items_for(rubric, total, method_score=None) -> dict[str, str]:
    """Item scores summing to `total`: 教学方法 given (default 0.3 × total), the rest on 教学过程
    … in order of the items' full marks."""
    by_name = {i.name: i for i in rubric.items.all()}
    method = Decimal(method_score if method_score is not None else round(total * 0.3))
    left = Decimal(total) - method
    out = {str(by_name["教学方法"].pk): str(method)}
    for name in ("教学过程", "教师素养", "教学内容", "教学目标"):
        item = by_name[name]
        take = min(left, item.max_score)
        out[str(item.pk)] = str(take)
        left -= take
    return out


def add_score(round_, judge, entry, total, *, status=ScoreStatus.SUBMITTED, method=None):
    assignment, _ = Assignment.objects.get_or_create(round=round_, judge=judge, entry=entry)
    if status == ScoreStatus.ABSTAINED:
        return Score.objects.create(assignment=assignment, status=status)
    return Score.objects.create(
        assignment=assignment, items=items_for(round_.rubric, total, method),
        total=Decimal(total), status=status,
        submitted_at=timezone.now() if status == ScoreStatus.SUBMITTED else None)


def hand_round(world, *, competition=None, status=RoundStatus.CLOSED, **competition_fields):
    """The round above; A0001 is teacher A's entry, A0002 teacher B's."""
    competition = competition or CompetitionFactory(status=CompetitionStatus.REVIEWING,
                                                    **competition_fields)
    round_ = RoundFactory(competition=competition, status=status, max_spread=Decimal("9"))
    round_.tie_break_item = round_.rubric.items.get(name="教学方法")
    round_.save(update_fields=["tie_break_item"])
    maths = GroupFactory(competition=competition, name="初中数学组", position=1)
    chinese = GroupFactory(competition=competition, name="初中语文组", position=2)
    judges = [JudgeUserFactory(name=f"评委{n}") for n in ("甲", "乙", "丙", "丁")]
    for judge in judges:
        RoundJudge.objects.create(round=round_, judge=judge)
    authors = {"A0001": world.teacher_a, "A0002": world.teacher_b}
    entries = {}
    for code in SCORES:
        teacher = authors.get(code) or TeacherFactory(school=world.school_b)
        entries[code] = EntryFactory(
            competition=competition, group=maths if code.startswith("A") else chinese,
            code=code, title=f"课例{code}", teacher=teacher, school=teacher.school)
        RoundEntry.objects.create(round=round_, entry=entries[code])
    for code, totals in SCORES.items():
        for n, total in enumerate(totals):
            method = METHOD_ITEM.get(code, (None,) * 3)[n]
            if total is None:
                add_score(round_, judges[n], entries[code], 0, status=ScoreStatus.ABSTAINED)
            elif total == "draft":
                add_score(round_, judges[n], entries[code], 50, status=ScoreStatus.DRAFT)
            elif total != "-":
                add_score(round_, judges[n], entries[code], total, method=method)
    return SimpleNamespace(competition=competition, round=round_, maths=maths, chinese=chinese,
                           judges=judges, entries=entries)


def results_objects(world):
    """What the role matrix needs of the results part, made once per test and kept on
    `world`: a published competition (awards, a closed notice with an answered objection,
    certificates issued) and one in 公示 (an open notice with teacher A's objection and its
    evidence file), each from the hand-worked round; a calendar day."""
    if getattr(world, "results", None) is not None:
        return world.results
    from datetime import date, timedelta

    from tests.training.factories_hours import PDF_BYTES, upload
    from yanxun.core.models import WorkCalendarDay
    from yanxun.review.awards import awards_confirm
    from yanxun.review.certificates import award_certificates_issue
    from yanxun.review.enums import ObjectionStatus
    from yanxun.review.models import Award
    from yanxun.review.notices import NoticeInput, notice_publish, notice_publish_final
    from yanxun.review.objections import objection_answer, objection_file
    from yanxun.training.files import check_evidence

    trainer, teacher = world.users["trainer"], world.teacher_a.user
    today = timezone.localdate()
    done = hand_round(world, status=RoundStatus.FINALISED)
    awards_confirm(actor=trainer, competition=done.competition)
    start = today - timedelta(days=30)
    closed = notice_publish(actor=trainer, competition=done.competition, today=start,
                            data=NoticeInput(title="已结束的公示", starts_on=start, contact="电话"))
    answered = objection_file(actor=teacher, notice=closed, reason="请复核。", today=start)
    objection_answer(actor=trainer, objection=answered, decision=ObjectionStatus.DISMISSED,
                     answer="经复核，评分无误。")
    notice_publish_final(actor=trainer, notice=closed, today=closed.ends_on + timedelta(days=1))
    done.competition.refresh_from_db()
    award_certificates_issue(actor=trainer, competition=done.competition)
    live = hand_round(world, status=RoundStatus.FINALISED)
    awards_confirm(actor=trainer, competition=live.competition)
    notice = notice_publish(actor=trainer, competition=live.competition,
                            data=NoticeInput(title="正在公示", starts_on=today, contact="电话"))
    objection = objection_file(actor=teacher, notice=notice, reason="评分有误。",
                               files=check_evidence([upload("说明.pdf", PDF_BYTES)]))
    world.results = SimpleNamespace(
        published=done.competition, certificate=Award.objects.get(
            competition=done.competition, entry=done.entries["A0001"]),
        published_group=done.maths, competition=live.competition, round=live.round,
        notice=notice, closed_notice=closed, objection=objection,
        evidence=objection.evidence.get(),
        day=WorkCalendarDay.objects.create(date=date(2030, 10, 1), is_workday=False,
                                           note="国庆节"))
    return world.results
