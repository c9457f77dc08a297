"""The cost model: expected and worst-case cost, latency and reliability of a run.

The formulas are those of docs/cost-model.md, which follows the design of
record exactly. The per-step part (:func:`step_figures`) is separate from the
aggregation so the optimizer prices every (model, retries) option with the
very same code the estimate uses: its plans re-estimate to the figures it
reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from agentlint.graph.build import BranchKey, Graph, build_graph, exec_preds, longest_path
from agentlint.metrics import BUDGET_BY_NAME, Metric
from agentlint.record import Record
from agentlint.spec.deps import successors, topological_order
from agentlint.spec.load import DEFAULT_TOOL_P_OK, DEFAULT_TOOL_TIME_S
from agentlint.spec.model import Model, Stage, Step, Workflow
from agentlint.spec.tokens import prefix_tokens, text_tokens

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from agentlint.graph.quantiles import Spread

#: Providers cache a prompt prefix only from this length on (OpenAI, Anthropic: 1024).
CACHE_MIN_TOKENS = 1024
#: A response-cache hit costs nothing, cannot fail and takes this long.
CACHE_HIT_TIME_S = 0.01
#: ``wf.extra`` key: step id -> input tokens of a call read from the prompt cache, for a
#: step whose ``input_tokens`` a profile gives (``agentlint calibrate`` measures them)
CACHED_INPUT = "cached_input_tokens"


class Tokens(Record):
    """Tokens a step reads (of them cached) and writes, per call."""

    __slots__ = ("cached", "input", "output")
    __match_args__ = ("input", "cached", "output")

    input: float
    cached: float
    output: float

    def __init__(self, input: float, cached: float, output: float) -> None:
        self.input = input
        self.cached = cached
        self.output = output


class Figures(Record):
    """One step's figures for one run in which it runs once (no routing, no loop)."""

    __slots__ = ("calls", "cost", "cost_max", "success", "time", "time_max")
    __match_args__ = ("cost", "time", "success", "cost_max", "time_max", "calls")

    cost: float
    time: float
    success: float
    cost_max: float
    time_max: float
    calls: float

    def __init__(self, cost: float, time: float, success: float, cost_max: float, time_max: float,
                 calls: float) -> None:
        self.cost = cost
        self.time = time
        self.success = success
        self.cost_max = cost_max
        self.time_max = time_max
        self.calls = calls


class StepEstimate(Record):
    """One step's share of a run: calls, tokens, cost, latency, reliability."""

    __slots__ = ("cached_tokens", "calls", "cascade", "cost_usd", "cost_usd_max", "critical",
                 "id", "input_tokens", "latency_s", "latency_s_max", "model", "output_tokens",
                 "reliability", "runs")
    __match_args__ = ("id", "model", "runs", "input_tokens", "cached_tokens", "output_tokens",
                      "calls", "cost_usd", "latency_s", "reliability", "cost_usd_max",
                      "latency_s_max", "critical", "cascade")

    id: str
    model: str | None
    runs: float
    input_tokens: float
    cached_tokens: float
    output_tokens: float
    calls: float
    cost_usd: float
    latency_s: float
    reliability: float
    cost_usd_max: float
    latency_s_max: float
    critical: bool
    #: the models a cascade asks before ``model``, in order (none: ``model`` alone)
    cascade: tuple[str, ...]

    def __init__(self, id: str, model: str | None, runs: float, input_tokens: float,
                 cached_tokens: float, output_tokens: float, calls: float, cost_usd: float,
                 latency_s: float, reliability: float, cost_usd_max: float, latency_s_max: float,
                 critical: bool = False, cascade: tuple[str, ...] = ()) -> None:
        self.id = id
        self.model = model
        self.runs = runs
        self.input_tokens = input_tokens
        self.cached_tokens = cached_tokens
        self.output_tokens = output_tokens
        self.calls = calls
        self.cost_usd = cost_usd
        self.latency_s = latency_s
        self.reliability = reliability
        self.cost_usd_max = cost_usd_max
        self.latency_s_max = latency_s_max
        self.critical = critical
        self.cascade = cascade

    def to_json(self) -> dict[str, object]:
        """One entry of ``steps`` in ``agentlint estimate --format json`` (contract keys,
        and ``cascade`` for a step that has one)."""
        out: dict[str, object] = {
            "id": self.id, "model": self.model, "cost_usd": self.cost_usd,
            "latency_s": self.latency_s, "reliability": self.reliability, "runs": self.runs,
            "calls": self.calls, "input_tokens": self.input_tokens,
            "cached_input_tokens": self.cached_tokens, "output_tokens": self.output_tokens,
            "cost_usd_max": self.cost_usd_max, "latency_s_max": self.latency_s_max,
            "critical": self.critical}
        if self.cascade:
            out["cascade"] = list(self.cascade)
        return out


