"""Latency rules: exact places, hand-computed seconds, silence once fixed."""

from __future__ import annotations

import pytest

from agentlint.graph.estimate import estimate
from agentlint.spec.load import load_workflow
from tests.rule_support import at, run, where


def latency(spec, text: str) -> float:
    return estimate(load_workflow(str(spec(text, "re-estimated.yaml")))).latency_s


# Flat per-call figures make every step time exact: m takes 2 s, slow 5 s.
HEAD = """\
agentlint: 1
models:
  m: {per_call_usd: 0.001, per_call_s: 2.0, p_ok: 1.0}
  slow: {per_call_usd: 0.001, per_call_s: 5.0, p_ok: 1.0}
tools:
  notify: {effect: send, per_call_s: 0.5}
inputs:
  q: {tokens: 100}
"""

# -- serial-but-independent (contract) ----------------------------------------------------

SERIAL = HEAD + """\
steps:
  - id: plan
    model: m
    prompt: "{{ inputs.q }}"
  - id: a
    model: slow
    parallel: g
    prompt: "{{ steps.plan.output }}"
  - id: b
    model: m
    parallel: g
    prompt: "{{ steps.plan.output }}"
  - id: c
    model: slow
    prompt: "{{ steps.plan.output }}"
  - id: d
    model: m
    prompt: "{{ steps.c.output }}"
"""


def test_serial_but_independent_fires_at_the_later_step(spec) -> None:
    found = run(spec, SERIAL, "serial-but-independent")
    # line 21 is "  - id: c"; the id's value starts at column 9
    assert where(found) == [(21, 9)]
    f = found[0]
    assert f.code == "AL101" and f.severity == "warning" and f.key == "step:c/parallel"
    # plan 2 s + group {a 5 s, b 2 s} 5 s + c 5 s + d 2 s = 14 s; with c in the
    # group: 2 + 5 + 2 = 9 s, so grouping saves 5 s
    assert f.message == (
        "`c` waits for `a` and `b` (parallel: g) but reads nothing from them, directly or "
        "through other steps; add `parallel: g` so it runs with them: saves 5.00 s on the "
        "critical path (14.00 s -> 9.00 s)")


def test_serial_but_independent_saving_matches_the_re_estimate(spec) -> None:
    fixed = SERIAL.replace("  - id: c\n    model: slow\n",
                           "  - id: c\n    model: slow\n    parallel: g\n")
    assert latency(spec, SERIAL) == pytest.approx(14.0)
    assert latency(spec, fixed) == pytest.approx(9.0)
    assert run(spec, fixed, "serial-but-independent") == []


def test_serial_but_independent_unlabelled_neighbours(spec) -> None:
    text = HEAD + """\
steps:
  - id: plan
    model: m
    prompt: "{{ inputs.q }}"
  - id: first
    model: slow
    prompt: "{{ steps.plan.output }}"
  - id: second
    model: m
    prompt: "{{ steps.plan.output }}"
"""
    found = run(spec, text, "serial-but-independent")
    assert where(found) == [at(text, "second")]
    # 2 + 5 + 2 = 9 s; side by side 2 + 5 = 7 s
    assert ("give `first` and `second` one `parallel` label so they run side by side: "
            "saves 2.00 s on the critical path (9.00 s -> 7.00 s)") in found[0].message


def test_serial_but_independent_sees_dependencies_through_other_steps(spec) -> None:
    # y reads nothing from x directly, but reads w, which reads x
    text = HEAD + """\
steps:
  - id: x
    model: m
    prompt: "{{ inputs.q }}"
  - id: w
    model: m
    parallel: h
    prompt: "{{ steps.x.output }}"
  - id: y
    model: m
    parallel: h
    prompt: "{{ steps.w.output }}"
"""
    assert run(spec, text, "serial-but-independent") == []


def test_serial_but_independent_ignores_router_alternatives(spec) -> None:
    text = HEAD + """\
steps:
  - id: route
    model: m
    kind: router
    prompt: "{{ inputs.q }}"
    routes: [left, right]
  - id: left
    model: slow
    prompt: "{{ steps.route.output }} {{ inputs.q }}"
  - id: right
    model: slow
    prompt: "{{ steps.route.output }} {{ inputs.q }}"
"""
    assert run(spec, text, "serial-but-independent") == []


@pytest.mark.parametrize("gate", ["    kind: validator\n", "    terminal: true\n",
                                  "    kind: orchestrator\n", "    kind: human\n"])
def test_serial_but_independent_keeps_order_after_gates(spec, gate) -> None:
    text = SERIAL.replace("  - id: c\n", "  - id: check\n    model: m\n" + gate
                          + "    prompt: \"{{ steps.a.output }}\"\n  - id: c\n")
    assert [f.key for f in run(spec, text, "serial-but-independent")] == []


def test_serial_but_independent_side_effect_steps_stay_in_place(spec) -> None:
    text = SERIAL.replace("  - id: d\n    model: m\n    prompt: \"{{ steps.c.output }}\"\n",
                          "  - id: d\n    kind: tool\n    tool: notify\n")
    found = run(spec, text, "serial-but-independent")
    assert [f.key for f in found] == ["step:c/parallel"]


def test_serial_but_independent_min_seconds(spec) -> None:
    assert run(spec, SERIAL, "serial-but-independent", min_seconds=6.0) == []


