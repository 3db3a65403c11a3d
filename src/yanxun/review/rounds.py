"""Rounds (轮次), their entries and their panel: writes for centre staff (rules.RUN_REVIEWS).

A round is created under a competition with a copy of a rubric template; its switches (k,
window, blind, peer visibility, abstention, aggregation) are fields. Which entries: all
accepted entries of the competition or of some groups, or, for a later round, the top of the
previous round per group (`round_entries_advance`; ties at the line advance together). The
panel: existing users, or outside experts with a temporary account whose judge role (and the
account itself) expires seven days after the round closes. Declared relations (Relation) and
staff's pins and forbids (PairRule) feed the assignment run (review.assign). The round's
status moves only through review.workflow, here in `round_transition`.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.audit import audit_record, changed_fields, snapshot
from yanxun.core.enums import Role
from yanxun.core.permissions import has_perm
from yanxun.core.validators import phone_problem
from yanxun.review import rules, workflow
from yanxun.review.enums import (
    CompetitionStatus,
    EntryStatus,
    PairRuleKind,
    RoundStatus,
)
from yanxun.review.models import (
    Assignment,
    Competition,
    CompetitionGroup,
    Entry,
    PairRule,
    Relation,
    Round,
    RoundEntry,
    RoundJudge,
    Rubric,
    RubricItem,
    Score,
)
from yanxun.review.rubrics import rubric_copy

R = RoundStatus
JUDGE_GRACE = timedelta(days=7)  # a temporary judge role ends a week after the round closes
ROUND_FIELDS = ("name", "kind", "judges_per_entry", "opens_at", "closes_at", "blind",
                "peer_visibility", "allow_abstain", "method", "trim_min", "tie_break_item",
                "max_spread")
# What judges are told before they score: fixed once scoring starts.
SETUP_ONLY = {"kind": "方式", "judges_per_entry": "每件作品评委数", "blind": "匿名评审",
              "allow_abstain": "允许评委回避/弃评"}
# The buttons of the round page, in order: (target, verb, needs a reason).
TRANSITIONS: dict[R, tuple[tuple[R, str, bool], ...]] = {
    R.SETUP: ((R.SCORING, "开始评分", False),),
    R.SCORING: ((R.CLOSED, "结束评分", False), (R.SETUP, "退回准备", True)),
    R.CLOSED: ((R.SCORING, "重新开放评分", True),),
    R.FINALISED: (),
}
CLOSED_COMPETITIONS = (CompetitionStatus.DRAFT, CompetitionStatus.CANCELLED,
                       CompetitionStatus.PUBLISHED)


def _require(actor) -> None:
    if actor is not None and not has_perm(actor, rules.RUN_REVIEWS):
        raise PermissionDenied("无权组织评审。")


def _status_in(round_: Round, allowed: Sequence[R], doing: str) -> None:
    if round_.status not in allowed:
        raise ValidationError(f"轮次「{round_.name}」当前为「{R(round_.status).label}」，不能{doing}。")


def _lock(round_: Round) -> Round:
    """The round row, locked for this transaction (callers hold a transaction)."""
    return Round.objects.select_for_update().get(pk=round_.pk)


# --- rounds ----------------------------------------------------------------------------------


def _check_round(round_: Round) -> None:
    errors = []
    if not (round_.name or "").strip():
        errors.append("请填写轮次名称。")
    if round_.opens_at and round_.closes_at and round_.opens_at >= round_.closes_at:
        errors.append("评分截止时间应晚于评分开始时间。")
    if not 1 <= round_.judges_per_entry <= 15:
        errors.append("每件作品评委数应在 1 到 15 之间。")
    if round_.trim_min < 3:
        errors.append("「去掉最高最低分的最少评分数」至少为 3。")
    if round_.max_spread is not None and round_.max_spread <= 0:
        errors.append("评分极差预警线应大于 0。")
    item = round_.tie_break_item if round_.tie_break_item_id else None
    if item is not None and item.rubric_id != round_.rubric_id:
        errors.append("同分比较的评价项目须是本轮量表中的项目。")
    if errors:
        raise ValidationError(errors)


def _round_picture(round_: Round) -> dict:
    return snapshot(round_, [*ROUND_FIELDS, "rubric"])


def round_create(*, actor, competition: Competition, template: Rubric, **fields) -> Round:
    """A new round (准备中) under `competition`, scoring with a copy of `template`."""
    _require(actor)
    if competition.status in (CompetitionStatus.CANCELLED, CompetitionStatus.PUBLISHED):
        raise ValidationError(f"评比活动{CompetitionStatus(competition.status).label}，不能再新建轮次。")
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise ValidationError(f"未知的轮次设置：{'、'.join(sorted(unknown))}")
    fields.pop("tie_break_item", None)  # an item of the round's own copy: set when editing
    with transaction.atomic():
        Competition.objects.select_for_update().get(pk=competition.pk)
        last = competition.rounds.aggregate(last=Max("position"))["last"] or 0
        copy = rubric_copy(actor=actor, rubric=template, is_template=False)
        round_ = Round(competition=competition, position=last + 1, rubric=copy,
                       status=R.SETUP, **fields)
        _check_round(round_)
        round_.save()
        audit_record(actor=actor, action="review.round.create", obj=round_,
                     after={**_round_picture(round_), "template": template.pk})
    return round_


def round_update(*, actor, round_: Round, template: Rubric | None = None, **fields) -> Round:
    """Change a round's settings. Once scoring has started the switches judges were told
    (k, blind, abstention, kind) and the rubric stay; the window, peer visibility and the
    aggregation settings may change until the results are final."""
    _require(actor)
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise ValidationError(f"未知的轮次设置：{'、'.join(sorted(unknown))}")
    with transaction.atomic():
        round_ = _lock(round_)
        _status_in(round_, (R.SETUP, R.SCORING, R.CLOSED), "修改设置")
        before = _round_picture(round_)
        if round_.status != R.SETUP:
            frozen = [label for name, label in SETUP_ONLY.items()
                      if name in fields and fields[name] != getattr(round_, name)]
            if frozen or template is not None:
                names = "、".join(frozen + (["评价量表"] if template is not None else []))
                raise ValidationError(f"评分已开始，不能再修改：{names}。")
        for name, value in fields.items():
            setattr(round_, name, value.strip() if isinstance(value, str) else value)
        old_rubric = None
        if template is not None:
            old_rubric = round_.rubric
            round_.rubric = rubric_copy(actor=actor, rubric=template, is_template=False)
            round_.tie_break_item = None
        _check_round(round_)
        round_.save()
        if old_rubric is not None and not old_rubric.rounds.exists():
            old_rubric.delete()
        old, new = changed_fields(before, _round_picture(round_))
        if new:
            audit_record(actor=actor, action="review.round.update", obj=round_, before=old,
                         after=new)
        if "closes_at" in new:
            _extend_judge_roles(round_, actor=actor)
    return round_


def round_transition(*, actor, round_: Round, to: R, reason: str = "") -> Round:
    """开始评分 (SETUP → SCORING: entries, panel and every entry assigned), 结束评分, 退回准备
    (only while nobody has scored), 重新开放评分 (with a reason)."""
    _require(actor)
    to = R(to)
    with transaction.atomic():
        round_ = _lock(round_)
        verbs = {target: (verb, needs_reason) for target, verb, needs_reason
                 in TRANSITIONS[R(round_.status)]}
        if to not in verbs:
            raise ValidationError(
                f"轮次当前为「{R(round_.status).label}」，不能改为「{to.label}」。")
        verb, needs_reason = verbs[to]
        if needs_reason and not reason.strip():
            raise ValidationError(f"请填写「{verb}」的原因。")
        if to == R.SCORING and round_.status == R.SETUP:
            _check_startable(round_)
        if to == R.SETUP and Score.objects.filter(assignment__round=round_).exists():
            raise ValidationError("已有评委开始评分，不能退回准备。")
        workflow.transition(round_, to, actor=actor, reason=reason.strip() or verb,
                            action=f"review.round.{to.value}")
    return round_


def _check_startable(round_: Round) -> None:
    competition = round_.competition
    if competition.status in CLOSED_COMPETITIONS:
        raise ValidationError(
            f"评比活动{CompetitionStatus(competition.status).label}，不能开始评分。")
    if not round_.rubric.items.exists():
        raise ValidationError("本轮量表还没有评价项目。")
    if not round_.round_entries.exists():
        raise ValidationError("本轮还没有参评作品。")
    if not round_.panel.exists():
        raise ValidationError("本轮还没有评委。")
    bare = (RoundEntry.objects.filter(round=round_)
            .exclude(entry__assignments__round=round_)
            .values_list("entry__code", flat=True).order_by("entry__code"))
    missing = list(bare[:6])
    if missing:
        more = bare.count()
        raise ValidationError(
            f"作品 {'、'.join(missing)}{f' 等 {more} 件' if more > len(missing) else ''}"
            "还没有分配评委，请先运行分配。")


def previous_round(round_: Round) -> Round | None:
    return (Round.objects.filter(competition=round_.competition_id,
                                 position__lt=round_.position)
            .order_by("-position").first())


# --- the round's entries ---------------------------------------------------------------------


def accepted_entries(competition: Competition, groups: Sequence[CompetitionGroup] = ()
                     ) -> QuerySet[Entry]:
    entries = Entry.objects.filter(competition=competition, status=EntryStatus.ACCEPTED)
    if groups:
        entries = entries.filter(group__in=list(groups))
    return entries


def round_entries_set(*, actor, round_: Round, groups: Sequence[CompetitionGroup] = ()
                      ) -> int:
    """The round's entries: every accepted entry of the competition, or of `groups`."""
    ids = list(accepted_entries(round_.competition, groups).values_list("pk", flat=True))
    if groups and any(g.competition_id != round_.competition_id for g in groups):
        raise ValidationError("组别不属于本评比活动。")
    return _set_entries(actor=actor, round_=round_, entry_ids=ids,
                        how={"groups": [g.pk for g in groups] or "all"})