class BudgetCheck(Record):
    """One budget of the spec next to the estimated figure."""

    __slots__ = ("actual", "limit", "name")
    __match_args__ = ("name", "limit", "actual")

    name: str
    limit: float
    actual: float

    def __init__(self, name: str, limit: float, actual: float) -> None:
        self.name = name
        self.limit = limit
        self.actual = actual

    @property
    def metric(self) -> Metric:
        return BUDGET_BY_NAME[self.name]

    @property
    def ok(self) -> bool:
        return self.metric.within(self.actual, self.limit)


class Estimate(Record):
    """A workflow's expected cost, latency and reliability per run, step by step."""

    __slots__ = ("budgets", "calls", "cost_usd", "cost_usd_max", "critical_path", "file",
                 "latency_s", "latency_s_max", "name", "reliability", "spread", "steps")
    __match_args__ = ("name", "file", "cost_usd", "cost_usd_max", "latency_s", "latency_s_max",
                      "reliability", "calls", "critical_path", "steps", "budgets", "spread")

    name: str
    file: str
    cost_usd: float
    cost_usd_max: float
    latency_s: float
    latency_s_max: float
    reliability: float
    calls: float
    critical_path: list[str]
    steps: list[StepEstimate]
    budgets: list[BudgetCheck]
    #: the run distribution (percentiles), when computed (agentlint.graph.spread.attach)
    spread: Spread | None

    def __init__(self, name: str, file: str, cost_usd: float, cost_usd_max: float,
                 latency_s: float, latency_s_max: float, reliability: float, calls: float,
                 critical_path: list[str], steps: list[StepEstimate],
                 budgets: list[BudgetCheck] | None = None, spread: Spread | None = None
                 ) -> None:
        self.name = name
        self.file = file
        self.cost_usd = cost_usd
        self.cost_usd_max = cost_usd_max
        self.latency_s = latency_s
        self.latency_s_max = latency_s_max
        self.reliability = reliability
        self.calls = calls
        self.critical_path = critical_path
        self.steps = steps
        self.budgets = [] if budgets is None else budgets
        self.spread = spread

    @property
    def over_budget(self) -> list[BudgetCheck]:
        return [b for b in self.budgets if not b.ok]

    def to_json(self, include_steps: bool = True) -> dict[str, object]:
        """The contract object of ``agentlint estimate --format json``."""
        data: dict[str, object] = {
            "name": self.name,
            "file": self.file,
            "cost_usd": self.cost_usd,
            "cost_usd_max": self.cost_usd_max,
            "latency_s": self.latency_s,
            "latency_s_max": self.latency_s_max,
            "reliability": self.reliability,
            "calls": self.calls,
            "critical_path": list(self.critical_path),
        }
        if include_steps:
            data["steps"] = [s.to_json() for s in self.steps]
        data["budgets"] = {b.name: {"limit": b.limit, "actual": b.actual, "ok": b.ok}
                           for b in self.budgets}
        if self.spread is not None:
            data["percentiles"] = self.spread.to_json()
        return data


# -- per step --------------------------------------------------------------------------


