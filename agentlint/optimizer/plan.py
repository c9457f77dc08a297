"""A plan (one setting per step) and its exact figures.

The figures here are computed from the same option figures the MILP uses, by
plain Python (sums, products, longest paths), so they serve as the check that
the solver's answer is what the cost model says: for every plan they equal
``estimate`` of the rewritten spec.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from agentlint.optimizer.problem import Problem, Segment
from agentlint.optimizer.rewrite import Rewrite, rewrite
from agentlint.spec.deps import successors
from agentlint.spec.model import Stage


@dataclass(slots=True)
class Plan:
    #: option index per step (into ``Problem.choices[i].options``); None = cut
    choice: list[int | None]
    #: sequential mode: the step runs in the same group as the listed step before it
    merge: list[bool]

    def key(self) -> tuple[tuple[int | None, ...], tuple[bool, ...]]:
        return tuple(self.choice), tuple(self.merge)


@dataclass(slots=True)
class PlanFigures:
    cost_usd: float
    latency_s: float
    reliability: float
    cuts: int

    def metric(self, name: str) -> float:
        return float(getattr(self, name))


def current_plan(p: Problem) -> Plan:
    return Plan([c.current for c in p.choices], list(p.current_merge))


def cut_of(plan: Plan) -> list[bool]:
    return [c is None for c in plan.choice]


def durations(p: Problem, plan: Plan) -> list[float]:
    return [0.0 if c is None else p.choices[i].options[c].time
            for i, c in enumerate(plan.choice)]


def figures(p: Problem, plan: Plan) -> PlanFigures:
    cut = cut_of(plan)
    costs = []
    reliability = 1.0
    for i, c in enumerate(plan.choice):
        if c is None:
            continue
        o = p.choices[i].options[c]
        saved = sum(v for src, v in o.savings.items() if cut[src])
        costs.append(o.cost - saved)
        reliability *= o.success
    return PlanFigures(math.fsum(costs), latency(p, plan), reliability, sum(cut))


def latency(p: Problem, plan: Plan) -> float:
    d = durations(p, plan)
    cut = cut_of(plan)
    if not p.sequential:
        return _longest(p.graph.topo, [[u for u in p.preds[v] if not cut[u]]
                                       for v in range(p.n)], d, cut)
    return sum(segment_latency(seg, d, cut, plan.merge) for seg in p.segments)


def segment_latency(seg: Segment, d: list[float], cut: list[bool], merge: list[bool]
                    ) -> float:
    """Sequential mode: the time one run of listed steps takes."""
    if seg.free:
        return sum(max((d[v] for v in group), default=0.0)
                   for group in _split(seg.positions, merge))
    preds: dict[int, list[int]] = {v: [] for v in seg.positions}
    for u, v in seg.edges:
        if not cut[u] and not cut[v]:
            preds[v].append(u)
    finish: dict[int, float] = {}
    for v in seg.positions:
        if cut[v]:
            continue
        finish[v] = max((finish[u] for u in preds[v]), default=0.0) + d[v]
    return max(finish.values(), default=0.0)


def start_and_tail(p: Problem, plan: Plan) -> tuple[list[float], list[float]]:
    """Dag mode: earliest start of every step and the longest path after it.

    A step whose duration grows to ``x`` makes the latency
    ``max(latency, start[i] + x + tail[i])``, so a change can be checked
    without a new longest-path pass. Cut steps get the values they would have
    if they were kept.
    """
    d = durations(p, plan)
    cut = cut_of(plan)
    n = p.n
    start = [0.0] * n
    finish = [0.0] * n
    for v in p.graph.topo:
        start[v] = max((finish[u] for u in p.preds[v] if not cut[u]), default=0.0)
        finish[v] = start[v] + d[v] if not cut[v] else 0.0
    succs = successors(p.preds)
    tail = [0.0] * n
    for v in reversed(p.graph.topo):
        tail[v] = max((d[w] + tail[w] for w in succs[v] if not cut[w]), default=0.0)
    return start, tail


def _longest(order: list[int], preds: list[list[int]], d: list[float], cut: list[bool]
             ) -> float:
    finish = [0.0] * len(d)
    best = 0.0
    for v in order:
        if cut[v]:
            continue
        finish[v] = max((finish[u] for u in preds[v]), default=0.0) + d[v]
        best = max(best, finish[v])
    return best


def _split(positions: list[int], merge: list[bool]) -> list[list[int]]:
    groups: list[list[int]] = []
    for v in positions:
        if groups and merge[v]:
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups


# -- groups and labels -------------------------------------------------------------------


def kept_groups(p: Problem, plan: Plan) -> list[list[int]]:
    """Sequential mode: the groups of the rewritten spec (cut steps left out)."""
    groups = []
    for group in _split(list(range(p.n)), plan.merge):
        kept = [v for v in group if plan.choice[v] is not None]
        if kept:
            groups.append(kept)
    return groups


def labels(p: Problem, plan: Plan) -> list[str | None]:
    """The ``parallel`` label of each step after the change (None: none, or cut).

    Groups keep the label their members share where they can; new groups get
    ``g1``, ``g2``, ... (names no step uses yet); a step that leaves a group
    loses its label, unless the line cannot be removed, when it gets a fresh one.
    """
    wf = p.wf
    current = [s.parallel for s in wf.steps]
    out: list[str | None] = [None] * p.n
    if not p.sequential:
        for i in range(p.n):
            out[i] = current[i] if plan.choice[i] is not None else None
        return out
    taken = {label for label in current if label is not None}
    fresh_count = 0

    def fresh() -> str:
        nonlocal fresh_count
        while True:
            fresh_count += 1
            name = f"g{fresh_count}"
            if name not in taken:
                taken.add(name)
                return name

    groups = kept_groups(p, plan)
    group_label: list[str | None] = [None] * len(groups)
    previous: str | None = None
    for gi, group in enumerate(groups):
        if len(group) < 2:
            previous = None
            continue
        counts = Counter(current[v] for v in group if current[v] is not None)
        label = None
        if counts:
            top = max(counts.values())
            label = next(current[v] for v in group if current[v] is not None
                         and counts[current[v]] == top)
        if label is None or label == previous:
            label = fresh()
        group_label[gi] = label
        previous = label
    for gi, group in enumerate(groups):
        if len(group) >= 2:
            for v in group:
                out[v] = group_label[gi]
            continue
        v = group[0]
        label = current[v]
        before = out[groups[gi - 1][-1]] if gi > 0 else None
        after = None
        if gi + 1 < len(groups):
            nxt = groups[gi + 1]
            after = group_label[gi + 1] if len(nxt) >= 2 else current[nxt[0]]
        if label is not None and label in (before, after):
            label = None if p.text.can_unset(wf.steps[v], "parallel") else fresh()
        out[v] = label
    return out


def write(p: Problem, plan: Plan) -> Rewrite:
    wf = p.wf
    models = []
    retries = []
    cascades = []
    for i, c in enumerate(plan.choice):
        step = wf.steps[i]
        if c is None:
            models.append(step.model)
            retries.append(step.retries)
            cascades.append(step.cascade)
        else:
            o = p.choices[i].options[c]
            models.append(o.model)
            retries.append(o.retries)
            cascades.append(o.cascade)
    return rewrite(wf, p.text, models, retries, cut_of(plan), labels(p, plan), cascades)


def plan_json(p: Problem, plan: Plan) -> dict[str, dict[str, object]]:
    """The contract's ``plan``: {step id: {model, retries, cut, group}}, and ``cascade``
    (the models asked before ``model``) for a step that has one."""
    out: dict[str, dict[str, object]] = {}
    labs = labels(p, plan)
    for i, step in enumerate(p.wf.steps):
        c = plan.choice[i]
        if c is None:
            out[step.id] = {"model": step.model, "retries": step.retries, "cut": True,
                            "group": None}
        else:
            o = p.choices[i].options[c]
            out[step.id] = {"model": o.model, "retries": o.retries, "cut": False,
                            "group": labs[i]}
            if o.cascade:
                out[step.id]["cascade"] = [stage_json(s) for s in o.cascade]
    return out


def stage_json(stage: Stage) -> dict[str, object]:
    return {"model": stage.model, "accept": stage.accept, "check_usd": stage.check_usd,
            "check_s": stage.check_s}


def compare(pairs: Iterable[tuple[float, float, float]]) -> int:
    """Lexicographic comparison of two scores given as ``(a, b, tolerance)`` per place,
    most important first: -1 when ``a`` is smaller at the first place where the two
    differ by more than the tolerance, 1 when it is larger, 0 when no place does (the
    pairs are read only as far as that first place)."""
    for a, b, tol in pairs:
        if a < b - tol:
            return -1
        if a > b + tol:
            return 1
    return 0


def plan_loss(p: Problem, plan: Plan) -> int:
    """Tiers of quality the plan's models lose against the spec's."""
    return sum(p.choices[i].options[c].loss for i, c in enumerate(plan.choice) if c is not None)


def plan_edits(p: Problem, plan: Plan) -> int:
    """Fields the plan changes: a model, a retry count, a cut step."""
    return sum(1 if c is None else p.choices[i].options[c].changes
               for i, c in enumerate(plan.choice))
