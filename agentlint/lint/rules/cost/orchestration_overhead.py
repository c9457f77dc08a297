"""What it finds
---------------
Workflows where the coordination steps (``router``, ``orchestrator`` and
``aggregate`` steps that call a model) take more than ``max_share``
(default 30 %) of the expected cost of a run. Reported once, at the
costliest coordination step, with the shares of cost, tokens and critical
path. (Tokens alone do not count: a router on a small model reads the same
request its workers read, which is right, and costs little.) Not reported
when every coordination step already runs on the cheapest model the
workflow uses and a run costs less than ``min_cost_usd`` (default $0.01):
there is nothing left to save. When the coordination steps' sizes are
assumed (an input without ``tokens``, a step without ``output_tokens``, a
reader's default) and the share would fall under ``max_share`` were the
coordination steps' assumed sizes four times smaller and the other steps'
four times larger, the finding is ``info`` and names the assumed figures;
a share that stays over the limit even then (a premium manager over
small-model workers) is a warning.

Why it costs
------------
Coordination does no user-visible work: a planner that re-reads the whole
repository map every round, a merge step between workers and the next
plan, a router in front of every call. When it costs as much as the work
it coordinates, the decomposition is paying for itself twice, and it
sits on the critical path before any worker can start.

Example
-------
A premium orchestrator that reads 4,000 tokens of context and plans every
round for six cheap workers: over half of each run's cost is planning.

```yaml
agentlint: 1
name: dependency-upgrade
inputs:
  request: {tokens: 300}
  repo_map: {tokens: 4000}
steps:
  - id: plan
    kind: orchestrator
    model: claude-sonnet-4-5      # plans every round at premium prices
    prompt: "{{ inputs.request }} {{ inputs.repo_map }}"
    output_tokens: 500
  - id: upgrade
    model: gpt-4.1-mini
    prompt: "{{ steps.plan.output }}"
    fan_out: {count: 6, max_concurrency: 3}
loops:
  - id: rounds
    steps: [plan, upgrade]
    max_iterations: 3
    until: "{{ steps.plan.output }} contains DONE"
```

Write instead
-------------
Plan with a cheaper model, plan once for all rounds and let later rounds
read only what changed, let workers read the request directly instead
of a plan that restates it, or fold the merge into the last worker:

```yaml
agentlint: 1
name: dependency-upgrade
inputs:
  request: {tokens: 300}
  repo_map: {tokens: 4000}
steps:
  - id: plan                      # once, on a cheaper model
    kind: orchestrator
    model: gpt-4.1-mini
    prompt: "{{ inputs.request }} {{ inputs.repo_map }}"
    output_tokens: 500
  - id: upgrade
    model: gpt-4.1-mini
    prompt: "{{ steps.plan.output }}"
    fan_out: {count: 6, max_concurrency: 3}
loops:
  - id: rounds
    steps: [upgrade]
    max_iterations: 3
    until: "{{ steps.upgrade.output }} contains DONE"
```
"""

from __future__ import annotations

from agentlint.graph.estimate import Tokens, multipliers, step_figures
from agentlint.lint.facts import (
    Assumed,
    assumed_input_part,
    assumed_sizes,
    names,
    report_sized,
    step_pos,
    tokens,
)
from agentlint.lint.registry import Context
from agentlint.spec.model import Step
from agentlint.units import seconds, usd

CODE = "AL206"
NAME = "orchestration-overhead"
SEVERITY = "warning"
SUMMARY = "Coordination steps take a large share of the run's cost or tokens"
OPTIONS = {"max_share": 0.3, "min_cost_usd": 0.01}
#: an assumed size may be this many times smaller or larger than the truth
MARGIN = 4.0


OVERHEAD_KINDS = ("router", "orchestrator", "aggregate")


def check(ctx: Context) -> None:
    wf = ctx.wf
    est = ctx.estimate
    limit = float(ctx.option("max_share"))
    total_cost = est.cost_usd
    total_tokens = sum((r.input_tokens + r.output_tokens) * r.calls for r in est.steps)
    over = [s for s in wf.steps if s.kind in OVERHEAD_KINDS and s.uses_model]
    if not over or total_cost <= 0 or total_tokens <= 0:
        return
    rows = est.steps
    cost = sum(rows[s.index].cost_usd for s in over)
    toks = sum((rows[s.index].input_tokens + rows[s.index].output_tokens) * rows[s.index].calls
               for s in over)
    cost_share, token_share = cost / total_cost, toks / total_tokens
    if cost_share <= limit:
        return
    if total_cost < float(ctx.option("min_cost_usd")) and all(
            _on_cheapest(ctx, s.model) for s in over):
        return  # nothing cheaper to move to, and the whole run costs a fraction of a cent
    assumed = assumed_sizes(wf)
    notes: dict[str, None] = {}
    for s in over:
        if s.id in assumed.outputs:
            notes.setdefault(assumed.outputs[s.id], None)
        for note in assumed_input_part(wf, s, assumed)[1]:
            notes.setdefault(note, None)
    if notes and _share(ctx, over, assumed) > limit:
        notes = {}  # over the limit even if the assumptions favour the coordination steps
    critical = set(est.critical_path)
    path_time = sum(rows[s.index].latency_s for s in over if s.id in critical)
    out = sum(rows[s.index].output_tokens * rows[s.index].calls for s in over)
    lead = max(over, key=lambda s: rows[s.index].cost_usd)
    path = f" and {path_time / est.latency_s * 100:.0f} % of the critical path " \
        f"({seconds(path_time)})" if est.latency_s > 0 and path_time > 0 else ""
    report_sized(
        ctx,
        f"coordination steps {names([s.id for s in over])} take {cost_share * 100:.0f} % of "
        f"the expected cost ({usd(cost)} of {usd(total_cost)} per run), "
        f"{token_share * 100:.0f} % of the tokens{path}, for {tokens(out)} tokens of output "
        f"per run (limit {limit * 100:.0f} %); plan with a cheaper model, plan once instead "
        "of every round, or let workers read the request directly",
        step_pos(lead, "kind"), f"step:{lead.id}/kind", list(notes))


def _share(ctx: Context, over: list[Step], assumed: Assumed) -> float:
    """The coordination steps' share of the cost at the least it could be: their assumed
    sizes :data:`MARGIN` times smaller, every other step's as many times larger."""
    wf, g = ctx.wf, ctx.graph
    rows = ctx.estimate.steps
    ids = {s.id for s in over}
    total = coord = 0.0
    for step in wf.steps:
        row = rows[step.index]
        k = 1.0 / MARGIN if step.id in ids else MARGIN
        part, _ = assumed_input_part(wf, step, assumed)
        size = row.input_tokens + part * (k - 1.0)
        out = row.output_tokens * (k if step.id in assumed.outputs else 1.0)
        f = step_figures(wf, step, tokens=Tokens(size, min(row.cached_tokens, size), out))
        cost = multipliers(g, step.index).cost(f)
        total += cost
        if step.id in ids:
            coord += cost
    return coord / total if total > 0 else 0.0


def _on_cheapest(ctx: Context, name: str | None) -> bool:
    """The step's model is the cheapest the workflow uses (by input and output price)."""
    wf = ctx.wf
    used = {s.model for s in wf.steps if s.model is not None}
    prices = {m: (wf.models[m].input_per_mtok or 0.0) + (wf.models[m].output_per_mtok or 0.0)
              for m in used if m in wf.models}
    if name is None or name not in prices:
        return False
    return prices[name] <= min(prices.values())
