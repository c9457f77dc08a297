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

import functools
import heapq
import math
import time
from collections.abc import Callable

from agentlint.optimizer.plan import (
    Plan,
    PlanFigures,
    compare,
    cut_of,
    durations,
    figures,
    latency,
    segment_latency,
    start_and_tail,
)
from agentlint.optimizer.problem import Problem, Segment
from agentlint.spec.deps import successors

Score = tuple[float, ...]


def polish(p: Problem, plan: Plan, score: Callable[[PlanFigures], Score],
           ok: Callable[[PlanFigures], bool], banned: set[object] | None = None, *,
           deadline: float | None = None, finished: list[bool] | None = None) -> Plan:
    """``plan`` with every change undone that keeps ``ok`` and does not worsen ``score``.

    Plans in ``banned`` (keys of plans the estimate rejected) are never chosen.
    Figures are updated by deltas (latency is recomputed only when a duration
    grows, or when the score reads it); the caller checks the final plan with
    the estimate. At ``deadline`` (a ``time.perf_counter`` reading) the plan
    is returned as far as it got (every change undone so far kept ``ok``);
    ``True`` is appended to ``finished`` when the polish ran to its end.
    """
    def late() -> bool:
        return deadline is not None and time.perf_counter() >= deadline

    banned = banned or set()
    if late():
        return plan
    plan = canonical_groups(p, plan, score, ok, banned)
    state = _State(p, plan)
    best_score = score(state.figures())
    latency_scored = _reads_latency(score, state.figures())
    cut = False
    for _ in range(3):
        improved = False
        for i, choice in enumerate(p.choices):
            if deadline is not None and not i % 64 and late():
                cut = True
                break
            c = state.choice[i]
            if c == choice.current:
                continue
            for alt in _alternatives(p, i, c):
                f = state.try_choice(i, alt, latency_scored)
                if f is None or not ok(f) or not _not_worse(score(f), best_score):
                    continue
                if banned and state.key_with(i, alt) in banned:
                    continue
                if p.sequential and (alt is None) != (c is None) \
                        and not state.groups_valid_with(i, alt):
                    continue
                state.accept(i, alt, f)
                best_score = score(f)
                improved = True
                break
        if p.sequential and not cut:
            for seg in p.segments:
                if not seg.free:
                    continue
                for v in seg.positions[1:]:
                    if state.merge[v] == p.current_merge[v]:
                        continue
                    merge = state.merge
                    merge[v] = p.current_merge[v]  # tried in place, put back unless kept
                    k = state.segment_of[v]
                    seg_lat = state.flipped(k, v)
                    if seg_lat is None or (
                            banned and (tuple(state.choice), tuple(merge)) in banned):
                        merge[v] = not merge[v]
                        continue
                    f = state.with_latency(state.lat - state.seg_lat[k] + seg_lat)
                    if ok(f) and _not_worse(score(f), best_score):
                        state.accept_merge(k, seg_lat, f.latency_s)
                        best_score = score(f)
                        improved = True
                    else:
                        merge[v] = not merge[v]
        if not improved or cut:
            break
    if cut or late():
        return Plan(state.choice, state.merge)
    polished = canonical_groups(p, Plan(state.choice, state.merge), score, ok, banned)
    if finished is not None:
        finished.append(True)
    return polished


def _reads_latency(score: Callable[[PlanFigures], Score], f: PlanFigures) -> bool:
    moved = PlanFigures(f.cost_usd, f.latency_s + 1.0, f.reliability, f.cuts)
    return score(moved) != score(f)


