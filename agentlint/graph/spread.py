"""The run distribution of latency and cost: p50 / p95 / p99 beside the expected value.

The model is the one of :mod:`agentlint.graph.estimate` (docs/cost-model.md), read
as a random run instead of an average one:

- a step's attempt fails with ``1 - p_ok ** calls`` and is retried up to
  ``retries`` times, each attempt costing its time and money; a cascade passes
  the request on as its checks decide; a response-cache hit takes 0.01 s;
- a router sends the run down one route, by its shares;
- a loop runs R rounds, R drawn once per run: at most ``max_iterations``, each
  round after the first with a constant probability chosen so that the mean is
  ``expected_iterations`` (the early-exit loop: a truncated geometric); a loop
  without a bound runs ``expected_iterations`` rounds (the two rounds around it
  when it is fractional, mixed to that mean);
- a fan-out runs its copies in waves, a wave as long as its slowest copy;
- a failed step does not stop the run (as in the expected figures).

Latency is the longest path of the execution graph with every route kept
(a route not taken takes no time); cost is the sum over the steps that run.

Where the structure allows it the distribution is computed **exactly**: every
combination of route choices and loop rounds is one scenario (at most
:data:`MAX_SCENARIOS`); within one, steps are independent, a chain adds their
times (a convolution), steps side by side take the maximum (the product of
their distribution functions), and the scenarios mix by probability. The
execution graph must reduce to one node by series and parallel merges; a graph
where branches share ancestors in another way (an "N" shape) does not, and
then a **seeded Monte Carlo** simulation of :func:`samples_for` runs gives the
figures, with the Dvoretzky-Kiefer-Wolfowitz band of each quantile at 95 %
confidence. Distributions live on a grid of :data:`TIME_UNIT` seconds and
:data:`COST_UNIT` dollars, coarsened when one holds more than :data:`GRID`
points; the error this introduces is tracked and reported as a bound.

Every figure depends only on the spec: a fixed seed, lists in spec order, no
hash order.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence

from agentlint.graph.build import Graph, build_graph, exec_preds
from agentlint.graph.estimate import (
    CACHE_HIT_TIME_S,
    BudgetCheck,
    Estimate,
    call_figures,
    step_tokens,
)
from agentlint.graph.quantiles import CONFIDENCE, SEED, Quantity, Spread
from agentlint.spec.deps import topological_order
from agentlint.spec.model import Step, Workflow

#: the quantiles reported, in percent
PERCENTILES = (50, 95, 99)
#: grid resolution of latency (seconds) and cost (dollars)
TIME_UNIT = 1e-4
COST_UNIT = 1e-9
#: most points one distribution keeps before it is coarsened
GRID = 2000
#: points less likely than this are dropped (a reported percentile moves only where
#: the distribution function is within a few such masses of it)
NEGLIGIBLE = 1e-15
#: most scenarios (route choices x loop rounds) computed exactly
MAX_SCENARIOS = 256
#: most step rounds (scenarios x steps x rounds) convolved by the exact computation, and
#: most operations (pairs of points) it may spend: past either, the simulation runs
EXACT_WORK = 20_000
EXACT_OPS = 3_000_000
#: most steps for which a distribution is computed at all
MAX_STEPS = 1000
#: the simulation's sample cap and work cap (step-rounds x samples)
MAX_SAMPLES = 20000
MIN_SAMPLES = 2000
WORK = 2_000_000


class Dist:
    """A discrete distribution on a grid: sorted integer points, probabilities, and
    ``err``, a bound (in grid units) on how far any point lies from its true value."""

    __slots__ = ("err", "keys", "probs")

    def __init__(self, keys: list[int], probs: list[float], err: float = 0.0) -> None:
        self.keys = keys
        self.probs = probs
        self.err = err

    @staticmethod
    def of(points: dict[int, float], err: float) -> Dist:
        keys = sorted(k for k, p in points.items() if p > NEGLIGIBLE)
        return _capped(Dist(keys, [points[k] for k in keys], err))

    def quantile(self, q: float) -> int:
        acc = 0.0
        total = math.fsum(self.probs)
        for k, p in zip(self.keys, self.probs, strict=True):
            acc += p
            if acc >= q * total - 1e-12:
                return k
        return self.keys[-1] if self.keys else 0

    def mean(self) -> float:
        return math.fsum(k * p for k, p in zip(self.keys, self.probs, strict=True))


def point(value: float, unit: float) -> Dist:
    return outcomes([(1.0, value)], unit)


def outcomes(pairs: Sequence[tuple[float, float]], unit: float) -> Dist:
    """The distribution of (probability, value) pairs, rounded to the grid."""
    points: dict[int, float] = {}
    err = 0.0
    for p, v in pairs:
        k = round(v / unit)
        off = abs(v / unit - k)
        if off > 1e-6:  # float noise on a value the grid holds is no error
            err = max(err, off)
        points[k] = points.get(k, 0.0) + p
    return Dist.of(points, err)


def _capped(d: Dist) -> Dist:
    if len(d.keys) <= GRID:
        return d
    return _coarser(d, -(-(d.keys[-1] - d.keys[0]) // (GRID - 1)) or 1)


def _coarser(d: Dist, factor: int) -> Dist:
    """``d`` on the multiples of ``factor``: each point to the nearest, the error grown
    by half a step."""
    points: dict[int, float] = {}
    for k, p in zip(d.keys, d.probs, strict=True):
        c = round(k / factor) * factor
        points[c] = points.get(c, 0.0) + p
    keys = sorted(points)
    return Dist(keys, [points[k] for k in keys], d.err + factor / 2)


class _TooLong(Exception):
    """The exact computation would take more than :data:`EXACT_OPS` operations."""


#: operations (point pairs) the exact computation of one workflow has spent so far
_spent = [0]


def _spend(ops: int) -> None:
    _spent[0] += ops
    if _spent[0] > EXACT_OPS:
        raise _TooLong


def convolve(a: Dist, b: Dist) -> Dist:
    """The distribution of the sum of independent ``a`` and ``b``."""
    if len(a.keys) == 1 and a.keys[0] == 0:
        return Dist(b.keys, b.probs, a.err + b.err)
    if len(b.keys) == 1 and b.keys[0] == 0:
        return Dist(a.keys, a.probs, a.err + b.err)
    while len(a.keys) * len(b.keys) > 400_000:
        a, b = (_halve(a), b) if len(a.keys) >= len(b.keys) else (a, _halve(b))
    _spend(len(a.keys) * len(b.keys))
    points: dict[int, float] = {}
    for ka, pa in zip(a.keys, a.probs, strict=True):
        for kb, pb in zip(b.keys, b.probs, strict=True):
            k = ka + kb
            points[k] = points.get(k, 0.0) + pa * pb
    return Dist.of(points, a.err + b.err)


def _halve(d: Dist) -> Dist:
    """``d`` on a grid coarse enough to keep half its points."""
    return _coarser(d, max(1, -(-(d.keys[-1] - d.keys[0]) // max(1, len(d.keys) // 2))))


def maximum(a: Dist, b: Dist, power_a: int = 1, power_b: int = 1) -> Dist:
    """The distribution of the maximum of independent ``a`` (``power_a`` copies) and
    ``b`` (``power_b`` copies): the product of their distribution functions."""
    keys = sorted(set(a.keys) | set(b.keys))
    _spend(len(keys))
    fa = _cdf(a, keys)
    fb = _cdf(b, keys)
    probs: list[float] = []
    last = 0.0
    for x, y in zip(fa, fb, strict=True):
        f = (x ** power_a) * (y ** power_b)
        probs.append(max(0.0, f - last))
        last = f
    return Dist.of(dict(zip(keys, probs, strict=True)), max(a.err, b.err))


def _cdf(d: Dist, keys: list[int]) -> list[float]:
    total = math.fsum(d.probs) or 1.0
    out: list[float] = []
    acc = 0.0
    i = 0
    for k in keys:
        while i < len(d.keys) and d.keys[i] <= k:
            acc += d.probs[i]
            i += 1
        out.append(min(1.0, acc / total))
    return out


def power_max(d: Dist, copies: int) -> Dist:
    """The maximum of ``copies`` independent copies of ``d``."""
    return maximum(d, point(0.0, 1.0), copies, 1) if copies > 1 else d


def repeat(d: Dist, times: int) -> Dist:
    """The sum of ``times`` independent copies of ``d`` (binary powers)."""
    result = Dist([0], [1.0], 0.0)
    base = d
    while times > 0:
        if times & 1:
            result = convolve(result, base)
        times >>= 1
        if times:
            base = convolve(base, base)
    return result


def mixture(parts: Sequence[tuple[float, Dist]]) -> Dist:
    points: dict[int, float] = {}
    err = 0.0
    for w, d in parts:
        if w <= 0.0:
            continue
        err = max(err, d.err)
        for k, p in zip(d.keys, d.probs, strict=True):
            points[k] = points.get(k, 0.0) + w * p
    return Dist.of(points, err)


# -- one step --------------------------------------------------------------------------

Outcome = tuple[float, float, float]  # probability, time, cost


def _attempts(c: float, t: float, p_ok: float, n: int, k: int
              ) -> list[tuple[float, float, float, bool]]:
    """(probability, time, cost, answered) of a step's attempts: a truncated geometric."""
    q = p_ok ** n
    out: list[tuple[float, float, float, bool]] = []
    fail = 1.0
    for a in range(1, k + 2):
        p = fail * q
        if p > 0.0:
            out.append((p, a * n * t, a * n * c, True))
        fail *= 1.0 - q
        if fail <= 0.0:
            return out
    out.append((fail, (k + 1) * n * t, (k + 1) * n * c, False))
    return out


