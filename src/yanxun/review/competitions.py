"""Writes of competitions (评比活动) and their groups (组别), by centre staff
(rules.MANAGE_COMPETITIONS): the competition's fields, its entry form (`entry_fields`), its
award rules (`award_tiers`), its groups, and its status moves (open for entries, back to
draft, cancel, start the review). Every write is validated first, then done in one
transaction with its 操作日志 row; statuses move only through review.workflow."""

from __future__ import annotations

import copy
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from yanxun.core.audit import audit_record, changed_fields, snapshot
from yanxun.core.permissions import has_perm
from yanxun.org.enums import Stage
from yanxun.review import rules, workflow
from yanxun.review.enums import AwardMethod, CompetitionStatus, EntryStatus, FieldKind
from yanxun.review.models import Competition, CompetitionGroup, Entry

C = CompetitionStatus
COMPETITION_FIELDS = [
    "name", "year", "level", "organiser", "description", "quota_per_school", "entry_opens",
    "entry_closes", "recommend_closes", "award_method", "award_tiers",
]
# Once the review has started, only what is still to be decided may change.
LATE_FIELDS = {"description", "award_method", "award_tiers"}
GROUP_FIELDS = ["name", "stage", "subject", "quota_per_school", "position", "code_prefix"]
MAX_FIELDS = 12
MAX_TIERS = 8
LABEL_MAX = 30
HELP_MAX = 200
TIER_NAME_MAX = 20
PREFIX_PATTERN = re.compile(r"^[A-Z][A-Z0-9]?$")
# In the order the buttons show.
TRANSITIONS: dict[C, tuple[C, ...]] = {
    C.DRAFT: (C.OPEN, C.CANCELLED),
    C.OPEN: (C.REVIEWING, C.DRAFT, C.CANCELLED),
}
TRANSITION_VERBS = {C.OPEN: "开放报名", C.DRAFT: "退回筹备", C.CANCELLED: "取消活动",
                    C.REVIEWING: "结束报名，进入评审"}


def _require(actor, perm=rules.MANAGE_COMPETITIONS) -> None:
    if actor is None or not has_perm(actor, perm):
        raise PermissionDenied("无权管理评比活动。")


# --- the entry form ------------------------------------------------------------------------


def _truthy(value) -> bool:
    return value is True or str(value).strip().lower() in {"1", "true", "on", "yes"}


def _next_key(used: set[str]) -> str:
    numbers = [int(k[1:]) for k in used if re.fullmatch(r"f\d+", k)]
    return f"f{max(numbers, default=0) + 1}"


def clean_entry_fields(rows: list[dict], *, existing: list[dict] | None = None,
                       locked_kinds: bool = False) -> list[dict]:
    """The entry form as stored: each row {key, label, kind, required, identifying, help}.
    A row keeps its key when it names one of the existing fields, else gets a new one
    (f1, f2 …, never reused); labels are required and unique (files are named after them);
    at most MAX_FIELDS. With `locked_kinds` (entries exist) a field cannot change kind."""
    old = {f["key"]: f for f in existing or []}
    if len(rows) > MAX_FIELDS:
        raise ValidationError(f"材料项最多 {MAX_FIELDS} 项。")
    used, labels, out, errors = set(old), set(), [], []
    for number, row in enumerate(rows, start=1):
        label = str(row.get("label") or "").strip()
        kind = str(row.get("kind") or "")
        key = str(row.get("key") or "")
        if not label:
            errors.append(f"第 {number} 项：请填写名称。")
            continue
        if len(label) > LABEL_MAX:
            errors.append(f"「{label[:LABEL_MAX]}…」：名称不能超过 {LABEL_MAX} 个字。")
        if label in labels:
            errors.append(f"「{label}」：名称重复。")
        if kind not in FieldKind.values:
            errors.append(f"「{label}」：类型无效。")
        help_text = str(row.get("help") or "").strip()
        if len(help_text) > HELP_MAX:
            errors.append(f"「{label}」：说明不能超过 {HELP_MAX} 个字。")
        if key in old and locked_kinds and old[key]["kind"] != kind:
            errors.append(f"「{label}」：已有作品填写此项，不能改变类型；可删除后新增一项。")
        if key not in old:
            key = _next_key(used)
        used.add(key)
        labels.add(label)
        out.append({"key": key, "label": label, "kind": kind,
                    "required": _truthy(row.get("required")),
                    "identifying": _truthy(row.get("identifying")), "help": help_text})
    if errors:
        raise ValidationError(errors)
    return out


