"""What it finds
---------------
A step that calls a model but whose output no later step reads (no
``{{ steps.ID.output }}``, no ``context:`` entry, no loop ``until``), and
that is neither the workflow's last step (in ``dag`` mode: a step no
other model step waits for, an end of the graph), nor the last step of a
router branch that no later step joins (the answer on that branch), nor
``terminal``, nor a step with a side effect (an agent holding a
``write`` or ``send`` tool), nor a step whose output leaves the workflow
by another way its source format declares (a CrewAI task's
``output_file`` or ``callback``, a crew's final task). Routers
(their output is the routing decision), validators (their verdict gates
the run), tool and human steps are never reported.

Why it costs
------------
The step is paid for and waited for on every run, and what it writes is
thrown away. It is usually a leftover of an earlier version of the
workflow, or a reference that was meant to be there and was lost, in
which case the step that should use it works without it.

Example
-------
```yaml
agentlint: 1
name: support-reply
inputs:
  ticket: {tokens: 1500}
steps:
  - id: summarise
    model: gpt-4o-mini
    prompt: "Summarise this ticket: {{ inputs.ticket }}"
  - id: answer
    model: gpt-4o
    prompt: "Answer this ticket: {{ inputs.ticket }}"   # never reads the summary
```

Write instead
-------------
Delete the step, or read its output where it was meant to be used:

```yaml
agentlint: 1
name: support-reply
inputs:
  ticket: {tokens: 1500}
steps:
  - id: summarise
    model: gpt-4o-mini
    prompt: "Summarise this ticket: {{ inputs.ticket }}"
  - id: answer
    model: gpt-4o
    prompt: |
      Summary: {{ steps.summarise.output }}
      Ticket: {{ inputs.ticket }}
```
"""

from __future__ import annotations

from agentlint.graph.build import BranchKey, Graph
from agentlint.lint.facts import code, side_effect_tools, step_pos, tokens
from agentlint.lint.fix import UNSAFE, Fix, from_edits
from agentlint.lint.registry import Context
from agentlint.spec.tokens import find_refs
from agentlint.units import seconds, usd

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:  # the lint path of a native spec imports no adapter
    from agentlint.adapters.ir import Wording
    from agentlint.spec.model import Step

CODE = "AL001"
NAME = "unused-output"
SEVERITY = "warning"
SUMMARY = "A model step whose output no other step reads"
FIX = ("unsafe",
       "deletes the step, with the comment block above it, when its id is written "
       "nowhere else in the file")


NEVER_UNUSED_KINDS = ("router", "orchestrator", "validator", "human", "tool")


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    n = g.n
    read = [False] * n
    for preds in g.data_preds:
        for p in preds:
            read[p] = True
    for loop in wf.loops:
        for ns, name, _ in find_refs(loop.until or ""):
            if ns == "steps" and name in wf.step_index:
                read[wf.step_index[name]] = True
    branch_end = _branch_ends(g)
    rows = ctx.estimate.steps
    wording: Wording | None = wf.extra.get("wording")  # the source format's own words
    for step in wf.steps:
        i = step.index
        if read[i] or i == n - 1 or step.terminal or not step.uses_model:
            continue
        if step.kind in NEVER_UNUSED_KINDS or side_effect_tools(wf, step):
            continue
        if step.output_leaves:
            continue  # written to a file, handed to a callback, the run's declared answer
        if i in branch_end:
            continue
        if wf.execution == "dag" and not any(wf.steps[w].uses_model for w in g.dep_succs[i]):
            continue  # in dag mode every end of the graph is an output of the run
        said = wording.keep_output(step.id) if wording is not None else None
        fix = said or f"read it with {{{{ steps.{step.id}.output }}}} where it is needed"
        ctx.report(
            f"nothing reads the output of {code(step.id)} ({tokens(step.output_tokens)} "
            f"tokens): it is not the last step, not terminal and has no side effect; "
            f"delete it (saves {usd(rows[i].cost_usd)} and {seconds(rows[i].latency_s)} "
            f"per run) or {fix}",
            step_pos(step), key=f"step:{step.id}", fix=_drop_fix(ctx, step))


def _drop_fix(ctx: Context, step: Step) -> Fix | None:
    """Delete the step with the comment block above it.

    Unsafe: a call the run made is gone (someone may read its output outside the
    spec, in a log or a trace). Offered only when the step's id is written nowhere
    else in the file, so no reference to it is left behind.
    """
    if not ctx.native:
        return None
    spec = ctx.spec_text
    region = spec.step_region(step)
    if region is None:
        return None
    start, end = region
    named = spec.lines_naming(step.id)
    if named is None or any(not start <= n <= end for n in named):
        return None
    edits = spec.edits()
    spec.delete_step(edits, step)
    return from_edits(edits, f"delete step {code(step.id)}", UNSAFE)


def _branch_ends(g: Graph) -> set[int]:
    """Last steps of router branches that no later step joins: the answer of their run."""
    branch = g.branch
    joined: set[int] = set()
    last: dict[BranchKey, int] = {}
    for v in range(g.n):
        key = branch[v]
        if key is not None:
            last[key] = max(v, last.get(key, -1))
        own = {k[0] for k in g.chain(key)}
        for p in g.data_preds[v]:
            for router, _ in g.chain(branch[p]):
                if router not in own:
                    joined.add(router)
    return {v for key, v in last.items() if key[0] not in joined}
