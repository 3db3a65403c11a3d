"""Demo records of the scoring part: rounds, panels, assignments and scores for competitions
that already hold accepted entries (the entries part's demo makes them).

    from yanxun.review.demo_scoring import build_scoring_demo
    build_scoring_demo(district, random.Random("yanxun-demo:2026:review.scoring"),
                       finished=[competition_a, competition_b], open_=competition_c)

- Each `finished` competition gets 初评 (online, blind, three judges per entry, mean) and
  复评 (live, names shown, five judges, trimmed mean) over the top 40 % of each group of
  初评; both rounds scored in full and closed (评分结束), ready for the results part.
- `open_` gets one blind 初评 in its scoring window now (two days ago to twelve days on),
  with the demo judge (登录名 judge) on the panel: about 40 % of the demo judge's entries are
  submitted and one is a draft; the other judges are about half done.
- Panels: district teachers (so the conflicts are real: same school, education group) plus
  one outside expert with a temporary account; a declared relation or two.
- Scores: entry quality + judge effect + noise, spread over the rubric's items on its step;
  in each finished 初评 one judge is lenient (+7) and one erratic (noise × 4), so the
  agreement report has something to show.
- Deterministic from `rng` (rounds, panels, assignment seeds, scores); the windows of the
  open round follow the clock. Finished rounds' scores are bulk-inserted (one audit row per
  round says so); the open round's go through review.scoring (drafts, submissions, audit).
- Rounds run through the services as the centre's 研训员 (登录名 trainer) would. Call it after
  the entries demo (competitions 报名中/评审中 with accepted entries) and before the results
  demo publishes anything.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yanxun.accounts.models import User
from yanxun.core.audit import audit_record
from yanxun.org.models import District, Teacher
from yanxun.review import rounds, rubrics, scoring
from yanxun.review.assign import assignment_run
from yanxun.review.enums import (
    AggregationMethod,
    EntryStatus,
    PeerVisibility,
    RelationKind,
    RoundKind,
    RoundStatus,
    ScoreStatus,
)
from yanxun.review.models import Assignment, Competition, Entry, Round, Score

LENIENT, ERRATIC = 7.0, 4.0
EXPERTS = (("林振华", "师范大学教师教育学院"), ("高雅琴", "市教育科学研究院"),
           ("许文博", "邻区教师发展中心"), ("沈佩玲", "市教育科学研究院"))


@dataclass
class ScoringDemo:
    rounds: list[Round] = field(default_factory=list)
    open_round: Round | None = None
    judge_done: int = 0  # the demo judge's submitted scores in the open round
    judge_total: int = 0


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError(f"找不到演示账号「{username}」，请先生成演示区县。")
    return user


def build_scoring_demo(district: District, rng: random.Random, *,
                       finished: Sequence[Competition] = (), open_: Competition | None = None,
                       now: datetime | None = None) -> ScoringDemo:
    now = now or timezone.now()
    actor = _user("trainer")
    template = rubrics.rubric_templates().first()
    out = ScoringDemo()
    with transaction.atomic():
        for competition in finished:
            first = _finished_round(district, rng, actor, competition, template, "初评",
                                    blind=True, k=3, position_days=0)
            second = _finished_round(district, rng, actor, competition, template, "复评",
                                     blind=False, k=5, position_days=20, previous=first)
            out.rounds += [first, second]
        if open_ is not None:
            out.open_round = _open_round(district, rng, actor, open_, template, now, out)
            out.rounds.append(out.open_round)
    return out


# --- building a round ----------------------------------------------------------------------


def _entries(competition: Competition) -> list[Entry]:
    return list(Entry.objects.filter(competition=competition, status=EntryStatus.ACCEPTED)
                .order_by("code"))


def _panel(district: District, rng: random.Random, actor, round_: Round, entries: list[Entry],
           size: int) -> list[User]:
    """`size - 1` district teachers who wrote none of the entries, and one outside expert."""
    authors = {e.teacher_id for e in entries}
    pool = list(Teacher.objects.filter(school__district=district, user__isnull=False,
                                       user__is_active=True, status="active")
                .exclude(pk__in=authors).order_by("pk").values_list("user_id", flat=True))
    chosen = rng.sample(pool, min(size - 1, len(pool)))
    judges = list(User.objects.filter(pk__in=chosen).order_by("pk"))
    rng.shuffle(judges)
    for user in judges:
        rounds.panel_add(actor=actor, round_=round_, judge=user)
    judges.append(_expert(rng, actor, round_))
    return judges


def _expert(rng: random.Random, actor, round_: Round) -> User:
    """An outside expert's temporary account (no password: demo experts do not log in)."""
    name, affiliation = rng.choice(EXPERTS)
    while True:
        phone = f"136{rng.randrange(10**8):08d}"
        if not User.objects.filter(phone=phone).exists():
            break
    user = User.objects.create(username=rounds.new_expert_username(), name=name, phone=phone,
                               password=make_password(None), must_change_password=True,
                               expires_at=rounds.judge_role_until(round_))
    rounds.panel_add(actor=actor, round_=round_, judge=user, affiliation=affiliation)
    return user