# --- award rules -----------------------------------------------------------------------------


def _decimal(value, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"「{label}」：请填写数字。") from None
    if not number.is_finite():
        raise ValidationError(f"「{label}」：请填写数字。")
    return number


def _plain(number: Decimal) -> str:
    """0.10 → "0.1", 90.0 → "90": the stored text of a share or a score."""
    return format(number.normalize(), "f")


def share_percent(share) -> str:
    """A stored share as a percentage: "0.15" → "15%", "0.125" → "12.5%"; "" for none."""
    if share in (None, ""):
        return ""
    try:
        number = Decimal(str(share))
    except InvalidOperation:
        return str(share)
    return f"{_plain(number * 100)}%"


def clean_award_tiers(method: str, rows: list[dict]) -> list[dict]:
    """Award tiers in order, the highest first: with "quota" each a share of the group's
    ranked entries in (0, 1], the shares adding up to at most 1; with "bands" each a minimum
    score, strictly decreasing. Empty is allowed until awards are decided."""
    if method not in AwardMethod.values:
        raise ValidationError("评奖方式无效。")
    if len(rows) > MAX_TIERS:
        raise ValidationError(f"奖项最多 {MAX_TIERS} 个。")
    names, out = set(), []
    for row in rows:
        name = str(row.get("name") or "").strip()
        if not name or len(name) > TIER_NAME_MAX:
            raise ValidationError(f"奖项名称应为 1–{TIER_NAME_MAX} 个字。")
        if name in names:
            raise ValidationError(f"奖项「{name}」重复。")
        names.add(name)
        if method == AwardMethod.QUOTA:
            share = _decimal(row.get("share"), f"{name}比例")
            if not Decimal("0") < share <= Decimal("1"):
                raise ValidationError(f"「{name}」的比例应大于 0 且不超过 1（如 0.15 表示 15%）。")
            out.append({"name": name, "share": _plain(share)})
        else:
            minimum = _decimal(row.get("min_score"), f"{name}最低分")
            if minimum < 0:
                raise ValidationError(f"「{name}」的最低分不能为负数。")
            if out and minimum >= Decimal(out[-1]["min_score"]):
                raise ValidationError(f"「{name}」的最低分应低于上一奖项「{out[-1]['name']}」的"
                                      f"{out[-1]['min_score']} 分（分数段自高到低）。")
            out.append({"name": name, "min_score": _plain(minimum)})
    if method == AwardMethod.QUOTA:
        total = sum((Decimal(t["share"]) for t in out), Decimal("0"))
        if total > 1:
            raise ValidationError(f"各奖项比例之和为 {share_percent(total)}，不能超过 100%。")
    return out


# --- competitions ------------------------------------------------------------------------------


def _check_competition(competition: Competition) -> None:
    if competition.entry_opens and competition.entry_closes \
            and competition.entry_opens >= competition.entry_closes:
        raise ValidationError("报名截止时间应晚于报名开始时间。")
    if competition.recommend_closes and competition.entry_closes \
            and competition.recommend_closes < competition.entry_closes:
        raise ValidationError("学校推荐截止时间不能早于报名截止时间。")
    competition.award_tiers = clean_award_tiers(competition.award_method,
                                                competition.award_tiers or [])
    competition.name = competition.name.strip()
    competition.organiser = competition.organiser.strip()
    if Competition.objects.filter(year=competition.year, name=competition.name).exclude(
            pk=competition.pk).exists():
        raise ValidationError(f"{competition.year} 年已有「{competition.name}」，请换一个名称。")
    competition.full_clean(exclude=["created_by", "status", "entry_fields"])


