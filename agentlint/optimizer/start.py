"""A plan that meets the budgets with few edits, found without a solver.

The least-change objective's first solves (fewest cuts, fewest tiers lost, fewest
edits) are the hard ones on large workflows: at 10,000 steps HiGHS finds no plan
for the edits stage within a minute. A plan known to meet the budgets gives
every stage an incumbent: the solver only has to improve on it, and when it
cannot in the time it has, the plan is reported as feasible with the gap to
the best lower bound known (see ``agentlint.optimizer.run``).

The plan is built greedily in dag mode, on options that cut nothing and lose
no tier of quality (so the cuts and quality stages are at their least, 0):

1. latency: while the longest path is over the budget, the steps of that path
   take the option that saves the most time per edit, most saving first, until
   the path fits; the longest path is then found again. The saving is divided by
   the square root of how many steps over the budget run at the step's midpoint
   (a step alone there is on every path over the budget), and an edit that loses
   success counts for more, by what the best reliability gain per edit would cost
   to win it back (on the benchmark's workflows this gave 202 edits at 10,000
   steps where the plain saving per edit gave 301);
2. reliability: while the plan is under the floor, the step whose option gains
   the most log-success per edit, among those that keep the latency budget, takes
   it; a step's longest path through it is its earliest start plus its duration
   plus its longest tail, so the check is exact for one change, and changes
   accepted since the starts and tails were computed are added to it as a bound;
3. every change that is not needed is undone (``polish``, in listing order).

Each pass over the steps is linear; the number of passes grows with the number
of edits. The result is deterministic. None when a step of the plan would need a
cut or a lost tier, the mode is sequential, or the greedy passes cannot meet the
budgets: the solver then runs as before.
"""

from __future__ import annotations

import bisect
import functools
import math
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from agentlint.metrics import COST, LATENCY, RELIABILITY
from agentlint.optimizer.plan import Plan, PlanFigures, current_plan, figures
from agentlint.optimizer.polish import polish
from agentlint.optimizer.problem import Problem
from agentlint.spec.deps import successors

#: relative margin kept under each budget by the greedy passes (float rounding)
MARGIN = 1e-9
#: the greedy passes stop after this many longest-path or start/tail recomputations
MAX_PASSES = 10_000

#: a move's sort key (ties broken by step and option)
K = TypeVar("K", bound=tuple[float | int, ...])


def start_plan(p: Problem, limits: dict[str, float], deadline: float | None = None,
               finished: list[bool] | None = None) -> Plan | None:
    """A plan that meets ``limits`` (budget name -> limit) with no cut and no tier
    lost, and no change that can be undone; None when the greedy passes find none, or
    when ``deadline`` (a ``time.perf_counter`` reading) passes first. ``True`` is
    appended to ``finished`` when the undoing ran to its end (else the plan meets the
    budgets, with some change it does not need left in)."""
    if p.sequential or not p.n:
        return None
    greedy = _Greedy(p, limits, deadline)
    if not greedy.run():
        return None
    plan = Plan(list(greedy.choice), list(p.current_merge))
    meets = _meets(limits)
    if not meets(figures(p, plan)):
        return None
    # undo what is not needed; the score is constant: any undo that keeps the budgets
    return polish(p, plan, lambda f: (0.0,), meets, deadline=deadline, finished=finished)


def _meets(limits: dict[str, float]) -> Callable[[PlanFigures], bool]:
    def ok(f: PlanFigures) -> bool:
        if COST.name in limits and f.cost_usd > limits[COST.name]:
            return False
        if LATENCY.name in limits and f.latency_s > limits[LATENCY.name]:
            return False
        return not (RELIABILITY.name in limits and f.reliability < limits[RELIABILITY.name])
    return ok


