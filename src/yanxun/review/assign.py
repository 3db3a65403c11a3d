"""The assignment of a round's judges to its entries, on the database side.

Conflicts (回避), per (judge, entry):
  同校       the judge's teacher record is at the entry's school or a co-author's school;
  同教育集团  the judge's school shares an education group with one of those schools;
  申报关系    a declared Relation between the judge and any author;
  本人作品    the judge is an author;
  指定回避    a PairRule forbid of the round.
`conflict_index` reads the rows in a handful of queries and builds the forbidden pairs with
set operations over ids (inverted indexes school → entries, group → entries, teacher →
entries), never a query per pair. `assignment_run` hands them to review.assignment (max flow)
and writes the result in one transaction; staff then adjust single pairs with the same
checks, every change audited.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from yanxun.core.audit import audit_record
from yanxun.core.models import AuditLog
from yanxun.core.permissions import has_perm
from yanxun.org.models import EducationGroup, StaffMember, Teacher
from yanxun.review import rules
from yanxun.review.assignment import Assignment as Solution
from yanxun.review.assignment import assign_judges
from yanxun.review.enums import AssignmentSource, PairRuleKind, RoundStatus, ScoreStatus
from yanxun.review.models import (
    Assignment,
    Entry,
    PairRule,
    Relation,
    Round,
    RoundEntry,
    RoundJudge,
    Score,
)

R = RoundStatus
RUN_ACTION = "review.assignment.run"
SAME_SCHOOL, SAME_GROUP, RELATION, AUTHOR, FORBID = ("同校", "同教育集团", "申报关系", "本人作品",
                                                     "指定回避")


def _require(actor) -> None:
    if actor is not None and not has_perm(actor, rules.RUN_REVIEWS):
        raise PermissionDenied("无权组织评审。")


# --- conflicts ---------------------------------------------------------------------------------


@dataclass
class ConflictIndex:
    """What conflicts are made of, by id. Database-free once built (tests build it by hand)."""

    entry_schools: dict[int, set[int]]  # entry -> its school and its co-authors' schools
    entry_authors: dict[int, set[int]]  # entry -> teacher ids of its lead and co-authors
    school_groups: dict[int, set[int]]  # school -> education groups it belongs to
    judge_teachers: dict[int, set[tuple[int, int]]]  # judge -> {(teacher id, school id)}
    judge_related: dict[int, set[int]]  # judge -> teachers with a declared relation
    forbids: set[tuple[int, int]] = field(default_factory=set)  # (judge, entry)

    def pairs(self, judges: Iterable[int]) -> set[tuple[int, int]]:
        """Every conflicting (judge, entry) pair for these judges."""
        by_school: dict[int, set[int]] = defaultdict(set)
        by_group: dict[int, set[int]] = defaultdict(set)
        by_teacher: dict[int, set[int]] = defaultdict(set)
        for entry, schools in self.entry_schools.items():
            for school in schools:
                by_school[school].add(entry)
                for group in self.school_groups.get(school, ()):
                    by_group[group].add(entry)
        for entry, authors in self.entry_authors.items():
            for teacher in authors:
                by_teacher[teacher].add(entry)
        out = {pair for pair in self.forbids if pair[1] in self.entry_schools}
        for judge in judges:
            hit: set[int] = set()
            for teacher, school in self.judge_teachers.get(judge, ()):
                hit |= by_school.get(school, set()) | by_teacher.get(teacher, set())
                for group in self.school_groups.get(school, ()):
                    hit |= by_group[group]
            for teacher in self.judge_related.get(judge, ()):
                hit |= by_teacher.get(teacher, set())
            out.update((judge, entry) for entry in hit)
        return out

    def reasons(self, judge: int, entry: int) -> list[str]:
        """Why this one pair conflicts (empty when it does not), for messages."""
        schools = self.entry_schools.get(entry, set())
        authors = self.entry_authors.get(entry, set())
        groups = set().union(*(self.school_groups.get(s, set()) for s in schools))
        out = []
        mine = self.judge_teachers.get(judge, set())
        if any(school in schools for _, school in mine):
            out.append(SAME_SCHOOL)
        if any(groups & self.school_groups.get(school, set()) for _, school in mine):
            out.append(SAME_GROUP)
        if self.judge_related.get(judge, set()) & authors:
            out.append(RELATION)
        if any(teacher in authors for teacher, _ in mine):
            out.append(AUTHOR)
        if (judge, entry) in self.forbids:
            out.append(FORBID)
        return out


def conflict_index(round_: Round, *, judges: Collection[int] | None = None,
                   entries: Collection[int] | None = None) -> ConflictIndex:
    """The round's conflict data in eight queries (whole round, or some judges/entries)."""
    round_entries = RoundEntry.objects.filter(round=round_)
    if entries is not None:
        round_entries = round_entries.filter(entry__in=list(entries))
    entry_schools: dict[int, set[int]] = {}
    entry_authors: dict[int, set[int]] = {}
    for entry, school, teacher in round_entries.values_list(
            "entry_id", "entry__school_id", "entry__teacher_id"):
        entry_schools[entry] = {school}
        entry_authors[entry] = {teacher}
    co_authors = Entry.co_authors.through.objects.filter(entry__round_entries__round=round_)
    if entries is not None:
        co_authors = co_authors.filter(entry__in=list(entries))
    for entry, teacher, school in co_authors.values_list("entry_id", "teacher_id",
                                                         "teacher__school_id"):
        if entry in entry_schools:
            entry_schools[entry].add(school)
            entry_authors[entry].add(teacher)
    judge_ids = (set(judges) if judges is not None else
                 set(RoundJudge.objects.filter(round=round_).values_list("judge_id", flat=True)))
    judge_teachers: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for user, teacher, school in Teacher.objects.filter(user__in=judge_ids).values_list(
            "user_id", "pk", "school_id"):
        judge_teachers[user].add((teacher, school))
    for user, teacher, school in StaffMember.objects.filter(
            user__in=judge_ids, teacher__isnull=False).values_list(
            "user_id", "teacher_id", "teacher__school_id"):
        judge_teachers[user].add((teacher, school))
    schools = set().union(*entry_schools.values(), *(
        {s for _, s in pairs} for pairs in judge_teachers.values()))
    school_groups: dict[int, set[int]] = defaultdict(set)
    for school, group in EducationGroup.schools.through.objects.filter(
            school__in=schools).values_list("school_id", "educationgroup_id"):
        school_groups[school].add(group)
    judge_related: dict[int, set[int]] = defaultdict(set)
    for judge, teacher in Relation.objects.filter(judge__in=judge_ids).values_list(
            "judge_id", "teacher_id"):
        judge_related[judge].add(teacher)
    forbid_rows = PairRule.objects.filter(round=round_, kind=PairRuleKind.FORBID,
                                          judge__in=judge_ids)
    forbids = {(j, e) for j, e in forbid_rows.values_list("judge_id", "entry_id")}
    return ConflictIndex(entry_schools, entry_authors, dict(school_groups),
                         dict(judge_teachers), dict(judge_related), forbids)


