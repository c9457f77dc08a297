"""What it finds
---------------
A run of more than ``max_depth`` model calls (default 8) that must happen
one after another: the longest chain of model steps through the
execution graph (the slowest alternative of each router, one round of
each loop). Reported at the first step past the limit, with the time the
chain takes and how much of the latency budget it uses.

Why it costs
------------
Every hop adds a time to first token, a network round trip and a chance
to fail, and none of it overlaps. Long chains are also where context gets
lost: each step sees the previous step's rewrite of the input rather than
the input. Chains grow one "small" step at a time, and the latency cost
shows only in production.

Example
-------
Nine model calls, each waiting for the one before it:

```yaml
agentlint: 1
name: contract-intake
inputs:
  contract: {tokens: 4000}
steps:
  - {id: clean, model: gpt-4o-mini, prompt: "Clean up: {{ inputs.contract }}"}
  - {id: detect_language, model: gpt-4o-mini, prompt: "{{ steps.clean.output }}"}
  - {id: classify, model: gpt-4o-mini, prompt: "{{ steps.detect_language.output }}"}
  - {id: extract_parties, model: gpt-4o-mini, prompt: "{{ steps.classify.output }}"}
  - {id: extract_terms, model: gpt-4o-mini, prompt: "{{ steps.extract_parties.output }}"}
  - {id: extract_dates, model: gpt-4o-mini, prompt: "{{ steps.extract_terms.output }}"}
  - {id: assess_risk, model: gpt-4o-mini, prompt: "{{ steps.extract_dates.output }}"}
  - {id: summarise, model: gpt-4o-mini, prompt: "{{ steps.assess_risk.output }}"}
  - {id: route, model: gpt-4o-mini, prompt: "{{ steps.summarise.output }}"}
```

Write instead
-------------
Merge adjacent steps that one prompt can do, and move steps that only
need the original input off the chain so they run in parallel:

```yaml
agentlint: 1
name: contract-intake
inputs:
  contract: {tokens: 4000}
steps:
  - {id: clean, model: gpt-4o-mini, prompt: "Clean up: {{ inputs.contract }}"}
  - id: triage                    # language and type in one call
    model: gpt-4o-mini
    prompt: |
      Reply with JSON {"language": ..., "type": ...}.
      {{ steps.clean.output }}
    output_tokens: 20
  - id: extract                   # parties, terms and dates in one call
    model: gpt-4o-mini
    prompt: "{{ steps.triage.output }} {{ steps.clean.output }}"
  - {id: assess_risk, model: gpt-4o-mini, prompt: "{{ steps.extract.output }}"}
  - {id: summarise, model: gpt-4o-mini, prompt: "{{ steps.assess_risk.output }}"}
```
Give the cheap steps fast models.
"""

from __future__ import annotations

from agentlint.graph.estimate import route_path, when_run
from agentlint.lint.facts import step_pos
from agentlint.lint.registry import Context
from agentlint.units import chain, seconds

CODE = "AL102"
NAME = "deep-chain"
SEVERITY = "warning"
SUMMARY = "Too many model calls one after another on the critical path"
OPTIONS = {"max_depth": 8}


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    limit = int(ctx.option("max_depth"))
    hop = [1.0 if step.uses_model else 0.0 for step in wf.steps]
    # one route a run can take: never two alternatives of one router
    path = route_path(g, hop)
    while path and not hop[path[-1]]:
        path.pop()  # the chain ends at its last model call
    depth = sum(hop[i] for i in path)
    if depth <= limit:
        return
    model_steps = [i for i in path if wf.steps[i].uses_model]
    first = wf.steps[model_steps[limit]]
    rows = ctx.estimate.steps
    full = when_run(g, [row.latency_s for row in rows])
    chain_time = sum(full[i] for i in path)
    ttft = 0.0
    for i in model_steps:
        model = wf.model_of(wf.steps[i])
        if model is not None:
            ttft += model.per_call_s if model.per_call_s is not None else (model.ttft_s or 0.0)
    budget = wf.budgets.latency_s
    share = f", {chain_time / budget * 100:.0f} % of the {seconds(budget)} latency budget" \
        if budget else ""
    ids = chain([wf.steps[i].id for i in model_steps])
    ctx.report(
        f"{int(depth)} model calls run one after another ({ids}), more than {limit}: the "
        f"chain takes {seconds(chain_time)}{share}, {seconds(ttft)} of it waiting for first "
        "tokens; merge adjacent steps one prompt can do, or move steps that only need the "
        "original input off the chain",
        step_pos(first), key=f"step:{first.id}")