def _relations(rng: random.Random, actor, judges: list[User], entries: list[Entry]) -> None:
    for judge in rng.sample(judges[:-1], min(2, len(judges) - 1)):
        entry = rng.choice(entries)
        kind = rng.choice([RelationKind.MENTOR, RelationKind.STUDIO])
        with contextlib.suppress(ValidationError):  # already declared for another round
            rounds.relation_declare(actor=actor, judge=judge, teacher=entry.teacher, kind=kind,
                                    note="演示：评委申报")


def _new_round(rng, actor, competition, template, name: str, *, blind: bool, k: int,
               opens_at: datetime, closes_at: datetime) -> Round:
    method = AggregationMethod.MEAN if k < 5 else AggregationMethod.TRIMMED
    round_ = rounds.round_create(
        actor=actor, competition=competition, template=template, name=name,
        kind=RoundKind.ONLINE if blind else RoundKind.LIVE, judges_per_entry=k,
        opens_at=opens_at, closes_at=closes_at, blind=blind, method=method, trim_min=5,
        peer_visibility=PeerVisibility.NEVER if blind else PeerVisibility.AFTER_SUBMIT,
        allow_abstain=True)
    tie = round_.rubric.items.filter(name="教学方法").first()
    if tie is not None:
        rounds.round_update(actor=actor, round_=round_, tie_break_item=tie)
    return round_