def pair_conflicts(round_: Round, judge: int, entry: int) -> list[str]:
    """The conflicts of one (judge, entry) pair of the round (empty: none)."""
    index = conflict_index(round_, judges=[judge], entries=[entry])
    if entry not in index.entry_schools:  # not in the round: read the entry itself
        index = _entry_outside_round(round_, judge, entry)
    return index.reasons(judge, entry)


def _entry_outside_round(round_: Round, judge: int, entry: int) -> ConflictIndex:
    row = Entry.objects.filter(pk=entry).values_list("school_id", "teacher_id").first()
    if row is None:
        return ConflictIndex({}, {}, {}, {}, {})
    base = conflict_index(round_, judges=[judge], entries=[])
    base.entry_schools[entry], base.entry_authors[entry] = {row[0]}, {row[1]}
    for teacher, school in Entry.co_authors.through.objects.filter(entry=entry).values_list(
            "teacher_id", "teacher__school_id"):
        base.entry_schools[entry].add(school)
        base.entry_authors[entry].add(teacher)
    for school, group in EducationGroup.schools.through.objects.filter(
            school__in=base.entry_schools[entry]).values_list("school_id", "educationgroup_id"):
        base.school_groups.setdefault(school, set()).add(group)
    return base


# --- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    written: int  # assignments created by this run
    removed: int  # automatic assignments replaced
    kept: int  # assignments kept (pins; in fill-gaps mode every existing one)
    shortfalls: tuple[str, ...]  # Chinese messages: which entries cannot be covered and why


