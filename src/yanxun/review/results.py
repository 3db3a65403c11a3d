"""A round's results: finals, ranks within each group, the agreement report, and the flags
staff acknowledge before the results are released (the round is finalised).

The arithmetic is review.aggregate's; this module reads the round's SUBMITTED scores (one
query), names the entries, groups and judges, ranks each group, applies the round's tie-break
item for the web UI, and lists the flags with their acknowledgements.

Stated rules (docs/review.md, "Results"):
- Entries compete within their group: ranks are per group, by final at full precision
  compared after rounding to 4 decimals; ties share the best rank (1, 2, 2, 4).
- `rank` is that shared rank (the API, exports and awards use it). `place` separates ties by
  the round's tie-break item (the higher mean score on that rubric item over the judges), for
  the web UI, which says so; entries equal on the item too keep sharing.
- An entry with no submitted score is 未评: rank and place None, listed last.
- Abstentions and drafts are not scores. A judge of the panel who scored nothing has n = 0.
- Finals, judge statistics and wide-spread flags are over the whole round (the z-score method
  standardises each judge over all their scores of the round); the ICC is computed for the
  whole round and for each group (null when that design is incomplete).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from yanxun.core.audit import audit_record
from yanxun.core.permissions import has_perm
from yanxun.review import aggregate, rules
from yanxun.review.enums import FlagKind, RoundStatus, ScoreStatus
from yanxun.review.models import CompetitionGroup, FlagAck, Round, RoundEntry, RoundJudge, Score
from yanxun.review.workflow import transition

RANK_DECIMALS = aggregate.RANK_DECIMALS
REASON_LABELS = {"low_consensus": "与其他评委一致性低", "offset": "平均偏离过大"}


def outlier_thresholds() -> tuple[float, float]:
    """(consensus correlation below which, offset SDs beyond which a judge is an outlier)."""
    return (float(getattr(settings, "REVIEW_OUTLIER_CORR", 0.2)),
            float(getattr(settings, "REVIEW_OUTLIER_SD", 2)))


def shown(value: float | None, decimals: int = RANK_DECIMALS) -> str:
    """A final as reported: rounded to 4 decimals (as compared), trailing zeros dropped."""
    if value is None:
        return "—"
    text = f"{aggregate.round_half_even(float(value), decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- the result records ----------------------------------------------------------------------


@dataclass
class EntryRow:
    entry_id: int
    code: str
    title: str
    author: str
    school: str
    group_id: int
    n_scores: int = 0
    final: float | None = None
    rank: int | None = None  # shared within ties
    place: int | None = None  # ties separated by the tie-break item where it can
    tie_break: float | None = None  # mean score on the tie-break item
    tie_note: str = ""
    spread: float | None = None
    flags: list[str] = field(default_factory=list)
    scores: list[tuple[str, float]] = field(default_factory=list)  # (judge name, total)

    @property
    def final_text(self) -> str:
        return shown(self.final)

    @property
    def scored(self) -> bool:
        return self.n_scores > 0


@dataclass
class GroupResults:
    group_id: int
    name: str
    rows: list[EntryRow]
    icc: aggregate.Icc | None
    verdict: str

    @property
    def ranked(self) -> list[EntryRow]:
        return [r for r in self.rows if r.rank is not None]


@dataclass
class JudgeRow:
    judge_id: int
    name: str
    affiliation: str
    n: int
    mean_offset: float | None
    consensus_corr: float | None
    outlier: bool
    reasons: list[str]
    zscore_fallback: bool


@dataclass
class Flag:
    kind: FlagKind
    object_id: int
    subject: str  # 评委 张三 / 作品 A0001
    text: str
    ack: FlagAck | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"


@dataclass
class RoundResults:
    round: Round
    method: str
    trim_min: int
    groups: list[GroupResults]
    icc: aggregate.Icc | None
    verdict: str
    judges: list[JudgeRow]
    spread_threshold: float | None
    spread_automatic: bool
    wide_spread: list[EntryRow]
    flags: list[Flag]
    tie_break_name: str = ""
    corr_min: float = 0.2
    offset_sd: float = 2.0

    @property
    def open_flags(self) -> list[Flag]:
        return [f for f in self.flags if f.ack is None]

    @property
    def rows(self) -> list[EntryRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def unscored(self) -> int:
        return sum(1 for row in self.rows if not row.scored)


# --- reading the round -------------------------------------------------------------------------


def _score_rows(round_: Round, item_key: str | None) -> list[tuple]:
    """The round's submitted scores, one query: (entry, judge, total[, items])."""
    fields = ["assignment__entry_id", "assignment__judge_id", "total"]
    if item_key is not None:
        fields.append("items")
    return list(Score.objects.filter(assignment__round=round_, status=ScoreStatus.SUBMITTED)
                .values_list(*fields))