DAG = HEAD + """\
execution: dag
steps:
  - id: setup
    model: slow
    prompt: "{{ inputs.q }}"
  - id: plan
    model: m
    prompt: "{{ inputs.q }}"
  - id: work
    model: m
    prompt: "{{ steps.plan.output }}"
    needs: [setup]
"""


def test_serial_but_independent_dag_needs_on_the_critical_path(spec) -> None:
    found = run(spec, DAG, "serial-but-independent")
    assert where(found) == [at(DAG, "setup]")] == [(20, 13)]
    # work starts at max(setup 5 s, plan 2 s) = 5 s instead of 2 s
    assert ("`work` needs `setup` but reads nothing from it: waiting for it holds `work` "
            "back 3.00 s, on the critical path (7.00 s)") in found[0].message


def test_serial_but_independent_dag_silent_when_the_order_costs_nothing(spec) -> None:
    text = DAG.replace("  - id: setup\n    model: slow", "  - id: setup\n    model: m")
    assert run(spec, text, "serial-but-independent") == []
    reads = DAG.replace('prompt: "{{ steps.plan.output }}"',
                        'prompt: "{{ steps.plan.output }} {{ steps.setup.output }}"')
    assert run(spec, reads, "serial-but-independent") == []


# -- deep-chain -------------------------------------------------------------------------

CHAIN = HEAD + """\
budgets:
  latency_s: 10
steps:
  - id: s1
    model: m
    prompt: "{{ inputs.q }}"
  - id: s2
    model: m
    prompt: "{{ steps.s1.output }}"
  - id: s3
    model: m
    prompt: "{{ steps.s2.output }}"
  - id: s4
    model: m
    prompt: "{{ steps.s3.output }}"
"""


def test_deep_chain_fires_at_the_first_step_past_the_limit(spec) -> None:
    found = run(spec, CHAIN, "deep-chain", max_depth=3)
    assert where(found) == [at(CHAIN, "s4")]
    assert found[0].message.startswith(
        "4 model calls run one after another (s1 -> s2 -> s3 -> s4), more than 3: the chain "
        "takes 8.00 s, 80 % of the 10.00 s latency budget, 8.00 s of it waiting for first "
        "tokens")


def test_deep_chain_silent_within_the_limit(spec) -> None:
    assert run(spec, CHAIN, "deep-chain", max_depth=4) == []
    assert run(spec, CHAIN, "deep-chain") == []  # default 8


# -- straggler --------------------------------------------------------------------------

GROUPED = HEAD + """\
steps:
  - id: quick_a
    model: m
    parallel: g
  - id: quick_b
    model: m
    parallel: g
  - id: long
    model: slow
    parallel: g
"""


def test_straggler_fires_at_the_slow_member(spec) -> None:
    found = run(spec, GROUPED, "straggler", factor=2.0)
    assert where(found) == [at(GROUPED, "long")]
    assert found[0].message.startswith(
        "`long` takes 5.00 s, 2.5x the median of the rest of group 'g' (2.00 s): the group "
        "waits 3.00 s for it alone")


def test_straggler_silent_under_the_factor_and_for_tools(spec) -> None:
    assert run(spec, GROUPED, "straggler") == []  # 2.5x < 3x
    tool = GROUPED.replace("  - id: long\n    model: slow\n",
                           "  - id: long\n    kind: tool\n    tool: slow_tool\n").replace(
        "tools:\n", "tools:\n  slow_tool: {per_call_s: 30}\n")
    assert run(spec, tool, "straggler", factor=2.0) == []


# -- unbounded-fan-out -------------------------------------------------------------------

FAN = HEAD + """\
steps:
  - id: review
    model: m
    fan_out: {count: 10}
"""


def test_unbounded_fan_out_without_any_limit(spec) -> None:
    found = run(spec, FAN, "unbounded-fan-out")
    assert where(found) == [at(FAN, "fan_out")]
    assert "starts all 10 copies at once" in found[0].message


def test_unbounded_fan_out_under_a_workflow_limit(spec) -> None:
    text = FAN.replace("agentlint: 1\n", "agentlint: 1\nmax_concurrency: 4\n")
    found = run(spec, text, "unbounded-fan-out")
    assert where(found) == [at(text, "fan_out")]
    # 10 copies, 4 at a time: 3 waves of 2 s, two more than the estimate assumes
    assert "run in 3 waves, 4.00 s more than the estimate assumes" in found[0].message
    over = text.replace("{count: 10}", "{count: 10, max_concurrency: 8}")
    found = run(spec, over, "unbounded-fan-out")
    assert where(found) == [at(over, "8}")]


def test_unbounded_fan_out_group_larger_than_the_limit(spec) -> None:
    text = GROUPED.replace("agentlint: 1\n", "agentlint: 1\nmax_concurrency: 2\n")
    found = run(spec, text, "unbounded-fan-out")
    assert where(found) == [at(text, "long")]
    # times 5, 2, 2 in waves of two: 5 + 2 = 7 s instead of 5 s
    assert "about 2.00 s more than the estimate assumes" in found[0].message


def test_unbounded_fan_out_silent_with_a_limit(spec) -> None:
    text = FAN.replace("{count: 10}", "{count: 10, max_concurrency: 4}")
    assert run(spec, text, "unbounded-fan-out") == []
    assert run(spec, text.replace("agentlint: 1\n", "agentlint: 1\nmax_concurrency: 4\n"),
               "unbounded-fan-out") == []