def _labels(round_: Round, entry_ids: list[int], judge_ids: list[int]
            ) -> tuple[dict[int, str], dict[int, str]]:
    """Readable, unique names for the solver's messages: entry codes, judge names."""
    codes = dict(Entry.objects.filter(pk__in=entry_ids).values_list("pk", "code"))
    entry_label = {pk: codes.get(pk) or f"#{pk}" for pk in entry_ids}
    if len(set(entry_label.values())) < len(entry_label):
        entry_label = {pk: f"{label}(#{pk})" for pk, label in entry_label.items()}
    rows = RoundJudge.objects.filter(round=round_).values_list(
        "judge_id", "judge__name", "judge__username")
    names = {pk: (name or username, username) for pk, name, username in rows}
    counts: dict[str, int] = defaultdict(int)
    for name, _ in names.values():
        counts[name] += 1
    judge_label = {pk: name if counts[name] == 1 else f"{name}（{username}）"
                   for pk, (name, username) in names.items() if pk in set(judge_ids)}
    return entry_label, judge_label


def assignment_run(*, actor, round_: Round, fill_gaps: bool = False,
                   seed: int | None = None) -> RunResult:
    """Assign the round's panel to its entries, k judges each, with no conflict and loads
    as even as the conflicts allow. Replaces the automatic assignments; pins (PairRule pin)
    are kept, and staff's manual adjustments too while they are free of conflicts and within
    k (`_manual_kept`); both count towards k and the loads. Once anyone has scored, only
    `fill_gaps` may run: every
    existing assignment is kept and only missing judges are added. Infeasible coverage
    still writes the best partial assignment and returns the shortfalls; contradictory
    pins write nothing."""
    _require(actor)
    with transaction.atomic():
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        if round_.status not in (R.SETUP, R.SCORING):
            raise ValidationError(f"轮次当前为「{R(round_.status).label}」，不能运行分配。")
        if not fill_gaps and Score.objects.filter(assignment__round=round_).exists():
            raise ValidationError("本轮已有评委评分，不能重新分配；如只需为评委不足的作品补足评委，"
                                  "请选择「只补缺」。")
        return _run(actor, round_, fill_gaps, seed if seed is not None else round_.pk)


def _run(actor, round_: Round, fill_gaps: bool, seed: int) -> RunResult:
    entry_ids = list(RoundEntry.objects.filter(round=round_).order_by("entry__code", "entry_id")
                     .values_list("entry_id", flat=True))
    judge_ids = list(RoundJudge.objects.filter(round=round_).order_by("pk")
                     .values_list("judge_id", flat=True))
    index = conflict_index(round_)
    forbidden = index.pairs(judge_ids)
    existing = {(j, e): (pk, source) for pk, j, e, source in Assignment.objects.filter(
        round=round_).values_list("pk", "judge_id", "entry_id", "source")}
    pins = set(PairRule.objects.filter(round=round_, kind=PairRuleKind.PIN)
               .values_list("judge_id", "entry_id"))
    # A judge who abstained keeps the record but does not count: the entry needs another.
    abstained = set(Assignment.objects.filter(round=round_, score__status=ScoreStatus.ABSTAINED)
                    .values_list("judge_id", "entry_id"))
    forbidden |= abstained
    keep = set(existing) if fill_gaps else (
        {pair for pair in existing if pair in pins}
        | _manual_kept(existing, pins, forbidden, round_.judges_per_entry))
    judge_set, entry_set = set(judge_ids), set(entry_ids)
    fixed = {(j, e) for j, e in (pins | keep) - abstained if j in judge_set and e in entry_set}
    result = _solve(round_, entry_ids, judge_ids, forbidden, fixed, seed)
    if any(s.reason in ("pin_forbidden", "too_many_pins") for s in result.shortfalls):
        raise ValidationError([s.message for s in result.shortfalls])
    chosen = set(result.judge_pairs())
    drop = [existing[pair][0] for pair in existing if pair not in keep]
    Assignment.objects.filter(pk__in=drop).delete()
    new = sorted(chosen - keep)
    sources = {pair: AssignmentSource.PINNED if pair in pins else AssignmentSource.AUTO
               for pair in new}
    _write(round_, new, sources, entry_ids, judge_ids, fill_gaps)
    messages = tuple(s.message for s in result.shortfalls)
    audit_record(actor=actor, action=RUN_ACTION, obj=round_,
                 before={"removed": sorted([j, e] for j, e in existing if (j, e) not in keep)},
                 after={"added": [[j, e] for j, e in new], "kept": len(keep),
                        "fill_gaps": fill_gaps, "shortfalls": list(messages)})
    return RunResult(len(new), len(drop), len(keep), messages)


