"""The cost model against figures computed by hand from docs/cost-model.md."""

from __future__ import annotations

import math

import pytest

from agentlint.graph.estimate import estimate
from agentlint.spec.load import load_workflow

MODELS = """
models:
  premium: {input_per_mtok: 2.5, output_per_mtok: 10, cached_input_per_mtok: 1.25,
            ttft_s: 0.6, tokens_per_s: 100, p_ok: 0.985}
  small: {per_call_usd: 0.002, per_call_s: 0.4, p_ok: 0.945}
inputs:
  ticket: {tokens: 2000}
"""


def est(spec, body: str):
    wf = load_workflow(str(spec("agentlint: 1\n" + MODELS + body)))
    return estimate(wf)


def test_per_token_call_with_retry(spec) -> None:
    e = est(spec, """
steps:
  - id: answer
    model: premium
    prompt: "{{ inputs.ticket }}"
    output_tokens: 300
    retries: 1
""")
    c = (2000 * 2.5 + 300 * 10) / 1e6  # 0.008
    t = 0.6 + 300 / 100  # 3.6 s
    attempts = 1 + 0.015
    assert e.cost_usd == pytest.approx(attempts * c, rel=1e-12)
    assert e.latency_s == pytest.approx(attempts * t, rel=1e-12)
    assert e.reliability == pytest.approx(1 - 0.015**2, rel=1e-12)
    assert e.cost_usd_max == pytest.approx(2 * c, rel=1e-12)
    assert e.latency_s_max == pytest.approx(2 * t, rel=1e-12)
    assert e.calls == pytest.approx(attempts)
    assert e.critical_path == ["answer"]


def test_per_call_pricing_calls_and_retries(spec) -> None:
    e = est(spec, """
steps:
  - id: loop
    model: small
    calls: 3
    retries: 2
""")
    q = 0.945**3
    a = 1 + (1 - q) + (1 - q) ** 2
    assert e.cost_usd == pytest.approx(a * 3 * 0.002, rel=1e-12)
    assert e.latency_s == pytest.approx(a * 3 * 0.4, rel=1e-12)
    assert e.reliability == pytest.approx(1 - (1 - q) ** 3, rel=1e-12)
    assert e.cost_usd_max == pytest.approx(3 * 3 * 0.002, rel=1e-12)


def test_cache_hit_rate(spec) -> None:
    e = est(spec, """
steps:
  - id: s
    model: small
    cache_hit_rate: 0.25
""")
    assert e.cost_usd == pytest.approx(0.75 * 0.002)
    assert e.latency_s == pytest.approx(0.25 * 0.01 + 0.75 * 0.4)
    assert e.reliability == pytest.approx(0.25 + 0.75 * 0.945)
    assert e.cost_usd_max == pytest.approx(0.002)  # worst case: a miss


def test_cached_prefix_priced_at_cached_rate(spec) -> None:
    stable = "Policy line. " * 400  # 5200 ASCII chars -> 1300 tokens, over 1024
    e = est(spec, f"""
steps:
  - id: s
    model: premium
    system: "{stable}"
    prompt: "{{{{ inputs.ticket }}}}"
    output_tokens: 100
""")
    row = e.steps[0]
    system_tokens = math.ceil(len(stable) / 4)
    assert row.cached_tokens == system_tokens
    assert row.input_tokens == system_tokens + 2000
    expected = (2000 * 2.5 + system_tokens * 1.25 + 100 * 10) / 1e6
    assert e.cost_usd == pytest.approx(expected, rel=1e-12)


def test_short_prefix_is_not_cached(spec) -> None:
    e = est(spec, """
steps:
  - id: s
    model: premium
    system: "Be brief."
    output_tokens: 10
""")
    assert e.steps[0].cached_tokens == 0
    assert e.steps[0].input_tokens == 3  # 9 chars -> 3 tokens