def step_outcomes(wf: Workflow, step: Step) -> list[Outcome]:
    """The (probability, time, cost) outcomes of one copy of ``step`` in one round.

    Each call takes its deterministic time; this table is where a calibrated
    per-step distribution (quantiles or a histogram of durations) would enter.
    """
    tokens = step_tokens(wf, step)
    model = wf.models.get(step.model) if step.model is not None else None
    c, t, p = call_figures(wf, step, model, tokens)
    n, k = step.calls, step.retries
    if not step.cascade or model is None:
        table: list[Outcome] = [(pr, tt, cc) for pr, tt, cc, _ in _attempts(c, t, p, n, k)]
    else:
        stages = []
        for stage in step.cascade:
            sc, st, sp = call_figures(wf, step, wf.models[stage.model], tokens)
            stages.append((_attempts(sc, st, sp, n, k), stage.accept, stage.check_s,
                           stage.check_usd))
        last = _attempts(c, t, p, n, k)
        table = []

        def walk(j: int, prob: float, time: float, cost: float) -> None:
            if prob <= 0.0:
                return
            if j == len(stages):
                table.extend((prob * pr, time + tt, cost + cc) for pr, tt, cc, _ in last)
                return
            tries, accept, check_s, check_usd = stages[j]
            for pr, tt, cc, answered in tries:
                if answered:
                    base = (time + tt + check_s, cost + cc + check_usd)
                    table.append((prob * pr * accept, *base))
                    walk(j + 1, prob * pr * (1.0 - accept), *base)
                else:
                    walk(j + 1, prob * pr, time + tt, cost + cc)

        walk(0, 1.0, 0.0, 0.0)
    h = step.cache_hit_rate
    if h > 0.0:
        table = [(h, CACHE_HIT_TIME_S, 0.0)] + [((1.0 - h) * pr, tt, cc) for pr, tt, cc in table]
    return table


