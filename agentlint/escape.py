"""Untrusted text made safe for the place it is printed: one function per destination.

File names, step ids, workflow names, prompts and the messages that quote them
come from the files being checked, which in CI are a stranger's pull request.
Printed as they are, a newline in a file name starts a line of its own, and a
line starting with ``::`` is a command to the GitHub Actions runner (a forged
annotation, ``::add-mask::``, ``::stop-commands::``); a file name can add a
heading or a table row to a pull-request comment; an ANSI escape or a bidi
override can repaint a terminal or reorder what a reviewer reads.

- :func:`text`: a piece of one line of terminal or plain-text output: control
  characters (C0, DEL, C1, so also CR and LF) and the Unicode bidi overrides and
  isolates shown as visible escapes (``\\n``, ``\\x1b``, ``\\u202e``);
- :func:`path`: a file name at the start of a line: :func:`text`, and ``./`` in
  front of a name that would start the line with ``:``;
- :func:`line`: any other text at the start of a line: :func:`text`, and a
  leading ``:`` shown as ``\\x3a``;
- :func:`data`, :func:`prop`: a GitHub workflow command's message and property
  values, percent-encoded the way the runner decodes them;
- :func:`md`, :func:`code`, :func:`cell`: Markdown prose (no raw HTML), a code
  span that survives backticks inside it, a table cell (pipes escaped);
- :func:`mermaid`: a quoted Mermaid label;
- :func:`excerpt`: an untrusted value quoted in a message, cut short.

Ordinary text (printable, no bidi controls) comes out of :func:`text`,
:func:`path`, :func:`line` and :func:`code` unchanged.
"""

from __future__ import annotations

import re
from functools import cache

from agentlint.errors import MAX_QUOTE


@cache
def _unsafe() -> re.Pattern[str]:
    """C0 controls, DEL, C1 controls, the bidi embeddings, overrides and isolates, and
    lone surrogates (a file name's bytes that are not UTF-8, as ``os`` decodes them).

    Compiled on first use, as :func:`_unsafe_but_crlf`: a text that
    ``str.isprintable`` accepts holds none of them (each is a control, a format
    character or a surrogate), and most never reach the pattern.
    """
    return re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@cache
def _unsafe_but_crlf() -> re.Pattern[str]:
    """The same but for CR and LF, which a workflow command percent-encodes instead.

    Compiled on first use: only the GitHub report needs it, and a character class
    beyond Latin-1 costs as much to compile as a small module to import.
    """
    return re.compile(
        "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(value: str) -> str:
    """``value`` as part of one line of terminal or plain-text output."""
    if value.isprintable():
        return value
    return _unsafe().sub(_visible, value)


def path(value: str) -> str:
    """A file name as shown at the start of a line: never a line starting with ``:``."""
    shown = text(value)
    return "./" + shown if shown.lstrip().startswith(":") else shown


def line(value: str) -> str:
    """Text at the start of a line: a leading ``:`` (after blanks) becomes ``\\x3a``."""
    shown = text(value)
    rest = shown.lstrip()
    if rest.startswith(":"):
        return shown[:len(shown) - len(rest)] + "\\x3a" + rest[1:]
    return shown


def data(value: str) -> str:
    """The message of a GitHub workflow command (``::error ...::DATA``).

    ``%``, CR and LF percent-encoded as the runner decodes them (actions/toolkit
    ``command.ts``); the other control characters shown as visible escapes.
    """
    shown = _unsafe_but_crlf().sub(_visible, value)
    return shown.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def prop(value: str) -> str:
    """A property value of a workflow command (``file=VALUE``): :func:`data`, and ``:``
    and ``,``, which would end the value."""
    return data(value).replace(":", "%3A").replace(",", "%2C")


@cache
def _surrogate() -> re.Pattern[str]:
    """A lone surrogate; compiled on first use (only non-UTF-8 file names hold one)."""
    return re.compile("[\ud800-\udfff]")


def surrogates(value: str) -> str:
    """``value`` with only its lone surrogates (a file name's bytes that are not UTF-8)
    shown as :func:`text` shows them (``\\xff``): the rest kept as it is."""
    return _surrogate().sub(_visible, value)


def json_text(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with each lone surrogate (a
    file name's byte that is not UTF-8) written as its ``\\uXXXX`` escape: the text
    can be encoded as UTF-8, and ``json.loads`` gives the same string back."""
    return _surrogate().sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def md(value: str) -> str:
    """Markdown prose: one line, no raw HTML (``&``, ``<``, ``>`` as entities)."""
    return text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(value: str) -> str:
    """A Markdown code span of ``value`` on one line, whatever backticks it holds.

    The fence is one backtick longer than the longest run inside; a value with a
    backtick is padded with a space each side (CommonMark strips one of each).
    """
    shown = text(value)
    if "`" not in shown:
        return f"`{shown}`"
    longest = max(len(run) for run in re.findall("`+", shown))
    fence = "`" * (longest + 1)
    return f"{fence} {shown} {fence}"


def cell(value: str) -> str:
    """Markdown already escaped (by :func:`md` or :func:`code`) made one table cell:
    pipes escaped, which GitHub honours inside code spans in tables too."""
    return text(value).replace("|", "\\|")


def mermaid(value: str) -> str:
    """A label inside ``["..."]`` or ``|...|`` in a Mermaid flowchart.

    Entity codes for ``#`` (first, since every code starts with one), the quote,
    brackets, braces, ``|``, ``<`` and ``>``; a newline is a line break (``<br/>``),
    any other control character a visible escape.
    """
    out = value.replace("#", "#35;")
    for ch, entity in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("[", "#91;"),
                       ("]", "#93;"), ("{", "#123;"), ("}", "#125;"), ("|", "#124;"),
                       ("`", "#96;")):
        out = out.replace(ch, entity)
    return text(out.replace("\r\n", "\n").replace("\n", "<br/>"))


#: how many characters of an untrusted value a message quotes (as in a SpecError)
EXCERPT = MAX_QUOTE


def excerpt(value: str, limit: int = EXCERPT) -> str:
    """An untrusted value quoted in a message: at most ``limit`` characters of it
    (``…`` when cut), escaped as :func:`text`."""
    if len(value) > limit:
        value = value[:max(limit - 1, 0)] + "…"
    return text(value)
