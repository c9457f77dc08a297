"""What it finds
---------------
In ``sequential`` mode, a step that shares a ``parallel`` label (and so a
group) with a step whose output it reads, or that it ``needs``. Reported
at the reference.

Why it costs
------------
A group is meant to start together, but a member that reads another
member must wait for it: the group silently runs one after another, and
the label promises a latency the workflow does not have. Runtimes that
do start the group together give the reader an empty or stale input.

Example
-------
```yaml
agentlint: 1
name: draft-and-polish
inputs:
  brief: {tokens: 600}
steps:
  - id: draft
    parallel: work
    model: gpt-4o
    prompt: "Draft a reply to: {{ inputs.brief }}"
  - id: polish
    parallel: work                # waits for draft anyway
    model: gpt-4o-mini
    prompt: "Polish: {{ steps.draft.output }}"
```

Write instead
-------------
Take the dependent step out of the group (list it after the group
without the label), or drop the reference if it is not needed:

```yaml
agentlint: 1
name: draft-and-polish
inputs:
  brief: {tokens: 600}
steps:
  - id: draft
    model: gpt-4o
    prompt: "Draft a reply to: {{ inputs.brief }}"
  - id: polish
    model: gpt-4o-mini
    prompt: "Polish: {{ steps.draft.output }}"
```
"""

from __future__ import annotations

from agentlint.lint.facts import code, needs_pos, step_pos
from agentlint.lint.registry import Context
from agentlint.spec.model import Step
from agentlint.spec.textpos import locate_ref
from agentlint.units import seconds

CODE = "AL004"
NAME = "parallel-group-dependency"
SEVERITY = "warning"
SUMMARY = "A parallel group whose members depend on each other"


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    if wf.execution != "sequential":
        return
    rows = ctx.estimate.steps
    for gi, group in enumerate(g.groups):
        if len(group) < 2:
            continue
        for v in group:
            step = wf.steps[v]
            for p in g.dep_preds[v]:
                if g.group_of[p] != gi:
                    continue
                pred = wf.steps[p]
                where, how = _dependency_pos(ctx, step, pred)
                ctx.report(
                    f"{code(step.id)} {how} {code(pred.id)} but both are in parallel group "
                    f"'{step.parallel}': it cannot start with the group and waits "
                    f"{seconds(rows[p].latency_s)} for {code(pred.id)}; list it after the "
                    "group without the label, or drop the dependency",
                    where, key=f"step:{step.id}/parallel")


def _dependency_pos(ctx: Context, step: Step, pred: Step) -> tuple[tuple[int, int], str]:
    for ref in step.refs:
        if ref.kind == "steps" and ref.name == pred.id:
            return locate_ref(ctx.wf, step, ref), "reads the output of"
    where = needs_pos(step, pred.id)
    if where is not None:
        return where, "needs"
    for route in pred.routes:
        if route.step == step.id:
            return route.pos, "is a route of"
    return step_pos(step), "depends on"
