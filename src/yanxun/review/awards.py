"""Awards (一/二/三等奖, 优秀奖) from the final round's results, per group, by the competition's
award_method and award_tiers; the preview shows the borderline cases; confirming writes the
Award rows in one transaction (audited); re-confirming replaces them while the competition is
still 评审中 (before 公示).

Stated rules (docs/review.md, "Awards"):
- quota: tiers in order, tier i takes the next ceil(share_i × n) positions of the group's
  ranked entries (n = entries with a final). An entry's position is its shared rank, so
  entries tied at a boundary all get the better tier (the next tier has fewer places).
  The round's tie-break item does not decide awards.
- bands: an entry gets the first tier (in order) whose min_score its final (rounded to 4
  decimals) reaches.
- Borderline: entries on either side of a boundary whose finals lie within 0.5 of an entry on
  the other side (quota), or within 0.5 of the tier's min_score (bands); and entries tied
  across a quota boundary.
- 未评 entries (no score) get no award.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from yanxun.core.audit import audit_record
from yanxun.core.models import AuditLog
from yanxun.core.permissions import has_perm
from yanxun.review import rules
from yanxun.review.enums import AwardMethod, CompetitionStatus, RoundStatus
from yanxun.review.models import Award, Competition
from yanxun.review.results import (
    EntryRow,
    RoundResults,
    decimal_final,
    final_round,
    round_results,
    shown,
)

BORDER = Decimal("0.5")


@dataclass(frozen=True)
class Tier:
    order: int  # 1 = highest
    name: str
    share: Decimal | None = None
    min_score: Decimal | None = None


@dataclass
class AwardLine:
    row: EntryRow
    tier: Tier | None = None
    borderline: list[str] = field(default_factory=list)

    @property
    def final(self) -> Decimal:
        return decimal_final(self.row.final)


@dataclass
class GroupAwards:
    group_id: int
    name: str
    lines: list[AwardLine]
    quotas: list[tuple[Tier, int, int]]  # (tier, places by the rule, entries given)
    unscored: int

    @property
    def borderline(self) -> list[AwardLine]:
        return [line for line in self.lines if line.borderline]


@dataclass
class AwardPlan:
    competition: Competition
    method: str
    tiers: list[Tier]
    groups: list[GroupAwards]
    problems: list[str]
    results: RoundResults | None = None

    @property
    def awarded(self) -> list[AwardLine]:
        return [line for g in self.groups for line in g.lines if line.tier is not None]

    def counts(self) -> dict[str, int]:
        out = {t.name: 0 for t in self.tiers}
        for line in self.awarded:
            out[line.tier.name] += 1
        return out


# --- the tiers -------------------------------------------------------------------------------


def _decimal(raw, what: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"奖项设置中{what}「{raw}」不是数字。") from None
    if not value.is_finite():
        raise ValidationError(f"奖项设置中{what}「{raw}」不是数字。")
    return value


def parse_tiers(competition: Competition) -> list[Tier]:
    """The competition's award_tiers, checked; ValidationError in Chinese if unusable."""
    raw = competition.award_tiers or []
    if not isinstance(raw, list) or not raw:
        raise ValidationError("评比活动还没有设置奖项（奖项设置为空）。")
    tiers = []
    for order, item in enumerate(raw, start=1):
        name = str((item or {}).get("name", "")).strip() if isinstance(item, dict) else ""
        if not name:
            raise ValidationError(f"奖项设置第 {order} 项没有奖项名称。")
        if competition.award_method == AwardMethod.QUOTA:
            share = _decimal(item.get("share"), f"「{name}」的比例")
            if not Decimal("0") < share <= Decimal("1"):
                raise ValidationError(f"「{name}」的比例应大于 0 且不超过 1。")
            tiers.append(Tier(order, name, share=share))
        else:
            minimum = _decimal(item.get("min_score"), f"「{name}」的最低分")
            if tiers and minimum >= tiers[-1].min_score:
                raise ValidationError(f"「{name}」的最低分应低于上一奖项「{tiers[-1].name}」的最低分。")
            tiers.append(Tier(order, name, min_score=minimum))
    if len({t.name for t in tiers}) != len(tiers):
        raise ValidationError("奖项名称不能重复。")
    return tiers


# --- the plan ---------------------------------------------------------------------------------


def award_plan(competition: Competition) -> AwardPlan:
    """Who gets which award, per group, from the final round's results (nothing written)."""
    method = competition.award_method
    try:
        tiers = parse_tiers(competition)
    except ValidationError as exc:
        return AwardPlan(competition, method, [], [], exc.messages)
    round_ = final_round(competition)
    if round_ is None:
        return AwardPlan(competition, method, tiers, [], ["评比活动还没有评审轮次。"])
    if round_.status != RoundStatus.FINALISED:
        return AwardPlan(competition, method, tiers, [], [
            f"请先确定终轮「{round_.name}」的评审结果（当前为「{round_.get_status_display()}」）。"])
    results = round_results(round_)
    groups = [_group_awards(g, tiers, method) for g in results.groups]
    return AwardPlan(competition, method, tiers, groups, [], results)


def _group_awards(group, tiers: list[Tier], method: str) -> GroupAwards:
    ranked = group.ranked
    lines = [AwardLine(row) for row in ranked]
    if method == AwardMethod.QUOTA:
        quotas = _assign_quota(lines, tiers)
        _quota_borderline(lines, tiers, quotas)
    else:
        quotas = _assign_bands(lines, tiers)
        _band_borderline(lines, tiers)
    return GroupAwards(group.group_id, group.name, lines, quotas,
                       len(group.rows) - len(ranked))