@dataclass(frozen=True)
class Advanced:
    entry_ids: list[int]
    tied: int  # entries beyond the quota that advance because they tie with the last place


def advancing(ranked: Sequence[tuple[int, int]], *, top_n: int | None = None,
              top_share: Decimal | None = None,
              places: Mapping[int, int | None] | None = None) -> Advanced:
    """Of (entry id, group id) pairs in rank order, the first `top_n` of each group, or the
    first share of each group (rounded down, at least one). With `places` (entry id → place
    in its group), entries that share the place of the last one within the quota advance
    with it: a tie at the line is never cut by the order rows happen to be in.
    Database-free."""
    if (top_n is None) == (top_share is None):
        raise ValidationError("请在「前 N 名」与「前百分之几」中选一种。")
    if top_n is not None and top_n < 1:
        raise ValidationError("晋级名额至少为 1。")
    if top_share is not None and not Decimal("0") < top_share <= Decimal("1"):
        raise ValidationError("晋级比例应在 0 到 100% 之间。")
    by_group: dict[int, list[int]] = {}
    for entry_id, group_id in ranked:
        by_group.setdefault(group_id, []).append(entry_id)
    out: list[int] = []
    tied = 0
    for ids in by_group.values():
        if top_n is not None:
            take = top_n
        else:
            assert top_share is not None
            take = max(1, math.floor(len(ids) * top_share + Decimal("1e-9")))
        chosen = ids[:take]
        line = places.get(chosen[-1]) if places and chosen else None
        if line is not None:
            extra = [pk for pk in ids[take:] if places.get(pk) == line]
            chosen += extra
            tied += len(extra)
        out.extend(chosen)
    return Advanced(out, tied)


