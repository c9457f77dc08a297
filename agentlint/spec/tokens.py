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
from sys import intern

TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)
_REF = re.compile(r"\b(steps|inputs)\.([A-Za-z0-9_][A-Za-z0-9_-]*)")


def count_tokens(text: str) -> int:
    """Estimated tokens of plain text (placeholders already removed)."""
    if not text:
        return 0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    ascii_chars = len(text) - non_ascii
    return -(-ascii_chars // 4) + non_ascii


def strip_templates(text: str) -> str:
    return TEMPLATE.sub("", text) if "{{" in text else text


def text_tokens(text: str) -> int:
    return count_tokens(strip_templates(text))


def stable_prefix(text: str) -> str:
    """The text before the first placeholder: what a prefix cache can reuse."""
    cut = text.find("{{")
    return text if cut < 0 else text[:cut]


def find_refs(text: str) -> list[tuple[str, str, int]]:
    """``(namespace, name, offset)`` for each ``steps.X`` / ``inputs.Y`` in a placeholder."""
    if "{{" not in text:
        return []
    out = []
    for match in TEMPLATE.finditer(text):
        body = match.group(1)
        for ref in _REF.finditer(body):
            out.append((intern(ref.group(1)), intern(ref.group(2)),
                        match.start(1) + ref.start()))
    return out