class _State:
    """A plan and its figures, updated one decision at a time.

    Every trial costs what the decision touches, never the whole plan: the
    cost and the log-success move by the step's own terms (and its readers'
    savings), the durations and cuts are kept up to date, and the latency is
    read from the step's segment (sequential mode) or from each step's
    earliest start and longest tail (dag mode), which an accepted change
    updates by walking only the steps whose values move.
    """

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
        self.cut = cut_of(plan)
        self.kept = [not c for c in self.cut]
        self.d = durations(p, plan)
        self.segment_of: dict[int, int] = {}
        for k, seg in enumerate(p.segments):
            for v in seg.positions:
                self.segment_of[v] = k
        if p.sequential:
            self.seg_lat = [segment_latency(seg, self.d, self.cut, self.merge)
                            for seg in p.segments]
            self.neighbours: dict[int, list[int]] = {}
            for seg in p.segments:
                if seg.free:
                    for u, v in seg.edges:
                        self.neighbours.setdefault(u, []).append(v)
                        self.neighbours.setdefault(v, []).append(u)
            self.index = {v: j for seg in p.segments for j, v in enumerate(seg.positions)}
        else:
            self.start, self.tail = start_and_tail(p, plan)
            n = p.n
            self.order = [0] * n
            for k, v in enumerate(p.graph.topo):
                self.order[v] = k
            self.succs = successors(p.preds)
            self.finish = [0.0 if self.cut[v] else self.start[v] + self.d[v]
                           for v in range(n)]
            #: steps whose start (``ahead``) or tail (``behind``) waits to be recomputed
            self.ahead: tuple[list[tuple[int, int]], set[int]] = ([], set())
            self.behind: tuple[list[tuple[int, int]], set[int]] = ([], set())

    def figures(self) -> PlanFigures:
        return PlanFigures(self.cost, self.lat, math.exp(self.logr), self.cuts)

    def with_latency(self, lat: float) -> PlanFigures:
        return PlanFigures(self.cost, lat, math.exp(self.logr), self.cuts)

    def key_with(self, i: int, alt: int | None) -> tuple[tuple[int | None, ...], tuple[bool, ...]]:
        """The plan key with step ``i`` set to ``alt`` (checked against the banned plans)."""
        choice = list(self.choice)
        choice[i] = alt
        return tuple(choice), tuple(self.merge)

    def groups_valid_with(self, i: int, alt: int | None) -> bool:
        """Sequential mode: the groups still valid with step ``i`` kept or cut as ``alt`` says.

        Cutting a step cannot break a valid grouping; keeping it can only break
        its own group (its size, or a dependency inside it)."""
        if alt is None:
            return True
        seg = self.p.segments[self.segment_of[i]]
        if not seg.free:
            return True
        group = self._group(seg, self.index[i])
        cap = self.p.max_concurrency
        if cap is not None and 1 + sum(1 for v in group if v != i and self.kept[v]) > cap:
            return False
        members = set(group)
        return not any(w in members and self.kept[w] for w in self.neighbours.get(i, ()))

    def _group(self, seg: Segment, j: int) -> list[int]:
        """The positions of the group holding position ``j`` of a free segment."""
        pos, merge = seg.positions, self.merge
        a = j
        while a > 0 and merge[pos[a]]:
            a -= 1
        b = j
        while b + 1 < len(pos) and merge[pos[b + 1]]:
            b += 1
        return pos[a:b + 1]

    def _contribution(self, i: int, c: int | None) -> float:
        if c is None:
            return 0.0
        o = self.p.choices[i].options[c]
        cut = self.cut
        return o.cost - sum(v for src, v in o.savings.items() if cut[src])

    def _latency_with(self, i: int, alt: int | None, exact: bool) -> float:
        p = self.p
        old = self.choice[i]
        d_old = self.d[i]
        d_new = p.choices[i].options[alt].time if alt is not None else 0.0
        if d_new == d_old and (old is None) == (alt is None):
            return self.lat
        if p.sequential:
            k = self.segment_of[i]
            seg = p.segments[k]
            if seg.free:  # only the step's own group moves
                group = self._group(seg, self.index[i])
                top = max(self.d[v] for v in group)
                top_new = max(max((self.d[v] for v in group if v != i), default=0.0), d_new)
                new = self.seg_lat[k] - top + top_new
            else:
                d, cut = self.d, self.cut
                d[i], cut[i] = d_new, alt is None
                try:
                    new = segment_latency(seg, d, cut, self.merge)
                finally:
                    d[i], cut[i] = d_old, old is None
            self._seg_pending = new
            return self.lat - self.seg_lat[k] + new
        self._settle(i)
        through = self.start[i] + d_new + self.tail[i]
        if alt is not None and (d_new > d_old or old is None) and not exact:
            return max(self.lat, through)
        if not exact:
            return self.lat  # shorter or gone: the latency cannot grow
        # exact: a step off every longest path (before and after) leaves the latency as it is
        margin = 1e-9 * max(1.0, abs(self.lat))
        if self.start[i] + d_old + self.tail[i] < self.lat - margin \
                and (alt is None or through < self.lat - margin):
            return self.lat
        trial = Plan(list(self.choice), self.merge)
        trial.choice[i] = alt
        return latency(p, trial)

    def try_choice(self, i: int, alt: int | None, latency_scored: bool) -> PlanFigures | None:
        p = self.p
        old = self.choice[i]
        delta = self._contribution(i, alt) - self._contribution(i, old)
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
        p = self.p
        self.choice[i] = alt
        self.cost = f.cost_usd
        self.lat = f.latency_s
        self.cuts = f.cuts
        self.logr = self._pending
        d_before, cut_before = self.d[i], self.cut[i]
        self.cut[i] = alt is None
        self.kept[i] = alt is not None
        self.d[i] = p.choices[i].options[alt].time if alt is not None else 0.0
        if p.sequential:
            if self.d[i] != d_before or self.cut[i] != cut_before:
                self.seg_lat[self.segment_of[i]] = self._seg_pending
        else:
            self._moved(i)

    def _moved(self, i: int) -> None:
        """Dag mode: step ``i``'s duration or cut changed. The starts after it and the
        tails before it are brought up to date lazily (``_settle``), when a trial reads
        them: the polish walks the steps in order, so each step's start is settled
        about once per pass, whatever the number of changes accepted."""
        self._push(self.ahead, self.order[i], i)
        for u in self.p.preds[i]:
            self._push(self.behind, -self.order[u], u)

    @staticmethod
    def _push(heap: tuple[list[tuple[int, int]], set[int]], key: int, v: int) -> None:
        items, queued = heap
        if v not in queued:
            queued.add(v)
            heapq.heappush(items, (key, v))

    def _settle(self, i: int) -> None:
        """Dag mode: make ``start[i]`` and ``tail[i]`` exact (what ``start_and_tail``
        gives for the current plan): the pending starts up to step ``i`` in
        topological order, and the pending tails down to it."""
        p, cut, d = self.p, self.cut, self.d
        start, finish, tail, order = self.start, self.finish, self.tail, self.order
        items, queued = self.ahead
        while items and items[0][0] <= order[i]:
            _, v = heapq.heappop(items)
            queued.discard(v)
            start[v] = max((finish[u] for u in p.preds[v] if not cut[u]), default=0.0)
            f = start[v] + d[v] if not cut[v] else 0.0
            if f != finish[v]:
                finish[v] = f
                for w in self.succs[v]:
                    self._push(self.ahead, order[w], w)
        items, queued = self.behind
        while items and -items[0][0] >= order[i]:
            _, v = heapq.heappop(items)
            queued.discard(v)
            t = max((d[w] + tail[w] for w in self.succs[v] if not cut[w]), default=0.0)
            if t != tail[v]:
                tail[v] = t
                for u in p.preds[v]:
                    self._push(self.behind, -order[u], u)

    def flipped(self, k: int, v: int) -> float | None:
        """Sequential mode: the latency of free segment ``k`` now that ``merge[v]`` was
        flipped (in place), None when a group it makes is not valid. Only the groups on
        either side of ``v`` are read."""
        seg = self.p.segments[k]
        j = self.index[v]
        d = self.d
        if self.merge[v]:  # joined: two groups became one
            group = self._group(seg, j)
            cap = self.p.max_concurrency
            kept = [u for u in group if self.kept[u]]
            if cap is not None and len(kept) > cap:
                return None
            members = set(kept)
            if any(w in members for u in kept for w in self.neighbours.get(u, ())):
                return None
            cut_at = group.index(v)
            left, right = group[:cut_at], group[cut_at:]
            return self.seg_lat[k] - max(d[u] for u in left) - max(d[u] for u in right) \
                + max(d[u] for u in group)
        left, right = self._group(seg, j - 1), self._group(seg, j)
        return self.seg_lat[k] - max(d[u] for u in left + right) \
            + max(d[u] for u in left) + max(d[u] for u in right)

    def accept_merge(self, k: int, seg_lat: float, lat: float) -> None:
        """The merge flag changed in place (``self.merge``) in segment ``k``."""
        self.seg_lat[k] = seg_lat
        self.lat = lat


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
    return compare((x, y, 1e-12 * max(abs(x), abs(y))) for x, y in zip(a, b, strict=True)) <= 0