def step_tokens(wf: Workflow, step: Step) -> Tokens:
    """Input, cacheable-prefix and output tokens of one call of ``step``."""
    if step.input_tokens is not None:
        static = step.input_tokens
        # a profile laid over the spec may say how much of it the prompt cache served
        cached = float(wf.extra.get(CACHED_INPUT, {}).get(step.id, 0.0))
    else:
        static = float(text_tokens(step.system) + text_tokens(step.prompt))
        # the system prompt's stable prefix, and the prompt's when it has no placeholder
        reusable = prefix_tokens(step.system, step.prompt)
        cached = float(reusable) if reusable >= CACHE_MIN_TOKENS else 0.0
    referenced = referenced_tokens(wf, step)
    return Tokens(static + referenced, min(cached, static), step.output_tokens)


def referenced_tokens(wf: Workflow, step: Step, outputs: Mapping[str, float] | None = None
                      ) -> float:
    """Tokens a call of ``step`` reads from run inputs and step outputs (all copies of a
    fanned-out step; a step named twice as context, once), each step's output of the
    size ``outputs`` gives (calibrate's measures), else the spec's."""
    referenced = 0.0
    seen_steps: set[str] = set()
    for ref in step.refs:
        if ref.kind == "inputs":
            referenced += wf.inputs[ref.name].tokens
        else:
            if ref.field == "context" and ref.name in seen_steps:
                continue
            seen_steps.add(ref.name)
            src = wf.steps[wf.step_index[ref.name]]
            size = src.output_tokens if outputs is None else outputs.get(ref.name,
                                                                          src.output_tokens)
            referenced += size * src.fan_out
    return referenced


def call_figures(wf: Workflow, step: Step, model: Model | None, tokens: Tokens
                 ) -> tuple[float, float, float]:
    """Cost, time and success probability of one call of ``step`` on ``model``."""
    if model is None:
        tool = wf.tools.get(step.tool) if step.tool else None
        cost = _first(step.per_call_usd, tool.per_call_usd if tool else None, 0.0)
        if step.kind == "tool":
            time = _first(step.per_call_s, tool.per_call_s if tool else None, DEFAULT_TOOL_TIME_S)
            p_ok = _first(step.p_ok, tool.p_ok if tool else None, DEFAULT_TOOL_P_OK)
        else:  # human or model-less aggregate: free and certain unless told otherwise
            time = _first(step.per_call_s, 0.0)
            p_ok = _first(step.p_ok, 1.0)
        return cost, time, p_ok
    if model.per_call_usd is not None:
        cost = model.per_call_usd
    else:
        assert model.input_per_mtok is not None and model.output_per_mtok is not None
        cached_price = model.cached_input_per_mtok
        if cached_price is None:
            cached_price = model.input_per_mtok
        cost = ((tokens.input - tokens.cached) * model.input_per_mtok
                + tokens.cached * cached_price
                + tokens.output * model.output_per_mtok) / 1e6
    if model.per_call_s is not None:
        time = model.per_call_s
    else:
        assert model.ttft_s is not None and model.tokens_per_s is not None
        time = model.ttft_s + tokens.output / model.tokens_per_s
    p_ok = step.p_ok if step.p_ok is not None else model.p_ok
    return cost, time, p_ok


def _first(*values: float | None) -> float:
    for v in values:
        if v is not None:
            return float(v)
    return 0.0


def attempt_figures(c: float, t: float, p_ok: float, n: int, k: int, h: float) -> Figures:
    """The design-of-record formulas for ``calls`` n, ``retries`` k, cache hit rate h."""
    q = p_ok ** n
    fail = 1.0 - q
    success = 1.0 - fail ** (k + 1)
    # Expected attempts 1 + fail + ... + fail**k, in closed form: no loop whose
    # length is a figure from the spec.
    if q >= 1.0:
        attempts = 1.0
    elif q <= 0.0:
        attempts = float(k + 1)
    else:
        attempts = -math.expm1((k + 1) * math.log1p(-q)) / q
    return Figures(
        cost=(1.0 - h) * attempts * n * c,
        time=h * CACHE_HIT_TIME_S + (1.0 - h) * attempts * n * t,
        success=h + (1.0 - h) * success,
        cost_max=(k + 1) * n * c,
        time_max=(k + 1) * n * t,
        calls=(1.0 - h) * attempts * n,
    )


