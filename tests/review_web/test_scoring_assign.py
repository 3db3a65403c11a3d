"""The assignment run on the database: conflicts worked out by hand (scoring_data), written
assignments, pins, re-runs, fill-gaps, shortfalls, staff adjustments, the audit trail."""

import pytest
from django.core.exceptions import ValidationError

from tests.review_web.factories import ScoreFactory
from tests.review_web.scoring_data import CONFLICTS, conflict_world
from yanxun.core.models import AuditLog
from yanxun.review import assign, rounds
from yanxun.review.enums import AssignmentSource, PairRuleKind, RelationKind, ScoreStatus
from yanxun.review.models import Assignment, PairRule


@pytest.fixture
def cw(world):
    return conflict_world()


def _names(cw, pairs) -> set[tuple[str, str]]:
    return {(cw.name_of(judge=j), cw.name_of(entry=e)) for j, e in pairs}


def test_conflict_pairs_and_reasons_match_the_hand_worked_table(cw, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        index = assign.conflict_index(cw.round)
    pairs = index.pairs([u.pk for u in cw.judges.values()])
    assert _names(cw, pairs) == set(CONFLICTS)
    for (j, e), reasons in CONFLICTS.items():
        assert index.reasons(cw.judges[j].pk, cw.entries[e].pk) == reasons
    assert index.reasons(cw.judges["jX"].pk, cw.entries["e1"].pk) == []


def test_pair_conflicts_for_one_pair(cw):
    assert assign.pair_conflicts(cw.round, cw.judges["jT"].pk, cw.entries["e3"].pk) == [
        "同校", "本人作品"]
    assert assign.pair_conflicts(cw.round, cw.judges["jC"].pk, cw.entries["e1"].pk) == []


def test_run_writes_k_judges_per_entry_without_conflict_and_audits(cw, world):
    trainer = world.users["trainer"]
    result = assign.assignment_run(actor=trainer, round_=cw.round)
    assert (result.written, result.removed, result.kept, result.shortfalls) == (8, 0, 0, ())
    rows = list(Assignment.objects.filter(round=cw.round))
    assert not _names(cw, [(a.judge_id, a.entry_id) for a in rows]) & set(CONFLICTS)
    per_entry = {e: sum(1 for a in rows if a.entry_id == entry.pk) for e, entry in cw.entries.items()}
    assert per_entry == {"e1": 2, "e2": 2, "e3": 2, "e4": 2}
    loads = sorted(sum(1 for a in rows if a.judge_id == u.pk) for u in cw.judges.values())
    assert loads == [1, 1, 2, 2, 2]
    # e3 has only jA and jX free of conflict: both must take it
    assert {cw.name_of(judge=a.judge_id) for a in rows if a.entry_id == cw.entries["e3"].pk} == {
        "jA", "jX"}
    for user in cw.judges.values():  # positions 1..n per judge
        positions = sorted(a.position for a in rows if a.judge_id == user.pk)
        assert positions == list(range(1, len(positions) + 1))
    assert {a.source for a in rows} == {AssignmentSource.AUTO}
    log = AuditLog.objects.get(action="review.assignment.run")
    assert (log.actor, log.object_id, len(log.after["added"]), log.after["shortfalls"]) == (
        trainer, str(cw.round.pk), 8, [])


def test_rerun_replaces_automatic_assignments_and_keeps_pins(cw, world):
    trainer = world.users["trainer"]
    PairRule.objects.create(round=cw.round, judge=cw.judges["jC"], entry=cw.entries["e1"],
                            kind=PairRuleKind.PIN)
    assign.assignment_run(actor=trainer, round_=cw.round)
    pinned = Assignment.objects.get(round=cw.round, judge=cw.judges["jC"], entry=cw.entries["e1"])
    assert pinned.source == AssignmentSource.PINNED
    again = assign.assignment_run(actor=trainer, round_=cw.round)
    assert (again.written, again.removed, again.kept) == (7, 7, 1)
    assert Assignment.objects.filter(pk=pinned.pk, source=AssignmentSource.PINNED).exists()
    assert Assignment.objects.filter(round=cw.round).count() == 8


def test_rerun_keeps_manual_adjustments(cw, world):
    trainer = world.users["trainer"]
    assign.assignment_run(actor=trainer, round_=cw.round)
    a = Assignment.objects.filter(round=cw.round, entry=cw.entries["e1"]).order_by("pk").first()
    Assignment.objects.filter(round=cw.round, entry=cw.entries["e1"]).exclude(pk=a.pk).delete()
    added = assign.assignment_add(actor=trainer, round_=cw.round, judge=next(
        u for n, u in cw.judges.items() if n != "jA" and u.pk != a.judge_id),
        entry=cw.entries["e1"])
    again = assign.assignment_run(actor=trainer, round_=cw.round)
    assert (again.kept, again.written) == (1, 7)
    assert Assignment.objects.filter(pk=added.pk, source=AssignmentSource.MANUAL).exists()
    assert Assignment.objects.filter(round=cw.round).count() == 8


def test_rerun_drops_manual_adjustments_that_conflict_or_exceed_k(cw, world):
    """A manual adjustment is not a pin: a relation declared after it, or one judge too many,
    drops it on the next run instead of refusing the run."""
    trainer = world.users["trainer"]
    assign.assignment_run(actor=trainer, round_=cw.round)
    entry = cw.entries["e1"]
    on_entry = set(Assignment.objects.filter(round=cw.round, entry=entry)
                   .values_list("judge_id", flat=True))
    extra = next(u for n, u in cw.judges.items() if n != "jA" and u.pk not in on_entry)
    added = assign.assignment_add(actor=trainer, round_=cw.round, judge=extra, entry=entry)
    assert Assignment.objects.filter(round=cw.round, entry=entry).count() == 3  # k + 1
    again = assign.assignment_run(actor=trainer, round_=cw.round)
    assert again.kept == 1 and Assignment.objects.filter(pk=added.pk).exists()
    assert Assignment.objects.filter(round=cw.round, entry=entry).count() == 2
    rounds.relation_declare(actor=trainer, judge=extra, teacher=entry.teacher,
                            kind=RelationKind.MENTOR)
    third = assign.assignment_run(actor=trainer, round_=cw.round)
    assert third.kept == 0
    assert not Assignment.objects.filter(round=cw.round, judge=extra, entry=entry).exists()
    assert Assignment.objects.filter(round=cw.round, entry=entry).count() == 2


def test_a_pin_that_conflicts_is_refused_and_nothing_changes(cw, world):
    trainer = world.users["trainer"]
    assign.assignment_run(actor=trainer, round_=cw.round)
    before = set(Assignment.objects.values_list("pk", flat=True))
    PairRule.objects.create(round=cw.round, judge=cw.judges["jA"], entry=cw.entries["e1"],
                            kind=PairRuleKind.PIN)
    with pytest.raises(ValidationError) as caught:
        assign.assignment_run(actor=trainer, round_=cw.round)
    assert caught.value.messages == ["作品 A0001 固定给评委 评委甲，但二者存在回避关系"]
    assert set(Assignment.objects.values_list("pk", flat=True)) == before


def test_infeasible_coverage_writes_the_best_partial_and_names_the_entry(world):
    cw = conflict_world(k=3)
    result = assign.assignment_run(actor=world.users["trainer"], round_=cw.round)
    assert result.shortfalls == ("作品 A0003 只有 2 位无回避冲突的评委，需要 3 位",)
    report = assign.coverage(cw.round)
    assert (report.entries, report.covered) == (4, 3)
    assert report.short == [("A0003", 2, 2)]
    assert report.last_shortfalls == ["作品 A0003 只有 2 位无回避冲突的评委，需要 3 位"]


def test_refused_once_a_score_exists_unless_filling_gaps(cw, world):
    trainer = world.users["trainer"]
    assign.assignment_run(actor=trainer, round_=cw.round)
    first = Assignment.objects.filter(round=cw.round).order_by("pk").first()
    ScoreFactory(assignment=first)
    with pytest.raises(ValidationError) as caught:
        assign.assignment_run(actor=trainer, round_=cw.round)
    assert caught.value.messages == [
        "本轮已有评委评分，不能重新分配；如只需为评委不足的作品补足评委，请选择「只补缺」。"]
    # a judge leaves an entry short; fill-gaps adds one judge and keeps everything else
    gone = Assignment.objects.filter(round=cw.round).exclude(pk=first.pk).order_by("pk").first()
    gone.delete()
    kept = set(Assignment.objects.values_list("pk", flat=True))
    result = assign.assignment_run(actor=trainer, round_=cw.round, fill_gaps=True)
    assert (result.written, result.removed, result.kept) == (1, 0, 7)
    assert kept < set(Assignment.objects.values_list("pk", flat=True))
    assert assign.coverage(cw.round).covered == 4


def test_fill_gaps_replaces_a_judge_who_abstained(cw, world):
    trainer = world.users["trainer"]
    assign.assignment_run(actor=trainer, round_=cw.round)
    first = Assignment.objects.filter(round=cw.round, entry=cw.entries["e1"]).first()
    ScoreFactory(assignment=first, status=ScoreStatus.ABSTAINED, total=None, items={})
    result = assign.assignment_run(actor=trainer, round_=cw.round, fill_gaps=True)
    assert result.written == 1
    judges = set(Assignment.objects.filter(round=cw.round, entry=cw.entries["e1"])
                 .values_list("judge_id", flat=True))
    assert len(judges) == 3 and first.judge_id in judges


def test_positions_spread_the_starting_entry(world):
    from tests.review_web.factories import EntryFactory, GroupFactory, RoundFactory, panel
    from yanxun.review.models import RoundEntry

    round_ = RoundFactory(judges_per_entry=3, status="setup")
    group = GroupFactory(competition=round_.competition)
    for n in range(6):
        RoundEntry.objects.create(round=round_, entry=EntryFactory(group=group,
                                                                   code=f"B{n + 1:04d}"))
    judges = panel(round_, judges=3)
    assign.assignment_run(actor=world.users["trainer"], round_=round_)
    firsts = [Assignment.objects.get(round=round_, judge=j, position=1).entry.code
              for j in judges]
    assert firsts == ["B0001", "B0003", "B0005"]  # judge i of 3 starts i/3 into the order
    orders = [list(Assignment.objects.filter(round=round_, judge=j).order_by("position")
                   .values_list("entry__code", flat=True)) for j in judges]
    assert orders[1] == ["B0003", "B0004", "B0005", "B0006", "B0001", "B0002"]


# --- staff adjustments --------------------------------------------------------------------------


@pytest.fixture
def assigned(cw, world):
    assign.assignment_run(actor=world.users["trainer"], round_=cw.round)
    return cw


def _of(cw, judge, entry):
    return Assignment.objects.filter(round=cw.round, judge=cw.judges[judge],
                                     entry=cw.entries[entry]).first()


def test_move_checks_conflicts_and_duplicates_and_is_audited(assigned, world):
    cw, trainer = assigned, world.users["trainer"]
    a = Assignment.objects.filter(round=cw.round, entry=cw.entries["e1"]).first()
    with pytest.raises(ValidationError) as caught:
        assign.assignment_move(actor=trainer, assignment=a, to_judge=cw.judges["jA"])
    assert caught.value.messages == ["评委「评委甲」与作品 A0001 存在回避关系：同校、同教育集团。"]
    other = Assignment.objects.filter(round=cw.round, entry=cw.entries["e1"]).exclude(
        pk=a.pk).get()
    with pytest.raises(ValidationError) as caught:
        assign.assignment_move(actor=trainer, assignment=a, to_judge=other.judge)
    assert caught.value.messages == [f"评委「{other.judge}」已分到作品 A0001。"]
    free = next(u for n, u in cw.judges.items()
                if n not in ("jA",) and not Assignment.objects.filter(
                    round=cw.round, judge=u, entry=cw.entries["e1"]).exists())
    moved = assign.assignment_move(actor=trainer, assignment=a, to_judge=free, reason="工作冲突")
    assert (moved.judge_id, moved.source) == (free.pk, AssignmentSource.MANUAL)
    log = AuditLog.objects.get(action="review.assignment.move")
    assert (log.before["judge"], log.after["judge"], log.reason) == (a.judge_id, free.pk,
                                                                     "工作冲突")


def test_swap_exchanges_entries_and_refuses_a_conflict(assigned, world):
    cw, trainer = assigned, world.users["trainer"]
    x3 = _of(cw, "jX", "e3")  # jX must keep e3 (only jA and jX may judge it)
    others = Assignment.objects.filter(round=cw.round).exclude(judge=cw.judges["jX"])
    c_any = others.filter(judge=cw.judges["jC"]).first()
    with pytest.raises(ValidationError) as caught:
        assign.assignment_swap(actor=trainer, first=x3, second=c_any)
    assert caught.value.messages == ["评委「评委丙」与作品 A0003 存在回避关系：同校。"]
    Assignment.objects.filter(round=cw.round).delete()
    a3 = Assignment.objects.create(round=cw.round, judge=cw.judges["jA"], entry=cw.entries["e3"])
    t4 = Assignment.objects.create(round=cw.round, judge=cw.judges["jT"], entry=cw.entries["e4"])
    with pytest.raises(ValidationError) as caught:  # jA may take e4, jT not e3 (本人作品)
        assign.assignment_swap(actor=trainer, first=a3, second=t4)
    assert caught.value.messages == ["评委「周四」与作品 A0003 存在回避关系：同校、本人作品。"]
    d1 = Assignment.objects.create(round=cw.round, judge=cw.judges["jD"], entry=cw.entries["e1"])
    assign.assignment_swap(actor=trainer, first=t4, second=d1, reason="对调")
    assert {(a.judge_id, a.entry_id) for a in Assignment.objects.filter(pk__in=[t4.pk, d1.pk])
            } == {(cw.judges["jT"].pk, cw.entries["e1"].pk),
                  (cw.judges["jD"].pk, cw.entries["e4"].pk)}
    log = AuditLog.objects.get(action="review.assignment.swap")
    assert log.after["pairs"] == [
        {"judge": cw.judges["jT"].pk, "entry": cw.entries["e1"].pk, "source": "manual"},
        {"judge": cw.judges["jD"].pk, "entry": cw.entries["e4"].pk, "source": "manual"}]


def test_remove_refused_once_scored_and_audited_otherwise(assigned, world):
    cw, trainer = assigned, world.users["trainer"]
    a, b = Assignment.objects.filter(round=cw.round).order_by("pk")[:2]
    ScoreFactory(assignment=a, status=ScoreStatus.DRAFT, total=None, items={})
    with pytest.raises(ValidationError) as caught:
        assign.assignment_remove(actor=trainer, assignment=a)
    assert caught.value.messages == [
        f"评委「{a.judge}」已开始评作品 {a.entry.code}（含暂存），不能调整。"]
    assign.assignment_remove(actor=trainer, assignment=b, reason="评委请假")
    assert not Assignment.objects.filter(pk=b.pk).exists()
    log = AuditLog.objects.get(action="review.assignment.remove")
    assert (log.before, log.reason) == ({"judge": b.judge_id, "entry": b.entry_id,
                                         "source": "auto"}, "评委请假")


def test_add_after_a_declared_relation_is_refused(assigned, world):
    cw, trainer = assigned, world.users["trainer"]
    with pytest.raises(ValidationError) as caught:
        assign.assignment_add(actor=trainer, round_=cw.round, judge=cw.judges["jD"],
                              entry=cw.entries["e2"])
    assert caught.value.messages == ["评委「评委丁」与作品 A0002 存在回避关系：申报关系。"]


def test_conflicting_assignments_after_a_late_relation(assigned, world):
    from yanxun.review.enums import RelationKind
    from yanxun.review.models import Relation

    cw = assigned
    e1_judges = list(Assignment.objects.filter(round=cw.round, entry=cw.entries["e1"]))
    Relation.objects.create(judge=e1_judges[0].judge, teacher=cw.teachers["t1"],
                            kind=RelationKind.FAMILY)
    bad = assign.conflicting_assignments(cw.round)
    assert [(a.pk, reasons) for a, reasons in bad] == [(e1_judges[0].pk, ["申报关系"])]
