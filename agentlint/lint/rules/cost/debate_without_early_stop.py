"""What it finds
---------------
A bounded loop whose body has two or more steps that call a model (a
debate, a critique-and-revise cycle) and no ``until`` condition. Reported
at the loop, with what each round costs and what an early stop saves
(with ``until`` the estimate expects half the rounds, rounded up).
Unbounded loops are reported by ``unbounded-loop`` instead.

Why it costs
------------
Without an exit condition every run goes through every round, including
the rounds after the agents have converged, which in practice is most of
them: debates and critique loops usually settle in one or two rounds.
Each extra round re-reads the whole growing transcript.

Example
-------
```yaml
agentlint: 1
name: debate
inputs:
  motion: {tokens: 100}
steps:
  - id: argue_for
    model: gpt-4o-mini
    prompt: "Argue for the motion: {{ inputs.motion }}"
  - id: argue_against
    model: gpt-4o-mini
    prompt: "Rebut: {{ steps.argue_for.output }}"
  - id: judge_round
    model: gpt-4o
    prompt: |
      Motion: {{ inputs.motion }}
      For: {{ steps.argue_for.output }}
      Against: {{ steps.argue_against.output }}
loops:
  - id: rounds                    # four rounds on every run
    steps: [argue_for, argue_against, judge_round]
    max_iterations: 4
```

Write instead
-------------
```yaml
agentlint: 1
name: debate
inputs:
  motion: {tokens: 100}
steps:
  - id: argue_for
    model: gpt-4o-mini
    prompt: "Argue for the motion: {{ inputs.motion }}"
  - id: argue_against
    model: gpt-4o-mini
    prompt: "Rebut: {{ steps.argue_for.output }}"
  - id: judge_round
    model: gpt-4o
    prompt: |
      Motion: {{ inputs.motion }}
      For: {{ steps.argue_for.output }}
      Against: {{ steps.argue_against.output }}
      Start with SETTLED if one side has clearly won.
loops:
  - id: rounds
    steps: [argue_for, argue_against, judge_round]
    max_iterations: 4
    until: "{{ steps.judge_round.output }} starts with SETTLED"
```
"""

from __future__ import annotations

import math

from agentlint.lint.facts import code, names
from agentlint.lint.registry import Context
from agentlint.units import usd

CODE = "AL204"
NAME = "debate-without-early-stop"
SEVERITY = "warning"
SUMMARY = "A loop of several model steps with no `until`, so every run pays for every round"


def check(ctx: Context) -> None:
    wf = ctx.wf
    rows = ctx.estimate.steps
    for loop in wf.loops:
        if loop.until or loop.max_iterations is None:
            continue
        body = [wf.step(s) for s in loop.steps]
        llm = [s for s in body if s.uses_model]
        if len(llm) < 2:
            continue
        rounds = loop.expected_iterations or 1.0
        per_round = sum(rows[s.index].cost_usd for s in body) / rounds
        bound = loop.max_iterations
        early = math.ceil(bound / 2)
        ctx.report(
            f"loop {code(loop.id)} runs {names([s.id for s in llm])} for all {bound} rounds "
            f"on every run ({usd(per_round)} per round, {usd(per_round * rounds)} per run): "
            f"it has no `until`; stop when a judge's verdict settles it (expected "
            f"{early} rounds: saves about {usd(per_round * (rounds - early))} per run)",
            loop.at("id"), key=f"loop:{loop.id}")
