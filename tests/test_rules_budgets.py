"""The budget rule: one finding per missed budget, at its key, with the figures."""

from __future__ import annotations

from agentlint.lint.registry import Finding
from tests.rule_support import at
from tests.rule_support import run as run_rule


def run(spec, text: str) -> list[Finding]:
    return run_rule(spec, text, "over-budget")


SPEC = """\
agentlint: 1
models:
  m: {per_call_usd: 0.01, per_call_s: 2.0, p_ok: 0.9}
steps:
  - id: first
    model: m
  - id: second
    model: m
budgets:
  cost_usd: 0.015
  latency_s: 3.0
  reliability: 0.9
"""


def test_over_budget_one_finding_per_budget_at_its_value(spec) -> None:
    found = run(spec, SPEC)
    assert [(f.line, f.column) for f in found] == [
        at(SPEC, "0.015"), at(SPEC, "3.0"), at(SPEC, "0.9\n")]
    assert all(f.severity == "error" and f.code == "AL501" for f in found)
    cost, time, success = (f.message for f in found)
    # two $0.01 calls: $0.02, over $0.015 by $0.005 (+33 %)
    assert cost.startswith("expected cost $0.02 per run is over the $0.015 budget by "
                           "$0.005 (+33 %); costliest steps: first $0.01, second $0.01")
    # 2 s + 2 s = 4 s, over 3 s by 1 s
    assert time.startswith("expected latency 4.00 s is over the 3.00 s budget by 1.00 s "
                           "(+33 %); critical path: first -> second")
    # 0.9 x 0.9 = 0.81, 9 points short; a retry each gives 0.99 x 0.99 = 0.9801
    assert success.startswith("expected end-to-end success 81.00 % is under the 90.00 % "
                              "budget by 9.00 points; weakest steps: first 90.00 %, second "
                              "90.00 %; one more retry on each of them gives 98.01 %")
    assert [f.key for f in found] == ["budgets/cost_usd", "budgets/latency_s",
                                      "budgets/reliability"]


def test_over_budget_silent_when_every_budget_holds(spec) -> None:
    text = SPEC.replace("cost_usd: 0.015", "cost_usd: 0.05").replace(
        "latency_s: 3.0", "latency_s: 5").replace("reliability: 0.9", "reliability: 0.8")
    assert run(spec, text) == []


def test_over_budget_uses_the_expected_figures_not_the_worst_case(spec) -> None:
    # with a retry the worst case is $0.04 per run, the expected cost $0.022
    text = SPEC.replace("  - id: first\n    model: m\n",
                        "  - id: first\n    model: m\n    retries: 1\n").replace(
        "cost_usd: 0.015", "cost_usd: 0.03").replace("latency_s: 3.0", "latency_s: 9").replace(
        "reliability: 0.9", "reliability: 0.8")
    assert run(spec, text) == []
