"""What it finds
---------------
In ``sequential`` mode: a step that waits for the group listed right
before it although it reads nothing from that group, directly or through
other steps. It could share a ``parallel`` group with it. Reported at the
later step, with the steps it could run beside and the seconds grouping
takes off the critical path.

In ``dag`` mode: a ``needs`` entry on the critical path that carries no
data, with the seconds the step could start earlier without it.

Every dependency the graph knows counts, not only data references: a
router before its route targets, a condition that gates a step
(promptflow ``activate.when``), a state write read later, and whatever
order a reader of another format records as required; a step whose reads
agentlint cannot see (a code reference) is taken to need what runs before
it. Savings are measured on the step's own branch: each step counts its
time in the runs that run it, and the alternatives of a router are never
added up. On a workflow read from another format the fix is said in that
format's keys (a ``ParallelAgent``, a node's ``inputs``, an edge, CrewAI's
``async_execution``).

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

from agentlint.graph.build import Graph
from agentlint.lint.facts import (
    branch_chain,
    code,
    names,
    needs_pos,
    required_order,
    side_effect_tools,
    step_pos,
    when_run,
)
from agentlint.lint.fix import SAFE, UNSAFE, Fix, from_edits
from agentlint.lint.registry import Context
from agentlint.lint.wording import fix as format_fix
from agentlint.spec.model import Step, Workflow
from agentlint.units import percent, seconds

CODE = "AL101"
NAME = "serial-but-independent"
SEVERITY = "warning"
SUMMARY = "Steps run one after another although no data flows between them"
FIX = ("safe/unsafe",
       "sequential mode (safe): gives the steps waited for and the steps that need not"
       " wait one `parallel` label, when those steps are listed right after the group;"
       " dag mode (unsafe): drops the `needs` entry")
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


def _effect(ctx: Context, saving: float, weight: float) -> str:
    """"saves X on the critical path (A -> B)", for the runs that take the step's branch."""
    total = ctx.estimate.latency_s
    if weight >= 1.0 - 1e-9:
        return (f"saves {seconds(saving)} on the critical path ({seconds(total)} -> "
                f"{seconds(total - saving)})")
    return (f"saves {seconds(saving)} in the runs that take this branch ({percent(weight)} "
            f"of runs; expected latency {seconds(total)} -> about "
            f"{seconds(max(0.0, total - saving * weight))})")


