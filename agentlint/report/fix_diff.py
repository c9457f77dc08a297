"""``lint --diff``: the fixes of one file as a unified diff (for ``git apply`` or review).

The lines are the spec's own, as ``optimize --diff`` prints them: a diff that
``git apply`` reads back cannot have its text escaped.
"""

from __future__ import annotations

from agentlint.report.optimize_diff import file_diff


def render(name: str, old: str, new: str) -> str:
    return file_diff(name, old, new)