def _manual_kept(existing: dict, pins: set, forbidden: set, k: int) -> set:
    """Staff's manual assignments a full run keeps: those still free of conflicts (a relation
    declared since the adjustment drops it) and, per entry, as many as fit beside its pins
    within k (the earliest first). Unlike pins, they are adjustments, not constraints: a run
    never refuses because of one."""
    per_entry = Counter(e for j, e in pins)
    kept = set()
    manual = sorted((pk, pair) for pair, (pk, source) in existing.items()
                    if source == AssignmentSource.MANUAL and pair not in pins)
    for _, (judge, entry) in manual:
        if (judge, entry) in forbidden or per_entry[entry] >= k:
            continue
        per_entry[entry] += 1
        kept.add((judge, entry))
    return kept


def _solve(round_: Round, entry_ids, judge_ids, forbidden, fixed, seed):
    """review.assignment over readable labels (its messages name codes and judges), mapped
    back to ids."""
    entry_label, judge_label = _labels(round_, entry_ids, judge_ids)
    entry_of: dict[Hashable, int] = {label: pk for pk, label in entry_label.items()}
    judge_of: dict[Hashable, int] = {label: pk for pk, label in judge_label.items()}
    result = assign_judges(
        [entry_label[e] for e in entry_ids], [judge_label[j] for j in judge_ids],
        round_.judges_per_entry,
        forbidden={(judge_label[j], entry_label[e]) for j, e in forbidden},
        pinned={(judge_label[j], entry_label[e]) for j, e in fixed}, seed=seed)
    return _Mapped(result, entry_of, judge_of)


@dataclass(frozen=True)
class _Mapped:
    inner: Solution
    entry_of: dict[Hashable, int]
    judge_of: dict[Hashable, int]

    @property
    def shortfalls(self):
        return self.inner.shortfalls

    def judge_pairs(self) -> list[tuple[int, int]]:
        return [(self.judge_of[j], self.entry_of[e]) for j, e in self.inner.judge_pairs()]


def _write(round_: Round, new: list[tuple[int, int]], sources: dict, entry_ids: list[int],
           judge_ids: list[int], fill_gaps: bool) -> None:
    """Create the new assignments with positions for "save and next": each judge's entries
    in code order, but starting at a different point of that order (judge i of n starts
    i/n of the way through), so the panel does not all open the same entry first. In
    fill-gaps mode new entries come after the judge's existing ones; otherwise the kept
    pins are renumbered with the new ones."""
    rank = {e: i for i, e in enumerate(entry_ids)}
    size = max(len(entry_ids), 1)
    offset = {j: i * size // max(len(judge_ids), 1) for i, j in enumerate(judge_ids)}
    base: dict[int, int] = defaultdict(int)
    kept: dict[tuple[int, int], Assignment] = {}
    if fill_gaps:
        base.update(Assignment.objects.filter(round=round_).values("judge_id")
                    .annotate(m=Max("position")).values_list("judge_id", "m"))
    else:
        kept = {(a.judge_id, a.entry_id): a for a in Assignment.objects.filter(round=round_)}
    by_judge: dict[int, list[int]] = defaultdict(list)
    for judge, entry in [*new, *kept]:
        by_judge[judge].append(entry)
    rows, moved = [], []
    for judge, entries in by_judge.items():
        entries.sort(key=lambda e: (rank[e] - offset.get(judge, 0)) % size)
        for n, entry in enumerate(entries, start=base[judge] + 1):
            if (judge, entry) in kept:
                kept[judge, entry].position = n
                moved.append(kept[judge, entry])
            else:
                rows.append((judge, entry, str(sources[(judge, entry)]), n))
    Assignment.objects.bulk_update(moved, ["position"])
    _insert(round_.pk, rows)


def _insert(round_id: int, rows: list[tuple[int, int, str, int]]) -> None:
    """(judge, entry, source, position) rows in one executemany: 9,000 rows through
    bulk_create spend most of the run building model instances and compiling SQL."""
    if not rows:
        return
    column = {f.name: str(f.column) for f in Assignment._meta.concrete_fields}
    fields = ("round", "judge", "entry", "source", "position", "created_at")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column[name]) for name in fields)
    sql = (f"INSERT INTO {quote(Assignment._meta.db_table)} ({columns}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(round_id, j, e, source, position, now)
                                 for j, e, source, position in rows])