def step_figures(wf: Workflow, step: Step, model_name: str | None = None,
                 retries: int | None = None, tokens: Tokens | None = None,
                 cascade: tuple[Stage, ...] | None = None) -> Figures:
    """Figures of ``step``, optionally on another model, with other retries or with
    another cascade in front of its model (``()``: none; None: the step's own)."""
    name = step.model if model_name is None else model_name
    model = wf.models.get(name) if name is not None else None
    return model_figures(wf, step, model, retries, tokens, cascade)


def model_figures(wf: Workflow, step: Step, model: Model | None, retries: int | None = None,
                  tokens: Tokens | None = None, cascade: tuple[Stage, ...] | None = None
                  ) -> Figures:
    """:func:`step_figures` on a model given as an object (one the spec may not name)."""
    tokens = tokens or step_tokens(wf, step)
    k = step.retries if retries is None else retries
    stages = step.cascade if cascade is None else cascade
    c, t, p = call_figures(wf, step, model, tokens)
    if not stages or model is None:
        return attempt_figures(c, t, p, step.calls, k, step.cache_hit_rate)
    tried = []
    for stage in stages:
        sc, st, sp = call_figures(wf, step, wf.models[stage.model], tokens)
        tried.append((attempt_figures(sc, st, sp, step.calls, k, 0.0), stage))
    return chain_figures(tried, attempt_figures(c, t, p, step.calls, k, 0.0),
                         step.cache_hit_rate)


def chain_figures(stages: list[tuple[Figures, Stage]], last: Figures, h: float) -> Figures:
    """A cascade's figures (docs/cost-model.md, "Cascades").

    Stage j is reached with probability ``r_j`` (``r_1 = 1``); it answers with its
    success ``s_j`` (its calls and retries as any step's), the check then runs and
    keeps the answer with probability ``a_j``; a failed or rejected stage passes the
    request on: ``r_{j+1} = r_j (1 - s_j a_j)``. The step's own model answers what
    is left. ``stages`` and ``last`` are figures without the response cache, which
    ``h`` applies to the whole chain as to a single model.
    """
    reach = 1.0
    cost = time = success = calls = 0.0
    cost_max = time_max = 0.0
    for f, stage in stages:
        cost += reach * (f.cost + f.success * stage.check_usd)
        time += reach * (f.time + f.success * stage.check_s)
        calls += reach * f.calls
        kept = f.success * stage.accept
        success += reach * kept
        reach *= 1.0 - kept
        cost_max += f.cost_max + stage.check_usd
        time_max += f.time_max + stage.check_s
    cost += reach * last.cost
    time += reach * last.time
    calls += reach * last.calls
    success += reach * last.success
    return Figures(
        cost=(1.0 - h) * cost,
        time=h * CACHE_HIT_TIME_S + (1.0 - h) * time,
        success=h + (1.0 - h) * success,
        cost_max=cost_max + last.cost_max,
        time_max=time_max + last.time_max,
        calls=(1.0 - h) * calls,
    )


class Multipliers(Record):
    """How routing, loops and fan-out scale a step's figures in one run."""

    __slots__ = ("copies", "it_expected", "it_max", "runs", "waves")
    __match_args__ = ("runs", "it_expected", "it_max", "copies", "waves")

    runs: float  # probability the step runs at all
    it_expected: float
    it_max: float
    copies: int
    waves: int  # ceil(copies / max_concurrency)

    def __init__(self, runs: float, it_expected: float, it_max: float, copies: int,
                 waves: int) -> None:
        self.runs = runs
        self.it_expected = it_expected
        self.it_max = it_max
        self.copies = copies
        self.waves = waves

    def cost(self, f: Figures) -> float:
        return self.runs * self.it_expected * self.copies * f.cost

    def time(self, f: Figures) -> float:
        return self.runs * self.it_expected * self.waves * f.time

    def success(self, f: Figures) -> float:
        kept: float = f.success ** (self.it_expected * self.copies)
        return 1.0 - self.runs * (1.0 - kept)

    def log_success(self, f: Figures) -> float:
        s = self.success(f)
        return math.log(s) if s > 0 else -math.inf

    def cost_max(self, f: Figures) -> float:
        return self.it_max * self.copies * f.cost_max

    def time_max(self, f: Figures) -> float:
        return self.it_max * self.waves * f.time_max

    def calls(self, f: Figures) -> float:
        return self.runs * self.it_expected * self.copies * f.calls