def round_entries_advance(*, actor, round_: Round, ranked_entry_ids: Sequence[int],
                          top_n: int | None = None, top_share: Decimal | None = None,
                          places: Mapping[int, int | None] | None = None) -> Advanced:
    """A later round's entries: the top of the previous round per group. `ranked_entry_ids`
    are the previous round's entries in rank order (best first, any groups mixed) and
    `places` their places within their groups (ties at the line advance together); the
    caller ranks them (`previous_ranking`)."""
    groups = dict(Entry.objects.filter(pk__in=list(ranked_entry_ids),
                                       competition=round_.competition_id)
                  .values_list("pk", "group_id"))
    if len(groups) != len(set(ranked_entry_ids)):
        raise ValidationError("晋级名单中有不属于本评比活动的作品。")
    advanced = advancing([(pk, groups[pk]) for pk in dict.fromkeys(ranked_entry_ids)],
                         top_n=top_n, top_share=top_share, places=places)
    how = {"advance": top_n if top_n is not None else str(top_share), "tied": advanced.tied}
    _set_entries(actor=actor, round_=round_, entry_ids=advanced.entry_ids, how=how)
    return advanced


def previous_ranking(round_: Round) -> tuple[list[int], dict[int, int | None]]:
    """The round's scored entries in rank order, and each one's place in its group (ties
    share a place unless the round's tie-break item separates them), from review.results."""
    from yanxun.review.results import round_results

    ranked = sorted((r for r in round_results(round_).rows if r.final is not None),
                    key=lambda r: (r.place if r.place is not None else r.rank or 0))
    return [r.entry_id for r in ranked], {r.entry_id: r.place for r in ranked}


