"""Reads of competitions and entries for pages, the API and exports, with their data scope:
competitions are seen by the whole district once they are out of 筹备中 (drafts by the
centre only); entries by the centre, the centre's leader, their school's administrator and
their authors (the lead author and the co-authors). Anything out of scope is "not found"."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from yanxun.core.permissions import has_perm, scope_filter, scoped
from yanxun.org.models import School
from yanxun.review import rules
from yanxun.review.competitions import open_competitions
from yanxun.review.entries import missing_by_entry, own_teacher
from yanxun.review.enums import CompetitionStatus, EntryStatus
from yanxun.review.models import Competition, CompetitionGroup, Entry, EntryFile
from yanxun.review.recommend import QUOTA_STATUSES, is_staff

E = EntryStatus


def _get(queryset: QuerySet, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("未找到该记录，或无权查看。")
    return obj


def may_manage(user) -> bool:
    return has_perm(user, rules.MANAGE_COMPETITIONS)


# --- competitions ------------------------------------------------------------------------------


def competitions_visible(user) -> QuerySet[Competition]:
    if not has_perm(user, rules.VIEW_COMPETITIONS):
        return Competition.objects.none()
    queryset = Competition.objects.all()
    return queryset if may_manage(user) else queryset.exclude(status=CompetitionStatus.DRAFT)


def competition_for_view(user, pk) -> Competition:
    if not has_perm(user, rules.VIEW_COMPETITIONS):
        raise PermissionDenied("无权查看评比活动。")
    return _get(competitions_visible(user), pk)


def require_manage(user) -> None:
    if not may_manage(user):
        raise PermissionDenied("无权管理评比活动。")


def competition_for_manage(user, pk) -> Competition:
    require_manage(user)
    return _get(Competition.objects.all(), pk)


def competition_for_staff(user, pk) -> Competition:
    """For 形式审查 (RUN_REVIEWS)."""
    if not is_staff(user):
        raise PermissionDenied("无权进行形式审查。")
    return _get(Competition.objects.all(), pk)


def group_for_manage(user, pk) -> CompetitionGroup:
    require_manage(user)
    return _get(CompetitionGroup.objects.select_related("competition"), pk)


def open_for_entries(user, now) -> list[Competition]:
    """Competitions taking entries now, with their groups, for the 参加评比 page."""
    return list(competitions_visible(user).filter(open_competitions(now))
                .prefetch_related("groups").order_by("entry_closes", "pk"))


@dataclass
class GroupRow:
    group: CompetitionGroup
    counts: dict[str, int] = field(default_factory=dict)  # status -> entries
    total: int = 0  # submitted in any way (drafts and withdrawn left out)


def group_rows(competition: Competition, entries: QuerySet[Entry] | None = None
               ) -> list[GroupRow]:
    """Each group with its entries counted by status (within `entries`, default all)."""
    queryset = entries if entries is not None else Entry.objects.all()
    counts: dict[int, Counter] = defaultdict(Counter)
    for group_id, status in queryset.filter(competition=competition).values_list(
            "group_id", "status"):
        counts[group_id][status] += 1
    rows = []
    for group in competition.groups.select_related("subject"):
        by_status = {s: counts[group.pk].get(s, 0) for s in E.values}
        total = sum(n for s, n in by_status.items() if s not in (E.DRAFT, E.WITHDRAWN))
        rows.append(GroupRow(group, by_status, total))
    return rows


# --- entries ---------------------------------------------------------------------------------


def entries_visible(user) -> QuerySet[Entry]:
    """Entries in the user's scope (VIEW_ENTRIES) that are out of draft, and the user's own
    entries (as lead author or co-author) in any status: a draft is its authors' alone."""
    condition = Q(pk__in=[])
    if has_perm(user, rules.VIEW_ENTRIES):
        condition = scope_filter(Entry, user, rules.VIEW_ENTRIES) or Q()
    condition &= ~Q(status=E.DRAFT)
    teacher = own_teacher(user)
    if teacher is not None:
        co_written = Entry.co_authors.through.objects.filter(teacher_id=teacher.pk)
        condition |= Q(teacher_id=teacher.pk) | Q(pk__in=co_written.values("entry_id"))
    return Entry.objects.filter(condition)