class _Greedy:
    def __init__(self, p: Problem, limits: dict[str, float],
                 deadline: float | None = None) -> None:
        self.p = p
        self.deadline = deadline
        self.choice: list[int | None] = list(current_plan(p).choice)
        self.d = [p.choices[i].options[c].time if c is not None else 0.0
                  for i, c in enumerate(self.choice)]
        self.succs = successors(p.preds)
        self.topo = p.graph.topo
        inf = math.inf
        lat = limits.get(LATENCY.name, inf)
        self.lat_cap = lat - MARGIN * max(1.0, abs(lat)) if lat < inf else inf
        rel = limits.get(RELIABILITY.name)
        self.log_floor = (math.log(rel) + MARGIN if rel is not None and rel > 0 else -inf)
        cost = limits.get(COST.name, inf)
        self.cost_cap = cost - MARGIN * max(1.0, abs(cost)) if cost < inf else inf
        self.logr = sum(p.choices[i].options[c].log_success
                        for i, c in enumerate(self.choice) if c is not None)
        self.cost = math.fsum(p.choices[i].options[c].cost
                              for i, c in enumerate(self.choice) if c is not None)
        self.passes = 0
        #: edits a unit of log-success lost is worth: what the best gain per edit costs
        best_gain = 0.0
        if self.log_floor > -inf:
            for i, c in enumerate(self.choice):
                assert c is not None
                own = p.choices[i].options[c]
                for j in self._allowed(i):
                    o = p.choices[i].options[j]
                    extra = max(1, o.changes - own.changes)
                    best_gain = max(best_gain, (o.log_success - own.log_success) / extra)
        self.per_log = 1.0 / best_gain if best_gain > 0 else 0.0

    def _edits(self, i: int, j: int) -> int:
        return self.p.choices[i].options[j].changes

    def _allowed(self, i: int) -> list[int]:
        choice = self.p.choices[i]
        return [j for j, o in enumerate(choice.options) if o.loss == 0]

    def _set(self, i: int, j: int) -> None:
        o_old = self.p.choices[i].options[self.choice[i]]  # type: ignore[index]
        o = self.p.choices[i].options[j]
        self.logr += o.log_success - o_old.log_success
        self.cost += o.cost - o_old.cost
        self.choice[i] = j
        self.d[i] = o.time

    def _times(self) -> tuple[list[float], list[float]]:
        """Earliest start and longest tail of every step (a pass over the DAG); past the
        deadline, the passes end (``late``)."""
        self.passes += 1
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            self.passes = MAX_PASSES  # every loop ends, with no plan
        n = self.p.n
        start = [0.0] * n
        finish = [0.0] * n
        d, preds = self.d, self.p.preds
        for v in self.topo:
            s = 0.0
            for u in preds[v]:
                if finish[u] > s:
                    s = finish[u]
            start[v] = s
            finish[v] = s + d[v]
        tail = [0.0] * n
        succs = self.succs
        for v in reversed(self.topo):
            t = 0.0
            for w in succs[v]:
                x = d[w] + tail[w]
                if x > t:
                    t = x
            tail[v] = t
        return start, tail

    def run(self) -> bool:
        return self._latency() and self._reliability() and self.cost <= self.cost_cap \
            and self.passes < MAX_PASSES

    def _latency(self) -> bool:
        """Shorten the longest path until it fits the budget."""
        p = self.p
        if self.lat_cap == math.inf:
            return True
        while self.passes < MAX_PASSES:
            start, tail = self._times()
            d = self.d
            end = max(range(p.n), key=lambda v: (start[v] + d[v], -v))
            total = start[end] + d[end]
            excess = total - self.lat_cap
            if excess <= 0:
                return True
            # the longest path, from its last step back
            path = [end]
            v = end
            while p.preds[v]:
                v = max(p.preds[v], key=lambda u: (start[u] + d[u], -u))
                if start[v] + d[v] + 1e-12 < start[path[-1]]:
                    break
                path.append(v)
            crowd = self._crowd(path, start, tail)
            moves = self._moves(path, functools.partial(self._saving, crowd))
            if not moves:
                return False
            for _, _, i, j in moves:
                excess -= d[i] - p.choices[i].options[j].time
                self._set(i, j)
                if excess <= 0:
                    break
        return False

    def _moves(self, steps: Iterable[int], key: Callable[[int, int], K | None]) -> list[K]:
        """A greedy pass's moves, best first: for each of ``steps`` (by index), the option
        with the least key among those it may take (an option whose key is None is no
        move)."""
        moves: list[K] = []
        for i in steps:
            keys = [k for j in self._allowed(i) if (k := key(i, j)) is not None]
            if keys:
                moves.append(min(keys))
        moves.sort()
        return moves

    def _saving(self, crowd: dict[int, int], i: int, j: int
                ) -> tuple[float, float, int, int] | None:
        """Option ``j`` of step ``i`` as a move of the latency pass: the time it saves per
        edit (and per log-success lost), shared among the steps over budget at once."""
        p, c = self.p, self.choice[i]
        assert c is not None
        o = p.choices[i].options[j]
        saved = self.d[i] - o.time
        if saved <= 0:
            return None
        extra = max(1, self._edits(i, j) - self._edits(i, c))
        lost = max(0.0, p.choices[i].options[c].log_success - o.log_success)
        weight = extra + lost * self.per_log
        return (-saved / weight / math.sqrt(crowd.get(i, 1)), -o.log_success, i, j)

    def _gain(self, start: list[float], tail: list[float], i: int, j: int
              ) -> tuple[float, int, int] | None:
        """Option ``j`` of step ``i`` as a move of the reliability pass: the log-success it
        gains per edit, if its longest path stays within the latency budget."""
        p, c = self.p, self.choice[i]
        assert c is not None
        o = p.choices[i].options[j]
        gain = o.log_success - p.choices[i].options[c].log_success
        if gain <= 0 or start[i] + o.time + tail[i] > self.lat_cap:
            return None
        return (-gain / max(1, self._edits(i, j) - self._edits(i, c)), i, j)

    def _crowd(self, path: list[int], start: list[float], tail: list[float]
               ) -> dict[int, int]:
        """For each step of ``path``: how many steps over the latency budget (their
        longest path through them is) run at the middle of its run, itself included."""
        d = self.d
        over = [v for v in range(self.p.n) if start[v] + d[v] + tail[v] > self.lat_cap]
        events: list[tuple[float, int]] = []
        for v in over:
            events.append((start[v], 1))
            events.append((start[v] + d[v], -1))
        events.sort()
        times = [t for t, _ in events]
        running = []
        now = 0
        for _, step in events:
            now += step
            running.append(now)
        out = {}
        for i in path:
            mid = start[i] + d[i] / 2
            k = bisect.bisect_right(times, mid) - 1
            out[i] = max(1, running[k] if k >= 0 else 1)
        return out

    def _reliability(self) -> bool:
        """Raise the success of the steps with room on their longest path."""
        p = self.p
        if self.logr >= self.log_floor:
            return True
        while self.passes < MAX_PASSES:
            start, tail = self._times()
            moves = self._moves(range(len(self.choice)), functools.partial(self._gain, start, tail))
            if not moves:
                return False
            grown = 0.0  # time added since the starts and tails were computed
            took = False
            for _, i, j in moves:
                o = p.choices[i].options[j]
                c = self.choice[i]
                assert c is not None
                if o.log_success <= p.choices[i].options[c].log_success:
                    continue
                more = max(0.0, o.time - self.d[i])
                if start[i] + self.d[i] + more + tail[i] + grown > self.lat_cap:
                    continue
                if self.cost + o.cost - p.choices[i].options[c].cost > self.cost_cap:
                    continue
                self._set(i, j)
                grown += more
                took = True
                if self.logr >= self.log_floor:
                    return True
            if not took:
                return False
        return False