def _entry_rows(round_: Round, extra_ids: set[int]) -> dict[int, EntryRow]:
    fields = ("entry_id", "entry__code", "entry__title", "entry__teacher__name",
              "entry__school__name", "entry__group_id")
    listed = RoundEntry.objects.filter(round=round_).values_list(*fields)
    out = {pk: EntryRow(pk, code, title, author, school, group)
           for pk, code, title, author, school, group in listed.order_by("entry__code")}
    missing = extra_ids - set(out)
    if missing:  # scored but not listed in the round (should not happen): still reported
        from yanxun.review.models import Entry

        for pk, code, title, author, school, group in Entry.objects.filter(
                pk__in=missing).values_list("pk", "code", "title", "teacher__name",
                                            "school__name", "group_id").order_by("code"):
            out[pk] = EntryRow(pk, code, title, author, school, group)
    return out


def _judge_names(round_: Round, extra_ids: set[int]) -> dict[int, tuple[str, str]]:
    from yanxun.accounts.models import User

    panel = {pk: (name or username, affiliation) for pk, name, username, affiliation in
             RoundJudge.objects.filter(round=round_).order_by("-is_leader", "pk")
             .values_list("judge_id", "judge__name", "judge__username", "affiliation")}
    missing = extra_ids - set(panel)
    if missing:
        panel.update({pk: (name or username, "") for pk, name, username in
                      User.objects.filter(pk__in=missing).values_list("pk", "name", "username")})
    return panel


def _tie_break_means(rows: list[tuple], item_key: str | None) -> dict[int, float]:
    if item_key is None:
        return {}
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
    for entry_id, _judge, _total, items in rows:
        value = (items or {}).get(item_key)
        if value in (None, ""):
            continue
        acc = sums[entry_id]
        acc[0] += float(value)
        acc[1] += 1
    return {pk: total / count for pk, (total, count) in sums.items() if count}


# --- ranking within a group ----------------------------------------------------------------------


def _rank_group(rows: list[EntryRow], tie_name: str) -> list[EntryRow]:
    """Shared ranks, then places separated by the tie-break mean; ordered for display."""
    ranked = [r for r in rows if r.final is not None]
    unscored = sorted((r for r in rows if r.final is None), key=lambda r: r.code)
    for row, rank in zip(ranked, aggregate.competition_ranks([r.final for r in ranked]),
                         strict=True):
        row.rank = rank
    ties: dict[int, list[EntryRow]] = defaultdict(list)
    for row in ranked:
        ties[row.rank].append(row)
    for rank, tied in ties.items():
        _separate(rank, tied, tie_name)
    ranked.sort(key=lambda r: (r.place, r.code))
    return ranked + unscored


def _tie_key(row: EntryRow) -> float:
    return aggregate.round_half_even(row.tie_break) if row.tie_break is not None else -np.inf


def _separate(rank: int, tied: list[EntryRow], tie_name: str) -> None:
    if len(tied) == 1:
        tied[0].place = rank
        return
    keys = [_tie_key(r) for r in tied]
    for row, key in zip(tied, keys, strict=True):
        row.place = rank + sum(1 for other in keys if other > key) if tie_name else rank
        if not tie_name:
            row.tie_note = "并列"
        elif keys.count(key) > 1:
            row.tie_note = f"并列，『{tie_name}』得分也相同"
        else:
            row.tie_note = f"并列，按『{tie_name}』得分区分"


# --- the report ------------------------------------------------------------------------------


def round_results(round_: Round) -> RoundResults:
    """Everything the results page, its exports and the API show for a round."""
    item = round_.tie_break_item
    item_key = str(item.pk) if item is not None else None
    score_rows = _score_rows(round_, item_key)
    entries = _entry_rows(round_, {r[0] for r in score_rows})
    judges = _judge_names(round_, {r[1] for r in score_rows})
    sheet = aggregate.ScoreSheet.from_rows(
        ((e, j, float(total)) for e, j, total, *_ in score_rows),
        entries=entries, judges=judges)
    corr_min, offset_sd = outlier_thresholds()
    max_spread = float(round_.max_spread) if round_.max_spread is not None else None
    report = aggregate.round_report(sheet, method=round_.method, trim_min=round_.trim_min,
                                    corr_min=corr_min, offset_sd=offset_sd,
                                    max_spread=max_spread)
    tie_means = _tie_break_means(score_rows, item_key)
    for result in report.entries:
        row = entries[result.entry]
        row.n_scores, row.final, row.spread = result.n_scores, result.final, result.spread
        row.tie_break = tie_means.get(row.entry_id)
    groups = _groups(round_, entries, sheet, item.name if item is not None else "")
    judge_rows = _judge_rows(report, judges)
    wide = _wide_spread(report, entries, score_rows, judges)
    flags = _flags(round_, judge_rows, wide, report)
    return RoundResults(
        round=round_, method=round_.method, trim_min=round_.trim_min, groups=groups,
        icc=report.icc, verdict=report.verdict, judges=judge_rows,
        spread_threshold=report.spread_threshold, spread_automatic=max_spread is None,
        wide_spread=wide, flags=flags, tie_break_name=item.name if item is not None else "",
        corr_min=corr_min, offset_sd=offset_sd)


