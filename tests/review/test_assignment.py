"""Assignment: properties checked against an independent solver (an integer program solved
by HiGHS through scipy.optimize.milp), plus the structured infeasibility reports."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from yanxun.review.assignment import assign_judges

# --- the independent solver ----------------------------------------------------------------


def ilp_assignment(n_e, n_j, k, forbidden, pinned, *, load_range=None, max_load=None):
    """Loads of some assignment meeting the constraints that minimises the largest load
    (within `load_range` when given); None when there is none. Variables: x[e, j] then L."""
    size = n_e * n_j + 1
    lower, upper = np.zeros(size), np.ones(size)
    upper[-1] = max_load if max_load is not None else n_e
    for j, e in forbidden:
        upper[e * n_j + j] = 0
    for j, e in pinned:
        lower[e * n_j + j] = 1
    rows, lo, hi = [], [], []
    for e in range(n_e):  # every entry exactly k judges
        row = np.zeros(size)
        row[e * n_j : (e + 1) * n_j] = 1
        rows.append(row), lo.append(k), hi.append(k)
    for j in range(n_j):  # load_j <= L, and inside load_range
        row = np.zeros(size)
        row[j:-1:n_j] = 1
        rows.append(row - np.eye(size)[-1]), lo.append(-np.inf), hi.append(0)
        if load_range is not None:
            rows.append(row), lo.append(load_range[0]), hi.append(load_range[1])
    cost = np.zeros(size)
    cost[-1] = 1
    result = milp(
        cost,
        integrality=np.ones(size),
        bounds=Bounds(lower, upper),
        constraints=LinearConstraint(np.array(rows), lo, hi),
    )
    if result.status != 0:
        return None
    x = np.round(result.x[:-1]).reshape(n_e, n_j)
    return x.sum(axis=0).astype(int)


# --- generated instances -------------------------------------------------------------------


@st.composite
def instances(draw):
    n_e = draw(st.integers(1, 7))
    n_j = draw(st.integers(1, 6))
    k = draw(st.integers(1, min(3, n_j)))
    pairs = [(j, e) for j in range(n_j) for e in range(n_e)]
    forbidden = draw(st.sets(st.sampled_from(pairs), max_size=len(pairs) // 2))
    allowed = [p for p in pairs if p not in forbidden]
    pins = draw(st.sets(st.sampled_from(allowed), max_size=3)) if allowed else set()
    pins = {(j, e) for j, e in pins if sum(1 for _, e2 in pins if e2 == e) <= k}
    max_load = draw(st.none() | st.integers(1, n_e))
    seed = draw(st.none() | st.integers(0, 3))
    return n_e, n_j, k, forbidden, pins, max_load, seed


def solve(n_e, n_j, k, forbidden, pins, max_load, seed):
    entries = [f"E{e}" for e in range(n_e)]
    judges = [f"J{j}" for j in range(n_j)]
    return assign_judges(
        entries,
        judges,
        k,
        forbidden={(judges[j], entries[e]) for j, e in forbidden},
        pinned={(judges[j], entries[e]) for j, e in pins},
        max_load=max_load,
        seed=seed,
    )


def as_index(result):
    return {(int(j[1:]), int(e[1:])) for j, e in result.judge_pairs()}


@settings(max_examples=200, deadline=None)
@given(instances())
def test_no_conflict_is_ever_assigned_and_pins_are_kept(instance):
    n_e, n_j, k, forbidden, pins, max_load, seed = instance
    result = solve(*instance)
    chosen = as_index(result)
    assert not chosen & forbidden
    if result.feasible:
        assert pins <= chosen
    assert all(len(set(js)) == len(js) <= k for js in result.pairs.values())
    assert sum(result.loads.values()) == len(chosen)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_coverage_and_smallest_largest_load_agree_with_the_integer_program(instance):
    n_e, n_j, k, forbidden, pins, max_load, _ = instance
    result = solve(*instance)
    best = ilp_assignment(n_e, n_j, k, forbidden, pins, max_load=max_load)
    assert result.feasible == (best is not None)
    if best is None:
        assert result.shortfalls
        return
    assert all(len(js) == k for js in result.pairs.values())
    assert result.max_load == best.max()
    if max_load is not None:
        assert result.max_load <= max_load


@settings(max_examples=200, deadline=None)
@given(instances())
def test_loads_within_one_whenever_the_conflicts_allow(instance):
    n_e, n_j, k, forbidden, pins, max_load, _ = instance
    q = k * n_e // n_j
    top = q + (1 if k * n_e % n_j else 0)
    balanced = ilp_assignment(n_e, n_j, k, forbidden, pins, load_range=(q, top), max_load=max_load)
    result = solve(*instance)
    if balanced is not None:
        assert result.feasible
        assert q <= result.min_load <= result.max_load <= top


@settings(max_examples=100, deadline=None)
@given(instances())
def test_deterministic(instance):
    assert solve(*instance) == solve(*instance)


# --- stated examples -----------------------------------------------------------------------


def test_three_thousand_entries_balanced_and_conflict_free():
    rng = np.random.default_rng(2026)
    entry_school = rng.integers(0, 100, 3000)
    judge_school = rng.integers(0, 100, 150)
    entries = [f"E{i}" for i in range(3000)]
    judges = [f"J{i}" for i in range(150)]
    forbidden = {
        (judges[j], entries[e])
        for j in range(150)
        for e in np.flatnonzero(entry_school == judge_school[j])
    }
    result = assign_judges(entries, judges, 3, forbidden=forbidden)
    assert result.feasible
    assert (result.min_load, result.max_load) == (60, 60)
    assert not set(result.judge_pairs()) & forbidden
    assert {len(js) for js in result.pairs.values()} == {3}


def test_too_few_judges_says_which_entry_and_why():
    forbidden = {("A", "E2"), ("B", "E2")}
    result = assign_judges(["E1", "E2"], ["A", "B", "C", "D"], 3, forbidden=forbidden)
    assert result.feasible is False
    [short] = result.shortfalls
    assert (short.reason, short.entry, short.judges, short.needed, short.available) == (
        "too_few_judges",
        "E2",
        ("C", "D"),
        3,
        2,
    )
    assert short.message == "作品 E2 只有 2 位无回避冲突的评委，需要 3 位"
    assert result.pairs == {"E1": ("A", "B", "C"), "E2": ("C", "D")}  # the best partial


def test_capacity_shortfall_names_the_judges_at_the_cap():
    result = assign_judges(["E1", "E2", "E3"], ["A", "B"], 1, max_load=1)
    assert result.feasible is False
    [short] = result.shortfalls
    assert (short.reason, short.judges, short.needed, short.available) == (
        "capacity",
        ("A", "B"),
        1,
        0,
    )
    assert short.message == (
        f"作品 {short.entry} 只能分到 0 位评委，需要 1 位：其余无回避冲突的评委（A、B）都已达到每人 1 件的上限"
    )
    assert result.loads == {"A": 1, "B": 1}


def test_pinned_pair_that_conflicts_is_reported_and_nothing_assigned():
    result = assign_judges(["E1"], ["A", "B"], 1, forbidden={("A", "E1")}, pinned={("A", "E1")})
    assert [(s.reason, s.message) for s in result.shortfalls] == [
        ("pin_forbidden", "作品 E1 固定给评委 A，但二者存在回避关系")
    ]
    assert result.pairs == {"E1": ()}


def test_too_many_pins_on_one_entry():
    result = assign_judges(["E1"], ["A", "B", "C"], 2, pinned={("A", "E1"), ("B", "E1"), ("C", "E1")})  # fmt: skip
    assert [(s.reason, s.message) for s in result.shortfalls] == [
        ("too_many_pins", "作品 E1 固定了 3 位评委，超过每件 2 位")
    ]


def test_pins_over_the_load_cap():
    pins = {("A", "E1"), ("A", "E2")}
    result = assign_judges(["E1", "E2"], ["A", "B"], 1, pinned=pins, max_load=1)
    assert [(s.reason, s.message) for s in result.shortfalls] == [
        ("pins_over_cap", "评委 A 固定了 2 件作品，超过每人上限 1 件")
    ]


def test_pins_are_kept_and_counted_in_the_balance():
    entries = [f"E{i}" for i in range(6)]
    pins = {("A", "E0"), ("A", "E1"), ("A", "E2")}
    result = assign_judges(entries, ["A", "B", "C"], 1, pinned=pins)
    assert all(result.pairs[e] == ("A",) for e in ("E0", "E1", "E2"))
    # A already carries 3; B and C share the other 3 entries as evenly as possible
    assert result.loads["A"] == 3
    assert sorted(result.loads.values()) == [1, 2, 3]


def test_a_judge_the_conflicts_starve_does_not_unbalance_the_others():
    # D may only judge E0; the others share 3 * 8 - 1 = 23 slots over 3 judges: 7 or 8 each
    entries = [f"E{i}" for i in range(8)]
    forbidden = {("D", e) for e in entries[1:]}
    result = assign_judges(entries, ["A", "B", "C", "D"], 3, forbidden=forbidden)
    assert result.feasible
    assert result.loads["D"] == 1
    assert sorted(result.loads[j] for j in "ABC") == [7, 8, 8]


def test_unknown_pin_and_bad_arguments_raise():
    with pytest.raises(ValueError, match="不在名单中"):
        assign_judges(["E1"], ["A"], 1, pinned={("Z", "E1")})
    with pytest.raises(ValueError, match="至少为 1"):
        assign_judges(["E1"], ["A"], 0)
    with pytest.raises(ValueError, match="评委编号重复"):
        assign_judges(["E1"], ["A", "A"], 1)


def test_empty_inputs():
    assert assign_judges([], ["A"], 2).feasible
    result = assign_judges(["E1"], [], 1)
    assert [s.message for s in result.shortfalls] == [
        "作品 E1 只有 0 位无回避冲突的评委，需要 1 位"
    ]


def test_seed_changes_choices_but_not_guarantees():
    entries = [f"E{i}" for i in range(30)]
    judges = [f"J{i}" for i in range(7)]
    plain = assign_judges(entries, judges, 2)
    seeded = [assign_judges(entries, judges, 2, seed=s) for s in range(5)]
    assert all((r.min_load, r.max_load) == (8, 9) for r in [plain, *seeded])
    assert len({tuple(sorted(r.judge_pairs())) for r in seeded}) > 1
    assert assign_judges(entries, judges, 2, seed=3) == seeded[3]
