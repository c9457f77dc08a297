"""AL000 ``load-error``: a spec that cannot be read, reported like any finding.

A file that cannot be read, decoded, parsed or validated (or a rule that
crashed on it) is not linted; the run still reports it, in the chosen format,
at the line and column the reader gave: a text line with the source under it,
a GitHub annotation, a SARIF result, a JSON object, a GitLab issue, a JUnit
failure. ruff treats a syntax error the same way (``invalid-syntax``).

Unlike a rule's findings it cannot be selected off, ignored, suppressed by a
comment or baselined, and it always ends the run with exit code 2, even with
``--exit-zero``: a spec agentlint could not read has not been checked, and a
green run must not say otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentlint.errors import SpecError
from agentlint.lint.registry import Context, Finding, Rule

CODE = "AL000"
NAME = "load-error"
SUMMARY = "The spec cannot be read, parsed or validated, so it was not linted"
DOC = """\
What it finds
-------------

A file agentlint could not read as a workflow spec: a missing or unreadable
file, text that is not UTF-8, YAML that does not parse, a spec that breaks the
schema (a wrong type, an unknown key, a reference to an undeclared step or
input), or a file a rule could not handle. The finding sits at the line and
column of the problem, with the reader's reason as its message.

Why it costs
------------

A spec that cannot be read was not checked at all: none of its cost, latency
or reliability problems are known, and the workflow will fail when it is
loaded at run time. So the run exits 2 whatever else it found, and the finding
cannot be ignored, selected off, suppressed by a comment or recorded in a
baseline (``--exit-zero`` does not hide it either). To leave a file out, name
it in ``--exclude`` or ``exclude``.

Example
-------

```yaml
agentlint: 1
models:
  small: {model: gpt-4o-mini}
steps:
  - id: answer
    model: small
    prompt: "Summarise {{ steps.draft.output }}"   # no step 'draft'
```

Write instead
-------------

Fix what the message names (here: add the step ``draft``, or refer to a step
that exists); ``agentlint lint FILE`` then reports the spec's real findings.
"""


def _never(ctx: Context) -> None:
    """AL000 is raised by the reader, never by a check over a loaded workflow."""


#: the rule ``agentlint rules`` and the reports describe; it is not in the rule table
#: (nothing selects it: the reader reports it)
RULE = Rule(CODE, NAME, "error", "structure", SUMMARY, DOC, _never)


def is_load_error(name_or_code: str) -> bool:
    """Does a selector or rule name mean AL000?"""
    return name_or_code.strip().upper() == CODE or name_or_code.strip().lower() == NAME


def finding(err: SpecError) -> Finding:
    """The finding for one spec that could not be read."""
    return Finding(CODE, NAME, "error", err.message, err.file, err.line, err.col,
                   key="load-error")


def merged(findings: Iterable[Finding], errors: Iterable[SpecError]) -> list[Finding]:
    """``findings`` and one AL000 finding per error, in report order (file, line, column)."""
    out = list(findings) + [finding(e) for e in errors]
    out.sort(key=Finding.sort_key)
    return out


def complete(findings: list[Finding], errors: Iterable[SpecError]) -> list[Finding]:
    """``findings`` with an AL000 finding for each error not already among them
    (a report given a run's findings alone still shows every file it could not read)."""
    shown = {(f.file, f.line, f.column, f.message) for f in findings if f.code == CODE}
    missing = [e for e in errors if (e.file, e.line, e.col, e.message) not in shown]
    return merged(findings, missing) if missing else findings


__all__ = ["CODE", "NAME", "RULE", "complete", "finding", "is_load_error", "merged"]
