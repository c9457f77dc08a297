"""One line per finding, ``file:line:col: severity CODE [rule] message``, for editors and grep.

The whole message stays on the line (an editor's problem list shows one line per
finding); the severity is a word, as yamllint prints it, so the line says it
without colour.
"""

from __future__ import annotations

from agentlint import escape
from agentlint.lint.engine import LintResult
from agentlint.lint.registry import Finding


def render(findings: list[Finding], result: LintResult | None = None) -> str:
    """Nothing when clean, so an editor's error list stays empty."""
    return "\n".join(line(f) for f in findings)


def line(f: Finding) -> str:
    """``file:line:col: severity CODE [rule] message``, escaped for a terminal."""
    return (f"{escape.path(f.file)}:{f.line}:{f.column}: {escape.text(f.severity)} "
            f"{escape.text(f.code)} "
            f"[{escape.text(f.rule)}] {escape.text(f.message)}")