def _groups(round_: Round, entries: dict[int, EntryRow], sheet: aggregate.ScoreSheet,
            tie_name: str) -> list[GroupResults]:
    by_group: dict[int, list[EntryRow]] = defaultdict(list)
    for row in entries.values():
        by_group[row.group_id].append(row)
    names = dict(CompetitionGroup.objects.filter(pk__in=by_group)
                 .order_by("position", "pk").values_list("pk", "name"))
    out = []
    for group_id, name in names.items():
        icc = _group_icc(sheet, {r.entry_id for r in by_group[group_id]})
        out.append(GroupResults(group_id, name, _rank_group(by_group[group_id], tie_name), icc,
                                aggregate.icc_verdict(icc)))
    return out


def _group_icc(sheet: aggregate.ScoreSheet, entry_ids: set[int]) -> aggregate.Icc | None:
    keep = np.fromiter((e in entry_ids for e in sheet.entries), dtype=bool,
                       count=len(sheet.entries))
    mask = keep[sheet.entry_index]
    sub = aggregate.ScoreSheet(entries=sheet.entries, judges=sheet.judges,
                               entry_index=sheet.entry_index[mask],
                               judge_index=sheet.judge_index[mask], scores=sheet.scores[mask])
    return aggregate.sheet_icc(sub)


def _judge_rows(report: aggregate.RoundReport, names: dict) -> list[JudgeRow]:
    fallback = set(report.zscore_fallback)
    rows = []
    for stats in report.judges:
        name, affiliation = names.get(stats.judge, (str(stats.judge), ""))
        rows.append(JudgeRow(stats.judge, name, affiliation, stats.n, stats.mean_offset,
                             stats.consensus_corr, stats.outlier,
                             [REASON_LABELS[r] for r in stats.reasons],
                             stats.judge in fallback))
    return rows


def _wide_spread(report, entries, score_rows, judges) -> list[EntryRow]:
    wide = [entries[pk] for pk, _spread in report.wide_spread]
    wanted = {row.entry_id: row for row in wide}
    for entry_id, judge_id, total, *_ in score_rows:
        if entry_id in wanted:
            wanted[entry_id].scores.append((judges.get(judge_id, (str(judge_id), ""))[0],
                                            float(total)))
    for row in wide:
        row.scores.sort(key=lambda s: -s[1])
        row.flags.append(f"评分极差 {shown(row.spread, 1)} 分")
    return wide


def _flags(round_: Round, judges: list[JudgeRow], wide: list[EntryRow],
           report: aggregate.RoundReport) -> list[Flag]:
    threshold = shown(report.spread_threshold, 1)
    flags = []
    for j in judges:
        if j.outlier:
            flags.append(Flag(FlagKind.JUDGE, j.judge_id, f"评委 {j.name}",
                              "；".join(_judge_reason(j, r) for r in j.reasons)))
        if j.zscore_fallback:
            flags.append(Flag(FlagKind.ZSCORE, j.judge_id, f"评委 {j.name}",
                              "评分少于 2 个或全部相同，无法标准化，按 z = 0 计入"))
    for row in wide:
        flags.append(Flag(FlagKind.SPREAD, row.entry_id, f"作品 {row.code}",
                          f"评分极差 {shown(row.spread, 1)} 分，超过预警线 {threshold} 分"))
    acks = {(a.kind, a.object_id): a for a in
            FlagAck.objects.filter(round=round_).select_related("acknowledged_by")}
    for flag in flags:
        flag.ack = acks.get((str(flag.kind), flag.object_id))
    return flags


def _judge_reason(judge: JudgeRow, reason: str) -> str:
    if reason == REASON_LABELS["low_consensus"]:
        return f"与其他评委平均分的相关系数 {judge.consensus_corr:.2f}，低于 {outlier_thresholds()[0]:g}"
    return (f"平均偏离 {judge.mean_offset:+.2f} 分，与评委组平均偏离相差超过 "
            f"{outlier_thresholds()[1]:g} 个标准差")


