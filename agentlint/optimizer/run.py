"""``agentlint optimize``: objectives, lexicographic stages, infeasibility, frontier.

A run solves a short sequence of MILPs over one formulation. Each stage
minimises one thing and the next keeps it at its optimum (within 1e-7
relative), so ties are broken by what matters next and finally by the fewest
changes to the spec: the same input always gives the same plan.

Every plan that is reported is written into the spec's text, the text is
loaded again and estimated: ``after`` is that estimate, so it is exactly what
``agentlint estimate`` says of the rewritten file.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from agentlint.errors import SpecError, UsageError
from agentlint.graph.estimate import Estimate, estimate
from agentlint.optimizer.milp import (
    COST_SCALE,
    LOG_SCALE,
    TIME_SCALE,
    Formulation,
    Lin,
    Outcome,
    pick_solver,
)
from agentlint.optimizer.plan import Plan, PlanFigures, current_plan, figures, plan_json, write
from agentlint.optimizer.problem import Problem, build_problem
from agentlint.optimizer.rewrite import Change, Rewrite
from agentlint.spec.load import load_workflow
from agentlint.spec.model import Workflow

OBJECTIVES = ("default", "cost", "latency", "reliability")
METRIC_OF = {"cost": "cost_usd", "latency": "latency_s", "reliability": "reliability"}
STAGES = {
    "default": ("cuts", "cost_usd", "changes"),
    "cost": ("cost_usd", "changes"),
    "latency": ("latency_s", "changes"),
    "reliability": ("reliability", "changes"),
}
#: how far a later stage may let an earlier stage's optimum slip (relative)
LEXICOGRAPHIC_TOLERANCE = 1e-7
PARETO_POINTS = 6
#: plans a hair over a budget (float rounding the solver cannot see) excluded
#: one by one before giving up
MAX_RECHECKS = 50


@dataclass
class Proposal:
    """A plan with what it does to the spec and its estimate."""

    plan: Plan
    figures: PlanFigures
    rewrite: Rewrite
    estimate: Estimate

    @property
    def changes(self) -> list[Change]:
        return self.rewrite.changes


@dataclass
class Result:
    status: str  # optimal | feasible | infeasible
    objective: str
    before: Estimate
    problem: Problem
    solver: str
    proposal: Proposal | None = None
    gap: float | None = None
    proven: bool = True
    binding: list[str] = field(default_factory=list)
    relaxations: dict[str, float | None] = field(default_factory=dict)
    frontier: list[Proposal] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""

    @property
    def after(self) -> Estimate:
        return self.proposal.estimate if self.proposal is not None else self.before

    @property
    def changes(self) -> list[Change]:
        return self.proposal.changes if self.proposal is not None else []

    @property
    def objective_value(self) -> float | None:
        if self.proposal is None:
            return None
        metric = METRIC_OF.get(self.objective, "cost_usd")
        return float(getattr(self.after, metric))

    def to_json(self) -> dict[str, Any]:
        p = self.problem
        plan = self.proposal.plan if self.proposal is not None else current_plan(p)
        out: dict[str, Any] = {
            "status": self.status,
            "objective": self.objective,
            "objective_value": self.objective_value,
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "plan": plan_json(p, plan),
            "changes": [c.to_json() for c in self.changes],
            "solver": self.solver,
            "proven": self.proven,
            "gap": self.gap,
        }
        if self.status == "infeasible":
            out["binding"] = list(self.binding)
            out["relaxations"] = dict(self.relaxations)
            if self.message:
                out["message"] = self.message
        if self.frontier:
            out["frontier"] = [_point_json(p, q) for q in self.frontier]
        return out


def _point_json(p: Problem, q: Proposal) -> dict[str, Any]:
    return {"cost_usd": q.estimate.cost_usd, "latency_s": q.estimate.latency_s,
            "reliability": q.estimate.reliability, "calls": q.estimate.calls,
            "plan": plan_json(p, q.plan), "changes": [c.to_json() for c in q.changes]}


class _Run:
    def __init__(self, wf: Workflow, path: str, solver: str, time_limit: float | None) -> None:
        start = time.perf_counter()
        self.wf = wf
        self.path = path
        self.deadline = None if time_limit is None else start + time_limit
        self.problem = build_problem(wf)
        self.timings: dict[str, float] = {"problem": time.perf_counter() - start}
        self.solver = solver
        self.form = Formulation(self.problem, solver)
        self.timings["build"] = self.form.build_seconds
        self.proven = True
        self.gap: float | None = None
        self.rechecks = 0

    def remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.perf_counter())

    # -- rows and values ------------------------------------------------------------------

    def budget_rows(self, limits: dict[str, float]) -> list[tuple[Lin, str, float]]:
        return [self.form.budget_row(name, limit) for name, limit in limits.items()]

    def value(self, plan: Plan, name: str) -> float:
        """The stage objective's value for ``plan``, in the formulation's units."""
        f = figures(self.problem, plan)
        if name == "cost_usd":
            return f.cost_usd * COST_SCALE
        if name == "latency_s":
            return f.latency_s * TIME_SCALE
        if name == "reliability":
            return -sum(self.problem.choices[i].options[c].log_success
                        for i, c in enumerate(plan.choice) if c is not None) * LOG_SCALE
        if name == "cuts":
            return float(f.cuts)
        return float(f.changes)

    def stages(self, names: tuple[str, ...], rows: list[tuple[Lin, str, float]]
               ) -> Outcome:
        """Lexicographic minimisation; the outcome of the last stage that found a plan."""
        rows = list(rows)
        best: Outcome | None = None
        for k, name in enumerate(names):
            lin, _ = self.form.objective(name)
            out = self.form.solve(lin, rows, self.remaining())
            if out.plan is None:
                if best is None:
                    return out
                if name != "changes":
                    self.proven = False
                break
            if name != "changes" and out.status != "optimal":
                self.proven = False
                if self.gap is None:
                    self.gap = out.gap
            best = out
            if k + 1 < len(names):
                v = self.value(out.plan, name)
                tol = 1e-6 if name in ("cuts", "changes") else \
                    LEXICOGRAPHIC_TOLERANCE * max(1.0, abs(v))
                rows.append((lin, "<=", v + tol))
            if self.remaining() == 0.0:
                break
        assert best is not None
        return best

    # -- proposals ------------------------------------------------------------------------

    def propose(self, plan: Plan) -> Proposal:
        rw = write(self.problem, plan)
        try:
            wf = load_workflow(self.path, display=self.wf.file, text=rw.text)
        except SpecError as exc:  # a bug in the rewriter: never write such a file
            raise RuntimeError(f"the rewritten spec does not load: {exc}") from None
        return Proposal(plan, figures(self.problem, plan), rw, estimate(wf))


def optimize(wf: Workflow, *, objective: str = "default", solver: str = "auto",
             time_limit: float | None = 60.0, pareto: bool = False,
             path: str | None = None) -> Result:
    """Propose the best change to ``wf`` that meets its budgets."""
    if objective not in OBJECTIVES:
        raise UsageError(f"unknown objective '{objective}'; use one of "
                         + ", ".join(OBJECTIVES))
    if wf.format != "agentlint":
        raise UsageError(f"optimize rewrites native agentlint specs; {wf.file} is a "
                         f"{wf.format} file")
    name = pick_solver(solver)
    started = time.perf_counter()
    run = _Run(wf, path or wf.file, name, time_limit)
    before = estimate(wf, run.problem.graph)
    result = Result("optimal", "pareto" if pareto else objective, before, run.problem, name)
    limits = dict(wf.budgets.items())
    outcome, proposal = _solve_checked(run, STAGES[objective if not pareto else "default"],
                                       limits)
    if proposal is None:
        _infeasible(run, result, limits, outcome)
    else:
        result.proposal = proposal
        if pareto:
            result.frontier = _frontier(run, limits, result.proposal)
        result.status = "optimal" if run.proven else "feasible"
    result.proven = run.proven
    result.gap = run.gap if not run.proven else 0.0
    run.timings["solve"] = run.form.solve_seconds
    run.timings["total"] = time.perf_counter() - started
    run.timings["solves"] = float(run.form.solves)
    result.timings = run.timings
    return result


def _solve_checked(run: _Run, stages: tuple[str, ...], limits: dict[str, float],
                   extra: list[tuple[Lin, str, float]] | None = None
                   ) -> tuple[Outcome | None, Proposal | None]:
    """Solve, then check the plan against the budgets with the estimate itself.

    The solver's tolerances could accept a plan a hair over a budget; such a
    plan is excluded (a no-good row) and the stages run again.
    """
    rows = run.budget_rows(limits) + list(extra or [])
    outcome: Outcome | None = None
    for _ in range(MAX_RECHECKS):
        outcome = run.stages(stages, rows)
        if outcome.plan is None:
            return outcome, None
        proposal = run.propose(outcome.plan)
        if all(_meets(k, getattr(proposal.estimate, k), v) for k, v in limits.items()):
            return outcome, proposal
        rows.append(run.form.nogood(outcome.plan))
        run.rechecks += 1
        if run.remaining() == 0.0:
            break
    run.proven = False
    return None, None


def _meets(name: str, actual: float, limit: float) -> bool:
    return actual >= limit if name == "reliability" else actual <= limit


def _infeasible(run: _Run, result: Result, limits: dict[str, float],
                outcome: Outcome | None) -> None:
    result.status = "infeasible"
    if outcome is not None and outcome.status == "unknown":
        run.proven = False
        result.message = "no plan found within the time limit (not proven infeasible)"
    relaxations: dict[str, float | None] = {}
    for name in limits:
        others = {k: v for k, v in limits.items() if k != name}
        out = run.stages((name,), run.budget_rows(others))
        if out.plan is None:
            relaxations[name] = None
            continue
        relaxations[name] = getattr(run.propose(out.plan).estimate, name)
    result.relaxations = relaxations
    result.binding = [k for k, v in relaxations.items() if v is not None] or list(limits)
    closest = _closest(run, limits)
    if closest is not None:
        result.proposal = run.propose(closest)


def _closest(run: _Run, limits: dict[str, float]) -> Plan | None:
    """The plan with the smallest total relative overrun of the budgets."""
    form = run.form
    total = Lin()
    rows: list[tuple[Lin, str, float]] = []
    for name, limit in limits.items():
        lin, _, rhs = form.budget_row(name, limit)
        slack = form.slack(f"over_{name}")
        if name == "reliability":
            denom = max(-math.log(limit) if limit > 0 else 1.0, 1e-6) * LOG_SCALE
            rows.append((Lin().add_lin(lin).add(slack, 1.0), ">=", rhs))
        else:
            scale = COST_SCALE if name == "cost_usd" else TIME_SCALE
            denom = max(limit, 1e-9) * scale
            rows.append((Lin().add_lin(lin).add(slack, -1.0), "<=", rhs))
        total.add(slack, 1.0 / denom)
    if not total.terms:
        return None
    out = form.solve(total, rows, run.remaining())
    if out.plan is None:
        return None
    if out.status != "optimal":
        run.proven = False
    best = out.plan
    # keep the overrun, then change as little as possible
    v = sum(_overrun(run, best, limits).values())
    rows = [*rows, (total, "<=", v + LEXICOGRAPHIC_TOLERANCE * max(1.0, v) + 1e-9)]
    lin, _ = form.objective("changes")
    second = form.solve(lin, rows, run.remaining())
    if second.plan is not None and sum(_overrun(run, second.plan, limits).values()) \
            <= v + 1e-6 * max(1.0, v):
        best = second.plan
    return best


def _overrun(run: _Run, plan: Plan, limits: dict[str, float]) -> dict[str, float]:
    f = figures(run.problem, plan)
    out = {}
    for name, limit in limits.items():
        actual = f.metric(name)
        if name == "reliability":
            denom = max(-math.log(limit) if limit > 0 else 1.0, 1e-6)
            out[name] = max(0.0, (math.log(limit) - math.log(actual)) / denom) \
                if actual > 0 and limit > 0 else 0.0
        else:
            out[name] = max(0.0, (actual - limit) / max(limit, 1e-9))
    return out


def _frontier(run: _Run, limits: dict[str, float], cheapest: Proposal) -> list[Proposal]:
    """Cost / latency / reliability trade-offs by epsilon-constraint sweeps.

    Every step that can be kept stays (cutting would win on all three at
    once). One sweep bounds latency at evenly spaced levels between the
    cheapest plan's and the fastest possible and minimises cost (then
    maximises reliability); the other bounds reliability between the cheapest
    plan's and the highest possible and minimises cost (then latency).
    Dominated points are dropped.
    """
    cuts = float(cheapest.figures.cuts)
    base = [*run.budget_rows(limits), (run.form.cuts, "<=", cuts + 1e-6)]
    plans: dict[Any, Plan] = {cheapest.plan.key(): cheapest.plan}

    def sweep(bound: str, sense: str, levels: list[float], then: str) -> None:
        for level in levels:
            if run.remaining() == 0.0:
                return
            lin, _, rhs = run.form.budget_row(bound, level)
            out = run.stages(("cost_usd", then), [*base, (lin, sense, rhs)])
            if out.plan is not None:
                plans.setdefault(out.plan.key(), out.plan)

    fastest = run.stages(("latency_s", "cost_usd"), base)
    safest = run.stages(("reliability", "cost_usd"), base)
    for out in (fastest, safest):
        if out.plan is not None:
            plans.setdefault(out.plan.key(), out.plan)
    c = cheapest.figures
    if fastest.plan is not None:
        lo = figures(run.problem, fastest.plan).latency_s
        levels = [c.latency_s - (c.latency_s - lo) * k / (PARETO_POINTS - 1)
                  for k in range(1, PARETO_POINTS)]
        sweep("latency_s", "<=", levels, "reliability")
    if safest.plan is not None:
        hi = figures(run.problem, safest.plan).reliability
        levels = [c.reliability + (hi - c.reliability) * k / (PARETO_POINTS - 1)
                  for k in range(1, PARETO_POINTS)]
        sweep("reliability", ">=", levels, "latency_s")
    points = [(figures(run.problem, plan), plan) for plan in plans.values()]
    keep = []
    for f, plan in points:
        if any(_dominates(g, f) for g, _ in points if g is not f):
            continue
        keep.append((f.cost_usd, f.latency_s, -f.reliability, plan))
    keep.sort(key=lambda t: t[:3])
    return [run.propose(plan) for *_, plan in keep]


def _dominates(a: PlanFigures, b: PlanFigures) -> bool:
    better = (a.cost_usd <= b.cost_usd and a.latency_s <= b.latency_s
              and a.reliability >= b.reliability)
    return better and (a.cost_usd, a.latency_s, a.reliability) != (
        b.cost_usd, b.latency_s, b.reliability)