def valid_groups(p: Problem, plan: Plan) -> bool:
    """Sequential mode: no group holds two kept steps that depend on each other,
    and none has more kept steps than ``max_concurrency``."""
    kept = [c is not None for c in plan.choice]
    return all(segment_valid(p, seg, kept, plan.merge) for seg in p.segments)


def segment_valid(p: Problem, seg: Segment, kept: list[bool], merge: list[bool]) -> bool:
    """``valid_groups`` for one run of listed steps (always true for a fixed one)."""
    if not seg.free:
        return True
    group_of: dict[int, int] = {}
    sizes: list[int] = []
    for v in seg.positions:
        if not sizes or not merge[v] or v == seg.positions[0]:
            sizes.append(0)
        group_of[v] = len(sizes) - 1
        if kept[v]:
            sizes[-1] += 1
    if p.max_concurrency is not None and any(s > p.max_concurrency for s in sizes):
        return False
    return all(not (kept[u] and kept[v] and group_of[u] == group_of[v])
               for u, v in seg.edges)


# -- the canonical grouping ----------------------------------------------------------------


def canonical_groups(p: Problem, plan: Plan, score: Callable[[PlanFigures], Score],
                     ok: Callable[[PlanFigures], bool], banned: set[object] | None = None
                     ) -> Plan:
    """Sequential mode: ``plan`` regrouped to the canonical grouping of its steps' settings.

    Groupings only move the latency. Among the valid groupings whose latency
    keeps ``ok`` and does not worsen ``score``, the canonical one has, in this
    order: the fewest boundaries between consecutive kept steps that change
    (together <-> apart) from the spec; the fewest new groups (two or more
    steps none of which has a ``parallel`` label in the spec); then, boundary
    by boundary in listing order, the spec's own state first. It depends on
    the model, retries and cuts of ``plan`` only, never on the grouping the
    solver returned, and it is found exactly (dynamic programming over each
    run of listed steps).
    """
    if not p.sequential or not any(seg.free for seg in p.segments):
        return plan
    base = figures(p, plan)
    best = score(base)

    def passes(lat: float) -> bool:
        f = PlanFigures(base.cost_usd, lat, base.reliability, base.cuts)
        return ok(f) and _not_worse(score(f), best)

    if not passes(base.latency_s):
        return plan
    d = durations(p, plan)
    cut = cut_of(plan)
    fixed = math.fsum(segment_latency(seg, d, cut, plan.merge)
                      for seg in p.segments if not seg.free)
    runs = [_FreeRun(p, seg, plan, d) for seg in p.segments if seg.free]
    width = p.n + 1
    limit = sum(r.key_of(plan.merge) for r in runs)
    top = fixed + math.fsum(d)
    cap = _threshold(passes, base.latency_s, top)
    for r in runs:
        r.table(limit, width)
    # suffix over runs: key -> least latency of the runs from s on
    after: list[dict[int, float]] = [{} for _ in runs] + [{0: 0.0}]
    for s in range(len(runs) - 1, -1, -1):
        out: dict[int, float] = {}
        for k1, l1 in runs[s].f[0].items():
            for k2, l2 in after[s + 1].items():
                k = k1 + k2
                if k <= limit and l1 + l2 < out.get(k, math.inf):
                    out[k] = l1 + l2
        after[s] = out
    room = cap - fixed
    slack = 1e-12 * max(1.0, abs(cap))
    fits = [k for k, lat in after[0].items() if lat <= room + slack]
    if not fits:
        return plan
    remaining = min(fits)
    merge = list(plan.merge)
    for s, r in enumerate(runs):
        rest = after[s + 1]
        own = sorted(k for k, lat in r.f[0].items() if remaining - k in rest
                     and lat + rest[remaining - k] <= room + slack)
        if not own:
            return plan
        k = own[0]
        used = r.rebuild(k, room - rest[remaining - k], slack, merge, width)
        if used is None:
            return plan
        remaining -= k
        room -= used
    out_plan = Plan(list(plan.choice), merge)
    if out_plan.key() in (banned or set()) or not valid_groups(p, out_plan) \
            or not passes(latency(p, out_plan)):
        return plan
    return out_plan