def competition_create(*, actor, entry_fields=(), **fields) -> Competition:
    """A new competition, in 筹备中 (draft)."""
    _require(actor)
    competition = Competition(created_by=actor, status=C.DRAFT, **fields)
    competition.entry_fields = clean_entry_fields(list(entry_fields))
    _check_competition(competition)
    with transaction.atomic():
        competition.save()
        audit_record(actor=actor, action="review.competition.create", obj=competition,
                     after=snapshot(competition, [*COMPETITION_FIELDS, "entry_fields"]))
    return competition


def _editable_fields(competition: Competition) -> set[str] | None:
    """None: every field; else the fields that may still change."""
    status = C(competition.status)
    if status in (C.DRAFT, C.OPEN):
        return None
    if status in (C.REVIEWING, C.NOTICE):
        return LATE_FIELDS
    raise ValidationError(f"评比活动{status.label}，不能再修改。")


def competition_update(*, actor, competition: Competition, **fields) -> Competition:
    """Change a competition's fields (not its status, nor its entry form:
    competition_set_entry_fields)."""
    _require(actor)
    if "status" in fields or "entry_fields" in fields:
        raise ValidationError("状态与材料要求请通过相应的操作修改。")
    allowed = _editable_fields(competition)
    competition = copy.copy(competition)  # the caller's object stays as it was if refused
    before = snapshot(competition, COMPETITION_FIELDS)
    for name, value in fields.items():
        if allowed is not None and name not in allowed and getattr(competition, name) != value:
            raise ValidationError("评比活动已进入评审，只能修改说明与奖项设置。")
        setattr(competition, name, value)
    _check_competition(competition)
    with transaction.atomic():
        competition.save()
        old, new = changed_fields(before, snapshot(competition, COMPETITION_FIELDS))
        if new:
            audit_record(actor=actor, action="review.competition.update", obj=competition,
                         before=old, after=new)
    return competition


def competition_set_entry_fields(*, actor, competition: Competition,
                                 rows: list[dict]) -> Competition:
    """Replace the entry form. Allowed while the competition is 筹备中 or 报名中; once
    entries were submitted a field keeps its kind (their answers would not fit)."""
    _require(actor)
    if competition.status not in (C.DRAFT, C.OPEN):
        raise ValidationError("评比活动已进入评审，不能再修改材料要求。")
    submitted = competition.entries.exclude(status=EntryStatus.DRAFT).exists()
    cleaned = clean_entry_fields(rows, existing=competition.entry_fields,
                                 locked_kinds=submitted)
    before = competition.entry_fields
    with transaction.atomic():
        Competition.objects.filter(pk=competition.pk).update(entry_fields=cleaned)
        competition.entry_fields = cleaned
        if before != cleaned:
            audit_record(actor=actor, action="review.competition.entry_fields",
                         obj=competition, before={"entry_fields": before},
                         after={"entry_fields": cleaned})
    return competition


def transitions_for(competition: Competition) -> tuple[C, ...]:
    return TRANSITIONS.get(C(competition.status), ())


def _check_transition(competition: Competition, to: C, reason: str) -> None:
    if to == C.OPEN and not competition.groups.exists():
        raise ValidationError("请先添加至少一个组别，再开放报名。")
    if to == C.DRAFT and competition.entries.exclude(
            status__in=[EntryStatus.DRAFT, EntryStatus.WITHDRAWN]).exists():
        raise ValidationError("已有作品提交，不能退回筹备；如需停止报名可修改报名截止时间。")
    if to == C.CANCELLED and not reason.strip():
        raise ValidationError("取消评比活动请填写原因。")
    if to == C.REVIEWING:
        waiting = competition.entries.filter(status=EntryStatus.RECOMMENDED).count()
        if waiting:
            raise ValidationError(f"还有 {waiting} 件作品待形式审查，请先完成形式审查。")
        if not competition.entries.filter(status=EntryStatus.ACCEPTED).exists():
            raise ValidationError("还没有通过形式审查的作品，不能进入评审。")


