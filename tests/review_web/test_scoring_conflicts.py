"""Property tests of the conflict matrix builder (review.assign.ConflictIndex), on top of the
solver's own (tests/review/test_assignment.py): the set-operation builder agrees with a
brute-force check of every (judge, entry) pair, and no conflicting pair is ever assigned —
database-free over many generated districts, and end to end through assignment_run on the
database over fewer."""

from itertools import product

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yanxun.review.assign import ConflictIndex
from yanxun.review.assignment import assign_judges

# --- the brute-force oracle ----------------------------------------------------------------------


def brute_force(index: ConflictIndex, judges, entries) -> set[tuple[int, int]]:
    """Every pair checked on its own, straight from the rules' wording."""
    out = set()
    for judge, entry in product(judges, entries):
        schools = index.entry_schools[entry]
        authors = index.entry_authors[entry]
        entry_groups = {g for s in schools for g in index.school_groups.get(s, ())}
        for teacher, school in index.judge_teachers.get(judge, ()):
            if school in schools or teacher in authors \
                    or entry_groups & set(index.school_groups.get(school, ())):
                out.add((judge, entry))
        if set(index.judge_related.get(judge, ())) & authors or (judge, entry) in index.forbids:
            out.add((judge, entry))
    return out


@st.composite
def districts(draw):
    n_schools = draw(st.integers(1, 8))
    n_groups = draw(st.integers(0, 3))
    n_teachers = draw(st.integers(1, 15))
    school_of = draw(st.lists(st.integers(0, n_schools - 1), min_size=n_teachers,
                              max_size=n_teachers))
    school_groups = {s: set(draw(st.sets(st.integers(0, max(n_groups - 1, 0)), max_size=2)))
                     if n_groups else set() for s in range(n_schools)}
    entries = list(range(100, 100 + draw(st.integers(1, 8))))
    entry_schools, entry_authors = {}, {}
    for entry in entries:
        authors = draw(st.sets(st.integers(0, n_teachers - 1), min_size=1, max_size=3))
        entry_authors[entry] = authors
        entry_schools[entry] = {school_of[t] for t in authors}
    judges = list(range(500, 500 + draw(st.integers(1, 7))))
    judge_teachers = {}
    for judge in judges:
        mine = draw(st.sets(st.integers(0, n_teachers - 1), max_size=1))
        judge_teachers[judge] = {(t, school_of[t]) for t in mine}
    judge_related = {j: draw(st.sets(st.integers(0, n_teachers - 1), max_size=2))
                     for j in judges}
    forbids = draw(st.sets(st.tuples(st.sampled_from(judges), st.sampled_from(entries)),
                           max_size=4))
    index = ConflictIndex(entry_schools, entry_authors, school_groups, judge_teachers,
                          judge_related, forbids)
    k = draw(st.integers(1, min(3, len(judges))))
    return index, judges, entries, k


@settings(max_examples=300, deadline=None)
@given(districts())
def test_builder_agrees_with_the_brute_force_check(district):
    index, judges, entries, _ = district
    pairs = index.pairs(judges)
    assert pairs == brute_force(index, judges, entries)
    for judge, entry in product(judges, entries):
        assert bool(index.reasons(judge, entry)) == ((judge, entry) in pairs)


@settings(max_examples=200, deadline=None)
@given(districts())
def test_no_conflicting_pair_is_ever_assigned(district):
    index, judges, entries, k = district
    forbidden = index.pairs(judges)
    result = assign_judges(entries, judges, k, forbidden=forbidden)
    assert not set(result.judge_pairs()) & brute_force(index, judges, entries)


# --- end to end on the database --------------------------------------------------------------------


@st.composite
def db_worlds(draw):
    return {
        "entry_schools": draw(st.lists(st.integers(0, 3), min_size=1, max_size=6)),
        "coauthor_schools": draw(st.lists(st.none() | st.integers(0, 3), min_size=6, max_size=6)),
        "judge_schools": draw(st.lists(st.none() | st.integers(0, 3), min_size=2, max_size=5)),
        "group": draw(st.sets(st.integers(0, 3), max_size=3)),
        "relations": draw(st.sets(st.tuples(st.integers(0, 4), st.integers(0, 5)), max_size=3)),
        "forbids": draw(st.sets(st.tuples(st.integers(0, 4), st.integers(0, 5)), max_size=3)),
        "k": draw(st.integers(1, 2)),
    }


