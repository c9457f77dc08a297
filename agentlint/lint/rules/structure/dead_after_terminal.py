"""What it finds
---------------
Steps that can never run because a ``terminal: true`` step ends the
workflow before them. In ``sequential`` mode these are the steps listed
after a terminal step on the same path (a terminal step on a router's
branch ends only that branch: steps after the join still run on the
other branches). In ``dag`` mode they are the steps that wait, directly or
through other steps, for a terminal step. Reported once per terminal
step, at the first dead step.

Why it costs
------------
The dead steps look live: readers think the workflow does more than it
does, and the estimate still prices them. Either the ``terminal`` flag is
wrong and the workflow stops too early, or the steps are leftovers.

Example
-------
```yaml
agentlint: 1
name: answer-and-log
inputs:
  question: {tokens: 300}
tools:
  write_log: {effect: write, idempotent: true}
steps:
  - id: answer
    model: gpt-4o-mini
    prompt: "{{ inputs.question }}"
    terminal: true
  - id: log_answer               # never runs
    kind: tool
    tool: write_log
    context: [answer]
    timeout_s: 10
```

Write instead
-------------
Remove ``terminal: true`` from a step that is not really the end, or
delete the steps after it, or put the early exit on a router branch so
the other branches continue:

```yaml
agentlint: 1
name: answer-and-log
inputs:
  question: {tokens: 300}
tools:
  write_log: {effect: write, idempotent: true}
steps:
  - id: answer
    model: gpt-4o-mini
    prompt: "{{ inputs.question }}"
  - id: log_answer
    kind: tool
    tool: write_log
    context: [answer]
    timeout_s: 10
```
"""

from __future__ import annotations

from agentlint.graph.build import BranchKey
from agentlint.lint.facts import branch_chain, code, names, step_pos
from agentlint.lint.registry import Context
from agentlint.units import usd

CODE = "AL003"
NAME = "dead-after-terminal"
SEVERITY = "warning"
SUMMARY = "Steps that can only run after a terminal step, so never do"


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    dead_by: dict[int, list[int]] = {}
    if wf.execution == "sequential":
        main_end: int | None = None
        ended: dict[BranchKey, int] = {}
        for step in wf.steps:
            i = step.index
            cause = main_end
            if cause is None and ended:
                for key in branch_chain(g, i):
                    if key in ended:
                        cause = ended[key]
                        break
            if cause is not None:
                dead_by.setdefault(cause, []).append(i)
                continue
            if step.terminal:
                if g.branch[i] is None:
                    main_end = i
                else:
                    ended.setdefault(g.branch[i], i)  # type: ignore[arg-type]
    else:
        seen = [False] * g.n
        for t in g.topo:
            if not wf.steps[t].terminal or seen[t]:
                continue
            stack = list(g.dep_succs[t])
            while stack:
                v = stack.pop()
                if seen[v]:
                    continue
                seen[v] = True
                dead_by.setdefault(t, []).append(v)
                stack.extend(g.dep_succs[v])
    rows = ctx.estimate.steps
    for t, dead in dead_by.items():
        dead.sort()
        first = wf.steps[dead[0]]
        term = wf.steps[t]
        priced = sum(rows[i].cost_usd for i in dead)
        how = "listed after it" if wf.execution == "sequential" else "waiting for it"
        ctx.report(
            f"{code(term.id)} is terminal (line {step_pos(term, 'terminal')[0]}), so "
            f"{names([wf.steps[i].id for i in dead])}, {how}, never "
            f"run{'s' if len(dead) == 1 else ''} (the estimate still counts "
            f"{usd(priced)} per run for them); remove `terminal: true` or delete "
            f"{'the step' if len(dead) == 1 else 'them'}",
            step_pos(first), key=f"step:{first.id}")
