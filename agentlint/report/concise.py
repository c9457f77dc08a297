"""One line per finding, ``file:line:col: CODE [rule] message``, for editors and grep."""

from __future__ import annotations

from agentlint import escape
from agentlint.lint.engine import LintResult
from agentlint.lint.registry import Finding


def render(findings: list[Finding], result: LintResult | None = None) -> str:
    """Nothing when clean, so an editor's error list stays empty."""
    return "\n".join(line(f) for f in findings)


def line(f: Finding) -> str:
    """``file:line:col: CODE [rule] message``, escaped for a terminal."""
    return (f"{escape.path(f.file)}:{f.line}:{f.column}: {escape.text(f.code)} "
            f"[{escape.text(f.rule)}] {escape.text(f.message)}")
