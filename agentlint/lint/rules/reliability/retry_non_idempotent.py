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
agentlint: 1
name: dependency-upgrade
inputs:
  request: {tokens: 300}
tools:
  apply_patch: {effect: write}
agents:
  upgrader: {model: gpt-4.1-mini, tools: [apply_patch]}
steps:
  - id: upgrade
    agent: upgrader
    prompt: "{{ inputs.request }}"
    retries: 1                    # a second attempt may patch twice
```

Write instead
-------------
Make the tool idempotent (an idempotency key, an upsert, apply against a
clean checkout) and declare it ``idempotent: true``, or drop the retries
and let the step fail:

```yaml
agentlint: 1
name: dependency-upgrade
inputs:
  request: {tokens: 300}
tools:
  apply_patch: {effect: write, idempotent: true}   # applies to a clean checkout
agents:
  upgrader: {model: gpt-4.1-mini, tools: [apply_patch]}
steps:
  - id: upgrade
    agent: upgrader
    prompt: "{{ inputs.request }}"
    retries: 1
```
"""

from __future__ import annotations

from agentlint.graph.estimate import (
    multipliers,
    step_figures,
)
from agentlint.lint.facts import (
    code,
    names,
    non_idempotent_tools,
    step_pos,
)
from agentlint.lint.registry import Context

CODE = "AL303"
NAME = "retry-non-idempotent"
SEVERITY = "error"
SUMMARY = "Retries on a step that calls a tool that is not safe to call twice"


def check(ctx: Context) -> None:
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
        ctx.report(
            f"{code(step.id)} {held} {names(risky)}, which is not idempotent, and has "
            f"retries: {step.retries}: expect {repeats:.2f} repeated attempts per run, each "
            "of which may call it again; make the tool idempotent (and declare it so) or drop "
            "the retries",
            step_pos(step, "retries"), key=f"step:{step.id}/retries")
