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

import re

from agentlint.lint.fix import SAFE, Fix, from_edits
from agentlint.lint.registry import Context

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from agentlint.lint.suppressions import Problem

#: the rule list of a directive (``disable=AL201, AL202``); compiled on first use
_RULE_LIST = r"(=[ \t]*)([A-Za-z0-9_-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_-]+)*)"

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
                   key=f"suppression:{problem.line}", fix=_fix(ctx, problem))


def _fix(ctx: Context, problem: Problem) -> Fix | None:
    """Remove the directive (its line when it stands alone, else the comment), or one
    rule from its list. The edit is to a comment, so it is exact in every format."""
    if not problem.remove:
        return None
    spec = ctx.spec_text
    lines = spec.lines
    if not 0 < problem.line <= len(lines):
        return None
    line = lines[problem.line - 1]
    col = problem.column
    if line[col - 1:col] != "#":
        return None
    edits = spec.edits()
    if problem.remove == "*":
        before = line[:col - 1]
        if before.strip():
            edits.set(problem.line, before.rstrip())
        else:
            edits.delete(problem.line, problem.line)
        return from_edits(edits, "remove the unused suppression comment", SAFE)
    found = re.compile(_RULE_LIST).search(line, col - 1)
    if found is None:
        return None
    names = [t.strip() for t in found.group(2).split(",")]
    if problem.remove not in names:
        return None
    kept = [t for t in names if t != problem.remove]
    edits.set(problem.line, line[:found.start(2)] + ",".join(kept) + line[found.end(2):])
    return from_edits(edits, f"remove {problem.remove} from the suppression comment", SAFE)