def multipliers(g: Graph, i: int) -> Multipliers:
    step = g.step(i)
    exp_it, max_it = g.iterations[i]
    copies = step.fan_out
    limit = step.fan_out_concurrency or copies
    return Multipliers(g.weight[i], exp_it, max_it, copies, -(-copies // limit))


# -- the workflow ------------------------------------------------------------------------


def estimate(wf: Workflow, graph: Graph | None = None) -> Estimate:
    g = graph or build_graph(wf)
    n = g.n
    cost = [0.0] * n
    time = [0.0] * n
    succ = [1.0] * n
    cmax = [0.0] * n
    tmax = [0.0] * n
    rows: list[StepEstimate] = []
    total_calls = 0.0
    for i, step in enumerate(wf.steps):
        tokens = step_tokens(wf, step)
        f = step_figures(wf, step, tokens=tokens)
        m = multipliers(g, i)
        cost[i], time[i], succ[i] = m.cost(f), m.time(f), m.success(f)
        cmax[i], tmax[i] = m.cost_max(f), m.time_max(f)
        calls = m.calls(f)
        total_calls += calls
        rows.append(StepEstimate(step.id, step.model, m.runs, tokens.input, tokens.cached,
                                 tokens.output, calls, cost[i], time[i], succ[i], cmax[i],
                                 tmax[i], cascade=tuple(s.model for s in step.cascade)))
    latency, _ = longest_path(exec_preds(g, expected=True), time, n)
    latency_max, _ = longest_path(exec_preds(g, expected=False), tmax, n)
    path = route_path(g, when_run(g, time))
    for i in path:
        rows[i].critical = True
    reliability = 1.0
    for s in succ:
        reliability *= s
    result = Estimate(
        name=wf.name, file=wf.file, cost_usd=math.fsum(cost),
        cost_usd_max=worst_case_cost(g, cmax), latency_s=latency, latency_s_max=latency_max,
        reliability=reliability, calls=total_calls,
        critical_path=[wf.steps[i].id for i in path], steps=rows)
    result.budgets = [BudgetCheck(name, limit, getattr(result, name))
                      for name, limit in wf.budgets.items()]
    return result


def when_run(g: Graph, time: list[float]) -> list[float]:
    """Each step's expected time in the runs that run it (its time over its run probability)."""
    return [t / g.weight[i] if g.weight[i] > 0 else 0.0 for i, t in enumerate(time)]


def route_path(g: Graph, full: list[float]) -> list[int]:
    """The critical path to print: the slowest route one run can take.

    ``full`` is each step's figure in the runs that run it (:func:`when_run` of
    its expected time, or a hop count). The expected latency chains a router's
    alternatives with their share-weighted times; a run takes only one of them,
    so the path keeps them apart: it goes through at most one alternative of
    each router. In ``dag`` mode that is the longest path of the dependency
    graph (no dependency joins two alternatives of one router). In
    ``sequential`` mode, where every group waits for the one before, each
    router is sent down its slowest route first (innermost routers first) and
    the path is the longest through the steps that run on those routes.
    """
    preds = exec_preds(g, expected=False)
    if g.wf.execution != "sequential":
        return longest_path(preds, full, g.n)[1]
    taken = _slowest_routes(g, full)
    runs = [all(taken.get(k[0]) == k for k in g.chain(g.branch[v])) for v in range(g.n)]
    # a step off the chosen routes takes no time and is left out of the path
    _, path = longest_path(preds, [f if runs[v] else 0.0 for v, f in enumerate(full)], g.n)
    return [v for v in path if runs[v]]


def _slowest_routes(g: Graph, full: list[float]) -> dict[int, BranchKey]:
    """For each router, the route whose steps (with their own slowest routes) take longest."""
    own: dict[BranchKey, float] = {}
    for v in range(g.n):
        key = g.branch[v]
        if key is not None:
            own[key] = own.get(key, 0.0) + full[v]
    routers = sorted({k[0] for k in g.branch_parent}, key=lambda r: -len(g.chain(g.branch[r])))
    taken: dict[int, BranchKey] = {}
    for r in routers:  # innermost first: a nested router's slowest route adds to its branch
        keys = sorted((k for k in own if k[0] == r), key=lambda k: k[1])
        if not keys:
            continue
        best = max(keys, key=lambda k: own[k])
        taken[r] = best
        outer = g.branch[r]
        if outer is not None:
            own[outer] = own.get(outer, 0.0) + own[best]
    return taken


def worst_case_cost(g: Graph, cmax: list[float]) -> float:
    """Every step at its worst, but only the costliest branch of each router."""
    totals: dict[BranchKey, float] = {}
    main = 0.0
    for v in range(g.n):
        key = g.branch[v]
        if key is None:
            main += cmax[v]
        else:
            totals[key] = totals.get(key, 0.0) + cmax[v]
    # Fold the branches innermost first: a router's worst branch joins the branch
    # (or main line) the router itself belongs to.
    routers = sorted({k[0] for k in g.branch_parent}, key=lambda r: -len(g.chain(g.branch[r])))
    for r in routers:
        worst = max((t for k, t in totals.items() if k[0] == r), default=0.0)
        outer = g.branch[r]
        if outer is None:
            main += worst
        else:
            totals[outer] = totals.get(outer, 0.0) + worst
    return main



def slack(g: Graph, time: list[float]) -> tuple[float, list[float], list[float]]:
    """The critical path's length, and each step's earliest start and slack (seconds).

    ``time`` is each step's expected time per run (the estimate's ``latency_s``); like
    :func:`route_path`, the graph is timed in the runs that run a step (:func:`when_run`)
    through the slowest route of each router, so the steps of the printed critical
    path have slack 0. A step's slack is how much longer it could take before the run
    does: the critical path's length less the longest path through the step. In
    ``sequential`` mode a step off the slowest routes is timed in the runs that take
    its route (each router on its way sent down it, the others as before). Slack is
    never below 0.
    """
    full = when_run(g, time)
    if g.wf.execution == "sequential":
        return _SequentialSlack(g, full).result()
    preds = exec_preds(g, expected=False)
    total = len(preds)
    order = topological_order(preds)
    succs = successors(preds)

    def own(v: int) -> float:
        return full[v] if v < g.n else 0.0

    start = [0.0] * total
    for v in order:
        start[v] = max((start[u] + own(u) for u in preds[v]), default=0.0)
    tail = [0.0] * total  # the longest path from a node's end to the run's end
    for v in reversed(order):
        tail[v] = max((own(w) + tail[w] for w in succs[v]), default=0.0)
    length = max((start[v] + own(v) for v in range(total)), default=0.0)
    return length, start[:g.n], [_slack_of(length, start[v] + full[v] + tail[v])
                                 for v in range(g.n)]


def _slack_of(length: float, through: float) -> float:
    left = length - through
    return 0.0 if left <= 1e-9 * max(1.0, length) else left


class _SequentialSlack:
    """:func:`slack` in ``sequential`` mode, where the groups run one after another.

    A run's length is the sum over the groups of each group's own longest path (its
    members and the dependencies between them). A step off the slowest routes is timed
    with its route taken: only the groups holding steps whose route changes are timed
    again, so the work is the size of the routes, not of the workflow, per route.
    """

    def __init__(self, g: Graph, full: list[float]) -> None:
        self.g = g
        self.full = full
        n = g.n
        preds = exec_preds(g, expected=False)
        self.group = [0] * n
        barrier_group: dict[int, int] = {}
        for b in range(n, len(preds)):
            barrier_group[b] = b - n + 1
        for v in range(n):
            for u in preds[v]:
                if u >= n:
                    self.group[v] = barrier_group[u]
        count = len(preds) - n + 1
        self.members: list[list[int]] = [[] for _ in range(count)]
        for v in range(n):
            self.members[self.group[v]].append(v)
        self.inner = [[u for u in preds[v] if u < n and self.group[u] == self.group[v]]
                      for v in range(n)]
        self.chains = [g.chain(g.branch[v]) for v in range(n)]
        self.taken = _slowest_routes(g, full)
        self.duration = [self.on_route(v, self.taken) for v in range(n)]

    def on_route(self, v: int, taken: dict[int, BranchKey]) -> float:
        return self.full[v] if all(taken.get(k[0]) == k for k in self.chains[v]) else 0.0

    def timed(self, gi: int, duration: list[float] | _Overlay
              ) -> tuple[float, dict[int, float], dict[int, float]]:
        """A group's length, and its members' starts and tails inside it."""
        members = self.members[gi]
        start: dict[int, float] = {}
        for v in members:
            start[v] = max((start[u] + duration[u] for u in self.inner[v] if u in start),
                           default=0.0)
        length = max((start[v] + duration[v] for v in members), default=0.0)
        succs: dict[int, list[int]] = {v: [] for v in members}
        for v in members:
            for u in self.inner[v]:
                if u in succs:
                    succs[u].append(v)
        tail: dict[int, float] = {}
        for v in reversed(members):
            tail[v] = max((duration[w] + tail[w] for w in succs[v]), default=0.0)
        return length, start, tail

    def result(self) -> tuple[float, list[float], list[float]]:
        g, full, n = self.g, self.full, self.g.n
        timed = [self.timed(gi, self.duration) for gi in range(len(self.members))]
        lengths = [t[0] for t in timed]
        before = [0.0] * len(lengths)
        for gi in range(1, len(lengths)):
            before[gi] = before[gi - 1] + lengths[gi - 1]
        total = before[-1] + lengths[-1] if lengths else 0.0
        start = [0.0] * n
        through = [0.0] * n
        for v in range(n):
            gi = self.group[v]
            glen, gstart, gtail = timed[gi]
            start[v] = before[gi] + gstart[v]
            through[v] = total - glen + gstart[v] + full[v] + gtail[v]
        off: dict[BranchKey, list[int]] = {}
        for v in range(n):
            key = g.branch[v]
            if key is not None and self.duration[v] != full[v]:
                off.setdefault(key, []).append(v)
        members_of: dict[BranchKey, list[int]] = {}
        if off:
            for v in range(n):
                for k in self.chains[v]:
                    members_of.setdefault(k, []).append(v)
        for key, steps in off.items():
            forced = dict(self.taken)
            changed: set[int] = set()
            for k in g.chain(key):
                was = self.taken.get(k[0])
                forced[k[0]] = k
                if was != k:
                    changed.update(members_of.get(k, ()))
                    if was is not None:
                        changed.update(members_of.get(was, ()))
            overlay = {v: self.on_route(v, forced) for v in changed}
            duration = _Overlay(self.duration, overlay)
            groups = {self.group[v] for v in changed}
            again = {gi: self.timed(gi, duration) for gi in groups}
            length = total + sum(again[gi][0] - lengths[gi] for gi in groups)
            for v in steps:
                gi = self.group[v]
                glen, gstart, gtail = again[gi]
                through[v] = length - glen + gstart[v] + full[v] + gtail[v]
                start[v] = before[gi] + gstart[v] + sum(
                    again[h][0] - lengths[h] for h in groups if h < gi)
        return total, start, [_slack_of(total, through[v]) for v in range(n)]


class _Overlay:
    """A list of durations with some entries replaced, read by index."""

    __slots__ = ("base", "changed")

    def __init__(self, base: list[float], changed: dict[int, float]) -> None:
        self.base = base
        self.changed = changed

    def __getitem__(self, v: int) -> float:
        return self.changed.get(v, self.base[v])
