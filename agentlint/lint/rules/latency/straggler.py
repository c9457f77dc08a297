"""What it finds
---------------
In a ``sequential`` workflow's parallel group, the slowest member when it
calls a model and takes at least ``factor`` (default 3) times the median
time of the other members, and at least ``min_seconds`` longer than the
next slowest. Tool steps are not reported: their time is the tool's, and
grouping them is already the best that can be done. When the member's
time, or the next slowest one's, comes from an output size agentlint
assumed (no ``output_tokens``), the finding is ``info`` and says so;
members that all have the same assumed size are compared model against
model, and that comparison stands.

Why it costs
------------
A group finishes when its slowest member does. One slow member makes the
whole group, and everything after it, wait: the others' speed buys
nothing. The seconds reported are the time the group waits for that
member alone.

Example
-------
```yaml
agentlint: 1
name: two-summaries
inputs:
  report: {tokens: 3000}
steps:
  - id: summary_short
    parallel: drafts
    model: gpt-4o-mini
    prompt: "Summarise in one paragraph: {{ inputs.report }}"
    output_tokens: 100
  - id: summary_long
    parallel: drafts              # the group waits for this one
    model: o3
    prompt: "Summarise section by section: {{ inputs.report }}"
    output_tokens: 3000
  - id: publish
    model: gpt-4o-mini
    prompt: "{{ steps.summary_short.output }} {{ steps.summary_long.output }}"
```

Write instead
-------------
Give the straggler a faster model or a smaller output, split its work
across the group, or take it out of the group and list it where its
output is first needed:

```yaml
agentlint: 1
name: two-summaries
inputs:
  report: {tokens: 3000}
steps:
  - id: summary_short
    parallel: drafts
    model: gpt-4o-mini
    prompt: "Summarise in one paragraph: {{ inputs.report }}"
    output_tokens: 100
  - id: summary_long
    parallel: drafts
    model: gpt-4o-mini
    prompt: "Summarise in one page: {{ inputs.report }}"
    output_tokens: 300
  - id: publish
    model: gpt-4o-mini
    prompt: "{{ steps.summary_short.output }} {{ steps.summary_long.output }}"
```
"""

from __future__ import annotations

from agentlint.lint.facts import assumed_sizes, code, report_sized, step_pos
from agentlint.lint.registry import Context
from agentlint.units import seconds

CODE = "AL103"
NAME = "straggler"
SEVERITY = "warning"
SUMMARY = "One model step in a parallel group much slower than the others"
OPTIONS = {"factor": 3.0, "min_seconds": 2.0}


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    if wf.execution != "sequential":
        return
    factor = float(ctx.option("factor"))
    min_seconds = float(ctx.option("min_seconds"))
    rows = ctx.estimate.steps
    assumed = assumed_sizes(wf)
    for group in g.groups:
        if len(group) < 2:
            continue
        ordered = sorted(group, key=lambda v: rows[v].latency_s)
        slow = ordered[-1]
        step = wf.steps[slow]
        if not step.uses_model:
            continue
        others = [rows[v].latency_s for v in ordered[:-1]]
        median = _median(others)
        slow_t = rows[slow].latency_s
        extra = slow_t - others[-1]
        if median <= 0 or slow_t < factor * median or extra < min_seconds:
            continue
        # its time comes from its output size, and the others' from theirs; members that
        # all have the same assumed size are compared model against model, which holds
        pair = [wf.steps[v] for v in (slow, ordered[-2])]
        notes = [n for p in pair if (n := assumed.outputs.get(p.id))]
        if len(notes) == 2 and pair[0].output_tokens == pair[1].output_tokens:
            notes = []
        report_sized(
            ctx,
            f"{code(step.id)} takes {seconds(slow_t)}, {slow_t / median:.1f}x the median of "
            f"the rest of group '{step.parallel}' ({seconds(median)}): the group waits "
            f"{seconds(extra)} for it alone; give it a faster model or a smaller output, or "
            "take it out of the group",
            step_pos(step), f"step:{step.id}", notes)


def _median(values: list[float]) -> float:
    """The median of sorted ``values`` (the statistics module costs a pre-commit run 3 ms)."""
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
