"""The default report: ``file:line:col: severity CODE [rule] message`` and the source line.

Made for people at a terminal and for the pre-commit hook: nothing at all
when the files are clean, the severity as a word on every line (colour only
adds to it, when writing to a terminal and ``NO_COLOR`` is unset), and a caret
under the exact column so a finding in a long prompt can be found without
counting. A long message is cut into its headline, on the finding's line, and
``= note:`` / ``= help:`` lines under the source (:mod:`agentlint.report.message`).

A spec that could not be read (AL000) is shown with its own line under it
when the reader gave a position in a file that can still be read as text.
"""

from __future__ import annotations

from collections import Counter

from agentlint import escape
from agentlint.errors import SpecError
from agentlint.lint.engine import LintResult
from agentlint.lint.registry import Finding
from agentlint.paths import MAX_SPEC_BYTES, read_text
from agentlint.report import load_error
from agentlint.report.message import split
from agentlint.report.table import paint

_COLORS = {"error": "31", "warning": "33", "info": "36"}


def render(findings: list[Finding], result: LintResult, *, color: bool = False,
           summary: bool = True) -> str:
    """All findings with their source lines; an empty string when there are none."""
    if not findings:
        return ""
    lines_of: dict[str, list[str]] = {}
    out: list[str] = []
    for f in findings:
        if f.file not in lines_of:
            lines_of[f.file] = _source(f, result).splitlines()
        tone = _COLORS.get(f.severity, "0")
        where = paint(f"{escape.path(f.file)}:{f.line}:{f.column}:", "1", color)
        level = paint(f.severity, "1;" + tone, color)
        code = paint(escape.text(f.code), "1", color)
        parts = split(f.message)
        out.append(f"{where} {level} {code} [{escape.text(f.rule)}] "
                   f"{escape.text(parts.summary)}")
        source = lines_of[f.file]
        if 1 <= f.line <= len(source):
            raw = source[f.line - 1].replace("\t", " ").rstrip()
            text = escape.text(raw)
            gutter = str(f.line).rjust(5)
            # the caret under the column, counted in the line as shown (escapes widen it)
            caret_at = len(escape.text(raw[:min(max(f.column, 1), len(raw) + 1) - 1])) + 1
            out.append(f"{gutter} | {text}")
            out.append(f"{' ' * 5} | {' ' * (caret_at - 1)}{paint('^', tone, color)}")
        out += [f"{' ' * 6}= {paint('note', '1', color)}: {escape.text(n)}" for n in parts.notes]
        if parts.help:
            out.append(f"{' ' * 6}= {paint('help', '1', color)}: {escape.text(parts.help)}")
        out.append("")
    if summary:
        out.append(summary_line(findings))
    else:
        out.pop()  # no trailing blank line
    return "\n".join(out)


def _source(f: Finding, result: LintResult) -> str:
    """The text of the file a finding is in: the linted source, or for a spec that
    could not be read, the file itself when it still reads as text (else nothing)."""
    if f.file in result.sources or f.code != load_error.CODE:
        return result.sources.get(f.file, "")
    try:
        return read_text(f.file, None, limit=MAX_SPEC_BYTES, what="spec")
    except (SpecError, OSError, ValueError):
        return ""


def summary_line(findings: list[Finding]) -> str:
    """"2 errors, 1 warning in 1 file" (infos are counted only when there are some)."""
    counts = Counter(f.severity for f in findings)
    parts = [_plural(counts["error"], "error"), _plural(counts["warning"], "warning")]
    if counts["info"]:
        parts.append(f"{counts['info']} info")
    files = len({f.file for f in findings})
    return f"{', '.join(parts)} in {_plural(files, 'file')}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def statistics(findings: list[Finding]) -> list[tuple[str, str, str, int]]:
    """(code, rule, severity, count) per rule, most frequent first."""
    counts: Counter[tuple[str, str, str]] = Counter((f.code, f.rule, f.severity)
                                                    for f in findings)
    return sorted(((c, r, s, n) for (c, r, s), n in counts.items()),
                  key=lambda row: (-row[3], row[0]))


def render_statistics(findings: list[Finding]) -> str:
    """One line per rule: count, code, name, severity; nothing when clean."""
    rows = statistics(findings)
    if not rows:
        return ""
    width = max(len(str(n)) for *_, n in rows)
    name_width = max(len(r) for _, r, _, _ in rows)
    return "\n".join(f"{n:>{width}}  {escape.line(c)}  {escape.text(r):<{name_width}}  {s}"
                     for c, r, s, n in rows)
