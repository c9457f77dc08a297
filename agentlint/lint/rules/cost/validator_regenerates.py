"""What it finds
---------------
A ``kind: validator`` step whose ``output_tokens`` are at least ``ratio``
(default 0.5) of the output of the model step it checks: it rewrites the
answer rather than judging it. The message gives the dollars and seconds
a verdict of ``verdict_tokens`` (default 60) would save.

When the size rests on an assumption (an input without ``tokens``, a step
without ``output_tokens``, a default a reader of another format filled in)
the finding is ``info``, not a warning, and names the assumed figure;
state the size (or calibrate it in ``agentlint.profile.yaml``) to confirm it.

Why it costs
------------
A critique ("PASS", or "FAIL: the second claim has no source") costs a
few dozen output tokens; a regenerated answer costs as much as the
original, doubles the decode time on the critical path, and leaves you
with two answers and no reason to prefer either.

Example
-------
```yaml
agentlint: 1
name: checked-answer
inputs:
  question: {tokens: 300}
steps:
  - id: answer
    model: gpt-4o
    prompt: "{{ inputs.question }}"
    output_tokens: 700
  - id: check
    kind: validator
    model: gpt-4o-mini
    prompt: "Improve this answer: {{ steps.answer.output }}"
    output_tokens: 600            # a second answer, not a verdict
```

Write instead
-------------
```yaml
agentlint: 1
name: checked-answer
inputs:
  question: {tokens: 300}
steps:
  - id: answer
    model: gpt-4o
    prompt: "{{ inputs.question }}"
    output_tokens: 700
  - id: check
    kind: validator
    model: gpt-4o-mini
    system: Answer PASS, or FAIL and the unsupported claims. Do not rewrite.
    prompt: "{{ steps.answer.output }}"
    output_tokens: 60
```
"""

from __future__ import annotations

from agentlint.graph.estimate import Tokens, multipliers, step_figures
from agentlint.lint.facts import (
    assumed_sizes,
    call_tokens,
    code,
    output_size,
    report_sized,
    step_pos,
    tokens,
)
from agentlint.lint.registry import Context
from agentlint.units import seconds, usd

CODE = "AL205"
NAME = "validator-regenerates"
SEVERITY = "warning"
SUMMARY = "A validator that writes as much as the output it checks"
OPTIONS = {"ratio": 0.5, "verdict_tokens": 60}


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    ratio = float(ctx.option("ratio"))
    verdict = float(ctx.option("verdict_tokens"))
    rows = ctx.estimate.steps
    assumed = assumed_sizes(wf)
    for step in wf.steps:
        if step.kind != "validator" or step.model is None:
            continue
        checked = [wf.steps[p] for p in g.data_preds[step.index] if wf.steps[p].uses_model]
        if not checked:
            continue
        target = max(checked, key=output_size)
        size = output_size(target)
        if size <= 0 or step.output_tokens < ratio * size or step.output_tokens <= verdict:
            continue
        tk = call_tokens(ctx, step)
        f = step_figures(wf, step, tokens=Tokens(tk.input, tk.cached, verdict))
        m = multipliers(g, step.index)
        row = rows[step.index]
        notes = [n for n in (assumed.outputs.get(step.id), assumed.outputs.get(target.id))
                 if n]
        report_sized(
            ctx,
            f"validator {code(step.id)} writes {tokens(step.output_tokens)} tokens to check "
            f"{code(target.id)}'s {tokens(size)}: it regenerates instead of critiquing; "
            f"return a verdict (PASS, or FAIL and the problems) in about {tokens(verdict)} "
            f"tokens: saves {usd(row.cost_usd - m.cost(f))} and "
            f"{seconds(row.latency_s - m.time(f))} per run",
            step_pos(step, "output_tokens"), f"step:{step.id}/output_tokens", notes)