def _set_entries(*, actor, round_: Round, entry_ids: Sequence[int], how: dict) -> int:
    _require(actor)
    wanted = set(entry_ids)
    with transaction.atomic():
        round_ = _lock(round_)
        _status_in(round_, (R.SETUP,), "修改参评作品")
        current = set(RoundEntry.objects.filter(round=round_).values_list("entry_id", flat=True))
        dropped = current - wanted
        if Score.objects.filter(assignment__round=round_, assignment__entry__in=dropped).exists():
            raise ValidationError("要移出的作品已有评分，不能移出本轮。")
        RoundEntry.objects.filter(round=round_, entry__in=dropped).delete()
        removed = Assignment.objects.filter(round=round_, entry__in=dropped).delete()[0]
        PairRule.objects.filter(round=round_, entry__in=dropped).delete()
        RoundEntry.objects.bulk_create(RoundEntry(round=round_, entry_id=pk)
                                       for pk in sorted(wanted - current))
        audit_record(actor=actor, action="review.round.entries", obj=round_,
                     before={"entries": len(current)},
                     after={"entries": len(wanted), "added": sorted(wanted - current),
                            "dropped": sorted(dropped), "assignments_removed": removed, **how})
    return len(wanted)


# --- the panel -------------------------------------------------------------------------------


def judge_role_until(round_: Round) -> datetime:
    return round_.closes_at + JUDGE_GRACE


def _ensure_judge_role(user: User, until: datetime, *, actor) -> None:
    """A panel member needs SCORE_ENTRIES: keep a lasting role that has it, extend a
    temporary judge role to `until`, or grant a judge role ending then."""
    user.__dict__.pop("_yanxun_assignments", None)
    judge = RoleAssignment.objects.filter(user=user, role=Role.JUDGE, school=None,
                                          education_group=None).first()
    if judge is not None:
        if judge.expires_at is not None and judge.expires_at < until:
            RoleAssignment.objects.filter(pk=judge.pk).update(expires_at=until)
            audit_record(actor=actor, action="role.extend", obj=user,
                         before={"role": "judge", "expires_at": str(judge.expires_at)},
                         after={"role": "judge", "expires_at": str(until)})
    elif not has_perm(user, rules.SCORE_ENTRIES):
        RoleAssignment.objects.create(user=user, role=Role.JUDGE, expires_at=until)
        audit_record(actor=actor, action="role.assign", obj=user,
                     after={"role": "judge", "school": None, "education_group": None,
                            "expires_at": str(until)})
    if user.expires_at is not None and user.expires_at < until:
        User.objects.filter(pk=user.pk).update(expires_at=until)
        user.expires_at = until
    user.__dict__.pop("_yanxun_assignments", None)


def _extend_judge_roles(round_: Round, *, actor) -> None:
    """The round closes later: temporary judge roles (and accounts) of its panel follow."""
    until = judge_role_until(round_)
    for member in RoundJudge.objects.filter(round=round_).select_related("judge"):
        judge = RoleAssignment.objects.filter(user=member.judge, role=Role.JUDGE,
                                              expires_at__isnull=False).first()
        if judge is not None:
            _ensure_judge_role(member.judge, until, actor=actor)


