"""Token counts and template references, without a tokenizer download.

The rule (documented in docs/cost-model.md): one token per four ASCII
characters, rounded up, plus one token per non-ASCII character. Four
characters per token is the providers' own rule of thumb for English; real
tokenizers need no download only if vendored, and the ones that fetch their
tables on first use (tiktoken) fail offline, so they cannot be the default.
Template placeholders (``{{ ... }}``) are not counted as text:
what they insert is counted from the inputs and outputs they reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from sys import intern

from agentlint.record import Record


class Placeholder(Record):
    """One ``{{ ... }}`` of a prompt: where it starts and ends, and its inside.

    A record rather than a ``typing.NamedTuple``, which compiles its constructor
    from generated source at import, at every start (as :class:`Misspelt`).
    """

    __slots__ = ("body", "body_start", "end", "start")
    __match_args__ = ("start", "end", "body_start", "body")

    start: int
    end: int
    body_start: int
    body: str

    def __init__(self, start: int, end: int, body_start: int, body: str) -> None:
        self.start = start
        self.end = end
        self.body_start = body_start
        self.body = body

    @property
    def text(self) -> str:
        return "{{" + self.body + "}}"


def placeholders(text: str) -> Iterator[Placeholder]:
    """Every ``{{ ... }}`` from left to right, the shortest inside each (as ``\\{\\{(.*?)\\}\\}``).

    A scan with ``str.find`` rather than that regular expression: the expression
    tries every ``{{`` against the rest of the text, so a prompt of unclosed
    braces took time quadratic in its length (80,000 of them: 105 s); this is
    linear, and once no ``}}`` is left nothing after can match.
    """
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return
        close = text.find("}}", start + 2)
        if close < 0:
            return
        yield Placeholder(start, close + 2, start + 2, text[start + 2:close])
        pos = close + 2


_REF = re.compile(r"\b(steps|inputs)\.([A-Za-z0-9_][A-Za-z0-9_-]*)")
# a dotted name inside a placeholder: head.name, and the attribute after it if any
_DOTTED = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z0-9_][A-Za-z0-9_-]*)"
                     r"(?:\.([A-Za-z_][A-Za-z0-9_]*))?")
_NAMESPACES = ("steps", "inputs")


#: a text at least this long has its counts kept, by the text itself: a prompt file
#: that thousands of steps share is one string (agentlint.paths reads a file once per run)
#: and is counted once. A string keeps its hash, so a lookup by the same string is cheap.
_KEEP_FROM = 4096


@lru_cache(maxsize=256)
def _kept_chars(text: str) -> tuple[int, int]:
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return len(text) - non_ascii, non_ascii


def _chars(text: str) -> tuple[int, int]:
    """(ASCII, other) characters of ``text``."""
    if len(text) >= _KEEP_FROM:
        return _kept_chars(text)
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return len(text) - non_ascii, non_ascii


def _tokens_of(ascii_chars: int, non_ascii: int) -> int:
    return -(-ascii_chars // 4) + non_ascii


def count_tokens(text: str) -> int:
    """Estimated tokens of plain text (placeholders already removed)."""
    if not text:
        return 0
    return _tokens_of(*_chars(text))


def strip_templates(text: str) -> str:
    if "{{" not in text:
        return text
    kept, pos = [], 0
    for p in placeholders(text):
        kept.append(text[pos:p.start])
        pos = p.end
    kept.append(text[pos:])
    return "".join(kept)


def text_tokens(text: str) -> int:
    if len(text) >= _KEEP_FROM:
        return _kept_text_tokens(text)
    return count_tokens(strip_templates(text))


@lru_cache(maxsize=256)
def _kept_text_tokens(text: str) -> int:
    return count_tokens(strip_templates(text))


def stable_prefix(text: str) -> str:
    """The text before the first placeholder: what a prefix cache can reuse."""
    cut = text.find("{{")
    return text if cut < 0 else text[:cut]


def prefix_tokens(system: str, prompt: str) -> int:
    """Tokens of what a prefix cache can reuse of a call: the system prompt up to its
    first placeholder, and when it has none, a line break and the prompt's stable prefix
    too (``count_tokens`` of that text, without building it)."""
    ascii_chars, non_ascii, cut = _prefix_chars(system)
    if cut:
        return _tokens_of(ascii_chars, non_ascii)
    more_ascii, more_other, _ = _prefix_chars(prompt)
    if not system:
        return _tokens_of(more_ascii, more_other)
    return _tokens_of(ascii_chars + 1 + more_ascii, non_ascii + more_other)


def prefix_text(system: str, prompt: str) -> str:
    """The text :func:`prefix_tokens` counts: the part of a call's prompt a prefix cache
    can reuse (what serving layers key their prefix caches on)."""
    head = stable_prefix(system)
    if len(head) < len(system):
        return head
    if not system:
        return stable_prefix(prompt)
    return system + "\n" + stable_prefix(prompt)


def _prefix_chars(text: str) -> tuple[int, int, bool]:
    """(ASCII, other) characters of the stable prefix; does a placeholder cut it?"""
    if len(text) >= _KEEP_FROM:
        return _kept_prefix_chars(text)
    prefix = stable_prefix(text)
    return (*_chars(prefix), len(prefix) < len(text))


@lru_cache(maxsize=256)
def _kept_prefix_chars(text: str) -> tuple[int, int, bool]:
    prefix = stable_prefix(text)
    return (*_chars(prefix), len(prefix) < len(text))


def find_refs(text: str) -> list[tuple[str, str, int]]:
    """``(namespace, name, offset)`` for each ``steps.X`` / ``inputs.Y`` in a placeholder."""
    if len(text) >= _KEEP_FROM:
        return list(_kept_refs(text))
    return _find_refs(text)


@lru_cache(maxsize=256)
def _kept_refs(text: str) -> tuple[tuple[str, str, int], ...]:
    return tuple(_find_refs(text))


def _find_refs(text: str) -> list[tuple[str, str, int]]:
    if "{{" not in text:
        return []
    out = []
    for p in placeholders(text):
        for ref in _REF.finditer(p.body):
            out.append((intern(ref.group(1)), intern(ref.group(2)), p.body_start + ref.start()))
    return out


class Misspelt(Record):
    """A placeholder reference that is almost ``steps.X.output`` or ``inputs.Y``."""

    __slots__ = ("found", "meant", "offset")
    __match_args__ = ("offset", "found", "meant")

    offset: int  # of its placeholder's ``{{`` in the text
    found: str
    meant: str

    def __init__(self, offset: int, found: str, meant: str) -> None:
        self.offset = offset
        self.found = found
        self.meant = meant


@lru_cache(maxsize=4096)
def _close(word: str, target: str) -> bool:
    if word == target or abs(len(word) - len(target)) > 2:
        return False
    if word.lower() == target:
        return True
    import difflib  # a near miss only: not on the path of a well-formed spec

    return difflib.SequenceMatcher(None, word.lower(), target).ratio() >= 0.75


def find_misspelt(text: str) -> list[Misspelt]:
    """References in placeholders that name no namespace by a slip of the keyboard:
    ``{{ input.ticket }}``, ``{{ step.a.output }}``, ``{{ steps.a.outptu }}``.

    Only a head close to ``steps`` / ``inputs`` (or an attribute of a step close to
    ``output``) counts, so template text that is not a reference
    (``{{ customer.name }}``, Dify's ``{{#sys.query#}}``) stays allowed. Linear: each
    placeholder's inside is scanned once.
    """
    if "{{" not in text:
        return []
    out: list[Misspelt] = []
    for p in placeholders(text):
        if p.body.lstrip().startswith("#"):
            continue  # Dify's {{#node.var#}}
        for m in _DOTTED.finditer(p.body):
            head, name, attr = m.group(1), m.group(2), m.group(3)
            at = p.start
            if head == "steps":
                if attr is not None and _close(attr, "output"):
                    out.append(Misspelt(at, m.group(0), f"steps.{name}.output"))
                continue
            if head == "inputs":
                continue
            for ns in _NAMESPACES:
                if _close(head, ns):
                    meant = f"{ns}.{name}" + (f".{attr}" if attr else "")
                    if ns == "steps" and attr is not None and _close(attr, "output"):
                        meant = f"steps.{name}.output"
                    out.append(Misspelt(at, m.group(0), meant))
                    break
    return out