def test_sequential_parallel_group_takes_slowest(spec) -> None:
    e = est(spec, """
steps:
  - id: a
    model: premium
    output_tokens: 100
    parallel: g
  - id: b
    model: premium
    output_tokens: 400
    parallel: g
  - id: c
    model: small
""")
    # group {a: 1.6 s, b: 4.6 s} then c: 0.4 s
    assert e.latency_s == pytest.approx(4.6 + 0.4)
    assert e.critical_path == ["b", "c"]
    assert e.reliability == pytest.approx(0.985 * 0.985 * 0.945)


def test_sequential_without_group_adds_up(spec) -> None:
    e = est(spec, """
steps:
  - id: a
    model: premium
    output_tokens: 100
  - id: b
    model: premium
    output_tokens: 400
""")
    assert e.latency_s == pytest.approx(1.6 + 4.6)


def test_dag_mode_longest_path(spec) -> None:
    e = est(spec, """
execution: dag
steps:
  - id: a
    model: premium
    output_tokens: 100
  - id: b
    model: premium
    output_tokens: 400
  - id: c
    model: small
    prompt: "{{ steps.a.output }}"
  - id: d
    model: small
    needs: [c]
    prompt: "{{ steps.b.output }}"
""")
    # a 1.6 -> c 0.4 -> d 0.4 = 2.4 ; b 4.6 -> d 0.4 = 5.0
    assert e.latency_s == pytest.approx(5.0)
    assert e.critical_path == ["b", "d"]
    # b's input for c: a's 100 output tokens; for d: b's 400 (per-call priced anyway)
    assert e.steps[2].input_tokens == 100


def test_router_shares_and_worst_branch(spec) -> None:
    e = est(spec, """
steps:
  - id: route
    model: small
    kind: router
    routes: [{step: cheap, share: 0.8}, {step: dear, share: 0.2}]
  - id: cheap
    model: small
  - id: dear
    model: premium
    output_tokens: 500
  - id: reply
    model: small
    context: [cheap, dear]
""")
    dear_cost = (500 * 10) / 1e6 + 0  # no input: context of 'dear' is read by reply only
    assert e.steps[2].input_tokens == 0
    assert e.cost_usd == pytest.approx(0.002 + 0.8 * 0.002 + 0.2 * dear_cost + 0.002)
    # worst case takes only the dearer branch
    assert e.cost_usd_max == pytest.approx(0.002 + max(0.002, dear_cost) + 0.002)
    # expected latency: alternatives weighted by share; worst: the slowest branch
    assert e.latency_s == pytest.approx(0.4 + 0.8 * 0.4 + 0.2 * 5.6 + 0.4)
    assert e.latency_s_max == pytest.approx(0.4 + 5.6 + 0.4)
    expected_rel = 0.945 * (1 - 0.8 * 0.055) * (1 - 0.2 * 0.015) * 0.945
    assert e.reliability == pytest.approx(expected_rel)
    assert [s.runs for s in e.steps] == pytest.approx([1, 0.8, 0.2, 1])


def test_unequal_default_shares_split_the_rest(spec) -> None:
    e = est(spec, """
steps:
  - id: route
    model: small
    kind: router
    routes: [{step: a, share: 0.5}, b, c]
  - id: a
    model: small
  - id: b
    model: small
  - id: c
    model: small
""")
    assert [s.runs for s in e.steps] == pytest.approx([1, 0.5, 0.25, 0.25])


def test_branch_members_inherit_run_probability(spec) -> None:
    e = est(spec, """
execution: dag
steps:
  - id: route
    model: small
    kind: router
    routes: [a, b]
  - id: a
    model: small
  - id: a2
    model: small
    prompt: "{{ steps.a.output }}"
  - id: b
    model: small
  - id: join
    model: small
    prompt: "{{ steps.a2.output }} {{ steps.b.output }}"
""")
    assert [s.runs for s in e.steps] == pytest.approx([1, 0.5, 0.5, 0.5, 1])
    # expected: route 0.4 + branch a (0.5 * 0.8) + branch b (0.5 * 0.4) + join 0.4
    assert e.latency_s == pytest.approx(0.4 + 0.4 + 0.2 + 0.4)
    assert e.latency_s_max == pytest.approx(0.4 + 0.8 + 0.4)