def edits_lower_bound(p: Problem, limits: dict[str, float]) -> int:
    """A number of edits every plan that meets ``limits`` makes at least (dag mode).

    Latency: a path of the DAG that is longer than the budget with the spec's
    settings must lose the difference; a step of it changed saves at most what its
    fastest option saves, and is one edit at least. So the path needs at least as
    many changed steps as it takes of its largest savings to cover the difference,
    and paths that share no step need theirs separately: the longest path is taken,
    its steps set aside, and so on while a path over the budget is left. A path with
    a step that may be cut counts one edit (a cut splits the path). Reliability and
    cost: the same count on the whole plan, when the spec misses that budget (cost
    only when no step may be cut: a cut also shrinks its readers' input). The
    largest of the three.
    """
    if p.sequential or not p.n:
        return 0
    spec = current_plan(p).choice
    d = [p.choices[i].options[c].time if c is not None else 0.0 for i, c in enumerate(spec)]
    best = 0
    lat = limits.get(LATENCY.name)
    if lat is not None:
        best = _latency_bound(p, d, lat)
    rel = limits.get(RELIABILITY.name)
    if rel is not None and rel > 0:
        need = math.log(rel) - sum(p.choices[i].options[c].log_success
                                   for i, c in enumerate(spec) if c is not None)
        # a step cut succeeds for sure (log 0)
        gains = [max([o.log_success for o in p.choices[i].options]
                     + ([0.0] if p.choices[i].cuttable else []))
                 - p.choices[i].options[c].log_success for i, c in enumerate(spec)
                 if c is not None]
        best = max(best, _count(gains, need))
    cost = limits.get(COST.name)
    if cost is not None and not any(ch.cuttable for ch in p.choices):
        over = math.fsum(p.choices[i].options[c].cost for i, c in enumerate(spec)
                         if c is not None) - cost
        saves = [p.choices[i].options[c].cost - min(o.cost for o in p.choices[i].options)
                 for i, c in enumerate(spec) if c is not None]
        best = max(best, _count(saves, over))
    return best


def _count(gains: list[float], need: float) -> int:
    """The fewest of ``gains`` whose sum reaches ``need`` (with a relative margin for
    float rounding); 0 when nothing is needed, and a count of all when they do not."""
    if need <= 0:
        return 0
    need -= 1e-9 * max(1.0, abs(need))
    if need <= 0:
        return 0
    total = 0.0
    for k, g in enumerate(sorted(gains, reverse=True), 1):
        if g <= 0:
            break
        total += g
        if total >= need:
            return k
    return len([g for g in gains if g > 0]) + 1


def _latency_bound(p: Problem, d: list[float], limit: float) -> int:
    n = p.n
    used = [False] * n
    topo = p.graph.topo
    preds = p.preds
    fastest = [min(o.time for o in p.choices[i].options) for i in range(n)]
    total = 0
    while True:
        finish = [0.0] * n
        back = [-1] * n
        end, longest = -1, -math.inf
        for v in topo:
            if used[v]:
                continue
            s, b = 0.0, -1
            for u in preds[v]:
                if not used[u] and finish[u] > s:
                    s, b = finish[u], u
            finish[v] = s + d[v]
            back[v] = b
            if finish[v] > longest:
                end, longest = v, finish[v]
        if end < 0 or longest <= limit:
            return total
        path = []
        v = end
        while v >= 0:
            path.append(v)
            v = back[v]
        for v in path:
            used[v] = True
        if any(p.choices[v].cuttable for v in path):
            total += 1
        else:
            total += _count([d[v] - fastest[v] for v in path], longest - limit)