def _serial_groups(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    n = g.n
    min_seconds = float(ctx.option("min_seconds"))
    group_of = g.group_of
    required = required_order(wf, g)
    # latest[v]: the latest group holding a transitive dependency of v (one
    # topological pass; sequential steps depend only on steps listed before them)
    latest = [-1] * n
    for v in range(n):
        m = -1
        for p in itertools.chain(g.dep_preds[v], required[v]):
            if p < v:
                m = max(m, group_of[p], latest[p])
        latest[v] = m
    expected = [row.latency_s for row in ctx.estimate.steps]
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
        # the movers' own timeline: the runs that run them. A step on a branch they
        # are in runs in those runs by its share of them; a step enclosing them, always.
        ref = max(g.weight[v] for v in free)
        if ref <= 0:
            continue
        t = {x: expected[x] / max(g.weight[x], ref) for x in [*prev, *cur]}
        t_prev = max(t[u] for u in prev)
        t_cur = max(t[v] for v in cur)
        t_free = max(t[v] for v in free)
        moving = set(free)
        rest = [t[v] for v in cur if v not in moving]
        saving = t_prev + t_cur - max(t_prev, t_free) - (max(rest) if rest else 0.0)
        if saving < min_seconds:
            continue
        _serial_finding(ctx, g, prev, cur, free, _effect(ctx, saving, ref))


def _serial_finding(ctx: Context, g: Graph, prev: list[int], cur: list[int],
                    free: list[int], effect: str) -> None:
    wf = ctx.wf
    step = wf.steps[free[0]]
    movers = [wf.steps[v].id for v in free]
    waited = [wf.steps[u].id for u in prev]
    label = wf.steps[prev[0]].parallel
    who = code(movers[0]) if len(movers) == 1 else names(movers)
    verb = "waits" if len(movers) == 1 else "wait"
    them = "it" if len(waited) == 1 else "them"
    group = f" (parallel: {label})" if label and len(prev) > 1 else ""
    said = format_fix(wf, "parallel", waited + movers)
    if said is not None:
        fix = said
    elif label:
        fix = f"add `parallel: {label}` so {'it runs' if len(movers) == 1 else 'they run'} " \
              f"with {them}"
        if cur[:len(free)] != free:
            fix += " (listed right after them)"
    else:
        fix = f"give {names(waited + movers)} one `parallel` label so they run side by side"
    ctx.report(
        f"{who} {verb} for {names(waited)}{group} but read{'s' if len(movers) == 1 else ''} "
        f"nothing from {them}, directly or through other steps; {fix}: {effect}",
        step_pos(step), key=f"step:{step.id}/parallel",
        fix=_parallel_fix(ctx, prev, cur, free))


def _parallel_fix(ctx: Context, prev: list[int], cur: list[int], free: list[int]
                  ) -> Fix | None:
    """One ``parallel`` label on the group waited for and the steps that need not wait.

    Safe: no data flows between them and none is a gate, so each step reads what it
    read before; only the waiting goes. Offered when the movers are listed right
    after the group (a group is a run of consecutive steps with one label).
    """
    wf = ctx.wf
    if not ctx.native or cur[:len(free)] != free:
        return None
    label = wf.steps[prev[0]].parallel
    if label is None:
        # a new label of this group's own (named after its first step's place), so that
        # two fixes applied in one pass never join their groups into one
        used: set[str | None] | None = getattr(ctx, "_parallel_labels", None)
        if used is None:
            used = {s.parallel for s in wf.steps}
            setattr(ctx, "_parallel_labels", used)  # noqa: B010 - once per file
        label = f"g{prev[0] + 1}"
        k = 1
        while label in used:
            k += 1
            label = f"g{prev[0] + 1}-{k}"
        targets = [*prev, *free]
    else:
        targets = list(free)
    spec = ctx.spec_text
    steps = [wf.steps[i] for i in targets]
    if not all(spec.can_set_scalar(s, "parallel") for s in steps):
        return None
    edits = spec.edits()
    for s in steps:
        spec.set_scalar(edits, s, "parallel", spec.scalar(label))
    movers = names([wf.steps[v].id for v in free])
    waited = names([wf.steps[u].id for u in prev])
    return from_edits(edits, f"run {movers} beside {waited} (parallel: {label})", SAFE)


def _needs_on_critical_path(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    min_seconds = float(ctx.option("min_seconds"))
    est = ctx.estimate
    required = required_order(wf, g)
    # Finish times on each step's own branch: alternatives of a router stand side by
    # side (a run takes one), each step at its time in the runs that run it.
    t = when_run(ctx)
    preds = g.dep_preds
    finish = [0.0] * g.n
    for v in g.topo:
        finish[v] = max((finish[p] for p in preds[v]), default=0.0) + t[v]
    path = [wf.step_index[s] for s in est.critical_path]
    for u, v in itertools.pairwise(path):
        step = wf.steps[v]
        before = wf.steps[u]
        if before.id not in step.needs or u in g.data_preds[v] or u in required[v]:
            continue
        # it stays on its branch: it still starts after the routers that chose it
        other = max([finish[p] for p in preds[v] if p != u] +
                    [finish[router] for router, _ in branch_chain(g, v)], default=0.0)
        saving = finish[u] - other
        if saving < min_seconds:
            continue
        where = needs_pos(step, before.id) or step_pos(step, "needs")
        said = format_fix(wf, "unorder", step.id, before.id)
        drop = said if said is not None else "drop the entry if the order is not required"
        runs = "" if g.weight[v] >= 1.0 - 1e-9 else \
            f" in the runs that take its branch ({percent(g.weight[v])} of runs)"
        ctx.report(
            f"{code(step.id)} needs {code(before.id)} but reads nothing from it: waiting for "
            f"it holds {code(step.id)} back {seconds(saving)}{runs}, on the critical path "
            f"({seconds(est.latency_s)}); {drop} (saves up to {seconds(saving)} per run"
            f"{' that takes it' if runs else ''})",
            where, key=f"step:{step.id}/needs/{before.id}",
            fix=_unorder_fix(ctx, step, before.id))


def _unorder_fix(ctx: Context, step: Step, before: str) -> Fix | None:
    """Drop the ``needs`` entry (dag mode).

    Unsafe: the entry is the author's word that the step runs after the other, for a
    reason the spec may not show (a tool's effect outside it, a rate limit).
    """
    if not ctx.native or step.raw is None:
        return None
    spec = ctx.spec_text
    if spec.step_region(step) is None or spec.list_field(step.raw, "needs") is None:
        return None
    edits = spec.edits()
    spec.remove_entries(edits, step.raw, "needs", {before})
    return from_edits(edits, f"drop {code(before)} from the `needs` of {code(step.id)}",
                      UNSAFE)
