"""Decisions on submitted entries: the school's (学校推荐: recommend within the quota, not
recommend, return for correction, undo a recommendation) and the centre's 形式审查 (accept,
reject, return for correction, bulk accept of complete entries, undo a check).

Quota: each school recommends at most `group.quota` entries per group; recommended and
accepted entries count. The check and the move happen under a lock on the group's row
(select_for_update; SQLite's IMMEDIATE transactions serialise writers by themselves), so two
administrators recommending at once never exceed it.

Windows: a school administrator acts on their own school's entries while the competition is
报名中 and until `recommend_closes`; after it only the centre's staff (RUN_REVIEWS) act, and
they may act for any school at any time while the competition is 报名中."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yanxun.core.permissions import has_perm, scoped
from yanxun.review import rules, workflow
from yanxun.review.entries import missing_by_entry
from yanxun.review.enums import CompetitionStatus, EntryStatus
from yanxun.review.models import CompetitionGroup, Entry

E = EntryStatus
QUOTA_STATUSES = (E.RECOMMENDED, E.ACCEPTED)
REASON_MAX = 300


def _now(now):
    return now or timezone.now()


def is_staff(user) -> bool:
    return has_perm(user, rules.RUN_REVIEWS)


def _school_permission(user, entry: Entry) -> str | None:
    if is_staff(user):
        return None
    if not has_perm(user, rules.RECOMMEND_ENTRIES):
        return "无权推荐作品。"
    if not scoped(Entry.objects.filter(pk=entry.pk), user, rules.RECOMMEND_ENTRIES).exists():
        return "只能对本校的作品作推荐决定。"
    return None


def _school_window(user, entry: Entry, now) -> str | None:
    if entry.competition.status != CompetitionStatus.OPEN:
        return f"评比活动{CompetitionStatus(entry.competition.status).label}，不能再作推荐决定。"
    closes = entry.competition.recommend_closes
    if closes and now >= closes and not is_staff(user):
        return (f"学校推荐已于 {timezone.localtime(closes):%Y-%m-%d %H:%M} 截止，"
                "之后由中心工作人员处理。")
    return None


def decisions_for(user, entries, now=None) -> dict[int, list[dict]]:
    """The school's and the centre's decisions `user` may take now on each entry (for the
    pages' buttons), by the rules the services below enforce; the school permission is
    settled with one scoped query for all the entries, not one per entry."""
    now = _now(now)
    staff = is_staff(user)
    if staff:
        may = {e.pk for e in entries}
    elif has_perm(user, rules.RECOMMEND_ENTRIES):
        may = set(scoped(Entry.objects.filter(pk__in=[e.pk for e in entries]), user,
                         rules.RECOMMEND_ENTRIES).values_list("pk", flat=True))
    else:
        may = set()
    out: dict[int, list[dict]] = {}
    for entry in entries:
        moves: list[dict] = []
        if entry.status in (E.SUBMITTED, E.NOT_RECOMMENDED, E.RECOMMENDED) \
                and entry.pk in may and _school_window(user, entry, now) is None:
            if entry.status in (E.SUBMITTED, E.NOT_RECOMMENDED):
                moves.append({"action": "recommend", "label": "推荐", "primary": True})
            if entry.status == E.SUBMITTED:
                moves += [{"action": "not_recommend", "label": "不推荐", "reason": True},
                          {"action": "return", "label": "退回修改", "reason": True}]
            if entry.status == E.RECOMMENDED:
                moves.append({"action": "unrecommend", "label": "撤销推荐"})
        staff_open = staff and entry.competition.status == CompetitionStatus.OPEN
        if staff_open and entry.status == E.RECOMMENDED:
            moves += [{"action": "accept", "label": "审查通过", "primary": True},
                      {"action": "reject", "label": "审查不通过", "reason": True},
                      {"action": "return", "label": "退回修改", "reason": True}]
        if staff_open and entry.status in (E.ACCEPTED, E.REJECTED):
            moves.append({"action": "reopen_check", "label": "撤销审查结论"})
        out[entry.pk] = moves
    return out


def _require_school(user, entry: Entry, now) -> None:
    problem = _school_permission(user, entry)
    if problem:
        raise PermissionDenied(problem)
    problem = _school_window(user, entry, now)
    if problem:
        raise ValidationError(problem)


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise ValidationError(f"{what}请填写原因。")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"原因不能超过 {REASON_MAX} 个字。")
    return reason


def quota_used(group: CompetitionGroup, school_id: int) -> int:
    return Entry.objects.filter(group=group, school_id=school_id,
                                status__in=QUOTA_STATUSES).count()


def _lock_group(group_id: int) -> CompetitionGroup:
    return (CompetitionGroup.objects.select_for_update(of=("self",))
            .select_related("competition").get(pk=group_id))


def _recommend(entry: Entry, *, actor, now) -> Entry:
    """Under the group's lock: count the school's recommended entries, then move."""
    with transaction.atomic():
        group = _lock_group(entry.group_id)
        used = quota_used(group, entry.school_id)
        if used >= group.quota:
            raise ValidationError(f"本校在「{group.name}」已推荐 {used} 件，"
                                  f"达到每校 {group.quota} 件的上限。")
        return workflow.transition(entry, E.RECOMMENDED, actor=actor,
                                   fields={"recommended_by_id": actor.pk,
                                           "recommended_at": now, "status_reason": ""},
                                   action="review.entry.recommend")


def entry_recommend(*, actor, entry: Entry, now=None) -> Entry:
    """推荐: a submitted (or earlier not recommended) entry, within the school's quota."""
    now = _now(now)
    _require_school(actor, entry, now)
    if entry.status not in (E.SUBMITTED, E.NOT_RECOMMENDED):
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，不能推荐。")
    return _recommend(entry, actor=actor, now=now)


def entry_not_recommend(*, actor, entry: Entry, reason: str, now=None) -> Entry:
    now = _now(now)
    _require_school(actor, entry, now)
    if entry.status != E.SUBMITTED:
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，不能作不推荐决定。")
    reason = _reason(reason, "不推荐")
    return workflow.transition(entry, E.NOT_RECOMMENDED, actor=actor, reason=reason,
                               fields={"status_reason": reason},
                               action="review.entry.not_recommend")


def entry_unrecommend(*, actor, entry: Entry, now=None) -> Entry:
    """Undo a recommendation before 形式审查 (frees the quota)."""
    now = _now(now)
    _require_school(actor, entry, now)
    if entry.status != E.RECOMMENDED:
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，不能撤销推荐。")
    return workflow.transition(entry, E.SUBMITTED, actor=actor,
                               fields={"recommended_by_id": None, "recommended_at": None},
                               action="review.entry.unrecommend")


def entry_return(*, actor, entry: Entry, reason: str, now=None) -> Entry:
    """退回修改, with the reason the author will read: by the school while the entry awaits
    its recommendation, by the centre while it awaits (or after) 形式审查."""
    now = _now(now)
    if entry.status == E.SUBMITTED:
        _require_school(actor, entry, now)
    elif entry.status == E.RECOMMENDED:
        _require_staff(actor, entry)
    else:
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，不能退回。")
    reason = _reason(reason, "退回修改")
    return workflow.transition(entry, E.RETURNED, actor=actor, reason=reason,
                               fields={"status_reason": reason}, action="review.entry.return")


# --- 形式审查 (the centre) ---------------------------------------------------------------------


def _require_staff(actor, entry: Entry) -> None:
    if not is_staff(actor):
        raise PermissionDenied("无权进行形式审查。")
    if entry.competition.status != CompetitionStatus.OPEN:
        raise ValidationError(f"评比活动{CompetitionStatus(entry.competition.status).label}，"
                              "不能再进行形式审查。")


def _checked_fields(actor, now) -> dict:
    return {"checked_by_id": actor.pk, "checked_at": now}


def entry_accept(*, actor, entry: Entry, now=None) -> Entry:
    """审查通过: only a complete entry (every required field answered, every required file
    there); an incomplete one is returned or rejected instead."""
    now = _now(now)
    _require_staff(actor, entry)
    if entry.status != E.RECOMMENDED:
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，不能审查通过。")
    missing = missing_by_entry([entry])[entry.pk]
    if missing:
        raise ValidationError(f"作品 {entry.code} 缺少必填材料：{'、'.join(missing)}；"
                              "请退回修改或审查不通过。")
    return workflow.transition(entry, E.ACCEPTED, actor=actor,
                               fields={**_checked_fields(actor, now), "status_reason": ""},
                               action="review.entry.accept")


def entry_reject(*, actor, entry: Entry, reason: str, now=None) -> Entry:
    now = _now(now)
    _require_staff(actor, entry)
    if entry.status != E.RECOMMENDED:
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，不能审查不通过。")
    reason = _reason(reason, "审查不通过")
    return workflow.transition(entry, E.REJECTED, actor=actor, reason=reason,
                               fields={**_checked_fields(actor, now), "status_reason": reason},
                               action="review.entry.reject")


def entry_reopen_check(*, actor, entry: Entry) -> Entry:
    """Undo a 形式审查 decision (back to 待形式审查) while the competition is 报名中."""
    _require_staff(actor, entry)
    if entry.status not in (E.ACCEPTED, E.REJECTED):
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，没有可撤销的审查结论。")
    return workflow.transition(entry, E.RECOMMENDED, actor=actor,
                               fields={"checked_by_id": None, "checked_at": None,
                                       "status_reason": ""},
                               action="review.entry.reopen_check")


@dataclass
class BulkResult:
    accepted: list[str]  # codes
    incomplete: list[str]  # codes left as they were: something required is missing


def entries_accept_complete(*, actor, entries: list[Entry], now=None) -> BulkResult:
    """Accept every complete entry among `entries` awaiting 形式审查, in one transaction;
    incomplete ones are left for a decision one by one."""
    now = _now(now)
    if not is_staff(actor):
        raise PermissionDenied("无权进行形式审查。")
    waiting = [e for e in entries if e.status == E.RECOMMENDED]
    missing = missing_by_entry(waiting)
    result = BulkResult([], [])
    with transaction.atomic():
        for entry in waiting:
            if missing[entry.pk]:
                result.incomplete.append(entry.code)
                continue
            _require_staff(actor, entry)
            workflow.transition(entry, E.ACCEPTED, actor=actor,
                                fields={**_checked_fields(actor, now), "status_reason": ""},
                                action="review.entry.accept")
            result.accepted.append(entry.code)
    return result