def panel_add(*, actor, round_: Round, judge: User, is_leader: bool = False,
              affiliation: str = "") -> RoundJudge:
    """Put an existing user on the panel; a user without the right to score gets a judge
    role that ends seven days after the round closes."""
    _require(actor)
    if not judge.is_active:
        raise ValidationError(f"用户「{judge}」已停用。")
    with transaction.atomic():
        round_ = _lock(round_)
        _status_in(round_, (R.SETUP, R.SCORING), "调整评委")
        if RoundJudge.objects.filter(round=round_, judge=judge).exists():
            raise ValidationError(f"「{judge}」已在本轮评委名单中。")
        member = RoundJudge.objects.create(round=round_, judge=judge, is_leader=is_leader,
                                           affiliation=affiliation.strip()[:100])
        _ensure_judge_role(judge, judge_role_until(round_), actor=actor)
        audit_record(actor=actor, action="review.panel.add", obj=round_,
                     after={"judge": judge.pk, "name": str(judge), "leader": is_leader})
    return member


@dataclass(frozen=True)
class NewExpert:
    user: User
    password: str  # shown once, never stored in clear
    member: RoundJudge


def _new_password() -> str:
    letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    while True:
        password = "".join(secrets.choice(letters + digits) for _ in range(10))
        if any(c in digits for c in password) and any(c in letters for c in password):
            return password


def new_expert_username() -> str:
    taken = set(User.objects.filter(username__regex=r"^zj[0-9]{4,}$")
                .values_list("username", flat=True))
    number = len(taken) + 1
    while f"zj{number:04d}" in taken:
        number += 1
    return f"zj{number:04d}"


def expert_create(*, actor, round_: Round, name: str, phone: str, affiliation: str,
                  is_leader: bool = False) -> NewExpert:
    """An outside expert's temporary account (登录名 zj0001 …, an initial password shown once,
    to be changed at first login), on the panel, with a judge role and an account that both
    expire seven days after the round closes."""
    _require(actor)
    name, phone, affiliation = name.strip(), phone.strip(), affiliation.strip()
    errors = []
    if not name:
        errors.append("请填写专家姓名。")
    problem = phone_problem(phone) if phone else "不能为空"
    if problem:
        errors.append(f"手机号{problem}")
    if not affiliation:
        errors.append("请填写工作单位。")
    if errors:
        raise ValidationError(errors)
    holder = User.objects.filter(phone=phone).first()
    if holder is not None:
        raise ValidationError(f"手机号 {phone} 已有账号（登录名 {holder.username}），"
                              "请从已有用户中添加为评委。")
    password = _new_password()
    with transaction.atomic():
        round_ = _lock(round_)
        _status_in(round_, (R.SETUP, R.SCORING), "调整评委")
        until = judge_role_until(round_)
        user = User(username=new_expert_username(), name=name, phone=phone,
                    must_change_password=True, expires_at=until)
        validate_password(password, user)
        user.password = make_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError("登录名或手机号刚被占用，请重试。") from None
        RoleAssignment.objects.create(user=user, role=Role.JUDGE, expires_at=until)
        member = RoundJudge.objects.create(round=round_, judge=user, is_leader=is_leader,
                                           affiliation=affiliation[:100])
        audit_record(actor=actor, action="review.expert.create", obj=user,
                     after={"username": user.username, "round": round_.pk,
                            "affiliation": affiliation, "expires_at": str(until)})
    return NewExpert(user, password, member)


def panel_remove(*, actor, round_: Round, judge: User, reason: str = "") -> int:
    """Take a judge off the panel with their assignments; refused once they have scored."""
    _require(actor)
    with transaction.atomic():
        round_ = _lock(round_)
        _status_in(round_, (R.SETUP, R.SCORING), "调整评委")
        member = RoundJudge.objects.filter(round=round_, judge=judge).first()
        if member is None:
            raise ValidationError(f"「{judge}」不在本轮评委名单中。")
        if Score.objects.filter(assignment__round=round_, assignment__judge=judge).exists():
            raise ValidationError(f"评委「{judge}」已开始评分，不能移出评委名单。")
        pairs = list(Assignment.objects.filter(round=round_, judge=judge)
                     .values_list("entry_id", flat=True))
        Assignment.objects.filter(round=round_, judge=judge).delete()
        PairRule.objects.filter(round=round_, judge=judge).delete()
        member.delete()
        audit_record(actor=actor, action="review.panel.remove", obj=round_,
                     before={"judge": judge.pk, "name": str(judge), "entries": pairs},
                     reason=reason[:500])
    return len(pairs)


