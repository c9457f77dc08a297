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
agentlint: 1
name: ci-fix
tools:
  run_tests: {effect: read}
steps:
  - id: run_tests
    kind: tool
    tool: run_tests
  - id: explain
    model: gpt-4o-mini
    prompt: "Explain the failures: {{ steps.run_tests.output }}"
```

Write instead
-------------
```yaml
agentlint: 1
name: ci-fix
tools:
  run_tests: {effect: read}
steps:
  - id: run_tests
    kind: tool
    tool: run_tests
    timeout_s: 180
  - id: explain
    model: gpt-4o-mini
    prompt: "Explain the failures: {{ steps.run_tests.output }}"
```
"""

from __future__ import annotations

import math

from agentlint.graph.estimate import call_figures
from agentlint.lint.facts import call_tokens, code, names, step_pos
from agentlint.lint.registry import Context
from agentlint.units import seconds

CODE = "AL304"
NAME = "missing-timeout"
SEVERITY = "warning"
SUMMARY = "A tool step with no `timeout_s`"
OPTIONS = {"model_steps_with_tools": False, "factor": 3.0}


def check(ctx: Context) -> None:
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
        _, t, _ = call_figures(wf, step, wf.model_of(step), call_tokens(ctx, step))
        per_attempt = step.calls * t
        suggestion = max(1, math.ceil(factor * per_attempt))
        ctx.report(
            f"{what} has no timeout_s: a hung call stalls the run with no limit and its "
            f"retries never start; set timeout_s (about {suggestion} s, {factor:g}x its "
            f"usual {seconds(per_attempt)})",
            step_pos(step), key=f"step:{step.id}/timeout_s")
