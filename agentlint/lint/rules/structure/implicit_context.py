"""What it finds
---------------
A step that the source format hands every earlier step's output without
the author listing any: a CrewAI task without ``context`` receives the
output of all tasks before it. Reported at the step (the task), with the
tokens and dollars that context adds.
The fix is said in the format's keys: ``context: [...]`` on a CrewAI
task, ``include_contents: none`` with an ``output_key`` read as ``{key}``
on an ADK agent that receives the whole conversation.

Why it costs
------------
Each earlier output becomes input tokens on every call of the step, and
a dependency: the step cannot start before all of them finish, so nothing
before it can be run in parallel with it. Most tasks need one or two
earlier results, not the whole history.

Example
-------
```yaml
# CrewAI tasks.yaml
research_notes:
  description: Collect notes on {topic}, with sources.
  expected_output: A list of notes.
outline:
  description: Outline an article on {topic}.
  expected_output: A bullet-point outline.
write_report:                     # gets the notes and the outline
  description: Write the report from the notes, following the outline.
  expected_output: A one-page report.
```

Write instead
-------------
Name the tasks whose output the step needs:

```yaml
# CrewAI tasks.yaml
research_notes:
  description: Collect notes on {topic}, with sources.
  expected_output: A list of notes.
outline:
  description: Outline an article on {topic}.
  expected_output: A bullet-point outline.
  context: []
write_report:
  description: Write the report from the notes, following the outline.
  expected_output: A one-page report.
  context: [research_notes, outline]
```
"""

from __future__ import annotations

from agentlint.lint.facts import code, input_price, names, output_size, step_pos, tokens
from agentlint.lint.registry import Context
from agentlint.lint.wording import fix as format_fix
from agentlint.units import usd

CODE = "AL005"
NAME = "implicit-context"
SEVERITY = "warning"
SUMMARY = "A step that receives every earlier output without asking for it"


def check(ctx: Context) -> None:
    wf = ctx.wf
    earlier_tokens = 0.0
    earlier: list[str] = []
    rows = None
    for step in wf.steps:
        if step.implicit_context and earlier:
            if step.context:  # what the format handed over, as the reader recorded it
                implied = list(dict.fromkeys(step.context))
                size = sum(output_size(wf.step(s)) for s in implied)
            else:
                named = set(step.step_refs())
                implied = [s for s in earlier if s not in named]
                size = earlier_tokens - sum(output_size(wf.step(s)) for s in earlier if s in named)
            if implied and size > 0:
                rows = rows or ctx.estimate.steps
                calls = rows[step.index].calls
                cost = size * input_price(wf.model_of(step)) * calls / 1e6
                every = "every earlier step: " if len(implied) == len(earlier) else ""
                said = format_fix(wf, "context", step.id, implied)
                if said is None:
                    fix = "list only the steps it needs under `context`"
                else:
                    fix = said if "need" in said else f"{said}, keeping only the ones it needs"
                ctx.report(
                    f"{code(step.id)} names no context, so it receives the output of "
                    f"{every}{names(implied)} ({tokens(size)} tokens per call, {usd(cost)} per "
                    f"run) and must wait for {'it' if len(implied) == 1 else 'all of them'}; "
                    f"{fix}",
                    step_pos(step), key=f"step:{step.id}/context")
        earlier.append(step.id)
        earlier_tokens += output_size(step)