def rounds(expected: float, bound: int | None) -> list[tuple[float, int]]:
    """(probability, rounds) of a loop: a geometric truncated at ``bound`` with mean
    ``expected``; without a bound, ``expected`` rounds (mixed between the two
    integers around it when fractional)."""
    if bound is None or expected >= bound:
        low = math.floor(expected)
        frac = expected - low
        return [(p, r) for p, r in ((1.0 - frac, low), (frac, low + 1)) if p > 0.0]
    if expected <= 1.0:
        return [(p, r) for p, r in ((1.0 - expected, 0), (expected, 1)) if p > 0.0]
    lo, hi = 0.0, 1.0
    for _ in range(200):  # the mean sum(rho**i, i < bound) grows with rho
        mid = (lo + hi) / 2
        if _geometric_mean(mid, bound) < expected:
            lo = mid
        else:
            hi = mid
    rho = (lo + hi) / 2
    out = [((1.0 - rho) * rho ** (r - 1), r) for r in range(1, bound)]
    out.append((rho ** (bound - 1), bound))
    return [(p, r) for p, r in out if p > NEGLIGIBLE]


def _geometric_mean(rho: float, bound: int) -> float:
    return (1.0 - rho ** bound) / (1.0 - rho) if rho < 1.0 else float(bound)


