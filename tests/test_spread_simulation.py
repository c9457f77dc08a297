"""The run distribution against an independent 100,000-run simulation.

The sampler below is written from the workflow's description alone (a router,
retries, a loop), one run at a time, without agentlint's code: it checks the
exact computation and the seeded simulation of agentlint.graph.spread.
"""

from __future__ import annotations

import bisect
import math
import random

import pytest

from agentlint.graph.spread import spread
from agentlint.spec.load import load_workflow

SPEC = """\
agentlint: 1
name: triage-loop
execution: EXECUTION
models:
  router: {per_call_usd: 0.0005, per_call_s: 0.4, p_ok: 0.9}
  quick: {per_call_usd: 0.002, per_call_s: 1.5, p_ok: 0.85}
  deep: {per_call_usd: 0.02, per_call_s: 6.0, p_ok: 0.9}
  writer: {per_call_usd: 0.004, per_call_s: 2.5, p_ok: 0.8}
  critic: {per_call_usd: 0.001, per_call_s: 0.7, p_ok: 0.95}
  side: {per_call_usd: 0.003, per_call_s: 9.0, p_ok: 0.7}
  one: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 1.0}
  notifier: {per_call_usd: 0.001, per_call_s: 4.0, p_ok: 0.9}
steps:
  - id: triage
    kind: router
    model: router
    prompt: hi
    retries: 2
    routes:
      - {step: quick_answer, share: 0.6}
      - {step: deep_answer, share: 0.4}
  - {id: quick_answer, model: quick, prompt: "{{ steps.triage.output }}", retries: 1}
  - {id: deep_answer, model: deep, prompt: "{{ steps.triage.output }}", retries: 2}
  - {id: draft, model: writer, prompt: "{{ steps.triage.output }}", retries: 2}
  - {id: review, model: critic, prompt: "{{ steps.draft.output }}", retries: 1}
EXTRA
loops:
  - {id: polish, steps: [draft, review], max_iterations: 4, expected_iterations: 2}
"""

RUNS = 100_000


def attempts(rng: random.Random, p_ok: float, retries: int) -> int:
    """Attempts made: until one succeeds, at most retries + 1."""
    n = 1
    while n <= retries and rng.random() >= p_ok:
        n += 1
    return n


def continue_probability(expected: float, bound: int) -> float:
    """rho with 1 + rho + ... + rho ** (bound - 1) = expected, by Newton's method."""
    rho = 0.5
    for _ in range(100):
        f = sum(rho ** i for i in range(bound)) - expected
        df = sum(i * rho ** (i - 1) for i in range(1, bound))
        rho -= f / df
    return rho


RHO = continue_probability(2.0, 4)


def sample(rng: random.Random, shape: str) -> tuple[float, float]:
    """One run: (latency, cost) of the workflow of ``shape`` (see SHAPES)."""
    rho = RHO
    a = attempts(rng, 0.9, 2)
    time, cost = 0.4 * a, 0.0005 * a
    if rng.random() < 0.6:
        a = attempts(rng, 0.85, 1)
        branch, cost = 1.5 * a, cost + 0.002 * a
    else:
        a = attempts(rng, 0.9, 2)
        branch, cost = 6.0 * a, cost + 0.02 * a
    rounds = 1
    while rounds < 4 and rng.random() < rho:
        rounds += 1
    loop = 0.0
    for _ in range(rounds):
        a = attempts(rng, 0.8, 2)
        loop, cost = loop + 2.5 * a, cost + 0.004 * a
        a = attempts(rng, 0.95, 1)
        loop, cost = loop + 0.7 * a, cost + 0.001 * a
    if shape == "sequential":  # triage, then the branch, then the loop
        return time + branch + loop, cost
    a = attempts(rng, 0.7, 1)
    side, cost = 9.0 * a, cost + 0.003 * a
    if shape == "dag":  # the branch, the loop and the side step all start after the triage
        return time + max(branch, loop, side), cost
    # "crossed": publish waits for the loop and the side step, notify for the side step
    cost += 0.001
    a = attempts(rng, 0.9, 1)
    notify, cost = 4.0 * a, cost + 0.001 * a
    return time + max(branch, max(loop, side) + 1.0, side + notify), cost


def percentile(values: list[float], p: int) -> float:
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def independent(shape: str) -> tuple[list[float], list[float]]:
    rng = random.Random(7)
    runs = [sample(rng, shape) for _ in range(RUNS)]
    return sorted(t for t, _ in runs), sorted(c for _, c in runs)


SIDE = '  - {id: side, model: side, prompt: "{{ steps.triage.output }}", retries: 1}\n'
#: shape -> (execution mode, extra steps, the method agentlint must use)
SHAPES = {
    "sequential": ("sequential", "", "exact"),
    # series-parallel: still exact
    "dag": ("dag", SIDE, "exact"),
    # two steps share the side step's time, one of them also the loop's: simulated
    "crossed": ("dag", SIDE
                + '  - {id: publish, model: one, prompt: "{{ steps.review.output }} '
                '{{ steps.side.output }}"}\n'
                + '  - {id: notify, model: notifier, prompt: "{{ steps.side.output }}", '
                'retries: 1}\n', "simulation"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_percentiles_agree_with_a_100000_run_simulation(spec, shape) -> None:
    execution, extra, method = SHAPES[shape]
    wf = load_workflow(str(spec(SPEC.replace("EXECUTION", execution).replace("EXTRA\n", extra))))
    got = spread(wf)
    assert got.latency is not None and got.cost is not None
    assert got.latency.method == method
    times, costs = independent(shape)
    for p in (50, 95, 99):
        assert got.latency.values[p] == pytest.approx(percentile(times, p), rel=0.02), p
        assert got.cost.values[p] == pytest.approx(percentile(costs, p), rel=0.02), p
    # whatever the seed: the sample's distribution function brackets each quantile
    # within the DKW band of both samples (the 100,000 runs here, agentlint's own
    # runs when it simulated), at 99.9 % confidence
    eps = dkw(RUNS) + (dkw(got.samples) if got.samples else 0.0)
    for q, values in ((got.latency, times), (got.cost, costs)):
        for p, x in q.values.items():
            tol = 1e-9 * max(1.0, x)
            below = bisect.bisect_left(values, x - tol) / RUNS
            upto = bisect.bisect_right(values, x + tol) / RUNS
            assert below <= p / 100 + eps and upto >= p / 100 - eps, (p, x, below, upto)


def dkw(n: int) -> float:
    return math.sqrt(math.log(2 / 0.001) / (2 * n))
