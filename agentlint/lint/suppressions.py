"""Inline suppressions: ``# agentlint: disable=RULE`` comments in a spec.

Three forms, each naming rules by code (``AL201``) or name
(``premium-on-trivial-step``), comma-separated:

- at the end of a line, ``model: big  # agentlint: disable=AL201``: that line;
- alone on a line, ``# agentlint: disable=AL201``: the YAML node that starts
  on the next content line, i.e. that line and every following line indented
  more deeply (a whole step when the comment sits above ``- id: ...``, a whole
  section above ``steps:``);
- ``# agentlint: disable-file`` (optionally ``=RULE,...``), anywhere: the file.

``disable`` without ``=RULE`` silences every rule in its scope. A reason may
follow the rule list after ``--`` (``# agentlint: disable=AL201 -- the tone
needs it``). Only comments are read: a ``#`` inside a quoted or block scalar
(a prompt that talks about agentlint) is text, not a directive. To tell the
two apart the source is tokenised by PyYAML, and only when a cheap search
finds something that looks like a directive, so clean files pay nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentlint.lint.registry import Finding

#: where a directive may start; confirmed as a comment afterwards
_CANDIDATE = re.compile(r"(?=#[ \t]*agentlint[ \t]*:)")
_BODY = re.compile(r"#[ \t]*agentlint[ \t]*:[ \t]*([^\r\n]*)")
_DIRECTIVE = re.compile(
    r"(?P<word>[A-Za-z][A-Za-z_-]*)"
    r"(?:[ \t]*=[ \t]*(?P<rules>[A-Za-z0-9_-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_-]+)*))?"
    r"(?P<rest>.*)$")
KNOWN = ("disable", "disable-file")
#: words that look like an attempt at a directive; reported instead of ignored
_DIRECTIVE_LIKE = ("disable", "enable", "noqa", "ignore", "suppress")


@dataclass(slots=True)
class Suppression:
    """One directive: where it is written, what it names, which lines it covers."""

    line: int
    column: int
    kind: str  # "line", "block" or "file"
    rules: tuple[str, ...]  # as written; empty = every rule
    start: int  # first covered line (1-based, inclusive)
    end: int  # last covered line
    #: rules (as written, or "*" for a blanket directive) that silenced something
    used: set[str] = field(default_factory=set)

    def covers(self, line: int) -> bool:
        return self.start <= line <= self.end


@dataclass(slots=True)
class Problem:
    """A comment that looks like a directive but cannot be one."""

    line: int
    column: int
    message: str


def parse(text: str) -> tuple[list[Suppression], list[Problem]]:
    """All directives in ``text``, with the lines each one covers."""
    if "agentlint" not in text or "#" not in text:
        return [], []
    candidates = [m for m in _CANDIDATE.finditer(text)]
    if not candidates:
        return [], []
    line_starts = _line_starts(text)
    lines = text.splitlines()
    positions = [_pos(line_starts, m.start()) for m in candidates]
    comments = _comment_flags(text, positions)
    suppressions: list[Suppression] = []
    problems: list[Problem] = []
    for match, (line, col), is_comment in zip(candidates, positions, comments, strict=True):
        if not is_comment:
            continue
        found = _BODY.match(text, match.start())
        assert found is not None  # _CANDIDATE is _BODY's own prefix, as a lookahead
        body = found.group(1).strip()
        parsed = _DIRECTIVE.match(body)
        word = parsed.group("word").lower() if parsed else ""
        if word not in KNOWN:
            if word.startswith(_DIRECTIVE_LIKE):
                problems.append(Problem(line, col, f"unknown agentlint directive '{word}'; "
                                        "write 'disable=RULE' or 'disable-file'"))
            continue  # prose such as "# agentlint: 1 is the format version"
        assert parsed is not None
        rest = parsed.group("rest").strip()
        if rest and not rest.startswith("--"):
            problems.append(Problem(line, col, "cannot read this directive; write "
                                    "'# agentlint: disable=RULE[,RULE]'"))
            continue
        rules = tuple(r.strip() for r in (parsed.group("rules") or "").split(",") if r.strip())
        own_line = lines[line - 1][:col - 1].strip() == ""
        if word == "disable-file":
            suppressions.append(Suppression(line, col, "file", rules, 1, len(lines)))
        elif own_line:
            start, end = _block_after(lines, line)
            suppressions.append(Suppression(line, col, "block", rules, start, end))
        else:
            suppressions.append(Suppression(line, col, "line", rules, line, line))
    return suppressions, problems


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def _pos(line_starts: list[int], offset: int) -> tuple[int, int]:
    import bisect

    index = bisect.bisect_right(line_starts, offset) - 1
    return index + 1, offset - line_starts[index] + 1


def _comment_flags(text: str, positions: list[tuple[int, int]]) -> list[bool]:
    """For each 1-based (line, col) of a ``#``: does it start a YAML comment?

    A ``#`` starts a comment unless it lies inside a token (a quoted, plain or
    block scalar, an anchor, a tag). Tokens and positions are both in
    document order, so one merged walk decides all of them.
    """
    try:
        spans = _token_spans(text)
    except Exception:  # not YAML after all (an adapter's source): read line by line
        lines = text.splitlines()
        return [_comment_by_line(lines[line - 1], col) for line, col in positions]
    flags = []
    i = 0
    for line, col in positions:
        here = (line - 1, col - 1)
        while i < len(spans) and spans[i][1] <= here:
            i += 1
        flags.append(not (i < len(spans) and spans[i][0] <= here))
    return flags


def _token_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    import yaml

    try:
        loader = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover - PyYAML without libyaml
        loader = yaml.SafeLoader  # type: ignore[assignment]
    spans = []
    for token in yaml.scan(text, Loader=loader):
        start, end = token.start_mark, token.end_mark
        if (start.line, start.column) != (end.line, end.column):
            spans.append(((start.line, start.column), (end.line, end.column)))
    return spans


def _comment_by_line(line: str, col: int) -> bool:
    """Fallback for text PyYAML cannot scan: respect quotes on the line itself."""
    quote = ""
    i = 0
    target = col - 1
    while i < target:
        ch = line[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in "'\"" and (i == 0 or line[i - 1] in " \t[{,:"):
            quote = ch
        i += 1
    return not quote and (target == 0 or line[target - 1] in " \t")


def _block_after(lines: list[str], line: int) -> tuple[int, int]:
    """The node starting on the first content line after ``line`` (1-based)."""
    n = len(lines)
    i = line  # 0-based index of the line after the comment
    while i < n and _blank_or_comment(lines[i]):
        i += 1
    if i >= n:
        return line + 1, line  # nothing follows: covers no line
    indent = _indent(lines[i])
    start = end = i
    j = i + 1
    while j < n:
        text = lines[j]
        if not _blank_or_comment(text):
            if _indent(text) <= indent:
                break
            end = j
        j += 1
    return start + 1, end + 1


def _blank_or_comment(line: str) -> bool:
    stripped = line.lstrip()
    return not stripped or stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def rule_matches(token: str, code: str, name: str) -> bool:
    """Does a rule named in a directive (code or name, any case) mean this rule?"""
    return token.upper() == code or token.lower() == name


def apply(findings: list[Finding], suppressions: list[Suppression]) -> list[Finding]:
    """The findings no directive silences; marks each directive that silenced one.

    Directives are few, so each finding is checked against the file-wide ones,
    those of its own line (an index) and the blocks; blocks are in source order
    and a finding only looks at the blocks that start on or before its line.
    """
    if not suppressions:
        return findings
    by_line: dict[int, list[Suppression]] = {}
    files: list[Suppression] = []
    blocks: list[Suppression] = []
    for s in suppressions:
        if s.kind == "line":
            by_line.setdefault(s.line, []).append(s)
        elif s.kind == "file":
            files.append(s)
        else:
            blocks.append(s)
    kept: list[Finding] = []
    for f in findings:
        hit = False
        for s in (*files, *by_line.get(f.line, ()), *(b for b in blocks if b.covers(f.line))):
            if _silences(s, f.code, f.rule):
                hit = True
        if not hit:
            kept.append(f)
    return kept


def _silences(s: Suppression, code: str, name: str) -> bool:
    if not s.rules:
        s.used.add("*")
        return True
    for token in s.rules:
        if rule_matches(token, code, name):
            s.used.add(token)
            return True
    return False
