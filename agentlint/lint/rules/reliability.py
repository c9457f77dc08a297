"""Reliability rules: what makes runs fail, hang or do things twice.

End-to-end success is the product of the steps' success factors (see
docs/cost-model.md); :func:`weakest_steps` is shared with the budget rule so
both say the same thing about where a run fails and what retries would buy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from agentlint.graph.estimate import call_figures, multipliers, step_figures, step_tokens
from agentlint.lint.registry import Context, Finding, rule
from agentlint.lint.rules.structure import (
    code,
    names,
    non_idempotent_tools,
    step_pos,
)
from agentlint.report.numbers import percent, seconds, usd
from agentlint.spec.load import UNBOUNDED_LOOP_ITERATIONS


def retry_gain(ctx: Context, indices: list[int]) -> float:
    """End-to-end success if each step in ``indices`` had one more retry."""
    wf, g = ctx.wf, ctx.graph
    rows = ctx.estimate.steps
    result = ctx.estimate.reliability
    for i in indices:
        old = rows[i].reliability
        if old <= 0:
            continue
        step = wf.steps[i]
        new = multipliers(g, i).success(step_figures(wf, step, retries=step.retries + 1))
        result = result / old * new
    return result


def weakest_steps(ctx: Context, count: int = 3) -> str:
    """"weakest steps: a 97.00 %, b 98.00 %; one more retry on each gives 99.1 %"."""
    wf = ctx.wf
    rows = ctx.estimate.steps
    candidates = [i for i in range(len(rows)) if rows[i].reliability < 1.0]
    if not candidates:
        return ""
    candidates.sort(key=lambda i: (rows[i].reliability, i))
    weakest = candidates[:count]
    listed = ", ".join(f"{wf.steps[i].id} {percent(rows[i].reliability)}" for i in weakest)
    text = f"weakest steps: {listed}"
    safe = [i for i in weakest if not non_idempotent_tools(wf, wf.steps[i])]
    if safe:
        who = "each of them" if len(safe) == len(weakest) else names(
            [wf.steps[i].id for i in safe])
        text += f"; one more retry on {who} gives {percent(retry_gain(ctx, safe))}"
    every = [i for i in candidates if not non_idempotent_tools(wf, wf.steps[i])]
    if len(every) > len(safe):
        text += f", on every step that can be retried safely {percent(retry_gain(ctx, every))}"
    return text


@rule("AL301", "low-reliability", "warning",
      "End-to-end success under the reliability floor (when no budget is set)",
      options={"floor": 0.9})
def low_reliability(ctx: Context) -> Iterator[Finding]:
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
    ```yaml
    steps:                  # eleven steps, p_ok 0.97 to 0.985, no retries
      - id: extract_parties
        model: gpt-4o-mini
    ```

    Write instead
    -------------
    Add ``retries: 1`` to the weakest steps that are safe to repeat (pure
    model calls, read-only or idempotent tools), shorten the chain, or set a
    ``budgets.reliability`` and let ``agentlint optimize`` place the retries.
    """
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
    yield ctx.report(
        f"a run succeeds end to end only {percent(est.reliability)} of the time, under the "
        f"{percent(floor)} floor; {detail}",
        step_pos(step), key="workflow/reliability")


@rule("AL302", "unbounded-loop", "error",
      "A loop with no `max_iterations`")
