"""Properties of the cost model that must hold for any workflow."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from agentlint.graph.estimate import attempt_figures, estimate
from agentlint.spec.limits import LIMITS
from agentlint.spec.load import load_workflow


def within(field: str, low: float | None = None, high: float | None = None):
    """A strategy over ``field``'s range in the limits table, optionally narrowed."""
    limit = LIMITS[field]
    lo = limit.low if low is None else max(low, limit.low)
    hi = limit.high if high is None else min(high, limit.high)
    if limit.whole:
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, exclude_min=limit.low_open and lo == limit.low, allow_nan=False)


probability = within("p_ok", 0.05)
money = st.floats(0.0, 1.0)
secs = st.floats(0.0, 30.0)


@given(c=money, t=secs, p=probability, n=st.integers(1, 5), k=st.integers(0, 5),
       h=st.floats(0.0, 1.0))
def test_more_retries_never_lower_success(c, t, p, n, k, h) -> None:
    assert attempt_figures(c, t, p, n, k + 1, h).success >= attempt_figures(c, t, p, n, k,
                                                                             h).success - 1e-15


@given(c=money, t=secs, p=probability, n=st.integers(1, 5), k=st.integers(0, 5),
       h=st.floats(0.0, 1.0), dh=st.floats(0.0, 1.0))
def test_cache_hits_never_raise_cost(c, t, p, n, k, h, dh) -> None:
    more = min(1.0, h + dh)
    assert attempt_figures(c, t, p, n, k, more).cost <= attempt_figures(c, t, p, n, k,
                                                                        h).cost + 1e-15


step = st.fixed_dictionaries({
    "out": within("output_tokens", high=2000).map(int), "retries": within("retries", high=3),
    "p": within("p_ok", 0.5), "hit": within("cache_hit_rate"), "calls": within("calls", high=3)})


def _spec(steps: list[dict], group: bool) -> str:
    lines = ["agentlint: 1", "models:",
             "  m: {input_per_mtok: 1, output_per_mtok: 4, ttft_s: 0.5, tokens_per_s: 50}",
             "steps:"]
    for i, s in enumerate(steps):
        lines += [f"  - id: s{i}", "    model: m", f"    output_tokens: {s['out']}",
                  f"    retries: {s['retries']}", f"    p_ok: {s['p']}",
                  f"    cache_hit_rate: {s['hit']}", f"    calls: {s['calls']}"]
        if group:
            lines.append("    parallel: g")
    return "\n".join(lines) + "\n"


def _estimate(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flow.yaml"
        path.write_text(text, encoding="utf-8")
        return estimate(load_workflow(str(path)))


@settings(max_examples=60, deadline=5000)
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_parallel_group_never_slower_than_sequence(steps) -> None:
    grouped = _estimate(_spec(steps, True))
    chained = _estimate(_spec(steps, False))
    assert grouped.latency_s <= chained.latency_s + 1e-9
    assert grouped.cost_usd == chained.cost_usd
    assert grouped.reliability == chained.reliability


@settings(max_examples=60, deadline=5000)
@given(steps=st.lists(step, min_size=1, max_size=5), which=st.integers(0, 4))
def test_workflow_more_retries_more_reliable(steps, which) -> None:
    which %= len(steps)
    before = _estimate(_spec(steps, False))
    steps[which]["retries"] += 1
    after = _estimate(_spec(steps, False))
    assert after.reliability >= before.reliability - 1e-12


full_step = st.fixed_dictionaries({
    "out": within("output_tokens").map(int), "retries": within("retries"), "p": within("p_ok"),
    "hit": within("cache_hit_rate"), "calls": within("calls")})


@settings(max_examples=40, deadline=2000)
@given(steps=st.lists(full_step, min_size=1, max_size=4), group=st.booleans())
def test_any_figures_in_range_give_finite_figures(steps, group) -> None:
    """Anywhere in the ranges, the estimate is finite, a probability, and quick."""
    import math

    est = _estimate(_spec(steps, group))
    for value in (est.cost_usd, est.cost_usd_max, est.latency_s, est.latency_s_max, est.calls):
        assert math.isfinite(value) and value >= 0
    assert 0.0 <= est.reliability <= 1.0
