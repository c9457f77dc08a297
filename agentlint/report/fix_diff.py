"""``lint --diff``: the fixes of one file as a unified diff (for ``git apply`` or review).

The lines are the spec's own, as ``optimize --diff`` prints them: a diff that
``git apply`` reads back cannot have its text escaped.
"""

from __future__ import annotations

import difflib

from agentlint.report.optimize_diff import git_name


def render(name: str, old: str, new: str) -> str:
    while name.startswith("./"):  # only that prefix: a name may start with a dot
        name = name[2:]
    diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                fromfile=git_name(f"a/{name}"), tofile=git_name(f"b/{name}"))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in diff)
