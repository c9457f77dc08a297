"""What it finds
-------------
A ``# agentlint: disable=RULE`` or ``# agentlint: disable-file`` comment
that did not silence any finding in its scope, a comment that names a rule
agentlint does not know, and a comment that looks like a directive but is
not one (``# agentlint: enable=...``, ``# agentlint: disable AL201``).

Why it costs
------------
A stale suppression is a trap: the problem it once excused is gone, but
the comment stays and silently swallows the next, different finding of
that rule in the same place. A misspelt one silences nothing at all while
looking as if it did.

Example
-------
```yaml
agentlint: 1
name: ticket-triage
inputs:
  ticket: {tokens: 800}
steps:
  - id: classify
    model: gpt-4o-mini   # agentlint: disable=premium-on-trivial-step
    prompt: "Billing, tech or account? {{ inputs.ticket }}"
    output_tokens: 5
```
``gpt-4o-mini`` is no premium model, so nothing is reported on that line
and the comment is reported instead.

Write instead
-------------
Delete the comment, or move it to the line the finding is reported on
(``agentlint lint`` prints ``file:line:col``). A comment alone on a line
covers the YAML node that starts on the next line; ``disable-file``
covers the whole file.

```yaml
agentlint: 1
name: ticket-triage
inputs:
  ticket: {tokens: 800}
steps:
  - id: classify
    model: gpt-4o-mini
    prompt: "Billing, tech or account? {{ inputs.ticket }}"
    output_tokens: 5
```

The engine runs this rule after all others, when it knows which comments
were used; it is reported only for rules that ran.
"""

from __future__ import annotations

from agentlint.lint.registry import Context

CODE = "AL901"
NAME = "unused-suppression"
SEVERITY = "warning"
SUMMARY = "A suppression comment that silences nothing, or cannot be read"
FIX = ("safe",
       "removes the comment, or the unused rule from its list (in every format: the edit"
       " is to a comment)")


def check(ctx: Context) -> None:
    for problem in getattr(ctx, "suppression_problems", ()):
        ctx.report(problem.message, (problem.line, problem.column),
                   key=f"suppression:{problem.line}", fix=problem.fix)
