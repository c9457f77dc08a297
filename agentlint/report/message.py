"""A finding's message in parts: a short headline, notes, and what to do.

Rules write one sentence that says what is wrong, the figures behind it and
what to write instead, joined by ``; `` (and the figures after the last ``: ``). On
one line that runs to 200-400 characters. The text report prints the
headline on the finding's line and the rest under the source, as ruff prints
its diagnostics::

    flows/a.yaml:12:5: warning AL102 [deep-chain] 9 model calls run one after another
       12 |   - id: format
          |     ^
          = note: the chain takes 59.52 s, 66 % of the 90.00 s latency budget
          = help: merge adjacent steps one prompt can do

The split is by the punctuation alone, outside brackets, quotes and template
braces, so no word of the message is lost or changed: the parts joined back
give the message. Messages up to :data:`SHORT` characters stay whole. The
JSON report keeps the whole message and adds the parts.
"""

from __future__ import annotations

from agentlint.record import FrozenRecord

#: a message at most this long is not split
SHORT = 100
_OPEN = {"(": ")", "[": "]", "{": "}"}
_QUOTES = ("`", '"')


class Parts(FrozenRecord):
    """``summary`` first; ``notes`` the figures; ``help`` what to do (or "")."""

    __slots__ = ("help", "notes", "summary")
    __match_args__ = ("summary", "notes", "help")

    summary: str
    notes: list[str]
    help: str

    def __init__(self, summary: str, notes: list[str] | None = None, help: str = "") -> None:
        self.summary = summary
        self.notes = [] if notes is None else notes
        self.help = help

    def to_json(self) -> dict[str, object]:
        return {"summary": self.summary, "notes": list(self.notes), "help": self.help or None}


def _split(text: str, sep: str) -> list[str]:
    """``text`` cut at each ``sep`` that is outside brackets, quotes and braces."""
    parts: list[str] = []
    stack: list[str] = []
    quote = ""
    start = i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in _QUOTES:
            quote = ch
        elif ch in _OPEN:
            stack.append(_OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif not stack and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def split(message: str) -> Parts:
    """The message's headline, notes and help; a short message is its own headline."""
    if len(message) <= SHORT:
        return Parts(message)
    clauses = [c for c in _split(message, "; ") if c.strip()]
    if not clauses:
        return Parts(message)
    head, rest = clauses[0], clauses[1:]
    notes: list[str] = []
    if len(head) > SHORT:
        # the figures follow the last ": " (an earlier one is a key and its value, as in
        # "has retries: 1: expect 1.37 repeated attempts")
        *first, last = _split(head, ": ")
        if first and last.strip() and ": ".join(first).strip():
            head = ": ".join(first)
            notes.append(last)
    help_text = rest.pop() if rest else ""
    notes += rest
    return Parts(head, notes, help_text)


__all__ = ["SHORT", "Parts", "split"]
