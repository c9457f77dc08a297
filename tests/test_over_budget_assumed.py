"""A budget missed on figures nobody stated or measured: the finding says which, and is info.

The expected figures of an estimate rest on sizes, calls, shares, rounds and success
rates; where agentlint had to assume one (an output of 256 tokens, a model's 99 %
success per call), a missed budget is a guess, not a fact, and is not reported as an
error (docs/rules.md, AL501; docs/calibrate.md, provenance).
"""

from __future__ import annotations

from agentlint.lint.registry import Finding
from tests.rule_support import run as run_rule


def run(spec, text: str) -> list[Finding]:
    return run_rule(spec, text, "over-budget")


PRICED = """\
agentlint: 1
models:
  m: {input_per_mtok: 10, output_per_mtok: 30, ttft_s: 0.5, tokens_per_s: 50, p_ok: 0.99}
inputs:
  q: {tokens: 100}
steps:
  - id: answer
    model: m
    prompt: "{{ inputs.q }}"
OUTPUT
budgets:
  cost_usd: 0.001
"""


def test_a_cost_budget_missed_on_an_assumed_output_is_info_and_says_so(spec) -> None:
    found = run(spec, PRICED.replace("OUTPUT\n", ""))
    assert len(found) == 1
    f = found[0]
    assert f.severity == "info"
    assert "rests on assumed figures: output of `answer`" in f.message
    assert "state them to confirm" in f.message


def test_the_same_budget_missed_on_stated_figures_stays_an_error(spec) -> None:
    found = run(spec, PRICED.replace("OUTPUT\n", "    output_tokens: 256\n"))
    assert [f.severity for f in found] == ["error"]
    assert "assumed" not in found[0].message


RELIABLE = """\
agentlint: 1
models:
  m: {per_call_usd: 0.01, per_call_s: 1.0P_OK}
steps:
  - id: one
    model: m
  - id: two
    model: m
budgets:
  reliability: 0.999
"""


def test_a_reliability_floor_missed_on_an_assumed_success_rate_is_info(spec) -> None:
    found = run(spec, RELIABLE.replace("P_OK", ""))
    assert [f.severity for f in found] == ["info"]
    assert "success per call of `one`" in found[0].message
    stated = run(spec, RELIABLE.replace("P_OK", ", p_ok: 0.99"))
    assert [f.severity for f in stated] == ["error"]
