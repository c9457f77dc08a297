"""One line per finding, ``file:line:col: CODE [rule] message``, for editors and grep."""

from __future__ import annotations

from agentlint.lint.engine import LintResult
from agentlint.lint.registry import Finding


def render(findings: list[Finding], result: LintResult | None = None) -> str:
    """Nothing when clean, so an editor's error list stays empty."""
    return "\n".join(f"{f.file}:{f.line}:{f.column}: {f.code} [{f.rule}] {f.message}"
                     for f in findings)
