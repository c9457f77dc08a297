"""Reliability rules: exact places, hand-computed probabilities, silence once fixed."""

from __future__ import annotations

from agentlint.lint.registry import Context
from agentlint.lint.rules import find_rule
from agentlint.spec.load import load_workflow
from tests.rule_support import at, run, where

HEAD = """\
agentlint: 1
models:
  shaky: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 0.9}
  solid: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 1.0}
tools:
  charge_card: {effect: write, p_ok: 0.9, per_call_s: 2}
  upsert_row: {effect: write, idempotent: true, p_ok: 0.9}
  lookup: {effect: read, per_call_s: 2}
"""

# -- low-reliability ----------------------------------------------------------------------

CHAIN = HEAD + """\
steps:
  - id: a
    model: shaky
  - id: b
    model: shaky
  - id: c
    model: shaky
"""


def test_low_reliability_fires_at_the_weakest_step(spec) -> None:
    found = run(spec, CHAIN, "low-reliability")
    assert where(found) == [at(CHAIN, "a\n")]
    # 0.9^3 = 0.729; one retry each: (1 - 0.1^2)^3 = 0.99^3 = 0.970299
    assert found[0].message == (
        "a run succeeds end to end only 72.90 % of the time, under the 90.00 % floor; "
        "weakest steps: a 90.00 %, b 90.00 %, c 90.00 %; one more retry on each of them "
        "gives 97.03 %")


def test_low_reliability_silent_with_retries_or_a_budget(spec) -> None:
    assert run(spec, CHAIN.replace("model: shaky\n", "model: shaky\n    retries: 1\n"),
               "low-reliability") == []
    # the author's own budget is the target; over-budget reports a miss
    assert run(spec, CHAIN + "budgets:\n  reliability: 0.99\n", "low-reliability") == []
    assert run(spec, CHAIN, "low-reliability", floor=0.7) == []


# -- unbounded-loop ------------------------------------------------------------------------

LOOP = HEAD + """\
steps:
  - id: revise
    model: solid
loops:
  - id: refine
    steps: [revise]
"""


def test_unbounded_loop_fires_at_the_loop(spec) -> None:
    found = run(spec, LOOP, "unbounded-loop")
    assert where(found) == [at(LOOP, "refine")]
    assert found[0].severity == "error"
    # the estimate assumes 10 rounds of a $0.001, 1 s call
    assert found[0].message.startswith(
        "loop `refine` has no max_iterations and no `until`, so it never ends by itself; "
        "the estimate assumes 10 rounds ($0.01 and 10.00 s per run)")


def test_unbounded_loop_silent_with_a_bound(spec) -> None:
    assert run(spec, LOOP + "    max_iterations: 3\n", "unbounded-loop") == []


# -- retry-non-idempotent ------------------------------------------------------------------

RETRY = HEAD + """\
steps:
  - id: charge
    kind: tool
    tool: charge_card
    retries: 2
    timeout_s: 10
"""


def test_retry_non_idempotent_tool_step(spec) -> None:
    found = run(spec, RETRY, "retry-non-idempotent")
    assert where(found) == [at(RETRY, "2\n    timeout")]
    # q = 0.9: attempts 1 + 0.1 + 0.01 = 1.11, so 0.11 repeated attempts per run
    assert "`charge` calls `charge_card`, which is not idempotent, and has retries: 2: " \
        "expect 0.11 repeated attempts per run" in found[0].message


def test_retry_non_idempotent_agent_holding_the_tool(spec) -> None:
    text = HEAD + """\
agents:
  biller: {model: solid, tools: [lookup, charge_card]}
steps:
  - id: bill
    agent: biller
    retries: 1
"""
    found = run(spec, text, "retry-non-idempotent")
    line, col = at(text, "retries: 1")
    assert where(found) == [(line, col + 9)] == [(14, 14)]
    assert "`bill` can call `charge_card`" in found[0].message


def test_retry_non_idempotent_silent_for_idempotent_tools(spec) -> None:
    assert run(spec, RETRY.replace("tool: charge_card", "tool: upsert_row"),
               "retry-non-idempotent") == []
    assert run(spec, RETRY.replace("retries: 2", "retries: 0"), "retry-non-idempotent") == []


# -- missing-timeout -----------------------------------------------------------------------

TIMEOUT = HEAD + """\
agents:
  finder: {model: solid, tools: [lookup]}
steps:
  - id: fetch
    kind: tool
    tool: lookup
  - id: find
    agent: finder
"""


def test_missing_timeout_on_a_tool_step(spec) -> None:
    found = run(spec, TIMEOUT, "missing-timeout")
    assert where(found) == [at(TIMEOUT, "fetch")]
    assert "set timeout_s (about 6 s, 3x its usual 2.00 s)" in found[0].message


def test_missing_timeout_model_steps_with_tools_only_when_asked(spec) -> None:
    found = run(spec, TIMEOUT, "missing-timeout", model_steps_with_tools=True)
    assert where(found) == [at(TIMEOUT, "fetch"), at(TIMEOUT, "find\n")]


def test_missing_timeout_only_where_a_timeout_can_be_written(spec) -> None:
    wf = load_workflow(str(spec(TIMEOUT)))
    wf.format = "promptflow"  # as an adapter would mark it
    ctx = Context(wf)
    ctx.run(find_rule("missing-timeout"))  # type: ignore[arg-type]
    assert ctx.findings == []


def test_missing_timeout_silent_with_timeouts(spec) -> None:
    text = TIMEOUT.replace("tool: lookup\n", "tool: lookup\n    timeout_s: 5\n")
    assert run(spec, text, "missing-timeout") == []