# -- the workflow ----------------------------------------------------------------------


class _Model:
    """Everything the exact computation and the simulation share."""

    def __init__(self, wf: Workflow, g: Graph) -> None:
        self.wf = wf
        self.g = g
        self.table = [step_outcomes(wf, s) for s in wf.steps]
        self.preds = exec_preds(g, expected=False)
        # routers whose routes lead somewhere, in spec order, with their shares
        self.routers: list[tuple[int, list[float]]] = []
        for s in wf.steps:
            if s.routes:
                self.routers.append((s.index, [r.share for r in s.routes]))
        self.loops = [rounds(lp.expected_iterations, lp.max_iterations) for lp in wf.loops]

    def runs(self, choice: dict[int, int]) -> list[bool]:
        g = self.g
        return [all(choice.get(k[0]) == k[1] for k in g.chain(g.branch[v]))
                for v in range(g.n)]

    def rounds_per_scenario(self) -> int:
        """Step rounds one scenario convolves at most (each step its loop's most rounds)."""
        most = [max((r for _, r in d), default=1) for d in self.loops]
        return sum(1 if li is None else max(1, most[li]) for li in self.g.loop_of)

    def scenarios(self) -> int:
        count = 1
        for _, shares in self.routers:
            count *= max(1, sum(1 for s in shares if s > 0))
        for r in self.loops:
            count *= len(r)
        return count


def spread(wf: Workflow, graph: Graph | None = None) -> Spread:
    """The percentiles of latency and cost per run of ``wf``."""
    g = graph or build_graph(wf)
    if g.n > MAX_STEPS:
        return Spread(None, None, reason=f"{g.n} steps, over the limit of {MAX_STEPS}")
    if g.n == 0:
        zero = Quantity({p: 0.0 for p in PERCENTILES}, "exact", 0.0)
        return Spread(zero, Quantity(dict(zero.values), "exact", 0.0))
    m = _Model(wf, g)
    if m.scenarios() <= MAX_SCENARIOS and m.scenarios() * m.rounds_per_scenario() <= EXACT_WORK:
        _spent[0] = 0
        try:
            latency, cost = _exact(m)
        except _TooLong:
            return _simulate(m)
        if latency is not None:
            return Spread(latency, cost)
        # the cost is a sum, exact whatever the graph: only the latency is simulated
        simulated = _simulate(m)
        if simulated.latency is None:
            return simulated
        return Spread(simulated.latency, cost, samples=simulated.samples)
    return _simulate(m)


def _scenario_list(m: _Model) -> list[tuple[float, dict[int, int], list[int]]]:
    """(probability, route choice per router, rounds per loop) of every scenario."""
    out: list[tuple[float, dict[int, int], list[int]]] = [(1.0, {}, [])]
    for router, shares in m.routers:
        out = [(p * s, {**c, router: i}, r) for p, c, r in out
               for i, s in enumerate(shares) if s > 0]
    for dist in m.loops:
        out = [(p * q, c, [*r, n]) for p, c, r in out for q, n in dist]
    return out


def _step_dists(m: _Model, v: int, times: int) -> tuple[Dist, Dist]:
    """(time, cost) of step ``v`` run ``times`` rounds, each with its fan-out."""
    step = m.wf.steps[v]
    table = m.table[v]
    one_t = outcomes([(p, t) for p, t, _ in table], TIME_UNIT)
    one_c = outcomes([(p, c) for p, _, c in table], COST_UNIT)
    copies = step.fan_out
    limit = step.fan_out_concurrency or copies
    full, rest = divmod(copies, limit)
    wave_t = repeat(power_max(one_t, limit), full)
    if rest:
        wave_t = convolve(wave_t, power_max(one_t, rest))
    round_c = repeat(one_c, copies)
    return repeat(wave_t, times), repeat(round_c, times)


