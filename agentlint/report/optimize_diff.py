"""The proposed change as a unified diff of the spec (for ``git apply`` or review)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentlint.optimizer.run import Result


def render(result: Result) -> str:
    if result.proposal is None or result.status == "infeasible":
        return ""
    return file_diff(result.before.file, result.problem.wf.text, result.proposal.rewrite.text)


def file_diff(name: str, old: str, new: str) -> str:
    """The change of the file ``name`` from ``old`` to ``new``, as ``git diff`` writes it
    (``a/`` and ``b/`` names, a last line without a newline said so)."""
    while name.startswith("./"):  # only that prefix: a name may start with a dot
        name = name[2:]
    diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                fromfile=git_name(f"a/{name}"), tofile=git_name(f"b/{name}"))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in diff)


def git_name(name: str) -> str:
    """A name in a diff header as git writes it: as it is when it is printable ASCII
    (no quote, no backslash), else C-quoted with its bytes in octal (a name that is not
    UTF-8, a control character), which ``git apply`` reads back."""
    raw = name.encode("utf-8", "surrogateescape")
    if all(0x20 <= b < 0x7F and b not in b'"\\' for b in raw):
        return name
    named = {0x22: '\\"', 0x5C: "\\\\", 0x09: "\\t", 0x0A: "\\n"}
    return '"' + "".join(named.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}")
                         for b in raw) + '"'
