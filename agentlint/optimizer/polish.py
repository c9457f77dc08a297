"""Undo the changes a plan does not need.

Many plans often share the optimal value: with the cost objective, every
grouping that still meets the latency budget; with the latency objective,
any model on a step off the critical path. The solver returns one of them.
Proving which one changes the spec least is as hard as the optimization
itself (a second MILP whose objective is the number of changes takes
seconds to minutes on a few hundred steps), so instead each change is tried
back at the spec's own value, in listing order, and kept undone when the
budgets still hold and the objective is not worse. The result is
deterministic, and no single change in it can be reverted for free.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from agentlint.optimizer.plan import (
    Plan,
    PlanFigures,
    cut_of,
    durations,
    figures,
    latency,
    segment_latency,
    start_and_tail,
)
from agentlint.optimizer.problem import Problem

Score = tuple[float, ...]


def polish(p: Problem, plan: Plan, score: Callable[[PlanFigures], Score],
           ok: Callable[[PlanFigures], bool], banned: set[object] | None = None) -> Plan:
    """``plan`` with every change undone that keeps ``ok`` and does not worsen ``score``.

    Plans in ``banned`` (keys of plans the estimate rejected) are never chosen.
    Figures are updated by deltas (latency is recomputed only when a duration
    grows, or when the score reads it); the caller checks the final plan with
    the estimate.
    """
    banned = banned or set()
    state = _State(p, plan)
    best_score = score(state.figures())
    latency_scored = _reads_latency(score, state.figures())
    for _ in range(3):
        improved = False
        for i, choice in enumerate(p.choices):
            c = state.choice[i]
            if c == choice.current:
                continue
            for alt in _alternatives(p, i, c):
                f = state.try_choice(i, alt, latency_scored)
                if f is None or not ok(f) or not _not_worse(score(f), best_score):
                    continue
                trial = Plan(list(state.choice), state.merge)
                trial.choice[i] = alt
                if trial.key() in banned:
                    continue
                if p.sequential and (alt is None) != (c is None) and not valid_groups(p, trial):
                    continue
                state.accept(i, alt, f)
                best_score = score(f)
                improved = True
                break
        if p.sequential:
            for seg in p.segments:
                if not seg.free:
                    continue
                for v in seg.positions[1:]:
                    if state.merge[v] == p.current_merge[v]:
                        continue
                    merge = list(state.merge)
                    merge[v] = p.current_merge[v]
                    trial = Plan(list(state.choice), merge)
                    if trial.key() in banned or not valid_groups(p, trial):
                        continue
                    f = state.with_latency(latency(p, trial))
                    if ok(f) and _not_worse(score(f), best_score):
                        state.accept_merge(merge, f.latency_s)
                        best_score = score(f)
                        improved = True
        if not improved:
            break
    return Plan(state.choice, state.merge)


def _reads_latency(score: Callable[[PlanFigures], Score], f: PlanFigures) -> bool:
    moved = PlanFigures(f.cost_usd, f.latency_s + 1.0, f.reliability, f.cuts)
    return score(moved) != score(f)


class _State:
    """A plan and its figures, updated one decision at a time."""

    def __init__(self, p: Problem, plan: Plan) -> None:
        self.p = p
        self.choice = list(plan.choice)
        self.merge = list(plan.merge)
        f = figures(p, plan)
        self.cost = f.cost_usd
        self.lat = f.latency_s
        self.cuts = f.cuts
        self.logr = sum(p.choices[i].options[c].log_success
                        for i, c in enumerate(self.choice) if c is not None)
        self.segment_of: dict[int, int] = {}
        for k, seg in enumerate(p.segments):
            for v in seg.positions:
                self.segment_of[v] = k
        self._refresh()

    def _plan(self) -> Plan:
        return Plan(self.choice, self.merge)

    def _refresh(self) -> None:
        plan = self._plan()
        if self.p.sequential:
            d, cut = durations(self.p, plan), cut_of(plan)
            self.seg_lat = [segment_latency(seg, d, cut, self.merge)
                            for seg in self.p.segments]
        else:
            self.start, self.tail = start_and_tail(self.p, plan)

    def figures(self) -> PlanFigures:
        return PlanFigures(self.cost, self.lat, math.exp(self.logr), self.cuts)

    def with_latency(self, lat: float) -> PlanFigures:
        return PlanFigures(self.cost, lat, math.exp(self.logr), self.cuts)

    def _contribution(self, i: int, c: int | None, cut: list[bool]) -> float:
        if c is None:
            return 0.0
        o = self.p.choices[i].options[c]
        return o.cost - sum(v for src, v in o.savings.items() if cut[src])

    def _latency_with(self, i: int, alt: int | None, exact: bool) -> float:
        p = self.p
        old = self.choice[i]
        d_old = p.choices[i].options[old].time if old is not None else 0.0
        d_new = p.choices[i].options[alt].time if alt is not None else 0.0
        if d_new == d_old and (old is None) == (alt is None):
            return self.lat
        trial = Plan(list(self.choice), self.merge)
        trial.choice[i] = alt
        if p.sequential:
            k = self.segment_of[i]
            seg = p.segments[k]
            new = segment_latency(seg, durations(p, trial), cut_of(trial), self.merge)
            return self.lat - self.seg_lat[k] + new
        if alt is not None and (d_new > d_old or old is None) and not exact:
            return max(self.lat, self.start[i] + d_new + self.tail[i])
        if not exact:
            return self.lat  # shorter or gone: the latency cannot grow
        return latency(p, trial)

    def try_choice(self, i: int, alt: int | None, latency_scored: bool) -> PlanFigures | None:
        p = self.p
        old = self.choice[i]
        cut = [c is None for c in self.choice]
        delta = self._contribution(i, alt, cut) - self._contribution(i, old, cut)
        if (old is None) != (alt is None):
            for z in p.readers.get(i, ()):
                cz = self.choice[z]
                if cz is None:
                    continue
                saved = p.choices[z].options[cz].savings.get(i, 0.0)
                delta += saved if alt is not None else -saved
        logr = self.logr
        logr -= p.choices[i].options[old].log_success if old is not None else 0.0
        logr += p.choices[i].options[alt].log_success if alt is not None else 0.0
        lat = self._latency_with(i, alt, latency_scored)
        cuts = self.cuts + (alt is None) - (old is None)
        self._pending = logr
        return PlanFigures(self.cost + delta, lat, math.exp(logr), cuts)

    def accept(self, i: int, alt: int | None, f: PlanFigures) -> None:
        self.choice[i] = alt
        self.cost = f.cost_usd
        self.lat = f.latency_s
        self.cuts = f.cuts
        self.logr = self._pending
        self._refresh()

    def accept_merge(self, merge: list[bool], lat: float) -> None:
        self.merge = merge
        self.lat = lat
        self._refresh()


def _alternatives(p: Problem, i: int, c: int | None) -> list[int | None]:
    """The spec's own option first, then options that undo one of two changed fields."""
    choice = p.choices[i]
    out: list[int | None] = [choice.current]
    if c is None:
        return out
    now = choice.options[c]
    spec = choice.options[choice.current]
    for j, o in enumerate(choice.options):
        if j in (c, choice.current):
            continue
        if (o.model == spec.model and o.retries == now.retries) or (
                o.model == now.model and o.retries == spec.retries):
            out.append(j)
    return out


def _not_worse(a: Score, b: Score) -> bool:
    for x, y in zip(a, b, strict=True):
        slack = 1e-12 * max(abs(x), abs(y))
        if x < y - slack:
            return True
        if x > y + slack:
            return False
    return True


def valid_groups(p: Problem, plan: Plan) -> bool:
    """Sequential mode: no group holds two kept steps that depend on each other,
    and none has more kept steps than ``max_concurrency``."""
    kept = [c is not None for c in plan.choice]
    for seg in p.segments:
        if not seg.free:
            continue
        group_of: dict[int, int] = {}
        sizes: list[int] = []
        for v in seg.positions:
            if not sizes or not plan.merge[v] or v == seg.positions[0]:
                sizes.append(0)
            group_of[v] = len(sizes) - 1
            if kept[v]:
                sizes[-1] += 1
        if p.max_concurrency is not None and any(s > p.max_concurrency for s in sizes):
            return False
        for u, v in seg.edges:
            if kept[u] and kept[v] and group_of[u] == group_of[v]:
                return False
    return True
