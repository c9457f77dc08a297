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
agentlint: 1
name: refine-draft
inputs:
  draft: {tokens: 800}
steps:
  - id: critique
    model: gpt-4o-mini
    prompt: "Critique: {{ inputs.draft }}"
  - id: revise
    model: gpt-4o-mini
    prompt: "Revise after: {{ steps.critique.output }}"
loops:
  - id: refine
    steps: [critique, revise]
    until: "{{ steps.critique.output }} contains APPROVED"
```

Write instead
-------------
```yaml
agentlint: 1
name: refine-draft
inputs:
  draft: {tokens: 800}
steps:
  - id: critique
    model: gpt-4o-mini
    prompt: "Critique: {{ inputs.draft }}"
  - id: revise
    model: gpt-4o-mini
    prompt: "Revise after: {{ steps.critique.output }}"
loops:
  - id: refine
    steps: [critique, revise]
    max_iterations: 3
    until: "{{ steps.critique.output }} contains APPROVED"
```
"""

from __future__ import annotations

from agentlint.lint.facts import code
from agentlint.lint.fix import SAFE, Fix, from_edits
from agentlint.lint.registry import Context
from agentlint.lint.wording import fix as format_fix
from agentlint.spec.load import UNBOUNDED_LOOP_ITERATIONS
from agentlint.units import seconds, usd

CODE = "AL302"
NAME = "unbounded-loop"
SEVERITY = "error"
SUMMARY = "A loop with no `max_iterations`"
FIX = ("safe",
       "adds `max_iterations` with the rounds the estimate already assumed")


def check(ctx: Context) -> None:
    wf = ctx.wf
    rows = ctx.estimate.steps
    for loop in wf.loops:
        if loop.max_iterations is not None:
            continue
        body = [wf.step(s) for s in loop.steps]
        cost = sum(rows[s.index].cost_usd for s in body)
        time = sum(rows[s.index].latency_s for s in body)
        stop = "" if loop.until else " and no `until`, so it never ends by itself"
        said = format_fix(wf, "bound", loop.id)  # the source format's own words
        ctx.report(
            f"loop {code(loop.id)} has no max_iterations{stop}; the estimate assumes "
            f"{UNBOUNDED_LOOP_ITERATIONS} rounds ({usd(cost)} and {seconds(time)} per run) "
            f"but nothing stops a loop that never converges; {said or 'set max_iterations'}",
            loop.at("id"), key=f"loop:{loop.id}", fix=_fix(ctx, loop.raw, loop.id))


def _fix(ctx: Context, raw: object, loop_id: str) -> Fix | None:
    """``max_iterations`` with the rounds the estimate already assumed: the figures
    agentlint reports do not move, and the loop gets the stop it lacked."""
    if not ctx.native:
        return None
    spec = ctx.spec_text
    edits = spec.edits()
    if spec.insert_key(edits, raw, "max_iterations", str(UNBOUNDED_LOOP_ITERATIONS),
                       prefer=("until", "steps", "id")) is None:
        return None
    return from_edits(edits, f"add `max_iterations: {UNBOUNDED_LOOP_ITERATIONS}` to loop "
                      f"{code(loop_id)}", SAFE)
