"""What it finds
---------------
Literals in system prompts and prompts (inline or read from prompt
files) shaped like credentials: OpenAI and Anthropic keys (``sk-...``),
AWS access key ids (``AKIA...``), GitHub tokens (``ghp_...``,
``github_pat_...``), Slack tokens (``xoxb-...``), Google API keys,
private key headers, and ``password=...`` / ``api_key: ...`` with a
literal value. The message shows only a redacted prefix.

Why it costs
------------
A prompt is sent to a model provider on every call, logged by tracing
tools, shown in dashboards and committed to the repository. A secret in
it is a leaked secret, and a model that can see it can be talked into
repeating it.

Example
-------
```yaml
agentlint: 1
name: crm-lookup
inputs:
  question: {tokens: 200}
steps:
  - id: lookup
    model: gpt-4o-mini
    system: "Use the CRM API with key sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a"
    prompt: "{{ inputs.question }}"
```

Write instead
-------------
Keep credentials in the tool's configuration or the runtime's secret
store; the model never needs to see them. Rotate any key that was
committed.

```yaml
agentlint: 1
name: crm-lookup
inputs:
  question: {tokens: 200}
tools:
  crm_lookup: {effect: read}      # the tool holds the key, not the prompt
agents:
  support: {model: gpt-4o-mini, tools: [crm_lookup]}
steps:
  - id: lookup
    agent: support
    system: "Look the customer up with crm_lookup."
    prompt: "{{ inputs.question }}"
```
"""

from __future__ import annotations

import re

from agentlint.lint.facts import (
    text_pos,
)
from agentlint.lint.registry import Context

CODE = "AL403"
NAME = "secret-in-prompt"
SEVERITY = "error"
SUMMARY = "A credential-looking literal in a prompt"


#: Shapes of credentials, each with a short name for the message.
SECRETS: list[tuple[str, re.Pattern[str]]] = [
    ("an OpenAI/Anthropic-style API key", re.compile(r"\bsk-(?:[A-Za-z]+-)?[A-Za-z0-9_-]{20,}")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token",
     re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")),
    ("a password", re.compile(
        r"(?i)\b(?:password|passwd|pwd|api[_-]?key|client[_-]?secret|access[_-]?token)\s*[:=]\s*"
        r"(?![\s{<$*]|x{3,}|\.\.\.)[\"']?[^\s\"'{}<>]{6,}")),
]


def _redact(text: str) -> str:
    keep = 4
    if "=" in text[:30] or ":" in text[:30]:
        cut = max(text.find("="), text.find(":"))
        return text[:cut + 1].rstrip() + "…"
    return text[:keep] + "…"


def check(ctx: Context) -> None:
    wf = ctx.wf
    seen: set[tuple[int, int]] = set()
    texts: list[tuple[str, str, object, str]] = []
    for name, agent in wf.agents.items():
        if agent.system:
            texts.append((agent.system, "system", agent.raw, f"agent:{name}"))
    for step in wf.steps:
        if step.system and step.system_from == "step":
            texts.append((step.system, "system", step.raw, f"step:{step.id}"))
        if step.prompt:
            texts.append((step.prompt, "prompt", step.raw, f"step:{step.id}"))

    # a text many steps share (one prompt file) is scanned once
    found: dict[str, list[tuple[str, re.Match[str]]]] = {}
    for text, field, raw, owner in texts:
        if text not in found:
            found[text] = [(label, m) for label, pattern in SECRETS
                           for m in pattern.finditer(text)]
        for label, m in found[text]:
            where = text_pos(wf, raw, field, text, m.start())  # type: ignore[arg-type]
            if where in seen:
                continue
            seen.add(where)
            kind, name = owner.split(":", 1)
            what = "system prompt" if field == "system" else "prompt"
            ctx.report(
                f"{label} in the {what} of {kind} `{name}` "
                f"(`{_redact(m.group(0))}`): prompts are sent to the provider, logged "
                "and committed; remove it, keep it in the tool's configuration or a "
                "secret store, and rotate it",
                where, key=f"{owner}/{field}/secret")
