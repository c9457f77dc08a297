"""The proposed change as a unified diff of the spec (for ``git apply`` or review)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentlint.optimizer.run import Result


def render(result: Result) -> str:
    if result.proposal is None or result.status == "infeasible":
        return ""
    old = result.problem.wf.text
    new = result.proposal.rewrite.text
    name = result.before.file
    while name.startswith("./"):  # only that prefix: a name may start with a dot
        name = name[2:]
    diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                fromfile=f"a/{name}", tofile=f"b/{name}")
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in diff)
    return text