def _threshold(passes: Callable[[float], bool], lo: float, hi: float) -> float:
    """The largest latency in [lo, hi] that passes (``passes`` is monotone, ``lo`` passes)."""
    if passes(hi):
        return hi
    while True:
        mid = lo + (hi - lo) / 2
        if mid <= lo or mid >= hi:
            return lo
        if passes(mid):
            lo = mid
        else:
            hi = mid


class _FreeRun:
    """One run of listed steps whose grouping is free, with the plan's settings fixed."""

    def __init__(self, p: Problem, seg: Segment, plan: Plan, d: list[float]) -> None:
        self.p = p
        positions = seg.positions
        self.positions = positions
        #: where each step sits in the run
        self.at = {v: j for j, v in enumerate(positions)}
        self.seq = [v for v in positions if plan.choice[v] is not None]
        self.d = [d[v] for v in self.seq]
        m = len(self.seq)
        index = {v: k for k, v in enumerate(self.seq)}
        # spec state of the boundary after kept step k: together (same group as written)
        self.spec_together = []
        for k in range(m - 1):
            u, w = self.seq[k], self.seq[k + 1]
            between = positions[self.at[u] + 1:self.at[w] + 1]
            self.spec_together.append(all(p.current_merge[v] for v in between))
        self.labelled = [p.wf.steps[v].parallel is not None for v in self.seq]
        conflict = [-1] * m
        for u, v in seg.edges:
            if u in index and v in index:
                a, b = sorted((index[u], index[v]))
                conflict[b] = max(conflict[b], a)
        cap = p.max_concurrency
        self.ends: list[list[int]] = []
        for i in range(m):
            ends = []
            for e in range(i, m):
                if (e > i and conflict[e] >= i) or (cap is not None and e - i + 1 > cap):
                    break
                ends.append(e)
            self.ends.append(ends)
        self.f: list[dict[int, float]] = []

    def cost(self, i: int, e: int, width: int) -> int:
        flips = sum(1 for b in range(i, e) if not self.spec_together[b])
        if e + 1 < len(self.seq) and self.spec_together[e]:
            flips += 1
        new = int(e > i and not any(self.labelled[i:e + 1]))
        return flips * width + new

    def key_of(self, merge: list[bool]) -> int:
        """The key of the plan's own grouping of this run."""
        width = self.p.n + 1
        total = 0
        groups: list[list[int]] = []
        for k, v in enumerate(self.seq):
            if k and self._joined(self.seq[k - 1], v, merge):
                groups[-1].append(k)
            else:
                groups.append([k])
        for g in groups:
            total += self.cost(g[0], g[-1], width)
        return total

    def _joined(self, u: int, w: int, merge: list[bool]) -> bool:
        pos = self.positions
        return all(merge[v] for v in pos[self.at[u] + 1:self.at[w] + 1])

    def table(self, limit: int, width: int) -> None:
        m = len(self.seq)
        f: list[dict[int, float]] = [{} for _ in range(m)] + [{0: 0.0}]
        for i in range(m - 1, -1, -1):
            out: dict[int, float] = {}
            top = 0.0
            for e in self.ends[i]:
                top = max(top, self.d[e])
                c = self.cost(i, e, width)
                for k, lat in f[e + 1].items():
                    nk = k + c
                    if nk <= limit and top + lat < out.get(nk, math.inf):
                        out[nk] = top + lat
            f[i] = out
        self.f = f

    def rebuild(self, key: int, room: float, slack: float, merge: list[bool],
                width: int) -> float | None:
        """Write into ``merge`` the first grouping (boundary by boundary) of this key that
        fits in ``room``; returns its latency."""
        m = len(self.seq)
        together = [False] * max(0, m - 1)
        i, used = 0, 0.0
        while i < m:
            order = sorted(self.ends[i], key=functools.cmp_to_key(self._prefer))
            for e in order:
                rest = key - self.cost(i, e, width)
                top = max(self.d[i:e + 1])
                if rest in self.f[e + 1] and top + self.f[e + 1][rest] <= room + slack:
                    break
            else:
                return None
            for b in range(i, e):
                together[b] = True
            key, room, used = rest, room - top, used + top
            i = e + 1
        pos = self.positions
        p = self.p
        for v in pos[1:]:
            merge[v] = p.current_merge[v]
        for k in range(m - 1):
            u, w = self.seq[k], self.seq[k + 1]
            between = pos[self.at[u] + 1:self.at[w] + 1]
            if together[k]:
                for v in between:
                    merge[v] = True
            elif all(merge[v] for v in between):
                merge[w] = False
        return used

    def _prefer(self, e1: int, e2: int) -> int:
        """Group ends from one start: the one whose first differing boundary is as written."""
        if e1 == e2:
            return 0
        first = min(e1, e2)  # the shorter group ends there, the longer runs on
        shorter_first = not self.spec_together[first]
        return (-1 if shorter_first else 1) * (1 if e1 < e2 else -1)