# --- what the result page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    entries: int
    covered: int  # entries with k judges (or more)
    short: list[tuple[str, int, int]]  # (code, judges now, judges free of conflict)
    loads: list[tuple[int, str, int]]  # (judge id, name, load), panel order
    min_load: int
    max_load: int
    last_run: AuditLog | None

    @property
    def last_shortfalls(self) -> list[str]:
        return list((self.last_run.after or {}).get("shortfalls", [])) if self.last_run else []


def coverage(round_: Round) -> Coverage:
    """Loads per judge, coverage, and the entries short of k judges (with how many judges
    could take them at all), read from the assignments as they are now."""
    k = round_.judges_per_entry
    counts = dict(RoundEntry.objects.filter(round=round_).annotate(
        n=Count("entry__assignments", filter=Q(entry__assignments__round=round_)))
        .values_list("entry_id", "n"))
    panel = list(RoundJudge.objects.filter(round=round_).order_by("pk").values_list(
        "judge_id", "judge__name", "judge__username"))
    load = dict(Assignment.objects.filter(round=round_).values("judge_id")
                .annotate(n=Count("pk")).values_list("judge_id", "n"))
    loads = [(pk, name or username, load.get(pk, 0)) for pk, name, username in panel]
    short_ids = [e for e, n in counts.items() if n < k]
    short = []
    if short_ids:
        index = conflict_index(round_, entries=short_ids)
        forbidden = index.pairs([pk for pk, *_ in panel])
        codes = dict(Entry.objects.filter(pk__in=short_ids).values_list("pk", "code"))
        for e in sorted(short_ids, key=lambda pk: codes[pk]):
            free = sum(1 for j, *_ in panel if (j, e) not in forbidden)
            short.append((codes[e], counts[e], free))
    values = [n for *_, n in loads]
    last = (AuditLog.objects.filter(action=RUN_ACTION, object_type="review.round",
                                    object_id=str(round_.pk)).order_by("-pk").first())
    return Coverage(len(counts), len(counts) - len(short_ids), short, loads,
                    min(values, default=0), max(values, default=0), last)


def conflicting_assignments(round_: Round) -> list[tuple[Assignment, list[str]]]:
    """Assignments that conflict now (a relation declared after the run, a moved teacher)."""
    rows = Assignment.objects.filter(round=round_).values_list("pk", "judge_id", "entry_id")
    index = conflict_index(round_)
    pairs = {(j, e): pk for pk, j, e in rows}
    forbidden = index.pairs({j for j, _ in pairs})
    bad = [pk for pair, pk in pairs.items() if pair in forbidden]
    found = Assignment.objects.filter(pk__in=bad).select_related("judge", "entry").order_by("pk")
    return [(a, index.reasons(a.judge_id, a.entry_id)) for a in found]


# --- staff adjustments ---------------------------------------------------------------------------


def _adjustable(round_: Round) -> None:
    if round_.status not in (R.SETUP, R.SCORING):
        raise ValidationError(f"轮次当前为「{R(round_.status).label}」，不能调整分配。")


def _unscored(assignment: Assignment) -> None:
    if Score.objects.filter(assignment=assignment).exists():
        raise ValidationError(f"评委「{assignment.judge}」已开始评作品 {assignment.entry.code}"
                              "（含暂存），不能调整。")


def _check_pair(round_: Round, judge_id: int, entry_id: int, *, judge_name: str, code: str
                ) -> None:
    if not RoundJudge.objects.filter(round=round_, judge=judge_id).exists():
        raise ValidationError(f"「{judge_name}」不在本轮评委名单中。")
    if not RoundEntry.objects.filter(round=round_, entry=entry_id).exists():
        raise ValidationError(f"作品 {code} 不在本轮。")
    if Assignment.objects.filter(round=round_, judge=judge_id, entry=entry_id).exists():
        raise ValidationError(f"评委「{judge_name}」已分到作品 {code}。")
    clash = pair_conflicts(round_, judge_id, entry_id)
    if clash:
        raise ValidationError(f"评委「{judge_name}」与作品 {code} 存在回避关系："
                              f"{'、'.join(clash)}。")