def _exact(m: _Model) -> tuple[Quantity | None, Quantity]:
    """The exact latency (None: the graph does not reduce) and cost."""
    g = m.g
    cache: dict[tuple[int, int], tuple[Dist, Dist]] = {}
    times: list[tuple[float, Dist]] = []
    costs: list[tuple[float, Dist]] = []
    zero = Dist([0], [1.0], 0.0)
    reducible = True
    for prob, choice, loop_rounds in _scenario_list(m):
        running = m.runs(choice)
        node_t: list[Dist] = []
        total_c = zero
        for v in range(g.n):
            if not running[v]:
                node_t.append(zero)
                continue
            li = g.loop_of[v]
            r = 1 if li is None else loop_rounds[li]
            key = (v, r)
            if key not in cache:
                cache[key] = _step_dists(m, v, r)
            t, c = cache[key]
            node_t.append(t)
            total_c = convolve(total_c, c)
        costs.append((prob, total_c))
        latency = series_parallel(m.preds, node_t, g.n) if reducible else None
        if latency is None:
            reducible = False
            continue
        times.append((prob, latency))
    cost = _exact_quantity(mixture(costs), COST_UNIT)
    return (_exact_quantity(mixture(times), TIME_UNIT) if reducible else None), cost


def _exact_quantity(d: Dist, unit: float) -> Quantity:
    digits = round(-math.log10(unit)) + 1  # a grid point, without float noise
    values = {p: round(d.quantile(p / 100) * unit, digits) for p in PERCENTILES}
    return Quantity(values, "exact", d.err * unit)


def series_parallel(preds: list[list[int]], dists: list[Dist], n_steps: int) -> Dist | None:
    """The longest-path distribution of a DAG of independent node durations, or None
    when the graph does not reduce by series and parallel merges.

    Nodes >= ``n_steps`` (barriers) take no time. Edges implied by longer paths are
    dropped first (they never decide the longest path).
    """
    total = len(preds)
    zero = Dist([0], [1.0], 0.0)
    source, sink = total, total + 1
    pred: list[set[int]] = [set(p) for p in preds] + [set(), set()]
    for v in range(total):
        if not pred[v]:
            pred[v].add(source)
    succ: list[set[int]] = [set() for _ in range(total + 2)]
    for v in range(total):
        for u in pred[v]:
            succ[u].add(v)
    for v in range(total):
        if not succ[v]:
            succ[v].add(sink)
            pred[sink].add(v)
    # transitive reduction, ancestors as bit sets, in topological order
    order = topological_order([sorted(p) for p in pred])
    anc = [0] * (total + 2)
    for v in order:
        ps = sorted(pred[v])
        reach = 0
        for u in ps:
            reach |= anc[u]
        for u in ps:
            if reach >> u & 1:
                pred[v].discard(u)
                succ[u].discard(v)
        anc[v] = reach
        for u in ps:
            anc[v] |= 1 << u
    dist: dict[int, Dist] = {v: (dists[v] if v < n_steps else zero) for v in range(total)}
    alive = set(range(total))
    changed = True
    while changed and len(alive) > 1:
        changed = False
        for u in sorted(alive):
            if u not in alive or len(succ[u]) != 1:
                continue
            (v,) = succ[u]
            if v == sink or len(pred[v]) != 1:
                continue
            dist[u] = convolve(dist[u], dist[v])
            succ[u] = succ[v]
            for w in succ[v]:
                pred[w].discard(v)
                pred[w].add(u)
            alive.discard(v)
            changed = True
        groups: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = {}
        for u in sorted(alive):
            groups.setdefault((tuple(sorted(pred[u])), tuple(sorted(succ[u]))), []).append(u)
        for members in groups.values():
            if len(members) < 2:
                continue
            keep = members[0]
            for v in members[1:]:
                dist[keep] = maximum(dist[keep], dist[v])
                for w in pred[v]:
                    succ[w].discard(v)
                for w in succ[v]:
                    pred[w].discard(v)
                alive.discard(v)
            changed = True
    if len(alive) != 1:
        return None
    return dist[next(iter(alive))]


# -- the simulation ----------------------------------------------------------------------