def _finished_round(district, rng, actor, competition, template, name, *, blind, k,
                    position_days, previous: Round | None = None) -> Round:
    year = competition.year
    opens = timezone.make_aware(datetime(year, 5, 6, 8, 0)) + timedelta(days=position_days)
    round_ = _new_round(rng, actor, competition, template, name, blind=blind, k=k,
                        opens_at=opens, closes_at=opens + timedelta(days=10))
    entries = _entries(competition)
    if previous is None:
        rounds.round_entries_set(actor=actor, round_=round_)
    else:
        ranked, places = rounds.previous_ranking(previous)
        rounds.round_entries_advance(actor=actor, round_=round_, ranked_entry_ids=ranked,
                                     places=places, top_share=Decimal("0.4"))
        chosen = set(round_.round_entries.values_list("entry_id", flat=True))
        entries = [e for e in entries if e.pk in chosen]
    size = max(k + 2, min(12, -(-k * len(entries) // 15)))
    judges = _panel(district, rng, actor, round_, entries, size)
    _relations(rng, actor, judges, entries)
    judges += _assign_fully(rng, actor, round_)
    rounds.round_transition(actor=actor, round_=round_, to=RoundStatus.SCORING)
    effects = _judge_effects(rng, judges, special=previous is None)
    _bulk_scores(rng, round_, effects, _qualities(rng, entries), opens)
    return rounds.round_transition(actor=actor, round_=round_, to=RoundStatus.CLOSED)


def _assign_fully(rng: random.Random, actor, round_: Round) -> list[User]:
    """Run the assignment; while some entry lacks judges (a small district's conflicts),
    add an outside expert (free of school conflicts) and run it again."""
    added = []
    result = assignment_run(actor=actor, round_=round_, seed=rng.randrange(2**31))
    while result.shortfalls and len(added) < 5:
        added.append(_expert(rng, actor, round_))
        result = assignment_run(actor=actor, round_=round_, seed=rng.randrange(2**31))
    return added


# --- scores --------------------------------------------------------------------------------


def _qualities(rng: random.Random, entries: list[Entry]) -> dict[int, float]:
    return {e.pk: rng.gauss(80, 6) for e in entries}


def _judge_effects(rng: random.Random, judges: list[User], *, special: bool
                   ) -> dict[int, tuple[float, float]]:
    """judge -> (offset, noise sd); in a first round one lenient and one erratic judge."""
    effects = {j.pk: (rng.gauss(0, 1.5), 2.5) for j in judges}
    if special and len(judges) >= 4:
        lenient, erratic = judges[1], judges[2]
        effects[lenient.pk] = (LENIENT, 2.5)
        effects[erratic.pk] = (0.0, 2.5 * ERRATIC)
    return effects


def _items_for(rng: random.Random, round_: Round, target: float) -> dict[str, str]:
    """A total near `target` spread over the items in proportion, on the rubric's step."""
    items = list(round_.rubric.items.order_by("position", "pk"))
    step = Decimal(round_.rubric.step)
    full = float(sum(i.max_score for i in items))
    share = max(0.3, min(0.99, target / full))
    out = {}
    for item in items:
        raw = Decimal(str(float(item.max_score) * (share + rng.gauss(0, 0.03))))
        value = (raw / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step
        value = min(max(value, Decimal("0")), item.max_score)
        out[str(item.pk)] = scoring._points_text(value)
    return out


def _bulk_scores(rng, round_: Round, effects, quality, opens: datetime) -> None:
    rows = []
    for a in Assignment.objects.filter(round=round_).order_by("judge_id", "position"):
        offset, noise = effects[a.judge_id]
        items = _items_for(rng, round_, quality[a.entry_id] + offset + rng.gauss(0, noise))
        total = sum((Decimal(v) for v in items.values()), Decimal("0"))
        rows.append(Score(assignment=a, items=items, total=total, status=ScoreStatus.SUBMITTED,
                          submitted_at=opens + timedelta(hours=rng.randrange(1, 200))))
    Score.objects.bulk_create(rows, batch_size=1000)
    audit_record(actor=None, action="review.demo.scores", obj=round_,
                 after={"scores": len(rows)}, reason="演示数据：批量写入的已提交评分")


def _open_round(district, rng, actor, competition, template, now: datetime,
                out: ScoringDemo) -> Round:
    round_ = _new_round(rng, actor, competition, template, "初评", blind=True, k=3,
                        opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=12))
    rounds.round_entries_set(actor=actor, round_=round_)
    entries = _entries(competition)
    size = max(5, min(10, -(-3 * len(entries) // 15)))
    judges = _panel(district, rng, actor, round_, entries, size - 1)
    demo_judge = _user("judge")
    rounds.panel_add(actor=actor, round_=round_, judge=demo_judge, is_leader=True)
    judges.append(demo_judge)
    judges += _assign_fully(rng, actor, round_)
    round_ = rounds.round_transition(actor=actor, round_=round_, to=RoundStatus.SCORING)
    effects = _judge_effects(rng, judges, special=False)
    quality = _qualities(rng, entries)
    at = now - timedelta(hours=1)
    for judge in judges:
        mine = list(Assignment.objects.filter(round=round_, judge=judge).order_by("position"))
        share = 0.4 if judge == demo_judge else 0.5
        done = int(len(mine) * share)
        for n, a in enumerate(mine[:done + (1 if judge == demo_judge else 0)]):
            offset, noise = effects[judge.pk]
            items = _items_for(rng, round_, quality[a.entry_id] + offset + rng.gauss(0, noise))
            if n == done:  # the demo judge's draft: two items typed so far
                items = dict(list(items.items())[:2])
            scoring.score_save(actor=judge, assignment=a, items=items, now=at,
                               comment="" if n == done else rng.choice(
                                   ["", "目标清晰，环节完整。", "学生活动充分，可再精简讲授。"]),
                               submit=n < done)
        if judge == demo_judge:
            out.judge_done, out.judge_total = done, len(mine)
    return round_
