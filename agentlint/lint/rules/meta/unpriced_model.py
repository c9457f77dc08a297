"""What it finds
-------------
A model named in a workflow of another format (a CrewAI ``llm:``, a
promptflow ``deployment_name``, a Dify or ADK ``model``) that the built-in
catalog does not know, under any spelling. agentlint prices it as the
costliest catalog model of its family (Claude, GPT, Llama, Qwen, ...), or
as the costliest model of the catalog when the name shows no family, so
the estimate is an upper bound rather than a guess that may be far too low.

Why it costs
------------
An unknown model priced as a cheap default can make a workflow look 2 to
400 times cheaper than it is; a budget check passes that should fail. The
upper bound keeps budgets honest, but the figure is not the model's price.

Example
-------
```yaml
# CrewAI tasks.yaml
draft:
  description: Draft the article on {topic}.
  expected_output: A draft of about 800 words.
  llm: azure/chatgpt-v-2   # a deployment name: which model is behind it?
```

Write instead
-------------
Name the model itself, or map the name in ``agentlint.profile.yaml`` beside
the file (``models: {azure/chatgpt-v-2: {model: gpt-4o-mini}}``, see
docs/profile.md):

```yaml
# CrewAI tasks.yaml
draft:
  description: Draft the article on {topic}.
  expected_output: A draft of about 800 words.
  llm: azure/gpt-4o-mini
```
"""

from __future__ import annotations

from agentlint.lint.registry import Context

CODE = "AL903"
NAME = "unpriced-model"
SEVERITY = "warning"
SUMMARY = "A model the catalog does not know, priced as the costliest of its family"


def check(ctx: Context) -> None:
    seen: set[tuple[str, tuple[int, int]]] = set()
    for message, at, key in ctx.wf.extra.get("unpriced", ()):
        if (message, at) in seen:
            continue
        seen.add((message, at))
        ctx.report(message, at, key=key)