def samples_for(m: _Model) -> int:
    """Runs simulated: as many as :data:`WORK` step-rounds allow, within the caps
    (0: one run alone is too long to simulate :data:`MIN_SAMPLES` times)."""
    g = m.g
    per_run = 1
    for v, step in enumerate(m.wf.steps):
        expected, _ = g.iterations[v]
        per_run += math.ceil(expected) * step.fan_out + len(m.preds[v])
    per_run += sum(len(p) for p in m.preds[g.n:])
    if per_run * MIN_SAMPLES > WORK:
        return 0
    return min(MAX_SAMPLES, WORK // per_run)


def _cumulative(probs: Sequence[float]) -> list[float]:
    out: list[float] = []
    acc = 0.0
    for p in probs:
        acc += p
        out.append(acc)
    total = acc or 1.0
    return [x / total for x in out]


def _simulate(m: _Model) -> Spread:
    g = m.g
    n = g.n
    rng = random.Random(SEED)
    draw = rng.random
    samples = samples_for(m)
    if samples == 0:
        return Spread(None, None, reason="a run is too long to simulate: over "
                      f"{WORK // MIN_SAMPLES} step rounds")
    order = topological_order(m.preds)
    preds = m.preds
    tables = [(_cumulative([p for p, _, _ in t]), [x for _, x, _ in t], [c for _, _, c in t])
              for t in m.table]
    router_cum = [(r, _cumulative(s)) for r, s in m.routers]
    loop_cum = [(_cumulative([p for p, _ in d]), [r for _, r in d]) for d in m.loops]
    chains = [[(k[0], k[1]) for k in g.chain(g.branch[v])] for v in range(n)]
    fan = [(s.fan_out, s.fan_out_concurrency or s.fan_out) for s in m.wf.steps]
    lat: list[float] = []
    cst: list[float] = []
    finish = [0.0] * len(preds)
    for _ in range(samples):
        choice = {r: bisect.bisect_left(cum, draw()) for r, cum in router_cum}
        rr = [vals[bisect.bisect_left(cum, draw())] for cum, vals in loop_cum]
        cost = 0.0
        dur = [0.0] * len(preds)
        for v in range(n):
            if any(choice[r] != i for r, i in chains[v]):
                continue
            li = g.loop_of[v]
            times = 1 if li is None else rr[li]
            cum, ts, cs = tables[v]
            copies, limit = fan[v]
            total = 0.0
            for _r in range(times):
                wave = 0.0
                for c in range(copies):
                    j = bisect.bisect_left(cum, draw())
                    if j >= len(ts):
                        j = len(ts) - 1
                    cost += cs[j]
                    if ts[j] > wave:
                        wave = ts[j]
                    if (c + 1) % limit == 0 or c + 1 == copies:
                        total += wave
                        wave = 0.0
            dur[v] = total
        best = 0.0
        for v in order:
            start = 0.0
            for u in preds[v]:
                if finish[u] > start:
                    start = finish[u]
            finish[v] = start + dur[v]
            if finish[v] > best:
                best = finish[v]
        lat.append(best)
        cst.append(cost)
    eps = math.sqrt(math.log(2.0 / (1.0 - CONFIDENCE)) / (2.0 * samples))
    return Spread(_sampled(lat, eps), _sampled(cst, eps), samples=samples)


def _sampled(values: list[float], eps: float) -> Quantity:
    values.sort()
    n = len(values)

    def at(q: float) -> float:
        i = min(n - 1, max(0, math.ceil(q * n) - 1))
        return values[i]

    pts = {p: at(p / 100) for p in PERCENTILES}
    band = {p: (at(max(0.0, p / 100 - eps)), at(min(1.0, p / 100 + eps))) for p in PERCENTILES}
    return Quantity(pts, "simulation", eps, band)


# -- budgets -------------------------------------------------------------------------------

#: percentile budget key -> (figure, percentile)
BUDGETS = {"latency_p95_s": ("latency", 95), "cost_p95_usd": ("cost", 95)}


def attach(est: Estimate, wf: Workflow, graph: Graph | None = None) -> Spread:
    """Compute ``wf``'s spread, keep it on ``est`` and check its percentile budgets."""
    result = spread(wf, graph)
    est.spread = result
    for name, limit in wf.budgets.percentile_items():
        actual = percentile_of(result, name)
        if actual is not None:
            est.budgets.append(BudgetCheck(name, limit, actual))
    return result


def percentile_of(result: Spread, name: str) -> float | None:
    figure, p = BUDGETS[name]
    q = result.latency if figure == "latency" else result.cost
    return None if q is None else q.values[p]
