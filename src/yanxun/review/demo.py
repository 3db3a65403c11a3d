"""Demo step of 评审与评比, in the order a centre lives it: three competitions with their
entries (demo_entries), the rounds, panels, assignments and scores (demo_scoring), and the
release of the two finished competitions — awards, an ended 公示 with an answered objection,
publication and certificates (demo_results). 教学基本功大赛 stays open for the demo judge
(登录名 judge), who finds entries waiting on 我的评审."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q

from yanxun.accounts.models import User
from yanxun.org.demo import DemoContext, demo_step
from yanxun.review import demo_entries
from yanxun.review.demo_results import build_results_demo
from yanxun.review.demo_scoring import build_scoring_demo
from yanxun.review.models import Relation, RoundJudge, Rubric

ENTRIES_CLOSED = datetime(2026, 4, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def wipe_review(ctx: DemoContext) -> None:
    """--reset: competitions with everything hanging on them, the rounds' rubric copies, the
    declared relations, and the outside experts' temporary accounts."""
    experts = list(RoundJudge.objects.filter(
        judge__teacher__isnull=True, judge__staff_member__isnull=True)
        .exclude(judge__role_assignments__role__in=["admin", "trainer", "leader"])
        .values_list("judge_id", flat=True).distinct())
    demo_entries.wipe()
    Rubric.objects.filter(is_template=False).delete()
    Relation.objects.all().delete()
    User.objects.filter(Q(pk__in=experts) & ~Q(username="judge")).delete()


@demo_step("review", order=250, wipe=wipe_review)
def build_review(ctx: DemoContext) -> None:
    # One timeline: entries close in spring, the finished competitions are scored in May and
    # June and their notices end before the demo's reference date (30 June); the third
    # competition is scored now, by the demo judge.
    built = demo_entries.build(ctx.district, ctx.rng("review.entries"), now=ENTRIES_CLOSED)
    build_scoring_demo(ctx.district, ctx.rng("review.scoring"),
                       finished=[built.maths_lessons.competition, built.homework.competition],
                       open_=built.basic_skills.competition)
    build_results_demo(ctx.district, ctx.rng("review.results"))