def unbounded_loop(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A loop without ``max_iterations``. The estimate assumes 10 rounds for
    it; the message gives what that costs.

    Why it costs
    ------------
    An ``until`` condition written in prose is decided by a model, and
    models do not always say the magic word. Without a bound a loop that
    never converges runs until a timeout or the account's spending limit
    stops it, and every round re-reads a longer transcript.

    Example
    -------
    ```yaml
    loops:
      - id: refine
        steps: [critique, revise]
        until: "{{ steps.critique.output }} contains APPROVED"
    ```

    Write instead
    -------------
    ```yaml
    loops:
      - id: refine
        steps: [critique, revise]
        max_iterations: 3
        until: "{{ steps.critique.output }} contains APPROVED"
    ```
    """
    wf = ctx.wf
    rows = ctx.estimate.steps
    for loop in wf.loops:
        if loop.max_iterations is not None:
            continue
        body = [wf.step(s) for s in loop.steps]
        cost = sum(rows[s.index].cost_usd for s in body)
        time = sum(rows[s.index].latency_s for s in body)
        stop = "" if loop.until else " and no `until`, so it never ends by itself"
        yield ctx.report(
            f"loop {code(loop.id)} has no max_iterations{stop}; the estimate assumes "
            f"{UNBOUNDED_LOOP_ITERATIONS} rounds ({usd(cost)} and {seconds(time)} per run) "
            "but nothing stops a loop that never converges; set max_iterations",
            loop.at("id"), key=f"loop:{loop.id}")


@rule("AL303", "retry-non-idempotent", "error",
      "Retries on a step that calls a tool that is not safe to call twice")
def retry_non_idempotent(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A step with ``retries`` that is a tool step whose tool is not idempotent,
    or a model step whose agent holds such a tool. Tools with effect
    ``write`` or ``send`` are not idempotent unless declared
    ``idempotent: true``. Reported at ``retries``, with how many repeated
    attempts to expect per run.

    Why it costs
    ------------
    A retry repeats the whole attempt. If the first attempt got as far as
    the tool call before failing (a timeout, a malformed answer after the
    tool ran), the retry calls the tool again: a second e-mail, a second
    charge, a patch applied twice. These failures are rare enough to pass
    testing and common enough to happen every week in production.

    Example
    -------
    ```yaml
    tools:
      apply_patch: {effect: write}
    agents:
      upgrader: {model: gpt-4.1-mini, tools: [apply_patch]}
    steps:
      - id: upgrade
        agent: upgrader
        retries: 1
    ```

    Write instead
    -------------
    Make the tool idempotent (an idempotency key, an upsert, apply against a
    clean checkout) and declare it ``idempotent: true``, or drop the retries
    and let the step fail.
    """
    wf, g = ctx.wf, ctx.graph
    for step in wf.steps:
        if step.retries <= 0:
            continue
        risky = non_idempotent_tools(wf, step)
        if not risky:
            continue
        f = step_figures(wf, step)
        m = multipliers(g, step.index)
        attempts = f.calls / step.calls if step.calls else 0.0
        repeats = max(0.0, attempts - (1.0 - step.cache_hit_rate))
        repeats *= m.runs * m.it_expected * m.copies
        held = "calls" if step.kind == "tool" else "can call"
        yield ctx.report(
            f"{code(step.id)} {held} {names(risky)}, which is not idempotent, and has "
            f"retries: {step.retries}: expect {repeats:.2f} repeated attempts per run, each "
            "of which may call it again; make the tool idempotent (and declare it so) or drop "
            "the retries",
            step_pos(step, "retries"), key=f"step:{step.id}/retries")


@rule("AL304", "missing-timeout", "warning",
      "A tool step with no `timeout_s`",
      options={"model_steps_with_tools": False, "factor": 3.0})
def missing_timeout(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A ``kind: tool`` step without ``timeout_s``. With
    ``model_steps_with_tools = true``, also model steps whose agent holds
    tools. The message suggests a timeout of ``factor`` (default 3) times the
    step's usual time per attempt. Only agentlint specs are checked: the
    formats adapters read (promptflow, Dify, CrewAI, ...) have no place to
    write a per-step timeout, so the finding could not be acted on there.

    Why it costs
    ------------
    Tools hang: a search API that never answers, a test run that deadlocks.
    Without a timeout the attempt never fails, so retries never start, and
    the run holds its slot (and the user) until something outside kills it.
    A timeout turns a hang into an ordinary failure the workflow can retry
    or report.

    Example
    -------
    ```yaml
      - id: run_tests
        kind: tool
        tool: run_tests
    ```

    Write instead
    -------------
    ```yaml
      - id: run_tests
        kind: tool
        tool: run_tests
        timeout_s: 180
    ```
    """
    wf = ctx.wf
    if wf.format != "agentlint":
        return
    with_tools = bool(ctx.option("model_steps_with_tools"))
    factor = float(ctx.option("factor"))
    for step in wf.steps:
        if step.timeout_s is not None:
            continue
        if step.kind == "tool":
            what = f"tool step {code(step.id)} ({step.tool})"
        elif with_tools and step.uses_model and step.tools:
            what = f"{code(step.id)}, which can call {names(step.tools)},"
        else:
            continue
        _, t, _ = call_figures(wf, step, wf.model_of(step), step_tokens(wf, step))
        per_attempt = step.calls * t
        suggestion = max(1, math.ceil(factor * per_attempt))
        yield ctx.report(
            f"{what} has no timeout_s: a hung call stalls the run with no limit and its "
            f"retries never start; set timeout_s (about {suggestion} s, {factor:g}x its "
            f"usual {seconds(per_attempt)})",
            step_pos(step), key=f"step:{step.id}/timeout_s")
