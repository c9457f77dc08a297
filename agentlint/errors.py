"""The one exception that ends a run with exit code 2.

Everything that makes a spec unusable (unreadable file, bad YAML, schema or
semantic error) is raised as :class:`SpecError`, which always knows the file
and the 1-based line and column it is about. The CLI prints ``str(err)`` as a
single line and exits 2; nothing else ever reaches the user as a traceback.
"""

from __future__ import annotations


class SpecError(Exception):
    """A spec cannot be used; carries ``file:line:col`` and a plain reason."""

    def __init__(self, file: str, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.line = max(1, int(line))
        self.col = max(1, int(col))
        # One line, always: a newline in a message would break editors and CI
        # annotations that parse ``file:line:col: message``.
        self.message = " ".join(str(message).split())

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class UsageError(Exception):
    """A bad option or argument; exit 2 with the message."""