# --- relations and pair rules ----------------------------------------------------------------


def relation_declare(*, actor, judge: User, teacher, kind: str, note: str = "") -> Relation:
    """A declared relation (师徒, 同一工作室, 亲属 …): `judge` never scores `teacher`'s
    entries, in any round. Existing assignments it contradicts are left for staff to
    adjust (review.assign.conflicting_assignments lists them)."""
    _require(actor)
    if getattr(teacher, "user_id", None) == judge.pk:
        raise ValidationError("不能声明与本人的回避关系。")
    try:
        with transaction.atomic():
            relation = Relation.objects.create(judge=judge, teacher=teacher, kind=kind,
                                               note=note.strip()[:200], declared_by=actor)
            audit_record(actor=actor, action="review.relation.declare", obj=relation,
                         after={"judge": judge.pk, "teacher": teacher.pk, "kind": kind,
                                "note": relation.note})
    except IntegrityError:
        raise ValidationError("该回避关系已登记。") from None
    return relation


def relation_delete(*, actor, relation: Relation) -> None:
    _require(actor)
    with transaction.atomic():
        before = {"judge": relation.judge_id, "teacher": relation.teacher_id,
                  "kind": relation.kind, "note": relation.note}
        pk = relation.pk
        relation.delete()
        audit_record(actor=actor, action="review.relation.delete", object_type="review.relation",
                     object_id=str(pk), before=before)


def pair_rule_set(*, actor, round_: Round, judge: User, entry: Entry, kind: str,
                  reason: str = "") -> PairRule:
    """指定 (pin) or 回避 (forbid) one judge and one entry of the round, before the
    assignment runs (a pin is kept by every run; a forbid is never assigned)."""
    from yanxun.review.assign import pair_conflicts

    _require(actor)
    kind = PairRuleKind(kind)
    with transaction.atomic():
        round_ = _lock(round_)
        _status_in(round_, (R.SETUP, R.SCORING), "设置指定或回避")
        if not RoundJudge.objects.filter(round=round_, judge=judge).exists():
            raise ValidationError(f"「{judge}」不在本轮评委名单中。")
        if not RoundEntry.objects.filter(round=round_, entry=entry).exists():
            raise ValidationError(f"作品 {entry.code} 不在本轮。")
        if kind == PairRuleKind.PIN:
            clash = [c for c in pair_conflicts(round_, judge.pk, entry.pk) if c != "指定回避"]
            if clash:
                raise ValidationError(
                    f"评委「{judge}」与作品 {entry.code} 存在回避关系（{'、'.join(clash)}），"
                    "不能指定。")
        rule, created = PairRule.objects.update_or_create(
            round=round_, judge=judge, entry=entry,
            defaults={"kind": kind, "reason": reason.strip()[:200], "created_by": actor})
        audit_record(actor=actor, action="review.pair_rule.set", obj=rule,
                     after={"judge": judge.pk, "entry": entry.pk, "kind": str(kind),
                            "reason": rule.reason, "new": created})
    return rule


def pair_rule_delete(*, actor, rule: PairRule) -> None:
    _require(actor)
    with transaction.atomic():
        round_ = _lock(rule.round)
        _status_in(round_, (R.SETUP, R.SCORING), "删除指定或回避")
        before = {"judge": rule.judge_id, "entry": rule.entry_id, "kind": rule.kind}
        pk = rule.pk
        rule.delete()
        audit_record(actor=actor, action="review.pair_rule.delete",
                     object_type="review.pairrule", object_id=str(pk), before=before)


def tie_break_choices(round_: Round) -> QuerySet[RubricItem]:
    return round_.rubric.items.order_by("position", "pk")