def competition_transition(competition: Competition, to, *, actor,
                           reason: str = "") -> Competition:
    """开放报名 (draft → open: needs a group), 退回筹备 (open → draft: nothing submitted yet),
    取消活动 (with a reason), 进入评审 (open → reviewing: 形式审查 done, at least one entry
    accepted). Later moves (公示, 发布) belong to the results."""
    _require(actor)
    to = C(to)
    reason = (reason or "").replace("\x00", "")
    if to not in transitions_for(competition):
        raise ValidationError(f"评比活动当前为「{C(competition.status).label}」，"
                              f"不能改为「{to.label}」。")
    _check_transition(competition, to, reason)
    return workflow.transition(competition, to, actor=actor, reason=reason.strip(),
                               action="review.competition.transition")


# --- groups ------------------------------------------------------------------------------------


def _groups_editable(competition: Competition) -> None:
    if competition.status not in (C.DRAFT, C.OPEN):
        raise ValidationError(f"评比活动{C(competition.status).label}，不能再修改组别。")


def prefix_candidates():
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def free_prefix(competition_id: int) -> str:
    taken = set(CompetitionGroup.objects.filter(competition_id=competition_id)
                .values_list("code_prefix", flat=True))
    return next(p for p in prefix_candidates() if p not in taken)


def _check_group(group: CompetitionGroup) -> None:
    group.name = group.name.strip()
    group.code_prefix = (group.code_prefix or "").strip().upper()
    if group.stage and group.stage not in Stage.values:
        raise ValidationError("学段无效。")
    if group.code_prefix and not PREFIX_PATTERN.match(group.code_prefix):
        raise ValidationError("作品编号字母应为 1 个大写字母，或 1 个字母加 1 个字母或数字（如 A、B2）。")
    clash = CompetitionGroup.objects.filter(competition_id=group.competition_id).exclude(
        pk=group.pk)
    if group.code_prefix and clash.filter(code_prefix=group.code_prefix).exists():
        raise ValidationError(f"作品编号字母「{group.code_prefix}」已被其他组别使用。")
    if clash.filter(name=group.name).exists():
        raise ValidationError(f"组别「{group.name}」已存在。")
    group.full_clean(exclude=["competition"])


def group_create(*, actor, competition: Competition, **fields) -> CompetitionGroup:
    _require(actor)
    _groups_editable(competition)
    group = CompetitionGroup(competition=competition, **fields)
    if not (group.code_prefix or "").strip():
        group.code_prefix = free_prefix(competition.pk)
    _check_group(group)
    with transaction.atomic():
        group.save()
        audit_record(actor=actor, action="review.group.create", obj=group,
                     after=snapshot(group, GROUP_FIELDS))
    return group


def group_update(*, actor, group: CompetitionGroup, **fields) -> CompetitionGroup:
    """Change a group; its code letter only while none of its entries has a code."""
    _require(actor)
    _groups_editable(group.competition)
    group = copy.copy(group)  # the caller's object stays as it was if this is refused
    before = snapshot(group, GROUP_FIELDS)
    for name, value in fields.items():
        setattr(group, name, value)
    if not (group.code_prefix or "").strip():
        group.code_prefix = before["code_prefix"] or free_prefix(group.competition_id)
    _check_group(group)
    if group.code_prefix != before["code_prefix"] and group.last_code:
        raise ValidationError("本组已有作品编号，不能再修改编号字母。")
    with transaction.atomic():
        group.save()
        old, new = changed_fields(before, snapshot(group, GROUP_FIELDS))
        if new:
            audit_record(actor=actor, action="review.group.update", obj=group, before=old,
                         after=new)
    return group


def group_delete(*, actor, group: CompetitionGroup) -> None:
    _require(actor)
    _groups_editable(group.competition)
    if Entry.objects.filter(group=group).exists():
        raise ValidationError(f"组别「{group.name}」已有作品，不能删除。")
    with transaction.atomic():
        audit_record(actor=actor, action="review.group.delete", obj=group,
                     before=snapshot(group, GROUP_FIELDS))
        group.delete()


def open_competitions(now) -> Q:
    """The condition of a competition taking entries at `now`."""
    return (Q(status=C.OPEN) & (Q(entry_opens__isnull=True) | Q(entry_opens__lte=now))
            & (Q(entry_closes__isnull=True) | Q(entry_closes__gt=now)))
