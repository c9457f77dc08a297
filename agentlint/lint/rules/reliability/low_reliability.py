"""What it finds
---------------
A workflow without a ``budgets.reliability`` whose expected end-to-end
success (the product of its steps' successes) is under ``floor``
(default 0.9). Reported at the weakest step, naming the weakest steps
and what one more retry on them would give. With a reliability budget,
the budget is the target and ``over-budget`` reports a miss, with the
same detail.

Why it costs
------------
Success multiplies: eleven steps at 98 % each succeed together only 80 %
of the time. Every failed run is paid for in full up to the failure, and
the user retries the whole workflow, which costs far more than retrying
the one step that failed.

Example
-------
Four extraction steps on a model that returns unusable JSON on 3 % of
calls, no retries: a run succeeds 0.97^4 = 88.5 % of the time.

```yaml
agentlint: 1
name: invoice-extraction
models:
  extractor: {model: gpt-4o-mini, p_ok: 0.97}
inputs:
  invoice: {tokens: 1500}
steps:
  - id: extract_header
    parallel: extract
    model: extractor
    prompt: "Header fields: {{ inputs.invoice }}"
  - id: extract_lines
    parallel: extract
    model: extractor
    prompt: "Line items: {{ inputs.invoice }}"
  - id: extract_totals
    parallel: extract
    model: extractor
    prompt: "Totals: {{ inputs.invoice }}"
  - id: reconcile
    model: extractor
    prompt: |
      Check that the line items add up to the totals.
      {{ steps.extract_header.output }} {{ steps.extract_lines.output }}
      {{ steps.extract_totals.output }}
```

Write instead
-------------
Add ``retries: 1`` to the weakest steps that are safe to repeat (pure
model calls, read-only or idempotent tools), shorten the chain, or set a
``budgets.reliability`` and let ``agentlint optimize`` place the retries:

```yaml
agentlint: 1
name: invoice-extraction
models:
  extractor: {model: gpt-4o-mini, p_ok: 0.97}
inputs:
  invoice: {tokens: 1500}
steps:
  - id: extract_header
    parallel: extract
    model: extractor
    retries: 1
    prompt: "Header fields: {{ inputs.invoice }}"
  - id: extract_lines
    parallel: extract
    model: extractor
    retries: 1
    prompt: "Line items: {{ inputs.invoice }}"
  - id: extract_totals
    parallel: extract
    model: extractor
    retries: 1
    prompt: "Totals: {{ inputs.invoice }}"
  - id: reconcile
    model: extractor
    retries: 1
    prompt: |
      Check that the line items add up to the totals.
      {{ steps.extract_header.output }} {{ steps.extract_lines.output }}
      {{ steps.extract_totals.output }}
```
"""

from __future__ import annotations

from agentlint.lint.facts import report_sized, step_pos, weakest_steps
from agentlint.lint.provenance import ASSUMED, provenance
from agentlint.lint.registry import Context
from agentlint.units import percent

CODE = "AL301"
NAME = "low-reliability"
SEVERITY = "warning"
SUMMARY = "End-to-end success under the reliability floor (when no budget is set)"
OPTIONS = {"floor": 0.9}


def check(ctx: Context) -> None:
    wf = ctx.wf
    if wf.budgets.reliability is not None:
        return
    floor = float(ctx.option("floor"))
    est = ctx.estimate
    if est.reliability >= floor or not est.steps:
        return
    rows = est.steps
    weakest = min(range(len(rows)), key=lambda i: (rows[i].reliability, i))
    step = wf.steps[weakest]
    detail = weakest_steps(ctx)
    # the success rates the figure rests on that nobody stated or measured (a model's
    # default): say so, and report at most info, as for assumed sizes
    marks = provenance(wf)["steps"]
    notes = [f"success per call of `{s.id}` assumed ({percent(_p_ok(ctx, i))})"
             for i, s in enumerate(wf.steps)
             if marks[s.id].get("p_ok", {}).get("source") == ASSUMED]
    report_sized(ctx, f"a run succeeds end to end only {percent(est.reliability)} of the "
                 f"time, under the {percent(floor)} floor; {detail}",
                 step_pos(step), "workflow/reliability", notes)


def _p_ok(ctx: Context, i: int) -> float:
    step = ctx.wf.steps[i]
    model = ctx.wf.model_of(step)
    return step.p_ok if step.p_ok is not None else (model.p_ok if model else 1.0)