def _build(spec):
    from tests.factories import EducationGroupFactory, SchoolFactory, TeacherFactory
    from tests.review_web.factories import (
        EntryFactory,
        GroupFactory,
        JudgeUserFactory,
        RoundFactory,
    )
    from yanxun.review.models import PairRule, Relation, RoundEntry, RoundJudge

    schools = [SchoolFactory() for _ in range(4)]
    EducationGroupFactory().schools.set([schools[i] for i in spec["group"]])
    round_ = RoundFactory(judges_per_entry=spec["k"], status="setup")
    group = GroupFactory(competition=round_.competition)
    entries = []
    for n, school in enumerate(spec["entry_schools"]):
        entry = EntryFactory(group=group, code=f"P{n:04d}",
                             teacher=TeacherFactory(school=schools[school]))
        if spec["coauthor_schools"][n] is not None:
            entry.co_authors.add(TeacherFactory(school=schools[spec["coauthor_schools"][n]]))
        RoundEntry.objects.create(round=round_, entry=entry)
        entries.append(entry)
    judges = []
    for school in spec["judge_schools"]:
        user = (TeacherFactory(school=schools[school]).user if school is not None
                else JudgeUserFactory())
        RoundJudge.objects.create(round=round_, judge=user)
        judges.append(user)
    for j, e in spec["relations"]:
        if j < len(judges) and e < len(entries):
            Relation.objects.get_or_create(judge=judges[j], teacher=entries[e].teacher,
                                           kind="other")
    for j, e in spec["forbids"]:
        if j < len(judges) and e < len(entries):
            PairRule.objects.create(round=round_, judge=judges[j], entry=entries[e],
                                    kind="forbid")
    return round_


def _conflicts_by_orm(round_) -> set[tuple[int, int]]:
    """Every (judge, entry) pair of the round checked with plain ORM reads: slow, obvious."""
    from yanxun.org.models import EducationGroup, Teacher
    from yanxun.review.models import Entry, PairRule, Relation, RoundJudge

    out = set()
    judges = RoundJudge.objects.filter(round=round_).values_list("judge_id", flat=True)
    for judge, entry in product(judges, Entry.objects.filter(round_entries__round=round_)):
        authors = [entry.teacher, *entry.co_authors.all()]
        schools = {t.school_id for t in authors}
        mine = Teacher.objects.filter(user=judge).first()
        if mine is not None:
            groups = set(EducationGroup.objects.filter(schools__in=schools).values_list(
                "pk", flat=True))
            mine_groups = set(EducationGroup.objects.filter(schools=mine.school_id)
                              .values_list("pk", flat=True))
            if mine.school_id in schools or mine in authors or groups & mine_groups:
                out.add((judge, entry.pk))
        if Relation.objects.filter(judge=judge, teacher__in=authors).exists():
            out.add((judge, entry.pk))
        if PairRule.objects.filter(round=round_, judge=judge, entry=entry,
                                   kind="forbid").exists():
            out.add((judge, entry.pk))
    return out


@pytest.mark.django_db
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(db_worlds())
def test_assignment_run_never_writes_a_conflict(world, spec):
    from yanxun.review.assign import assignment_run
    from yanxun.review.models import Assignment

    with transaction.atomic():
        round_ = _build(spec)
        try:
            assignment_run(actor=world.users["trainer"], round_=round_)
        except Exception as exc:  # noqa: BLE001 - only contradictory pins may refuse
            pytest.fail(f"the run refused: {exc}")
        conflicts = _conflicts_by_orm(round_)
        written = set(Assignment.objects.filter(round=round_).values_list("judge", "entry"))
        assert not written & conflicts
        # no load cap: every entry gets k judges, or all it may have
        n_judges = len(spec["judge_schools"])
        for entry in round_.round_entries.values_list("entry", flat=True):
            free = n_judges - sum(1 for _, e in conflicts if e == entry)
            assert sum(1 for _, e in written if e == entry) == min(spec["k"], free)
        transaction.set_rollback(True)
