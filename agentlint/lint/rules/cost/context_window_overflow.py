"""What it finds
---------------
A step whose estimated input tokens (system prompt, prompt, the inputs
and outputs it reads, every fan-out copy of them) exceed the
``context_window`` of its model (given in ``models:`` or taken from the
built-in catalog).

When the size rests on an assumption (an input without ``tokens``, a step
without ``output_tokens``, a default a reader of another format filled in)
the finding is ``info``, not a warning, and names the assumed figure;
state the size (or calibrate it in ``agentlint.profile.yaml``) to confirm it.

Why it costs
------------
The call fails, or the framework silently truncates the input and the
model answers from part of it. Either way every run pays for a call that
cannot do its job, and retries fail the same way.

Example
-------
```yaml
agentlint: 1
name: site-digest
inputs:
  urls: {tokens: 400}
tools:
  fetch_page: {effect: read, untrusted: true}
steps:
  - id: fetch_all
    kind: tool
    tool: fetch_page
    prompt: "{{ inputs.urls }}"
    fan_out: {count: 40, max_concurrency: 8}
    output_tokens: 4000
    timeout_s: 30
  - id: summarise_all
    model: gpt-4o                 # 128,000-token window, 160,000 tokens in
    prompt: "Summarise these pages: {{ steps.fetch_all.output }}"
```

Write instead
-------------
Summarise in stages (map, then reduce), pass only the relevant part, or
use a model with a larger window. Here the fetch returns only each
page's article text:

```yaml
agentlint: 1
name: site-digest
inputs:
  urls: {tokens: 400}
tools:
  fetch_article: {effect: read, untrusted: true}   # the article text, no markup
steps:
  - id: fetch_all
    kind: tool
    tool: fetch_article
    prompt: "{{ inputs.urls }}"
    fan_out: {count: 40, max_concurrency: 8}
    output_tokens: 2000
    timeout_s: 30
  - id: summarise_all             # 80,000 tokens in
    model: gpt-4o
    prompt: "Summarise these articles: {{ steps.fetch_all.output }}"
```
"""

from __future__ import annotations

from agentlint.lint.facts import (
    assumed_input_part,
    assumed_sizes,
    code,
    model_pos,
    report_sized,
    tokens,
)
from agentlint.lint.registry import Context

CODE = "AL207"
NAME = "context-window-overflow"
SEVERITY = "error"
SUMMARY = "A step's input is larger than its model's context window"


def check(ctx: Context) -> None:
    wf = ctx.wf
    rows = ctx.estimate.steps
    assumed = assumed_sizes(wf)
    for step in wf.steps:
        model = wf.model_of(step)
        if model is None or not model.context_window:
            continue
        size = rows[step.index].input_tokens
        if size <= model.context_window:
            continue
        part, notes = assumed_input_part(wf, step, assumed)
        if size - part > model.context_window:
            notes = []  # the sizes the spec states overflow on their own
        report_sized(
            ctx,
            f"{code(step.id)} reads about {tokens(size)} input tokens but {code(model.name)} "
            f"takes at most {tokens(model.context_window)}: the call fails or is truncated; "
            "pass only the part it needs, summarise in stages, or use a model with a larger "
            "context window",
            model_pos(wf, step), f"step:{step.id}/model", notes)