def _assign_quota(lines: list[AwardLine], tiers: list[Tier]) -> list[tuple[Tier, int, int]]:
    n, boundary, quotas = len(lines), 0, []
    for tier in tiers:
        places = math.ceil(tier.share * n)
        boundary = min(n, boundary + places)
        given = 0
        for line in lines:
            if line.tier is None and line.row.rank <= boundary:
                line.tier = tier
                given += 1
        quotas.append((tier, places, given))
    return quotas


def _assign_bands(lines: list[AwardLine], tiers: list[Tier]) -> list[tuple[Tier, int, int]]:
    given = {t.order: 0 for t in tiers}
    for line in lines:
        line.tier = next((t for t in tiers if line.final >= t.min_score), None)
        if line.tier is not None:
            given[line.tier.order] += 1
    return [(t, 0, given[t.order]) for t in tiers]


def _tier_order(line: AwardLine) -> int:
    return line.tier.order if line.tier is not None else 10_000


def _quota_borderline(lines: list[AwardLine], tiers: list[Tier], quotas) -> None:
    boundary = 0
    for tier, places, _given in quotas:
        boundary = min(len(lines), boundary + places)
        better = [x for x in lines if _tier_order(x) <= tier.order]
        worse = [x for x in lines if _tier_order(x) > tier.order]
        if not better or not worse:
            continue
        lowest_in = min(x.final for x in better)
        highest_out = max(x.final for x in worse)
        below = _next_name(tiers, tier)
        for line in better:
            if line.final - highest_out <= BORDER:
                line.borderline.append(f"距「{below}」最高分仅 {_points(line.final - highest_out)} 分")
        for line in worse:
            if lowest_in - line.final <= BORDER:
                line.borderline.append(f"距「{tier.name}」最低分仅 {_points(lowest_in - line.final)} 分")
        _tied_across(better, boundary, tier)


def _tied_across(better: list[AwardLine], boundary: int, tier: Tier) -> None:
    by_rank: dict[int, list[AwardLine]] = {}
    for line in better:
        by_rank.setdefault(line.row.rank, []).append(line)
    for rank, tied in by_rank.items():
        if len(tied) > 1 and rank + len(tied) - 1 > boundary and tied[0].tier == tier:
            for line in tied:
                line.borderline.append(
                    f"第 {rank} 名 {len(tied)} 件并列，跨越「{tier.name}」名额线（前 {boundary} 名），"
                    f"均获「{tier.name}」")


def _band_borderline(lines: list[AwardLine], tiers: list[Tier]) -> None:
    for tier in tiers:
        for line in lines:
            gap = line.final - tier.min_score
            if abs(gap) <= BORDER:
                where = "高出" if gap >= 0 else "低于"
                line.borderline.append(
                    f"{where}「{tier.name}」分数线 {shown(float(tier.min_score))} 分 "
                    f"{_points(abs(gap))} 分")


def _next_name(tiers: list[Tier], tier: Tier) -> str:
    later = [t for t in tiers if t.order > tier.order]
    return later[0].name if later else "未获奖"


def _points(value: Decimal) -> str:
    return shown(float(value))


# --- confirming -------------------------------------------------------------------------------


def awards_confirm(*, actor, competition: Competition) -> list[Award]:
    """Write the plan's awards in one transaction (replacing earlier ones), audited."""
    if not has_perm(actor, rules.PUBLISH_RESULTS):
        raise PermissionDenied("无权确定获奖名单。")
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        if locked.status != CompetitionStatus.REVIEWING:
            raise ValidationError(f"评比活动当前为「{locked.get_status_display()}」，只有评审中"
                                  "才能确定获奖名单；公示后如需更正，请先撤回公示。")
        plan = award_plan(locked)
        if plan.problems:
            raise ValidationError(plan.problems)
        if not plan.awarded:
            raise ValidationError("按当前奖项设置没有作品获奖，请检查奖项设置。")
        replaced = _delete_awards(actor, locked)
        made = Award.objects.bulk_create(_award(locked, line, actor) for line in plan.awarded)
        AuditLog.objects.bulk_create(_audit_entry(actor, award, line)
                                     for award, line in zip(made, plan.awarded, strict=True))
        audit_record(actor=actor, action="review.awards.confirm", obj=locked,
                     before={"awards": replaced}, after={"awards": len(made),
                                                         "by_tier": plan.counts()})
    return made


def _award(competition: Competition, line: AwardLine, actor) -> Award:
    return Award(competition=competition, entry_id=line.row.entry_id, tier=line.tier.name,
                 tier_order=line.tier.order, final=line.final, rank=line.row.rank,
                 decided_by=actor)


def _audit_entry(actor, award: Award, line: AwardLine) -> AuditLog:
    from yanxun.core.context import current_ip

    return AuditLog(actor=actor, action="review.award.decide", object_type="review.award",
                    object_id=str(award.pk), object_repr=f"{line.row.code} {line.tier.name}",
                    after={"entry": line.row.entry_id, "tier": line.tier.name,
                           "final": str(line.final), "rank": line.row.rank},
                    ip=current_ip.get())


def _delete_awards(actor, competition: Competition) -> int:
    old = list(Award.objects.filter(competition=competition)
               .values_list("entry__code", "tier"))
    if old:
        Award.objects.filter(competition=competition).delete()
        audit_record(actor=actor, action="review.awards.replace", obj=competition,
                     before={"awards": [f"{code} {tier}" for code, tier in old][:500]},
                     after=None, reason="重新确定获奖名单")
    return len(old)


def awards_of(competition: Competition):
    """The competition's awards with their entries, group and school, in the notice's order."""
    return (Award.objects.filter(competition=competition, revoked=False)
            .select_related("entry__group", "entry__teacher", "entry__school")
            .order_by("entry__group__position", "entry__group_id", "tier_order", "rank",
                      "entry__code"))