def test_loop_iterations(spec) -> None:
    e = est(spec, """
steps:
  - id: draft
    model: small
  - id: critique
    model: small
  - id: revise
    model: small
loops:
  - id: polish
    steps: [critique, revise]
    max_iterations: 4
    until: "critique approves"
""")
    # expected iterations default to ceil(4 / 2) = 2 with an until
    assert e.cost_usd == pytest.approx(0.002 + 2 * 2 * 0.002)
    assert e.latency_s == pytest.approx(0.4 + 2 * 2 * 0.4)
    assert e.cost_usd_max == pytest.approx(0.002 + 4 * 2 * 0.002)
    assert e.reliability == pytest.approx(0.945 * 0.945**2 * 0.945**2)


def test_fan_out_waves(spec) -> None:
    e = est(spec, """
steps:
  - id: map
    model: small
    fan_out: {count: 5, max_concurrency: 2}
""")
    assert e.cost_usd == pytest.approx(5 * 0.002)
    assert e.latency_s == pytest.approx(3 * 0.4)
    assert e.reliability == pytest.approx(0.945**5)


def test_tool_and_human_defaults(spec) -> None:
    e = est(spec, """
tools:
  search: {per_call_s: 1.5, per_call_usd: 0.001}
steps:
  - id: look
    kind: tool
    tool: search
  - id: approve
    kind: human
    per_call_s: 60
""")
    assert e.cost_usd == pytest.approx(0.001)
    assert e.latency_s == pytest.approx(61.5)
    assert e.reliability == pytest.approx(0.995)


def test_budgets_checked(spec) -> None:
    e = est(spec, """
steps:
  - id: s
    model: small
budgets: {cost_usd: 0.001, latency_s: 1, reliability: 0.9}
""")
    verdicts = {b.name: b.ok for b in e.budgets}
    assert verdicts == {"cost_usd": False, "latency_s": True, "reliability": True}


def test_catalog_model_used_by_name(spec) -> None:
    from agentlint.spec import catalog

    entry = catalog.entry("gpt-4o-mini")
    assert entry is not None
    wf = load_workflow(str(spec("""
agentlint: 1
steps:
  - id: s
    model: openai/gpt-4o-mini
    prompt: "abcd"
    output_tokens: 100
""")))
    e = estimate(wf)
    c = (1 * entry["input_per_mtok"] + 100 * entry["output_per_mtok"]) / 1e6
    assert e.cost_usd == pytest.approx(c, rel=1e-12)
    assert e.steps[0].model == "openai/gpt-4o-mini"
    assert wf.models["openai/gpt-4o-mini"].base == "gpt-4o-mini"


def test_spec_fields_override_catalog(spec) -> None:
    wf = load_workflow(str(spec("""
agentlint: 1
models:
  mini: {model: gpt-4o-mini, output_per_mtok: 1.0}
steps:
  - id: s
    model: mini
    output_tokens: 1000
""")))
    m = wf.models["mini"]
    assert m.output_per_mtok == 1.0
    assert "output_per_mtok" not in m.from_catalog
    assert "input_per_mtok" in m.from_catalog


def test_step_reading_a_branch_and_the_main_line_runs_with_the_branch(spec) -> None:
    e = est(spec, """
execution: dag
steps:
  - id: route
    model: small
    kind: router
    routes: [{step: a, share: 0.3}, {step: b, share: 0.7}]
  - id: a
    model: small
  - id: a_reply
    model: small
    prompt: "{{ steps.a.output }} {{ steps.route.output }} {{ inputs.ticket }}"
  - id: b
    model: small
""")
    assert [s.runs for s in e.steps] == pytest.approx([1, 0.3, 0.3, 0.7])


def test_router_without_a_model_is_free(spec) -> None:
    e = est(spec, """
steps:
  - id: route
    kind: router
    routes: [a, b]
  - id: a
    model: small
  - id: b
    model: small
""")
    assert e.steps[0].cost_usd == 0 and e.steps[0].latency_s == 0
    assert e.cost_usd == pytest.approx(0.002)
