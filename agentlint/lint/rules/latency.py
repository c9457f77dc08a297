"""Latency rules: what makes a run take longer than its work needs.

All figures come from the estimate (``ctx.estimate``): expected step times
weighted by route shares, loop rounds and fan-out waves, and the critical
path of the execution graph. Every check is one pass over the steps, the
groups or the critical path.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterator

from agentlint.graph.build import Graph, exec_preds, longest_path
from agentlint.lint.registry import Context, Finding, rule
from agentlint.lint.rules.structure import (
    branch_chain,
    code,
    names,
    side_effect_tools,
    step_pos,
)
from agentlint.report.numbers import chain, seconds
from agentlint.spec.model import Step, Workflow

GATE_KINDS = ("human", "validator", "orchestrator")


def _is_gate(wf: Workflow, step: Step) -> bool:
    """A step whose place in the order matters beyond data: approvals, checks, effects."""
    return step.kind in GATE_KINDS or step.terminal or bool(side_effect_tools(wf, step))


@rule("AL101", "serial-but-independent", "warning",
      "Steps run one after another although no data flows between them",
      options={"min_seconds": 1.0})
def serial_but_independent(ctx: Context) -> Iterator[Finding]:
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
      - id: research_news
        parallel: sources
        prompt: "{{ steps.plan.output }}"
      - id: research_filings          # reads only the plan, waits anyway
        prompt: "{{ steps.plan.output }}"
    ```

    Write instead
    -------------
    ```yaml
      - id: research_news
        parallel: sources
        prompt: "{{ steps.plan.output }}"
      - id: research_filings
        parallel: sources
        prompt: "{{ steps.plan.output }}"
    ```
    or ``execution: dag``, where steps wait only for what they read.
    """
    if ctx.wf.execution == "sequential":
        yield from _serial_groups(ctx)
    else:
        yield from _needs_on_critical_path(ctx)


def _serial_groups(ctx: Context) -> Iterator[Finding]:
    wf, g = ctx.wf, ctx.graph
    n = g.n
    min_seconds = float(ctx.option("min_seconds"))
    group_of = [0] * n
    for gi, group in enumerate(g.groups):
        for v in group:
            group_of[v] = gi
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
        yield _serial_finding(ctx, g, prev, cur, free, saving, total)


def _serial_finding(ctx: Context, g: Graph, prev: list[int], cur: list[int],
                    free: list[int], saving: float, total: float) -> Finding:
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
    return ctx.report(
        f"{who} {verb} for {names(waited)}{group} but read{'s' if len(movers) == 1 else ''} "
        f"nothing from {them}, directly or through other steps; {fix}: saves "
        f"{seconds(saving)} on the critical path ({seconds(total)} -> "
        f"{seconds(total - saving)})",
        step_pos(step), key=f"step:{step.id}/parallel")


def _needs_on_critical_path(ctx: Context) -> Iterator[Finding]:
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
        raw = step.raw
        where = step_pos(step, "needs")
        if raw is not None and "needs" in raw:
            for k, name in enumerate(raw["needs"]):
                if name == before.id:
                    where = raw["needs"].item_at(k)
        yield ctx.report(
            f"{code(step.id)} needs {code(before.id)} but reads nothing from it: waiting for "
            f"it holds {code(step.id)} back {seconds(saving)}, on the critical path "
            f"({seconds(est.latency_s)}); drop the entry if the order is not required "
            f"(saves up to {seconds(saving)} per run)",
            where, key=f"step:{step.id}/needs/{before.id}")


@rule("AL102", "deep-chain", "warning",
      "Too many model calls one after another on the critical path",
      options={"max_depth": 8})