def _next_position(round_: Round, judge_id: int) -> int:
    last = Assignment.objects.filter(round=round_, judge=judge_id).aggregate(m=Max("position"))
    return (last["m"] or 0) + 1


def _pair(a: Assignment) -> dict:
    return {"judge": a.judge_id, "entry": a.entry_id, "source": a.source}


def _locked(assignment: Assignment) -> tuple[Round, Assignment]:
    round_ = Round.objects.select_for_update().get(pk=assignment.round_id)
    fresh = Assignment.objects.select_related("judge", "entry").filter(pk=assignment.pk).first()
    if fresh is None:
        raise ValidationError("该分配刚被他人调整，请刷新后重试。")
    return round_, fresh


def assignment_add(*, actor, round_: Round, judge, entry: Entry, reason: str = "") -> Assignment:
    _require(actor)
    with transaction.atomic():
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        _adjustable(round_)
        _check_pair(round_, judge.pk, entry.pk, judge_name=str(judge), code=entry.code)
        added = Assignment.objects.create(round=round_, judge=judge, entry=entry,
                                          source=AssignmentSource.MANUAL,
                                          position=_next_position(round_, judge.pk))
        audit_record(actor=actor, action="review.assignment.add", obj=added,
                     after=_pair(added), reason=reason[:500])
    return added


def assignment_move(*, actor, assignment: Assignment, to_judge, reason: str = "") -> Assignment:
    """Give the entry to another judge of the panel (no score yet, no conflict)."""
    _require(actor)
    with transaction.atomic():
        round_, assignment = _locked(assignment)
        _adjustable(round_)
        _unscored(assignment)
        _check_pair(round_, to_judge.pk, assignment.entry_id, judge_name=str(to_judge),
                    code=assignment.entry.code)
        before = _pair(assignment)
        assignment.judge = to_judge
        assignment.source = AssignmentSource.MANUAL
        assignment.position = _next_position(round_, to_judge.pk)
        assignment.save(update_fields=["judge", "source", "position"])
        audit_record(actor=actor, action="review.assignment.move", obj=assignment,
                     before=before, after=_pair(assignment), reason=reason[:500])
    return assignment


def assignment_swap(*, actor, first: Assignment, second: Assignment, reason: str = "") -> None:
    """Two judges exchange one entry each (each keeps their place in their own order)."""
    _require(actor)
    with transaction.atomic():
        round_, first = _locked(first)
        _, second = _locked(second)
        _adjustable(round_)
        if second.round_id != round_.pk:
            raise ValidationError("两项分配不在同一轮次。")
        if first.judge_id == second.judge_id or first.entry_id == second.entry_id:
            raise ValidationError("交换的两项分配须是不同评委的不同作品。")
        _unscored(first)
        _unscored(second)
        for a, b in ((first, second), (second, first)):
            _check_pair(round_, a.judge_id, b.entry_id, judge_name=str(a.judge),
                        code=b.entry.code)
        before = [_pair(first), _pair(second)]
        first_entry, second_entry = first.entry_id, second.entry_id
        Assignment.objects.filter(pk=first.pk).update(entry_id=second_entry,
                                                      source=AssignmentSource.MANUAL)
        Assignment.objects.filter(pk=second.pk).update(entry_id=first_entry,
                                                       source=AssignmentSource.MANUAL)
        first.refresh_from_db()
        second.refresh_from_db()
        audit_record(actor=actor, action="review.assignment.swap", obj=round_, before={
            "pairs": before}, after={"pairs": [_pair(first), _pair(second)]},
            reason=reason[:500])


def assignment_remove(*, actor, assignment: Assignment, reason: str = "") -> None:
    _require(actor)
    with transaction.atomic():
        round_, assignment = _locked(assignment)
        _adjustable(round_)
        _unscored(assignment)
        before = _pair(assignment)
        pk = assignment.pk
        assignment.delete()
        audit_record(actor=actor, action="review.assignment.remove",
                     object_type="review.assignment", object_id=str(pk), before=before,
                     reason=reason[:500])
