"""What it finds
-------------
Values an adapter had to assume while reading a workflow written in
another format (a CrewAI crew, a promptflow flow, a Dify app, ...): a
model's price or speed, an output size, the retries of a step, whatever
that format leaves unsaid. Each assumption is reported once, at the place
in the source it is about. A part of the workflow the reader cannot model
at all (an ADK agent class of your own, a ``code:`` agent) is reported as a
warning: the estimate leaves its work out.

Why it costs
------------
Cost, latency and reliability estimates are only as good as their
inputs. An assumed output size of 256 tokens may be far from what the
step really writes; knowing which figures are guesses tells you which to
measure first.

Example
-------
A CrewAI task says nothing of the model, the size of ``{topic}`` or the
length of its output: agentlint assumes each and says so.

```yaml
# CrewAI tasks.yaml
research_notes:
  description: Collect notes on {topic}, with sources.
  expected_output: A list of notes.
```

Write instead
-------------
State the value in the source (where the format allows it), give it in
``agentlint.profile.yaml`` beside the source (see docs/profile.md), or
convert the workflow to an agentlint spec and give the figure there.
When the assumption is fine, ignore the rule:
``ignore = ["assumed-value"]``.

```yaml
agentlint: 1
name: research
inputs:
  topic: {tokens: 20}
steps:
  - id: research_notes
    model: gpt-4o-mini
    prompt: "Collect notes on {{ inputs.topic }}, with sources."
    output_tokens: 600
```
"""

from __future__ import annotations

from agentlint.lint.registry import Context

CODE = "AL902"
NAME = "assumed-value"
SEVERITY = "info"
SUMMARY = "A figure the source format does not state, so agentlint assumed it"


def check(ctx: Context) -> None:
    seen: set[tuple[str, tuple[int, int]]] = set()
    for message, at, key in ctx.wf.assumptions:
        if (message, at) in seen:
            continue
        seen.add((message, at))
        # a part of the workflow the estimate leaves out is more than a guessed figure
        ctx.report(message, at, key=key, severity="warning"
                   if key.startswith("assumption:unmodelled:") else None)