def deep_chain(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A run of more than ``max_depth`` model calls (default 8) that must happen
    one after another: the longest chain of model steps through the
    execution graph (the slowest alternative of each router, one round of
    each loop). Reported at the first step past the limit, with the time the
    chain takes and how much of the latency budget it uses.

    Why it costs
    ------------
    Every hop adds a time to first token, a network round trip and a chance
    to fail, and none of it overlaps. Long chains are also where context gets
    lost: each step sees the previous step's rewrite of the input rather than
    the input. Chains grow one "small" step at a time, and the latency cost
    shows only in production.

    Example
    -------
    ```yaml
    steps:                   # ... nine more model steps, each reading the last
      - id: detect_language
        prompt: "{{ steps.clean.output }}"
      - id: classify
        prompt: "{{ steps.detect_language.output }} {{ steps.clean.output }}"
      - id: extract_parties
        prompt: "{{ steps.classify.output }} {{ steps.clean.output }}"
    ```

    Write instead
    -------------
    Merge adjacent steps that one prompt can do, and move steps that only
    need the original input off the chain so they run in parallel:

    ```yaml
    steps:
      - id: triage                   # language and type in one call
        prompt: |
          Reply with JSON {"language": ..., "type": ...}.
          {{ steps.clean.output }}
        output_tokens: 20
    ```
    Give the cheap steps fast models.
    """
    wf, g = ctx.wf, ctx.graph
    limit = int(ctx.option("max_depth"))
    hop = [1.0 if step.uses_model else 0.0 for step in wf.steps]
    preds = exec_preds(g, expected=False)
    depth, path = longest_path(preds, hop, g.n)
    if depth <= limit:
        return
    model_steps = [i for i in path if wf.steps[i].uses_model]
    first = wf.steps[model_steps[limit]]
    rows = ctx.estimate.steps
    chain_time = sum(rows[i].latency_s for i in path)
    ttft = 0.0
    for i in model_steps:
        model = wf.model_of(wf.steps[i])
        if model is not None:
            ttft += model.per_call_s if model.per_call_s is not None else (model.ttft_s or 0.0)
    budget = wf.budgets.latency_s
    share = f", {chain_time / budget * 100:.0f} % of the {seconds(budget)} latency budget" \
        if budget else ""
    ids = chain([wf.steps[i].id for i in model_steps])
    yield ctx.report(
        f"{int(depth)} model calls run one after another ({ids}), more than {limit}: the "
        f"chain takes {seconds(chain_time)}{share}, {seconds(ttft)} of it waiting for first "
        "tokens; merge adjacent steps one prompt can do, or move steps that only need the "
        "original input off the chain",
        step_pos(first), key=f"step:{first.id}")


@rule("AL103", "straggler", "warning",
      "One model step in a parallel group much slower than the others",
      options={"factor": 3.0, "min_seconds": 2.0})
def straggler(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    In a ``sequential`` workflow's parallel group, the slowest member when it
    calls a model and takes at least ``factor`` (default 3) times the median
    time of the other members, and at least ``min_seconds`` longer than the
    next slowest. Tool steps are not reported: their time is the tool's, and
    grouping them is already the best that can be done.

    Why it costs
    ------------
    A group finishes when its slowest member does. One slow member makes the
    whole group, and everything after it, wait: the others' speed buys
    nothing. The seconds reported are the time the group waits for that
    member alone.

    Example
    -------
    ```yaml
      - id: summary_short
        parallel: drafts
        model: gpt-4o-mini
        output_tokens: 100
      - id: summary_long
        parallel: drafts
        model: o3
        output_tokens: 3000
    ```

    Write instead
    -------------
    Give the straggler a faster model or a smaller output, split its work
    across the group, or take it out of the group and list it where its
    output is first needed.
    """
    wf, g = ctx.wf, ctx.graph
    if wf.execution != "sequential":
        return
    factor = float(ctx.option("factor"))
    min_seconds = float(ctx.option("min_seconds"))
    rows = ctx.estimate.steps
    for group in g.groups:
        if len(group) < 2:
            continue
        ordered = sorted(group, key=lambda v: rows[v].latency_s)
        slow = ordered[-1]
        step = wf.steps[slow]
        if not step.uses_model:
            continue
        others = [rows[v].latency_s for v in ordered[:-1]]
        median = statistics.median(others)
        slow_t = rows[slow].latency_s
        extra = slow_t - others[-1]
        if median <= 0 or slow_t < factor * median or extra < min_seconds:
            continue
        yield ctx.report(
            f"{code(step.id)} takes {seconds(slow_t)}, {slow_t / median:.1f}x the median of "
            f"the rest of group '{step.parallel}' ({seconds(median)}): the group waits "
            f"{seconds(extra)} for it alone; give it a faster model or a smaller output, or "
            "take it out of the group",
            step_pos(step), key=f"step:{step.id}")


@rule("AL104", "unbounded-fan-out", "warning",
      "Fan-out or a parallel group with no concurrency limit, or over the workflow's limit")
def unbounded_fan_out(ctx: Context) -> Iterator[Finding]:
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
      - id: review_file
        model: gpt-4o-mini
        fan_out: {count: 40}
    ```

    Write instead
    -------------
    ```yaml
      - id: review_file
        model: gpt-4o-mini
        fan_out: {count: 40, max_concurrency: 8}
    ```
    """
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
                yield ctx.report(
                    f"{code(step.id)} fans out to {step.fan_out} copies with no "
                    f"max_concurrency; under the workflow's limit of {limit} they run in "
                    f"{waves} waves, {seconds((waves - 1) * one)} more than the estimate "
                    f"assumes; set `max_concurrency: {limit}` on the fan-out",
                    where, key=f"step:{step.id}/fan_out")
            elif limit is None:
                yield ctx.report(
                    f"{code(step.id)} starts all {step.fan_out} copies at once (no "
                    "max_concurrency): a burst like this meets provider rate limits and "
                    "queues; set fan_out.max_concurrency to what the provider and tools "
                    "allow",
                    where, key=f"step:{step.id}/fan_out")
        elif limit is not None and own > limit:
            where = raw_fan.value_at("max_concurrency") if raw_fan is not None else \
                step_pos(step)
            yield ctx.report(
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
        waves = times[::limit]
        extra = sum(waves) - times[0]
        first = wf.steps[group[limit]]
        yield ctx.report(
            f"parallel group '{first.parallel}' has {len(group)} steps but max_concurrency "
            f"is {limit}: from {code(first.id)} on they wait for a free slot, about "
            f"{seconds(extra)} more than the estimate assumes; split the group or raise "
            "max_concurrency",
            step_pos(first), key=f"step:{first.id}/parallel")
