"""What it finds
---------------
In ``sequential`` mode: a step that waits for the group listed right
before it although it reads nothing from that group, directly or through
other steps. It could share a ``parallel`` group with it. Reported at the
later step, with the steps it could run beside and the seconds grouping
takes off the critical path.

In ``dag`` mode: a ``needs`` entry on the critical path that carries no
data, with the seconds the step could start earlier without it.

Steps are not reported when moving them would change more than timing:
alternatives of one router, steps in different loops, and steps next to
an approval (``human``), a ``validator``, an ``orchestrator`` (it
dispatches the steps after it), a ``terminal`` step or a step with a
write or send effect, whose order usually matters without data.
Savings under ``min_seconds`` are not reported.

Why it costs
------------
Sequential execution adds the step's full time to the run although
nothing forces it: the user waits for two model calls where one's time
would do. In multi-agent workflows this is the most common reason a
"parallel" design runs serially.

Example
-------
```yaml
agentlint: 1
name: company-research
inputs:
  company: {tokens: 50}
steps:
  - id: plan
    model: gpt-4o-mini
    prompt: "Plan research on {{ inputs.company }}"
  - id: research_news
    model: gpt-4o
    prompt: "Research the news: {{ steps.plan.output }}"
    output_tokens: 800
  - id: research_filings          # reads only the plan, waits anyway
    model: gpt-4o
    prompt: "Research the filings: {{ steps.plan.output }}"
    output_tokens: 800
  - id: report
    model: gpt-4o
    prompt: "Report: {{ steps.research_news.output }} {{ steps.research_filings.output }}"
```

Write instead
-------------
```yaml
agentlint: 1
name: company-research
inputs:
  company: {tokens: 50}
steps:
  - id: plan
    model: gpt-4o-mini
    prompt: "Plan research on {{ inputs.company }}"
  - id: research_news
    parallel: sources
    model: gpt-4o
    prompt: "Research the news: {{ steps.plan.output }}"
    output_tokens: 800
  - id: research_filings
    parallel: sources
    model: gpt-4o
    prompt: "Research the filings: {{ steps.plan.output }}"
    output_tokens: 800
  - id: report
    model: gpt-4o
    prompt: "Report: {{ steps.research_news.output }} {{ steps.research_filings.output }}"
```
or ``execution: dag``, where steps wait only for what they read.
"""

from __future__ import annotations

import itertools

from agentlint.graph.build import Graph, exec_preds
from agentlint.lint.facts import (
    branch_chain,
    code,
    names,
    needs_pos,
    side_effect_tools,
    step_pos,
)
from agentlint.lint.registry import Context
from agentlint.spec.model import Step, Workflow
from agentlint.units import seconds

CODE = "AL101"
NAME = "serial-but-independent"
SEVERITY = "warning"
SUMMARY = "Steps run one after another although no data flows between them"
OPTIONS = {"min_seconds": 1.0}


GATE_KINDS = ("human", "validator", "orchestrator")


def _is_gate(wf: Workflow, step: Step) -> bool:
    """A step whose place in the order matters beyond data: approvals, checks, effects."""
    return step.kind in GATE_KINDS or step.terminal or bool(side_effect_tools(wf, step))


def check(ctx: Context) -> None:
    if ctx.wf.execution == "sequential":
        _serial_groups(ctx)
    else:
        _needs_on_critical_path(ctx)


def _serial_groups(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    n = g.n
    min_seconds = float(ctx.option("min_seconds"))
    group_of = g.group_of
    # latest[v]: the latest group holding a transitive dependency of v (one
    # topological pass; sequential steps depend only on steps listed before them)
    latest = [-1] * n
    for v in range(n):
        m = -1
        for p in g.dep_preds[v]:
            m = max(m, group_of[p], latest[p])
        latest[v] = m
    t = [row.latency_s for row in ctx.estimate.steps]
    total = ctx.estimate.latency_s
    for gi in range(1, len(g.groups)):
        prev, cur = g.groups[gi - 1], g.groups[gi]
        if any(_is_gate(wf, wf.steps[u]) for u in prev):
            continue
        loops = {g.loop_of[u] for u in prev}
        if len(loops) != 1:
            continue
        taken: dict[int, set[int]] = {}
        for u in prev:
            for router, route in branch_chain(g, u):
                taken.setdefault(router, set()).add(route)
        free = []
        for v in cur:
            if latest[v] >= gi - 1 or g.loop_of[v] not in loops or _is_gate(wf, wf.steps[v]):
                continue
            if any(taken.get(router, set()) - {route} for router, route in branch_chain(g, v)):
                continue  # an alternative of a step in the previous group
            free.append(v)
        if not free:
            continue
        t_prev = max(t[u] for u in prev)
        t_cur = max(t[v] for v in cur)
        t_free = max(t[v] for v in free)
        moving = set(free)
        rest = [t[v] for v in cur if v not in moving]
        saving = t_prev + t_cur - max(t_prev, t_free) - (max(rest) if rest else 0.0)
        if saving < min_seconds:
            continue
        _serial_finding(ctx, g, prev, cur, free, saving, total)


def _serial_finding(ctx: Context, g: Graph, prev: list[int], cur: list[int],
                    free: list[int], saving: float, total: float) -> None:
    wf = ctx.wf
    step = wf.steps[free[0]]
    movers = [wf.steps[v].id for v in free]
    waited = [wf.steps[u].id for u in prev]
    label = wf.steps[prev[0]].parallel
    who = code(movers[0]) if len(movers) == 1 else names(movers)
    verb = "waits" if len(movers) == 1 else "wait"
    them = "it" if len(waited) == 1 else "them"
    group = f" (parallel: {label})" if label and len(prev) > 1 else ""
    if label:
        fix = f"add `parallel: {label}` so {'it runs' if len(movers) == 1 else 'they run'} " \
              f"with {them}"
        if cur[:len(free)] != free:
            fix += " (listed right after them)"
    else:
        fix = f"give {names(waited + movers)} one `parallel` label so they run side by side"
    ctx.report(
        f"{who} {verb} for {names(waited)}{group} but read{'s' if len(movers) == 1 else ''} "
        f"nothing from {them}, directly or through other steps; {fix}: saves "
        f"{seconds(saving)} on the critical path ({seconds(total)} -> "
        f"{seconds(total - saving)})",
        step_pos(step), key=f"step:{step.id}/parallel")


def _needs_on_critical_path(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    min_seconds = float(ctx.option("min_seconds"))
    est = ctx.estimate
    t = [row.latency_s for row in est.steps]
    preds = exec_preds(g, expected=True)
    finish = [0.0] * g.n
    for v in g.topo:
        finish[v] = max((finish[p] for p in preds[v]), default=0.0) + t[v]
    path = [wf.step_index[s] for s in est.critical_path]
    for u, v in itertools.pairwise(path):
        step = wf.steps[v]
        before = wf.steps[u]
        if before.id not in step.needs or u in g.data_preds[v] or \
                any(r.step == step.id for r in before.routes):
            continue
        other = max((finish[p] for p in preds[v] if p != u), default=0.0)
        saving = finish[u] - other
        if saving < min_seconds:
            continue
        where = needs_pos(step, before.id) or step_pos(step, "needs")
        ctx.report(
            f"{code(step.id)} needs {code(before.id)} but reads nothing from it: waiting for "
            f"it holds {code(step.id)} back {seconds(saving)}, on the critical path "
            f"({seconds(est.latency_s)}); drop the entry if the order is not required "
            f"(saves up to {seconds(saving)} per run)",
            where, key=f"step:{step.id}/needs/{before.id}")
