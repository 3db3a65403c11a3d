"""Conflict-free, balanced assignment of judges to entries by maximum flow. No Django inside.

Every entry gets exactly `k` judges; no forbidden (judge, entry) pair is ever used; pinned
pairs are kept; loads are as even as the conflicts allow. Why a flow and how balance is
proved: docs/adr/0007-assignment-by-max-flow.md.

The network (one builder serves every step):

    S* -> entry      need_e (k minus the entry's pins)         entries must be covered
    entry -> judge   1 for each allowed, unpinned pair
    judge -> t       (L - pins_j) - low_j                       at most L in all
    judge -> T*      low_j                                      at least pins_j + low_j
    S* -> t          sum(low_j)      t -> s  unbounded      s -> T*  sum(need_e)

This is the standard reduction of a flow with lower bounds (entry demand exactly need_e,
judge load at least low_j) to a plain maximum flow from S* to T*: a feasible assignment
exists exactly when the maximum flow saturates every edge leaving S*.

Steps: (1) the smallest cap L that covers every entry (start at ceil(k*E/J), binary search
up); (2) with L fixed, the largest floor l such that every judge gets at least
min(l, what the conflicts let them take). When loads within one are possible at all this
yields l = floor(k*E/J) and L = ceil(k*E/J).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

Reason = Literal["too_few_judges", "capacity", "pin_forbidden", "too_many_pins", "pins_over_cap"]


@dataclass(frozen=True)
class Shortfall:
    """Why some entries cannot get their k judges (message in Chinese, for the page)."""

    reason: Reason
    entry: Hashable | None
    judges: tuple[Hashable, ...]  # the judges concerned (available, pinned, or saturated)
    needed: int
    available: int
    message: str


@dataclass(frozen=True)
class Assignment:
    pairs: dict[Hashable, tuple[Hashable, ...]]  # entry -> its judges, in judge input order
    loads: dict[Hashable, int]  # judge -> number of entries, input order
    shortfalls: tuple[Shortfall, ...]

    @property
    def feasible(self) -> bool:
        return not self.shortfalls

    @property
    def max_load(self) -> int:
        return max(self.loads.values(), default=0)

    @property
    def min_load(self) -> int:
        return min(self.loads.values(), default=0)

    def judge_pairs(self) -> list[tuple[Hashable, Hashable]]:
        return [(judge, entry) for entry, judges in self.pairs.items() for judge in judges]


# --- the index-level problem ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Problem:
    k: int
    allowed: np.ndarray  # E x J bool: not forbidden
    pinned: np.ndarray  # E x J bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.allowed.shape

    @property
    def need(self) -> np.ndarray:  # per entry: judges still to find after pins
        return self.k - self.pinned.sum(axis=1)

    @property
    def pins(self) -> np.ndarray:  # per judge: pinned load
        return self.pinned.sum(axis=0)

    @property
    def free(self) -> np.ndarray:  # E x J: pairs the flow may choose
        return self.allowed & ~self.pinned


@dataclass(frozen=True, eq=False)
class _Flow:
    value: int
    target: int
    chosen: np.ndarray  # E x J bool: pairs chosen by the flow (pins not included)

    @property
    def complete(self) -> bool:
        return self.value == self.target


def _solve_flow(problem: _Problem, cap: int, low: np.ndarray) -> _Flow:
    """Max flow S* -> T* in the network of the module docstring, with load cap `cap` and
    per-judge extra lower bounds `low` (on top of pins)."""
    n_e, n_j = problem.shape
    need, room = problem.need, cap - problem.pins - low
    s, t, s_star, t_star = 0, n_e + n_j + 1, n_e + n_j + 2, n_e + n_j + 3
    entry_nodes, judge_nodes = 1 + np.arange(n_e), 1 + n_e + np.arange(n_j)
    e_idx, j_idx = np.nonzero(problem.free)
    total = int(need.sum() + low.sum())
    parts = [
        (np.full(n_e, s_star), entry_nodes, need),
        (entry_nodes[e_idx], judge_nodes[j_idx], np.ones(e_idx.size, dtype=np.int64)),
        (judge_nodes, np.full(n_j, t), room),
        (judge_nodes, np.full(n_j, t_star), low),
        (
            np.array([s_star, t, s]),
            np.array([t, s, t_star]),
            np.array([low.sum(), total, need.sum()]),
        ),
    ]
    u, v, c = (np.concatenate([p[i] for p in parts]) for i in range(3))
    keep = c > 0
    size = n_e + n_j + 4
    graph = sp.csr_array((c[keep].astype(np.int32), (u[keep], v[keep])), shape=(size, size))
    result = maximum_flow(graph, s_star, t_star)
    flow = result.flow.tocoo()
    used = (flow.data > 0) & (flow.row >= 1) & (flow.row <= n_e) & (flow.col > n_e) & (flow.col < t)
    chosen = np.zeros((n_e, n_j), dtype=bool)
    chosen[flow.row[used] - 1, flow.col[used] - 1 - n_e] = True
    return _Flow(int(result.flow_value), total, chosen)


def _smallest_cap(problem: _Problem, hi: int) -> tuple[int, _Flow]:
    """Smallest load cap L <= hi that covers every entry, with its flow; (hi, flow) when even
    hi does not (the caller reports the shortfall)."""
    n_e, n_j = problem.shape
    zero = np.zeros(n_j, dtype=np.int64)
    lo = max(-(-problem.k * n_e // n_j), int(problem.pins.max(initial=0)))
    best = _solve_flow(problem, min(lo, hi), zero)
    if best.complete or lo >= hi:
        return min(lo, hi), best
    top = _solve_flow(problem, hi, zero)
    if not top.complete:
        return hi, top
    bad, good, best = lo, hi, top
    while good - bad > 1:
        mid = (bad + good) // 2
        trial = _solve_flow(problem, mid, zero)
        if trial.complete:
            good, best = mid, trial
        else:
            bad = mid
    return good, best


def _raise_floor(problem: _Problem, cap: int, flow: _Flow) -> _Flow:
    """With cap fixed, the largest floor l such that each judge carries at least
    min(l, the most the conflicts allow); starts at floor(k*E/J), the balanced case."""
    n_e, n_j = problem.shape
    reach = problem.pins + problem.free.sum(axis=0)  # the most each judge could take

    def attempt(floor: int) -> _Flow:
        low = np.clip(np.minimum(floor, reach) - problem.pins, 0, None).astype(np.int64)
        return _solve_flow(problem, cap, low)

    good, bad = 0, cap + 1
    first = problem.k * n_e // n_j
    trial = attempt(first)
    if trial.complete:
        good, flow = first, trial
    else:
        bad = first
    while bad - good > 1:
        mid = (good + bad) // 2
        trial = attempt(mid)
        if trial.complete:
            good, flow = mid, trial
        else:
            bad = mid
    return flow


# --- shortfalls ---------------------------------------------------------------------------


def _where(mask: np.ndarray) -> list[int]:
    return np.flatnonzero(mask).tolist()


def _names(items: Sequence[Hashable], limit: int = 8) -> str:
    shown = "、".join(str(x) for x in items[:limit])
    return shown + (f" 等 {len(items)} 位" if len(items) > limit else "")


def _pin_shortfalls(
    problem: _Problem, entries: Sequence[Hashable], judges: Sequence[Hashable], cap: int | None
) -> list[Shortfall]:
    out = []
    for e, j in zip(
        *(a.tolist() for a in np.nonzero(problem.pinned & ~problem.allowed)), strict=True
    ):
        message = f"作品 {entries[e]} 固定给评委 {judges[j]}，但二者存在回避关系"
        out.append(Shortfall("pin_forbidden", entries[e], (judges[j],), 0, 0, message))
    for e in _where(problem.need < 0):
        pinned = tuple(judges[j] for j in _where(problem.pinned[e]))
        message = f"作品 {entries[e]} 固定了 {len(pinned)} 位评委，超过每件 {problem.k} 位"
        out.append(Shortfall("too_many_pins", entries[e], pinned, problem.k, len(pinned), message))
    if cap is None:
        return out
    for j in _where(problem.pins > cap):
        message = f"评委 {judges[j]} 固定了 {problem.pins[j]} 件作品，超过每人上限 {cap} 件"
        out.append(
            Shortfall("pins_over_cap", None, (judges[j],), cap, int(problem.pins[j]), message)
        )
    return out


def _coverage_shortfalls(
    problem: _Problem,
    entries: Sequence[Hashable],
    judges: Sequence[Hashable],
    cap: int,
    flow: _Flow,
) -> list[Shortfall]:
    """One shortfall per under-covered entry: either too few non-conflicting judges, or all
    its other non-conflicting judges are already at the cap (in a maximum flow an unused
    entry->judge edge of an under-covered entry leads, in the residual graph, to a judge
    whose edge to the sink is saturated: otherwise the flow could be augmented)."""
    out = []
    got = problem.pinned.sum(axis=1) + flow.chosen.sum(axis=1)
    for e in _where(got < problem.k):
        allowed = [judges[j] for j in _where(problem.allowed[e])]
        if len(allowed) < problem.k:
            message = (
                f"作品 {entries[e]} 只有 {len(allowed)} 位无回避冲突的评委，需要 {problem.k} 位"
            )
            out.append(
                Shortfall(
                    "too_few_judges", entries[e], tuple(allowed), problem.k, len(allowed), message
                )
            )
            continue
        idle = _where(problem.free[e] & ~flow.chosen[e])
        full = tuple(judges[j] for j in idle)
        message = (
            f"作品 {entries[e]} 只能分到 {got[e]} 位评委，需要 {problem.k} 位："
            f"其余无回避冲突的评委（{_names(full)}）都已达到每人 {cap} 件的上限"
        )
        out.append(Shortfall("capacity", entries[e], full, problem.k, int(got[e]), message))
    return out


# --- the public function ----------------------------------------------------------------


def _index(items: Sequence[Hashable], kind: str) -> dict[Hashable, int]:
    index = {item: i for i, item in enumerate(items)}
    if len(index) != len(items):
        raise ValueError(f"{kind}编号重复")
    return index


def _pair_matrix(
    pairs: Collection[tuple[Hashable, Hashable]],
    entry_index: dict[Hashable, int],
    judge_index: dict[Hashable, int],
    *,
    strict: bool,
) -> np.ndarray:
    matrix = np.zeros((len(entry_index), len(judge_index)), dtype=bool)
    for judge, entry in pairs:
        if judge in judge_index and entry in entry_index:
            matrix[entry_index[entry], judge_index[judge]] = True
        elif strict:
            raise ValueError(f"固定的评委 {judge} 或作品 {entry} 不在名单中")
    return matrix


def assign_judges(
    entries: Sequence[Hashable],
    judges: Sequence[Hashable],
    k: int,
    *,
    forbidden: Collection[tuple[Hashable, Hashable]] = (),
    pinned: Collection[tuple[Hashable, Hashable]] = (),
    max_load: int | None = None,
    seed: int | None = None,
) -> Assignment:
    """Give every entry `k` judges. `forbidden` and `pinned` are sets of (judge, entry) pairs;
    the caller computes conflicts (same school, same education group, declared relation,
    authorship). `max_load` caps any judge's load. Without `seed` the result depends only on
    the input order; a seed shuffles both lists first, to spread the arbitrary choices fairly.
    Infeasible: `shortfalls` says which entries cannot be covered and why, `pairs` holds the
    best partial assignment (none when pins are contradictory)."""
    if k < 1:
        raise ValueError("每件作品的评委人数至少为 1")
    entry_index, judge_index = _index(entries, "作品"), _index(judges, "评委")
    order_e, order_j = np.arange(len(entries)), np.arange(len(judges))
    if seed is not None:
        rng = np.random.default_rng(seed)
        order_e, order_j = rng.permutation(order_e), rng.permutation(order_j)
    allowed = ~_pair_matrix(forbidden, entry_index, judge_index, strict=False)
    pins = _pair_matrix(pinned, entry_index, judge_index, strict=True)
    problem = _Problem(k, allowed[np.ix_(order_e, order_j)], pins[np.ix_(order_e, order_j)])
    chosen, shortfalls = _solve(
        problem,
        [entries[i] for i in order_e.tolist()],
        [judges[i] for i in order_j.tolist()],
        max_load,
    )
    unshuffled = np.zeros_like(chosen)
    unshuffled[np.ix_(order_e, order_j)] = chosen
    return _assignment(unshuffled, entries, judges, shortfalls)


def _solve(
    problem: _Problem, entries: list[Hashable], judges: list[Hashable], max_load: int | None
) -> tuple[np.ndarray, tuple[Shortfall, ...]]:
    """The chosen E x J matrix (pins included) and the shortfalls, in the given order."""
    n_e, n_j = problem.shape
    if n_e == 0:
        return problem.pinned.copy(), ()
    pin_problems = _pin_shortfalls(problem, entries, judges, max_load)
    if pin_problems:
        return np.zeros(problem.shape, dtype=bool), tuple(pin_problems)
    if n_j == 0:
        empty = np.zeros(problem.shape, dtype=bool)
        return empty, tuple(_coverage_shortfalls(problem, entries, judges, 0, _empty_flow(problem)))
    hi = max_load if max_load is not None else n_e
    cap, flow = _smallest_cap(problem, hi)
    if not flow.complete:
        return problem.pinned | flow.chosen, tuple(
            _coverage_shortfalls(problem, entries, judges, cap, flow)
        )
    return problem.pinned | _raise_floor(problem, cap, flow).chosen, ()


def _empty_flow(problem: _Problem) -> _Flow:
    return _Flow(0, int(problem.need.sum()), np.zeros(problem.shape, dtype=bool))


def _assignment(
    chosen: np.ndarray,
    entries: Sequence[Hashable],
    judges: Sequence[Hashable],
    shortfalls: tuple[Shortfall, ...],
) -> Assignment:
    pairs = {entry: tuple(judges[j] for j in _where(chosen[e])) for e, entry in enumerate(entries)}
    loads = dict(zip(judges, (int(x) for x in chosen.sum(axis=0)), strict=True))
    return Assignment(pairs=pairs, loads=loads, shortfalls=shortfalls)
