"""GitHub Actions workflow commands: findings as annotations on the pull request.

``::error file=F,line=L,col=C,title=CODE rule::message``, escaped the way the
runner unescapes (actions/toolkit ``command.ts``): in the message ``%``,
carriage return and newline; in property values also ``:`` and ``,``, which
would otherwise end the value (``agentlint.escape.data`` and ``prop``, kept here
under their old names). Info findings become notices.
"""

from __future__ import annotations

from agentlint import escape
from agentlint.lint.registry import Finding
from agentlint.paths import cwd_path

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def render(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        props = ",".join(f"{k}={escape.prop(str(v))}" for k, v in (
            ("file", cwd_path(f.file)), ("line", f.line), ("col", f.column),
            ("title", f"{f.code} {f.rule}")))
        lines.append(f"::{LEVELS.get(f.severity, 'warning')} {props}::{escape.data(f.message)}")
    return "\n".join(lines)


__all__ = ["LEVELS", "render"]
