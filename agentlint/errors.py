"""The one exception that ends a run with exit code 2.

Everything that makes a spec unusable (unreadable file, bad YAML, schema or
semantic error) is raised as :class:`SpecError`, which always knows the file
and the 1-based line and column it is about. The CLI prints ``str(err)`` as a
single line and exits 2; nothing else ever reaches the user as a traceback.
"""

from __future__ import annotations

import re

#: a quoted name or value longer than this is cut in a message (a hostile file can hold
#: a key of megabytes); and no message is longer than MAX_MESSAGE characters
MAX_QUOTE = 80
MAX_MESSAGE = 1000
#: compiled (and cached by ``re``) on first use: most runs shorten no message
_LONG_QUOTE = rf"'([^'\n]{{{MAX_QUOTE + 1},}})'"


def excerpt(text: str, width: int = MAX_QUOTE) -> str:
    """At most ``width`` characters of ``text`` on one line (``...`` when cut), for a
    message: the one way agentlint cuts a value it quotes."""
    one = " ".join(str(text).split())
    return one if len(one) <= width else one[:width - 3] + "..."


def shorten(message: str) -> str:
    """``message`` on one line, each long quoted part and the whole cut to an excerpt."""
    one = " ".join(str(message).split())
    one = re.sub(_LONG_QUOTE, lambda m: "'" + excerpt(m.group(1)) + "'", one)
    return excerpt(one, MAX_MESSAGE)


class SpecError(Exception):
    """A spec cannot be used; carries ``file:line:col`` and a plain reason."""

    def __init__(self, file: str, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.line = max(1, int(line))
        self.col = max(1, int(col))
        # One line, always: a newline in a message would break editors and CI
        # annotations that parse ``file:line:col: message``.
        # Quoted parts are cut, so a message never carries more than an excerpt of a file.
        self.message = shorten(message)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class UsageError(Exception):
    """A bad option or argument; exit 2 with the message."""