# --- acknowledging flags, releasing the results ------------------------------------------------


def _require(actor, perm, message: str) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(message)


def flag_acknowledge(*, actor, round_: Round, kind: str, object_id: int, note: str) -> FlagAck:
    """Record that staff looked at a current flag of the round (with a note); audited."""
    note = _ack_note(actor, round_, note)
    flag = next((f for f in round_results(round_).flags
                 if str(f.kind) == kind and f.object_id == object_id), None)
    if flag is None:
        raise ValidationError("该预警已不存在（评分可能已变化），请刷新页面。")
    if flag.ack is not None:
        raise ValidationError("该预警已处理。")
    try:
        with transaction.atomic():
            ack = FlagAck.objects.create(round=round_, kind=kind, object_id=object_id,
                                         note=note, acknowledged_by=actor)
            audit_record(actor=actor, action="review.flag.acknowledge", obj=round_,
                         after={"kind": kind, "object_id": object_id, "flag": flag.text,
                                "subject": flag.subject}, reason=note)
    except IntegrityError:
        raise ValidationError("该预警已处理。") from None
    return ack


def _ack_note(actor, round_: Round, note: str) -> str:
    _require(actor, rules.PUBLISH_RESULTS, "无权处理评审结果预警。")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写处理说明。"})
    if len(note) > 300:
        raise ValidationError({"note": "处理说明不能超过 300 字。"})
    if round_.status == RoundStatus.FINALISED:
        raise ValidationError("本轮结果已确定，无需再处理预警。")
    return note


def flags_acknowledge_open(*, actor, round_: Round, note: str) -> int:
    """Record one note for every open flag of the round (each audited); returns how many."""
    note = _ack_note(actor, round_, note)
    flags = round_results(round_).open_flags
    if not flags:
        raise ValidationError("没有待处理的预警。")
    try:
        with transaction.atomic():
            FlagAck.objects.bulk_create(
                FlagAck(round=round_, kind=f.kind, object_id=f.object_id, note=note,
                        acknowledged_by=actor) for f in flags)
            for flag in flags:
                audit_record(actor=actor, action="review.flag.acknowledge", obj=round_,
                             after={"kind": str(flag.kind), "object_id": flag.object_id,
                                    "flag": flag.text, "subject": flag.subject}, reason=note)
    except IntegrityError:
        raise ValidationError("部分预警刚被他人处理，请刷新页面后重试。") from None
    return len(flags)


def round_finalise(*, actor, round_: Round) -> Round:
    """Release the round's results (评分结束 → 结果已确定): refused while a flag is open."""
    _require(actor, rules.PUBLISH_RESULTS, "无权确定评审结果。")
    if round_.status != RoundStatus.CLOSED:
        raise ValidationError(f"轮次当前为「{round_.get_status_display()}」，"
                              "评分结束后才能确定结果。")
    results = round_results(round_)
    if results.open_flags:
        names = "、".join(f.subject for f in results.open_flags[:5])
        more = "等" if len(results.open_flags) > 5 else ""
        raise ValidationError(f"还有 {len(results.open_flags)} 条预警未处理（{names}{more}），"
                              "请逐条查看并填写处理说明后再确定结果。")
    if not any(row.scored for row in results.rows):
        raise ValidationError("本轮还没有已提交的评分。")
    return transition(round_, RoundStatus.FINALISED, actor=actor,
                      reason=f"确定结果：{len(results.rows) - results.unscored} 件作品有评分，"
                             f"{results.unscored} 件未评",
                      action="review.round.finalise")


def round_unfinalise(*, actor, round_: Round, reason: str) -> Round:
    """Take back a release (结果已确定 → 评分结束) while the competition is not yet in 公示."""
    from yanxun.review.enums import CompetitionStatus

    _require(actor, rules.PUBLISH_RESULTS, "无权撤销结果确定。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写撤销原因。"})
    if round_.competition.status != CompetitionStatus.REVIEWING:
        raise ValidationError("评比已进入公示或已发布，不能撤销结果确定；如需更正，请先撤回公示。")
    return transition(round_, RoundStatus.CLOSED, actor=actor, reason=reason,
                      action="review.round.unfinalise")


def final_round(competition) -> Round | None:
    """The competition's last round (by position): awards come from its results."""
    return (Round.objects.filter(competition=competition).select_related("competition",
                                                                          "tie_break_item")
            .order_by("-position", "-pk").first())


def decimal_final(value: float) -> Decimal:
    """A final as stored on an Award: rounded to 4 decimals."""
    return Decimal(shown_fixed(value))


def shown_fixed(value: float) -> str:
    return f"{aggregate.round_half_even(float(value), RANK_DECIMALS):.{RANK_DECIMALS}f}"
