"""Properties of the cost model that must hold for any workflow."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from agentlint.graph.estimate import attempt_figures, estimate
from agentlint.spec.load import load_workflow

probability = st.floats(0.05, 1.0)
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
    "out": st.integers(0, 2000), "retries": st.integers(0, 3), "p": st.floats(0.5, 1.0),
    "hit": st.floats(0.0, 1.0), "calls": st.integers(1, 3)})


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


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_parallel_group_never_slower_than_sequence(steps) -> None:
    grouped = _estimate(_spec(steps, True))
    chained = _estimate(_spec(steps, False))
    assert grouped.latency_s <= chained.latency_s + 1e-9
    assert grouped.cost_usd == chained.cost_usd
    assert grouped.reliability == chained.reliability


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=5), which=st.integers(0, 4))
def test_workflow_more_retries_more_reliable(steps, which) -> None:
    which %= len(steps)
    before = _estimate(_spec(steps, False))
    steps[which]["retries"] += 1
    after = _estimate(_spec(steps, False))
    assert after.reliability >= before.reliability - 1e-12