def entry_for_view(user, pk) -> Entry:
    return _get(entries_visible(user).select_related("competition", "group", "teacher",
                                                     "school"), pk)


def entry_for_author(user, pk) -> Entry:
    """An entry the user may see; refused unless they are its lead author."""
    entry = entry_for_view(user, pk)
    teacher = own_teacher(user)
    if teacher is None or entry.teacher_id != teacher.pk:
        raise PermissionDenied("只有第一作者本人可以修改、提交或撤回这件作品。")
    return entry


def entry_file_for_download(user, pk) -> EntryFile:
    entry_file = _get(EntryFile.objects.select_related("entry"), pk)
    entry_for_view(user, entry_file.entry_id)
    entry_file.entry = Entry.objects.select_related("competition").get(pk=entry_file.entry_id)
    return entry_file


def my_entries(teacher) -> list[Entry]:
    """The teacher's entries, as lead author or co-author, newest first."""
    if teacher is None:
        return []
    return list(Entry.objects.filter(Q(teacher=teacher) | Q(co_authors=teacher)).distinct()
                .select_related("competition", "group", "teacher")
                .order_by("-created_at", "-pk"))


def files_by_key(entry: Entry) -> dict[str, EntryFile]:
    return {f.field_key: f for f in entry.files.all()}


# --- the school's and the centre's pages ------------------------------------------------------


def schools_for_decisions(user) -> QuerySet[School]:
    """The schools whose entries the user decides on: every school for the centre, the own
    school for a school administrator."""
    if is_staff(user):
        return School.objects.all()
    if not has_perm(user, rules.RECOMMEND_ENTRIES):
        return School.objects.none()
    return scoped(School.objects.all(), user, rules.RECOMMEND_ENTRIES)


@dataclass
class SchoolGroup:
    group: CompetitionGroup
    used: int
    entries: list[Entry]

    @property
    def left(self) -> int:
        return max(0, self.group.quota - self.used)


def school_groups(competition: Competition, school: School) -> list[SchoolGroup]:
    """Each group with the school's submitted entries (drafts and withdrawn ones left out)
    and the quota used."""
    entries = list(Entry.objects.filter(competition=competition, school=school)
                   .exclude(status__in=[E.DRAFT, E.WITHDRAWN])
                   .select_related("teacher", "group", "competition")
                   .prefetch_related("co_authors").order_by("group", "code"))
    by_group: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_group[entry.group_id].append(entry)
    out = []
    for group in competition.groups.all():
        rows = by_group[group.pk]
        out.append(SchoolGroup(group, sum(e.status in QUOTA_STATUSES for e in rows), rows))
    return out


@dataclass
class CheckRow:
    entry: Entry
    missing: list[str]
    files: list[dict] = field(default_factory=list)  # {"pk", "label"} per file


def check_rows(competition: Competition, *, group_id: int | None = None,
               status: str = E.RECOMMENDED) -> list[CheckRow]:
    """Entries for 形式审查 with what each lacks."""
    queryset = (Entry.objects.filter(competition=competition, status=status)
                .select_related("competition", "group", "teacher", "school")
                .prefetch_related("co_authors", "files").order_by("group", "code"))
    if group_id:
        queryset = queryset.filter(group_id=group_id)
    entries = list(queryset)
    missing = missing_by_entry(entries)
    labels = {f["key"]: f["label"] for f in competition.entry_fields or []}
    return [CheckRow(e, missing[e.pk], [{"pk": f.pk, "label": labels.get(f.field_key, "材料")}
                                        for f in e.files.all()]) for e in entries]
