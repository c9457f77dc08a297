"""What it finds
---------------
A step with ``fan_out`` but no ``max_concurrency``; a ``fan_out``
``max_concurrency`` above the workflow's ``max_concurrency``; and a
parallel group with more members than the workflow's ``max_concurrency``.

Why it costs
------------
Without a limit every copy starts at once: provider rate limits turn the
burst into 429 errors and retries, and a shared endpoint queues the
calls anyway, so the "parallel" copies finish no sooner. With a
workflow-wide limit the runtime will run the group or fan-out in waves,
and the estimate, which assumes they all run together, is too
optimistic by the time of the extra waves.

Example
-------
```yaml
agentlint: 1
name: review-files
inputs:
  diff: {tokens: 2000}
steps:
  - id: review_file
    model: gpt-4o-mini
    prompt: "Review one file of {{ inputs.diff }}"
    fan_out: {count: 40}
```

Write instead
-------------
```yaml
agentlint: 1
name: review-files
inputs:
  diff: {tokens: 2000}
steps:
  - id: review_file
    model: gpt-4o-mini
    prompt: "Review one file of {{ inputs.diff }}"
    fan_out: {count: 40, max_concurrency: 8}
```
"""

from __future__ import annotations

from agentlint.lint.facts import code, step_pos
from agentlint.lint.registry import Context
from agentlint.units import seconds

CODE = "AL104"
NAME = "unbounded-fan-out"
SEVERITY = "warning"
SUMMARY = "Fan-out or a parallel group with no concurrency limit, or over the workflow's limit"


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    limit = wf.max_concurrency
    rows = ctx.estimate.steps
    for step in wf.steps:
        if step.fan_out <= 1:
            continue
        raw_fan = step.raw.get("fan_out") if step.raw is not None else None
        own = step.fan_out_concurrency
        if own is None:
            where = step.raw.key_at("fan_out") if step.raw is not None else step_pos(step)
            if limit is not None and limit < step.fan_out:
                waves = -(-step.fan_out // limit)
                one = rows[step.index].latency_s
                ctx.report(
                    f"{code(step.id)} fans out to {step.fan_out} copies with no "
                    f"max_concurrency; under the workflow's limit of {limit} they run in "
                    f"{waves} waves, {seconds((waves - 1) * one)} more than the estimate "
                    f"assumes; set `max_concurrency: {limit}` on the fan-out",
                    where, key=f"step:{step.id}/fan_out")
            elif limit is None:
                ctx.report(
                    f"{code(step.id)} starts all {step.fan_out} copies at once (no "
                    "max_concurrency): a burst like this meets provider rate limits and "
                    "queues; set fan_out.max_concurrency to what the provider and tools "
                    "allow",
                    where, key=f"step:{step.id}/fan_out")
        elif limit is not None and own > limit:
            where = raw_fan.value_at("max_concurrency") if raw_fan is not None else \
                step_pos(step)
            ctx.report(
                f"{code(step.id)} allows {own} copies at once, more than the workflow's "
                f"max_concurrency of {limit}; lower it to {limit} so the estimate matches "
                "what runs",
                where, key=f"step:{step.id}/fan_out/max_concurrency")
    if limit is None or wf.execution != "sequential":
        return
    for group in g.groups:
        if len(group) <= limit:
            continue
        times = sorted((rows[v].latency_s for v in group), reverse=True)
        wave_leads = times[::limit]  # the slowest step of each wave sets its length
        extra = sum(wave_leads) - times[0]
        first = wf.steps[group[limit]]
        ctx.report(
            f"parallel group '{first.parallel}' has {len(group)} steps but max_concurrency "
            f"is {limit}: from {code(first.id)} on they wait for a free slot, about "
            f"{seconds(extra)} more than the estimate assumes; split the group or raise "
            "max_concurrency",
            step_pos(first), key=f"step:{first.id}/parallel")
