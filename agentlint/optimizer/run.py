"""``agentlint optimize``: objectives, stages, infeasibility, frontier.

A run solves one MILP per stage over one formulation. The default objective is
least change: when the spec misses a budget, fewest cuts, then the fewest
tiers of quality lost, then the fewest edits, then the lowest cost; when the
spec meets its budgets, only changes that lose nothing (no cut, no tier, no
latency, no reliability) and save money, the cheapest with the fewest edits.
The plan is
then polished: every change it does not need is undone (see ``polish``), so
the same input always gives the same, smallest-looking change.

Every plan that is reported is written into the spec's text, the text is
loaded again and estimated: ``after`` is that estimate, so it is exactly what
``agentlint estimate`` says of the rewritten file.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.profile import PROFILE_FILE, overlay_workflow
from agentlint.errors import SpecError, UsageError
from agentlint.graph.estimate import Estimate, estimate
from agentlint.graph.spread import attach
from agentlint.interrupt import TimeUp, alarm_at
from agentlint.metrics import BY_NAME, BY_SHORT, COST, LATENCY, METRICS, RELIABILITY
from agentlint.optimizer.milp import (
    COST_SCALE,
    DEFAULT_GAP,
    LOG_SCALE,
    TIME_SCALE,
    Formulation,
    Lin,
    Outcome,
    pick_solver,
)
from agentlint.optimizer.plan import (
    Plan,
    PlanFigures,
    compare,
    current_plan,
    figures,
    plan_edits,
    plan_json,
    plan_loss,
    write,
)
from agentlint.optimizer.polish import polish
from agentlint.optimizer.problem import Problem, build_problem, keep_quality_only
from agentlint.optimizer.rewrite import Change, Rewrite
from agentlint.optimizer.shadow import MAX_STEPS as SHADOW_MAX_STEPS
from agentlint.optimizer.shadow import ShadowPrice, moved, stage_keys, unit_of
from agentlint.optimizer.start import edits_lower_bound, start_plan
from agentlint.spec.load import load_workflow
from agentlint.spec.model import Workflow

#: the stages of each objective, solved in turn (``cuts``: the number of steps cut), in
#: the order of ``agentlint.optimizer.OBJECTIVES`` (a test holds them equal)
STAGES = {"default": ("cuts", "loss", "edits", COST.name),
          **{m.short: (m.name,) for m in METRICS}}
#: the default objective's stages when the spec already meets its budgets (the plan
#: may then neither lose quality nor spend the latency or reliability the spec has)
WITHIN_BUDGET_STAGES = ("cuts", "loss", COST.name, "edits")
#: the frontier's first point: the cheapest plan with the fewest cuts
PARETO_STAGES = ("cuts", COST.name)
#: stages counted in whole numbers (a later stage keeps them exactly)
COUNTS = ("cuts", "loss", "edits")
#: how far a later stage may let an earlier stage's optimum slip (relative)
LEXICOGRAPHIC_TOLERANCE = 1e-9
#: the tie-break settles at most this many steps whose setting is not their first
#: preference (a solve or more each); beyond, the solver's plan is only polished
MAX_TIE_BREAK_STEPS = 50
PARETO_POINTS = 6
#: plans a hair over a budget (float rounding the solver cannot see) excluded
#: one by one before giving up
MAX_RECHECKS = 50
#: from this many steps on, the default objective's stages start from a greedy plan that
#: meets the budgets (``agentlint.optimizer.start``) and only improve on it; below, the
#: solver finds and proves every stage alone (the 200-step benchmark in about a second)
START_MIN_STEPS = 500
#: above this many steps the stages are not solved at all: the greedy plan is reported
#: with its gap to the lower bounds (at 10,000 steps HiGHS finds no better plan for the
#: edits stage within a minute, and a solve of the model alone costs seconds)
IMPROVE_MAX_STEPS = 5_000
#: a solve is not started with less time than this for the solver (seconds)
MIN_SOLVE_S = 0.05
#: shadow prices get as long as the plan's own solves took, and at least this (seconds)
SHADOW_MIN_S = 5.0
#: how the progress line shows each stage's objective
_UNITS = {COST.name: ("$", "cost"), LATENCY.name: ("s", "latency"),
          RELIABILITY.name: ("%", "reliability"), "cuts": ("steps cut", "steps cut"),
          "loss": ("tiers lost", "quality lost"), "edits": ("edits", "edits")}


@dataclass
class Proposal:
    """A plan with what it does to the spec and its estimate."""

    plan: Plan
    figures: PlanFigures
    rewrite: Rewrite
    estimate: Estimate
    #: the rewritten spec, loaded
    workflow: Workflow

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
    #: infeasible: relative overrun of each budget by the closest plan
    overrun: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""
    notes: list[str] = field(default_factory=list)
    #: the default objective found the spec within its budgets: the plan changes
    #: only what costs no quality (and spends no latency or reliability)
    within_budget: bool = False
    #: the --gap the solves ran with (a plan is optimal within it)
    gap_limit: float = DEFAULT_GAP
    #: what the solvers printed (kept with ``verbose``)
    solver_log: str = ""
    #: per budget, what one more unit of it buys (see ``agentlint.optimizer.shadow``)
    shadow_prices: list[ShadowPrice] = field(default_factory=list)
    #: why a feasible plan is not proven optimal, in words
    unproven: str = "not proven optimal within the time limit"

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
        return BY_SHORT.get(self.objective, COST).of(self.after)

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
            "gap_limit": self.gap_limit,
            "notes": [*p.notes, *self.notes],
            "within_budget": self.within_budget,
            "opportunities": [o.to_json() for o in p.opportunities],
            "shadow_prices": [s.to_json() for s in self.shadow_prices],
        }
        if self.status == "infeasible":
            out["binding"] = list(self.binding)
            out["relaxations"] = dict(self.relaxations)
            out["overrun"] = dict(self.overrun)
            if self.message:
                out["message"] = self.message
        if self.frontier:
            out["frontier"] = [_point_json(p, q) for q in self.frontier]
        return out


def _point_json(p: Problem, q: Proposal) -> dict[str, Any]:
    return {**{m.name: m.of(q.estimate) for m in METRICS}, "calls": q.estimate.calls,
            "plan": plan_json(p, q.plan), "changes": [c.to_json() for c in q.changes]}


class TimeLimitError(UsageError):
    """The time limit ran out before any plan was found (exit 2, one line)."""

    def __init__(self, file: str, limit: float, stage: str) -> None:
        super().__init__(f"{file}: the time limit ({limit:g} s) ran out {stage}, before "
                         "any plan was found (not proven infeasible); raise --time-limit")


class _Run:
    """One command's solves, under one deadline.

    ``time_limit`` counts from ``started`` (the command's start: loading the
    spec counts too) and covers every stage: building the model, the solves,
    the tie-break and the polish, and the rewrite and re-estimate of the plan
    that is reported. A share of it (``reserve``, measured on what loading and
    estimating the spec took) is kept for that last rewrite; each solve gets
    what is left minus what a solve of this model costs outside the solver
    (``overhead``: writing and reading the model, measured after each solve).
    """

    def __init__(self, wf: Workflow, path: str, solver: str, time_limit: float | None,
                 gap: float = DEFAULT_GAP, verbose: bool = False,
                 started: float | None = None, keep_quality: bool = False,
                 lazy: bool = False) -> None:
        start = time.perf_counter()
        self.wf = wf
        self.path = path
        self.time_limit = time_limit
        self.started = start if started is None else started
        self.deadline = None if time_limit is None else self.started + time_limit
        #: seconds kept for rewriting and re-estimating the plan reported
        self.reserve = 0.0
        self.problem = build_problem(wf)
        if keep_quality:
            keep_quality_only(self.problem)
        self.timings: dict[str, float] = {"problem": time.perf_counter() - start}
        self.check_time("while the model was built")
        self.solver = solver
        self._gap = gap
        self._verbose = verbose
        #: an ``agentlint.optimizer.progress.Progress`` told each stage, or None
        self.progress: Any = None
        #: seconds a solve of this model takes outside the solver's own limit (a first
        #: guess, then the most measured): CBC writes and reads files, PuLP copies the
        #: model to HiGHS and the solution back (measured on 3,000 steps: HiGHS about
        #: twice the build, CBC about four times)
        self.overhead = 0.0
        self._form: Formulation | None = None
        if not lazy:  # else built when first needed (``form``)
            self.form  # noqa: B018
        #: the polish was cut short by the time limit
        self.polish_cut = False
        self.proven = True
        self.gap: float | None = None
        self.rechecks = 0
        self.achieved_gap = 0.0
        #: the tie-break settled the plan (see ``tie_break``)
        self.tie_broken = True
        #: solver answers turned down by the check, also with presolve off
        self.rejected: list[str] = []
        #: per stage, a value no plan that meets the budgets goes below (see ``improve``)
        self.floors: dict[str, float] = {}
        #: the edits of the greedy plan the stages started from (``_start``), or None
        self.started_from: int | None = None

    @property
    def form(self) -> Formulation:
        """The MILP, built on first use."""
        if self._form is None:
            form = Formulation(self.problem, self.solver, self._gap, verbose=self._verbose,
                               deadline=self.deadline)
            if form.timed_out:
                assert self.time_limit is not None
                raise TimeLimitError(self.wf.file, self.time_limit,
                                     "while the model was built")
            form.progress = self.progress
            self._form = form
            self.timings["build"] = form.build_seconds
            self.overhead = (4.0 if self.solver == "cbc" else 2.0) * form.build_seconds
        return self._form

    def remaining(self) -> float | None:
        """Seconds left for solving and polishing (the reserve for the report kept)."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self.reserve - time.perf_counter())

    def work_deadline(self) -> float | None:
        """The clock reading (``time.perf_counter``) by which solving and polishing end."""
        return None if self.deadline is None else self.deadline - self.reserve

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def check_time(self, stage: str) -> None:
        """No plan yet and the deadline passed: stop with the reason (exit 2)."""
        if self.out_of_time():
            assert self.time_limit is not None
            raise TimeLimitError(self.wf.file, self.time_limit, stage)

    def solve(self, minimise: Lin, rows: list[tuple[Lin, str, float]],
              cutoff: float | None = None, first: bool = False,
              known: bool = False, share: float | None = None) -> Outcome:
        """One solve in the time left; skipped (status ``unknown``) when none is.
        ``cutoff``, ``first``, ``known``: see ``Formulation.solve``; ``share``: at most
        that many seconds of what is left (the solver's own limit)."""
        left = self.remaining()
        if share is not None:
            left = share if left is None else min(left, share)
        if left is None:
            out = self.form.solve(minimise, rows, None, cutoff, first, known)
        else:
            limit = left - self.overhead
            if limit < MIN_SOLVE_S:
                return Outcome("unknown", None, None, 0.0)
            out = self.form.solve(minimise, rows, limit, cutoff, first, known)
            self.overhead = max(self.overhead, out.seconds - limit)
        if out.rejected and out.rejected not in self.rejected:
            self.rejected.append(out.rejected)
        return out

    # -- rows and values ------------------------------------------------------------------

    def budget_rows(self, limits: dict[str, float]) -> list[tuple[Lin, str, float]]:
        return [self.form.budget_row(name, limit) for name, limit in limits.items()]

    def value(self, plan: Plan, name: str) -> float:
        """The stage objective's value for ``plan``, in the formulation's units."""
        f = figures(self.problem, plan)
        if name == COST.name:
            return f.cost_usd * COST_SCALE
        if name == LATENCY.name:
            return f.latency_s * TIME_SCALE
        if name == RELIABILITY.name:
            return -sum(self.problem.choices[i].options[c].log_success
                        for i, c in enumerate(plan.choice) if c is not None) * LOG_SCALE
        if name == "loss":
            return float(plan_loss(self.problem, plan))
        if name == "edits":
            return float(plan_edits(self.problem, plan))
        return float(f.cuts)

    def stage_row(self, name: str, plan: Plan) -> tuple[Lin, str, float]:
        """The row that keeps stage ``name`` at the value ``plan`` reaches."""
        lin, _ = self.form.objective(name)
        v = self.value(plan, name)
        tol = 1e-6 if name in COUNTS else LEXICOGRAPHIC_TOLERANCE * max(1.0, abs(v))
        return lin, "<=", v + tol

    def stage_names(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """``names`` without the counting stages nothing can change (nothing can be cut,
        no option loses a tier, ...): each would be a solve that proves 0."""
        kept = tuple(name for name in names
                     if name not in COUNTS or self.form.objective(name)[0].terms)
        return kept or names[-1:]

    def stages(self, names: tuple[str, ...], rows: list[tuple[Lin, str, float]],
               known: Plan | None = None, start: Plan | None = None) -> Outcome:
        """Lexicographic minimisation; the outcome of the last stage that found a plan.

        The plan of each stage meets the rows of the next, so its value there is a
        cutoff for that solve (``Formulation.solve``); ``known``, a plan that meets
        ``rows``, gives the first stage's (HiGHS only). A solve with a cutoff that ends
        infeasible, or with a plan above it, is solved again without.

        ``start`` (HiGHS only), a plan that meets ``rows``, makes every stage an
        improvement on the plan so far (``improve``): the stages then always end
        with a plan, proven or with its gap.
        """
        rows = list(rows)
        best: Outcome | None = None
        names = self.stage_names(names)
        if start is not None and self.solver == "highs":
            best = Outcome("optimal", start, None, 0.0)
        for k, name in enumerate(names):
            lin, factor = self.form.objective(name)
            if self.progress is not None:
                self.progress.stage(f"solving ({_UNITS[name][1]})",
                                    _UNITS[name][0], factor)
            if start is not None and best is not None:
                best = self.improve(name, lin, rows, best.plan, len(names) - k)
                assert best.plan is not None
                if k + 1 < len(names):
                    rows.append(self.stage_row(name, best.plan))
                continue
            plan = known if best is None else best.plan
            bound = None if plan is None or self.solver != "highs" \
                else self.stage_row(name, plan)[2]
            # the previous stage's plan meets these rows: "infeasible" is a solver error
            # (solved again with presolve off, see ``Formulation.solve``)
            out = self.solve(lin, rows, bound, known=plan is not None)
            if bound is not None and (out.status == "infeasible" or out.rejected or (
                    out.plan is not None and self.value(out.plan, name) > bound)):
                out = self.solve(lin, rows, known=plan is not None)
            if out.plan is None:
                if best is None:
                    return out
                self.proven = False
                break
            self.note(out)
            best = out
            if k + 1 < len(names):
                rows.append(self.stage_row(name, out.plan))
            if self.remaining() == 0.0:
                break
        assert best is not None
        return best

    def note(self, out: Outcome) -> None:
        """What a stage's solve proves: an answer not proven optimal leaves the plan
        unproven, its gap the first one known; a proven one may have been proven within
        a gap, the largest kept."""
        if out.status != "optimal":
            self.proven = False
            if self.gap is None:
                self.gap = out.gap
        elif out.gap is not None:
            self.achieved_gap = max(self.achieved_gap, out.gap)

    def improve(self, name: str, lin: Lin | None, rows: list[tuple[Lin, str, float]],
                plan: Plan | None, left: int) -> Outcome:
        """Stage ``name`` from ``plan``, which meets ``rows``: a solve for a plan better
        than it (the cutoff: a whole unit less for a count, the optimality gap less
        otherwise) in a share of the time left (``left`` stages to go share it).

        No such plan ("infeasible") proves ``plan`` optimal; none found in time keeps
        it, feasible, with the gap to the solver's lower bound (the bound is the least
        of the plan's value and the solver's bound on the plans below the cutoff).
        A count stage at its floor (``floors``) is proven without a solve; with ``lin``
        None nothing is solved (the plan and its gap to the floor).
        """
        assert plan is not None
        v = self.value(plan, name)
        floor = self.floors.get(name, 0.0)
        if name in COUNTS and v < floor + 0.5:
            return Outcome("optimal", plan, None, 0.0)
        if name in COUNTS:
            cutoff = v - 0.5
        else:
            cutoff = v - max(self._gap, LEXICOGRAPHIC_TOLERANCE) * max(1.0, abs(v))
        remaining = self.remaining()
        share = None if remaining is None else remaining / max(1, left)
        if lin is None:
            out = Outcome("unknown", None, None, 0.0)  # not solved: the plan, its gap
        else:
            out = self.solve(lin, rows, cutoff, share=share)
        if out.plan is not None and self.value(out.plan, name) <= v:
            self.note(out)
            return out
        if out.status == "infeasible" and not out.rejected:
            if name not in COUNTS:
                self.achieved_gap = max(self.achieved_gap, self._gap)
            return Outcome("optimal", plan, None, out.seconds)
        # the solver's bound covers the plans below the cutoff; the others are >= v
        low = floor if out.bound is None else max(floor, min(v, out.bound))
        if name in COUNTS and low > v - 1.0 + 1e-6:
            return Outcome("optimal", plan, None, out.seconds)  # no whole number between
        self.proven = False
        gap = (v - low) / max(abs(v), 1e-12)
        if self.gap is None:
            self.gap = gap
        return Outcome("feasible", plan, gap, out.seconds)

    def unsolved(self, names: tuple[str, ...], plan: Plan) -> Outcome:
        """``plan`` judged stage by stage against the floors alone, with no solve."""
        for name in names:
            if self.improve(name, None, [], plan, 1).status != "optimal":
                break
        return Outcome("optimal" if self.proven else "feasible", plan, self.gap, 0.0)

    # -- proposals ------------------------------------------------------------------------

    def propose(self, plan: Plan) -> Proposal:
        if self.progress is not None:
            self.progress.stage("re-checking the plan")
        rw = write(self.problem, plan)
        try:
            wf = load_workflow(self.path, display=self.wf.file, text=rw.text)
        except SpecError as exc:  # a bug in the rewriter: never write such a file
            raise RuntimeError(f"the rewritten spec does not load: {exc}") from None
        profile = self.wf.extra.get(PROFILE_FILE)
        if profile is not None:  # --profile: the plan is re-checked on the same figures
            overlay_workflow(wf, profile)
        return Proposal(plan, figures(self.problem, plan), rw, estimate(wf), wf)


def optimize(wf: Workflow, *, objective: str = "default", solver: str = "auto",
             time_limit: float | None = 60.0, pareto: bool = False,
             path: str | None = None, gap: float = DEFAULT_GAP,
             verbose: bool = False, started: float | None = None,
             progress: Any = None) -> Result:
    """Propose the best change to ``wf`` that meets its budgets.

    ``time_limit`` (seconds) counts from ``started`` (a ``time.perf_counter``
    reading; default: now) and covers the whole run (see ``_Run``): when it
    runs out, the best plan found so far is returned with its gap, and
    :class:`TimeLimitError` is raised when there is none. ``progress`` (an
    ``agentlint.optimizer.progress.Progress``) is told each stage.
    """
    if objective not in STAGES:  # the objectives: agentlint.optimizer.OBJECTIVES
        raise UsageError(f"unknown objective '{objective}'; use one of "
                         + ", ".join(STAGES))
    if wf.format != "agentlint":
        raise UsageError(f"optimize rewrites native agentlint specs; {wf.file} is a "
                         f"{wf.format} file (agentlint convert prints its native spec)")
    if not 0 <= gap < 1:
        raise UsageError("--gap is a relative optimality gap between 0 and 1")
    started = time.perf_counter() if started is None else started
    entered = time.perf_counter()
    try:
        # no clock is read while the solver is chosen, the model built, the spec estimated
        with alarm_at(None if time_limit is None else started + time_limit):
            name = pick_solver(solver)
            if progress is not None:
                progress.stage("building the model")
            shown = time.perf_counter()
            before = estimate(wf)
            if wf.budgets.percentile_items():
                attach(before, wf)
            estimated = time.perf_counter() - shown
            # within budget, the default objective changes only what costs no quality
            within = objective == "default" and not pareto and meets_all(
                dict(wf.budgets.items()))(before) and not before.over_budget
            # the stages of a large workflow may need no model at all (``_start``)
            lazy = objective == "default" and not within and not pareto \
                and name == "highs" and len(wf.steps) > IMPROVE_MAX_STEPS
            run = _Run(wf, path or wf.file, name, time_limit, gap, verbose, started,
                       keep_quality=within, lazy=lazy)
            run.progress = progress
            if run._form is not None:
                run._form.progress = progress
    except TimeUp:
        assert time_limit is not None
        raise TimeLimitError(wf.file, time_limit, "while the model was built") from None
    if time_limit is not None:
        # the plan reported is loaded and estimated again, then printed: keep what loading
        # and estimating took at the start, and half as much again, at most half the limit
        again = (entered - started) + estimated
        run.reserve = min(0.5 * time_limit, 1.5 * again + 0.05)
    result = Result("optimal", "pareto" if pareto else objective, before, run.problem, name)
    limits = dict(wf.budgets.items())
    goal = "default" if pareto else objective
    # the frontier starts from the cheapest plan that keeps every step it can
    stages = PARETO_STAGES if pareto else STAGES[goal]
    solve_limits = limits
    if within:
        # within budget: change only what costs no quality and spends no slack
        result.within_budget = True
        stages = WITHIN_BUDGET_STAGES
        solve_limits = {**limits, LATENCY.name: min(limits.get(LATENCY.name, math.inf),
                                                    before.latency_s),
                        RELIABILITY.name: max(limits.get(RELIABILITY.name, 0.0),
                                              before.reliability)}
    outcome, proposal = _solve_checked(run, stages, solve_limits)
    if proposal is None and outcome is not None and outcome.status == "unknown" \
            and run.deadline is not None:
        run.check_time("during the solves")
        assert run.time_limit is not None
        raise TimeLimitError(wf.file, run.time_limit, "during the solves")
    if proposal is None:
        _infeasible(run, result, limits, outcome)
    else:
        result.proposal = proposal
        if pareto:
            result.frontier = _frontier(run, limits, result.proposal)
        elif wf.budgets.percentile_items():
            # a moved budget's plan would need its own percentile re-checks
            result.notes.append("no shadow prices: the spec has a percentile budget, "
                                "which the solver holds only by re-checking each plan")
        else:
            result.shadow_prices = _shadow_prices(run, result, stages, goal)
        result.status = "optimal" if run.proven else "feasible"
    result.proven = run.proven
    result.gap = run.achieved_gap if run.proven else run.gap
    result.gap_limit = gap
    form = run._form
    result.solver_log = "" if form is None else "".join(form.log)
    if run.polish_cut and result.proposal is not None:
        result.notes.append("the time limit cut the polish short: the plan may change "
                            "more than it needs to")
    if run.rejected:
        result.notes.append("a solver answer the check against the model's own rows "
                            "turned down (also with presolve off) was not used: "
                            + "; ".join(run.rejected[:3]))
    if run.started_from is not None and not run.proven and result.proposal is not None:
        unsolved = run.problem.n > IMPROVE_MAX_STEPS
        if unsolved:
            result.unproven = f"a greedy plan, not solved above {IMPROVE_MAX_STEPS:,} steps"
        solved = (f"not solved further above {IMPROVE_MAX_STEPS:,} steps" if unsolved
                  else "the solver improved on it in the time it had")
        result.notes.append(
            f"the plan starts from a greedy one that meets the budgets with "
            f"{run.started_from} edits ({solved}); every plan that meets them makes at "
            f"least {run.floors['edits']:.0f} edits: the gap is to that bound"
            + ("" if unsolved else ", or to the solver's"))
    if not run.tie_broken and result.proposal is not None:
        result.notes.append("the tie-break between equally good plans was skipped (too "
                            "many steps to settle, the time limit, or a plan not proven "
                            "optimal): another solver may "
                            "return another plan of the same value")
    run.timings["solve"] = 0.0 if form is None else form.solve_seconds
    run.timings["total"] = time.perf_counter() - started
    run.timings["solves"] = float(0 if form is None else form.solves)
    result.timings = run.timings
    return result


def score_of(objective: str) -> Callable[[PlanFigures], tuple[float, ...]]:
    """What a plan is judged by, smaller first (lexicographic).

    The polish only ever moves a step back to the spec's setting (fewer edits, no
    tier lost), so for the default objective cuts and cost are all it needs to read.
    """
    if objective == "default":
        return lambda f: (float(f.cuts), f.cost_usd)
    m = BY_SHORT[objective]
    return lambda f: (m.score(f.metric(m.name)),)


def meets_all(limits: dict[str, float]) -> Callable[[PlanFigures | Estimate], bool]:
    """Do a plan's figures, or an estimate, meet every budget of ``limits``?"""
    return lambda f: all(BY_NAME[k].within(BY_NAME[k].of(f), v) for k, v in limits.items())


def _solve_checked(run: _Run, stages: tuple[str, ...], limits: dict[str, float]
                   ) -> tuple[Outcome | None, Proposal | None]:
    """Solve, polish, then check the plan against the budgets with the estimate itself.

    The solver's tolerances (and float rounding between plans whose figures
    are mathematically equal) could let a plan a hair over a budget through;
    such a plan is excluded (a no-good row) and the stages run again. The
    percentile budgets (``latency_p95_s``, ``cost_p95_usd``), which no linear row
    holds, are checked here the same way, on the plan's run distribution: a plan
    that misses one is excluded and the stages run again (docs/optimizer.md).
    """
    meets = meets_all(limits)
    percentiles = bool(run.wf.budgets.percentile_items())
    outcome: Outcome | None
    start = _start(run, stages, limits)
    if start is not None and run.problem.n > IMPROVE_MAX_STEPS:
        # not solved (the greedy plan, undone where it can be already, with its gap); the
        # model is built only when the estimate turns the plan down
        outcome = run.unsolved(stages, start)
        run.tie_broken = False
        proposal, ok = _proposed(run, start, meets, percentiles)
        if ok:
            return outcome, proposal
        run.proven, run.gap, start = True, None, None
    rows = run.budget_rows(limits)
    banned: set[Any] = set()
    outcome = None
    for _ in range(MAX_RECHECKS):
        outcome = run.stages(stages, rows, start=start)
        if outcome.plan is None:
            return outcome, None
        plan = outcome.plan
        if run.proven:  # the tie-break chooses among optima: none is proven otherwise
            plan = tie_break(run, stages, rows, plan)
        else:
            run.tie_broken = False
        objective = "default" if stages[0] == "cuts" else BY_NAME[stages[0]].short
        plan = _polish(run, plan, score_of(objective), meets, banned)
        proposal, ok = _proposed(run, plan, meets, percentiles)
        if ok:
            return outcome, proposal
        for bad in (outcome.plan, plan):
            if bad.key() not in banned:
                banned.add(bad.key())
                rows.append(run.form.nogood(bad))
        run.rechecks += 1
        start = None
        if run.remaining() == 0.0:
            run.proven = False
            return Outcome("unknown", None, None, 0.0), None
    run.proven = False
    return None, None


def _proposed(run: _Run, plan: Plan, meets: Callable[[PlanFigures | Estimate], bool],
              percentiles: bool) -> tuple[Proposal, bool]:
    """The proposal of ``plan`` (with its run distribution when a budget names a
    percentile) and whether its estimate is within every budget."""
    proposal = run.propose(plan)
    if percentiles:
        attach(proposal.estimate, proposal.workflow)
    return proposal, meets(proposal.estimate) and not (
        percentiles and bool(proposal.estimate.over_budget))


def _start(run: _Run, stages: tuple[str, ...], limits: dict[str, float]) -> Plan | None:
    """The greedy plan the default objective's stages improve on (``start``), from
    ``START_MIN_STEPS`` steps on and with HiGHS; None otherwise, or when it finds none."""
    if stages != STAGES["default"] or run.solver != "highs" \
            or run.problem.n < START_MIN_STEPS:
        return None
    began = time.perf_counter()
    if run.progress is not None:
        run.progress.stage("finding a plan that meets the budgets")
    p = run.problem
    done: list[bool] = []
    plan = start_plan(p, limits, run.work_deadline(), done)
    if plan is not None and not done:
        run.polish_cut = True
    if plan is not None:
        # with no step cut (the start cuts none, so the cuts stage keeps 0), no plan
        # costs less than every step on its cheapest option
        run.started_from = plan_edits(p, plan)
        run.floors = {"edits": float(edits_lower_bound(p, limits)),
                      COST.name: max(0.0, math.fsum(min(o.cost for o in c.options)
                                                    for c in p.choices)) * COST_SCALE}
    run.timings["start"] = time.perf_counter() - began
    return plan


def _shadow_prices(run: _Run, result: Result, stages: tuple[str, ...],
                   objective: str) -> list[ShadowPrice]:
    """What one more unit of each budget buys, by solving again with it moved (see
    ``agentlint.optimizer.shadow``); the run's own status and gap are left as they were.
    """
    proposal = result.proposal
    limits = dict(run.wf.budgets.items())
    if proposal is None or not limits:
        return []
    if result.within_budget:
        # the solves bound latency and reliability by the spec's own figures and the
        # cost stage is below its ceiling: moving a budget moves none of the rows
        return [ShadowPrice(name, limit, unit_of(name, limit), "not binding",
                            reason="the spec is within its budgets and least change "
                                   "spends none of their slack") for name, limit in
                limits.items()]
    if run.problem.n > SHADOW_MAX_STEPS:
        return [ShadowPrice(name, limit, unit_of(name, limit), "skipped",
                            reason=f"{run.problem.n:,} steps, more than "
                                   f"{SHADOW_MAX_STEPS:,}: a re-solve per budget")
                for name, limit in limits.items()]
    began = time.perf_counter()
    saved = (run.proven, run.gap, run.achieved_gap, run.polish_cut)
    # as long as the plan's own solves took (at least SHADOW_MIN_S), within the limit
    cap = began + max(SHADOW_MIN_S, run.form.solve_seconds)
    deadline = run.deadline
    run.deadline = cap if deadline is None else min(deadline, cap)
    base = proposal.plan
    score = score_of(objective if objective in BY_SHORT else "default")
    names = run.stage_names(stages)
    out = []
    for name, limit in limits.items():
        unit = unit_of(name, limit)
        if unit is None:
            out.append(ShadowPrice(name, limit, None, "skipped",
                                   reason="the budget cannot move by one unit"))
            continue
        if run.remaining() == 0.0:
            out.append(ShadowPrice(name, limit, unit, "skipped", reason=_OUT_OF_TIME))
            continue
        if run.progress is not None:
            run.progress.stage(f"pricing the {name} budget")
        looser = {**limits, name: moved(name, limit, unit)}
        run.proven = True
        solved = run.stages(stages, run.budget_rows(looser), known=base)
        if solved.plan is None or not run.proven:
            out.append(ShadowPrice(name, limit, unit, "skipped", reason=_OUT_OF_TIME))
            continue
        plan = _polish(run, solved.plan, score, meets_all(looser))
        if not _better(run, names, plan, base):
            out.append(ShadowPrice(name, limit, unit, "not binding",
                                   delta={k: 0.0 for k in _delta(run, base, base)}))
            continue
        out.append(ShadowPrice(name, limit, unit, "binding", delta=_delta(run, plan, base),
                               stages=stage_keys(names)))
    run.proven, run.gap, run.achieved_gap, run.polish_cut = saved
    run.deadline = deadline
    run.timings["shadow"] = time.perf_counter() - began
    return out


_OUT_OF_TIME = ("not proven optimal in the time shadow prices get (as long as the plan's "
                "own solves took, within the time limit)")


def _better(run: _Run, names: tuple[str, ...], plan: Plan, base: Plan) -> bool:
    """Is ``plan`` better than ``base`` on the stages, lexicographically, by more than
    the optimality gap both were solved to (counts: by a whole unit)?"""
    def place(name: str) -> tuple[float, float, float]:
        a, b = run.value(plan, name), run.value(base, name)
        tol = 0.5 if name in COUNTS else max(run.form.gap, LEXICOGRAPHIC_TOLERANCE) * max(
            abs(a), abs(b), 1.0)
        return a, b, tol

    return compare(map(place, names)) < 0


def _delta(run: _Run, plan: Plan, base: Plan) -> dict[str, float]:
    """``plan`` minus ``base``: steps cut, tiers lost, edits, and each metric."""
    p = run.problem
    f, g = figures(p, plan), figures(p, base)
    return {"cuts": float(f.cuts - g.cuts),
            "tiers_lost": float(plan_loss(p, plan) - plan_loss(p, base)),
            "edits": float(plan_edits(p, plan) - plan_edits(p, base)),
            COST.name: f.cost_usd - g.cost_usd, LATENCY.name: f.latency_s - g.latency_s,
            RELIABILITY.name: f.reliability - g.reliability}


def preference(p: Problem, i: int) -> list[int | None]:
    """Step ``i``'s settings, most preferred first: the spec's own, then those that change
    fewer fields (model, retries), in the order of the options; a cut last."""
    choice = p.choices[i]
    order: list[int | None] = [choice.current]
    others: list[int] = sorted((j for j in range(len(choice.options)) if j != choice.current),
                               key=lambda j: (choice.options[j].changes, j))
    order.extend(others)
    if choice.cuttable:
        order.append(None)
    return order


def tie_break(run: _Run, names: tuple[str, ...], rows: list[tuple[Lin, str, float]],
              plan: Plan) -> Plan:
    """The canonical plan among those as good as ``plan`` on every stage.

    Step by step in listing order, each step takes its most preferred setting
    (``preference``) that some plan as good as the optimum on every stage
    still allows, given the steps before it. A solve per step whose setting is
    not its first preference, and one more each time it finds a better one, so
    the answer does not depend on which of
    several equal optima the solver returned. The grouping is settled after
    this, by the polish (``canonical_groups``). Skipped (the plan is only
    polished) when more than ``MAX_TIE_BREAK_STEPS`` steps would need a solve
    or time runs out; ``run.tie_broken`` says which.
    """
    p = run.problem
    form = run.form
    prefs = [preference(p, i) for i in range(p.n)]
    if sum(1 for i, c in enumerate(plan.choice) if c != prefs[i][0]) > MAX_TIE_BREAK_STEPS:
        run.tie_broken = False
        return plan
    if run.progress is not None:
        run.progress.stage("choosing among equally good plans")
    kept = run.stage_names(names)
    rows = [*rows, *(run.stage_row(name, plan) for name in kept)]
    # Each solve asks whether a plan meets the rows. With HiGHS the last stage's
    # expression is minimised under its own row's bound as a cutoff: the same question,
    # answered with the bound pruning the search (several times faster at 200 steps).
    last, _, bound = rows[-1]
    minimise, cutoff = (last, bound) if run.solver == "highs" and kept else (Lin(), None)
    fixed: list[tuple[Lin, str, float]] = []
    for i in range(p.n):
        while True:
            rank = prefs[i].index(plan.choice[i])
            if rank == 0 or run.remaining() == 0.0:
                break
            out = run.solve(minimise, [*rows, *fixed, form.takes(i, prefs[i][:rank])],
                            cutoff, first=True)
            # HiGHS stops at the first plan within the cutoff (status feasible): a plan
            # that meets the rows either way, as an optimal one does
            if out.plan is None or not (out.status == "optimal" or (
                    cutoff is not None and out.status == "feasible")):
                if out.status not in ("infeasible", "optimal"):
                    run.tie_broken = False  # time ran out: not settled
                break
            plan = out.plan
        if len(prefs[i]) > 1:
            fixed.append(form.takes(i, [plan.choice[i]]))
    return plan


def _infeasible(run: _Run, result: Result, limits: dict[str, float],
                outcome: Outcome | None) -> None:
    result.status = "infeasible"
    if outcome is None or outcome.status != "infeasible":
        run.proven = False
        result.message = ("no plan found within the time limit (not proven infeasible)"
                          if outcome is not None else "every plan found was over a budget "
                          "by a rounding error; not proven infeasible")
        return
    relaxations: dict[str, float | None] = {}
    for name in limits:
        others = {k: v for k, v in limits.items() if k != name}
        out = run.stages((name,), run.budget_rows(others))
        if out.plan is None:
            if out.status != "infeasible":  # time ran out: say nothing rather than guess
                run.proven = False
                continue
            relaxations[name] = None
            continue
        relaxations[name] = getattr(run.propose(out.plan).estimate, name)
    result.relaxations = relaxations
    result.binding = [k for k, v in relaxations.items() if v is not None]
    closest = _closest(run, limits)
    if closest is not None:
        result.proposal = run.propose(closest)
        result.overrun = _overrun_of(figures(run.problem, closest), limits)
    if not result.binding:  # no budget alone: those the closest plan overruns bind
        result.binding = [k for k, v in result.overrun.items() if v > 0] or list(limits)


def _closest(run: _Run, limits: dict[str, float]) -> Plan | None:
    """The plan with the smallest total relative overrun of the budgets."""
    form = run.form
    total = Lin()
    rows: list[tuple[Lin, str, float]] = []
    for name, limit in limits.items():
        lin, _, rhs = form.budget_row(name, limit)
        slack = form.slack(f"over_{name}")
        if name == RELIABILITY.name:  # bounded in logs: the overrun is relative in logs
            denom = max(-math.log(limit) if limit > 0 else 1.0, 1e-6) * LOG_SCALE
            rows.append((Lin().add_lin(lin).add(slack, 1.0), ">=", rhs))
        else:
            scale = form.budget_lins[name][2]
            denom = max(limit, 1e-9) * scale
            rows.append((Lin().add_lin(lin).add(slack, -1.0), "<=", rhs))
        total.add(slack, 1.0 / denom)
    if not total.terms:
        return None
    out = run.solve(total, rows)
    if out.plan is None:
        return None
    if out.status != "optimal":
        run.proven = False

    def score(f: PlanFigures) -> tuple[float, ...]:
        return (sum(_overrun_of(f, limits).values()),)

    return _polish(run, out.plan, score, lambda f: True)


def _overrun_of(f: PlanFigures, limits: dict[str, float]) -> dict[str, float]:
    out = {}
    for name, limit in limits.items():
        actual = f.metric(name)
        if name == RELIABILITY.name:
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
    keep_steps = meets_all(limits)

    def found(first: str, extra: list[tuple[Lin, str, float]],
              ok: Callable[[PlanFigures], bool], then: str) -> Plan | None:
        out = run.stages((first, then), base + extra)
        if out.plan is None:
            return None
        settled = tie_break(run, (first, then), base + extra, out.plan)

        def score(f: PlanFigures) -> tuple[float, ...]:
            return (*score_of(BY_NAME[first].short)(f), *score_of(BY_NAME[then].short)(f))

        plan = _polish(run, settled, score,
                       lambda f: ok(f) and keep_steps(f) and f.cuts <= cuts)
        plans.setdefault(plan.key(), plan)
        return plan

    fastest = found(LATENCY.name, [], lambda f: True, COST.name)
    safest = found(RELIABILITY.name, [], lambda f: True, COST.name)
    c = cheapest.figures
    if fastest is not None:
        lo = figures(run.problem, fastest).latency_s
        for k in range(1, PARETO_POINTS):
            if run.remaining() == 0.0:
                break
            level = c.latency_s - (c.latency_s - lo) * k / (PARETO_POINTS - 1)
            lin, sense, rhs = run.form.budget_row(LATENCY.name, level)
            found(COST.name, [(lin, sense, rhs)], _at_most_latency(level), RELIABILITY.name)
    if safest is not None:
        hi = figures(run.problem, safest).reliability
        for k in range(1, PARETO_POINTS):
            if run.remaining() == 0.0:
                break
            level = c.reliability + (hi - c.reliability) * k / (PARETO_POINTS - 1)
            lin, sense, rhs = run.form.budget_row(RELIABILITY.name, level)
            found(COST.name, [(lin, sense, rhs)], _at_least_reliability(level), LATENCY.name)
    points = [(figures(run.problem, plan), plan) for plan in plans.values()]
    keep = []
    for f, plan in points:
        if any(_dominates(g, f) for g, _ in points if g is not f):
            continue
        keep.append((f.cost_usd, f.latency_s, -f.reliability, plan))
    keep.sort(key=lambda t: t[:3])
    out = []
    for *_, plan in keep:  # the cheapest plan is proposed already: the others in the time left
        if plan.key() == cheapest.plan.key():
            out.append(cheapest)
        elif not run.out_of_time():
            out.append(run.propose(plan))
    return out


def _polish(run: _Run, plan: Plan, score: Callable[[PlanFigures], tuple[float, ...]],
            ok: Callable[[PlanFigures], bool], banned: set[Any] | None = None) -> Plan:
    """``polish`` until the deadline; the plan as far as it got when that passes."""
    done: list[bool] = []
    if run.progress is not None:
        run.progress.stage("undoing the changes the plan does not need")
    out = polish(run.problem, plan, score, ok, banned, deadline=run.work_deadline(),
                 finished=done)
    if not done:
        run.polish_cut = True
    return out


def _dominates(a: PlanFigures, b: PlanFigures) -> bool:
    better = (a.cost_usd <= b.cost_usd and a.latency_s <= b.latency_s
              and a.reliability >= b.reliability)
    return better and (a.cost_usd, a.latency_s, a.reliability) != (
        b.cost_usd, b.latency_s, b.reliability)


def _at_most_latency(level: float) -> Callable[[PlanFigures], bool]:
    return lambda f: f.latency_s <= level


def _at_least_reliability(level: float) -> Callable[[PlanFigures], bool]:
    return lambda f: f.reliability >= level
