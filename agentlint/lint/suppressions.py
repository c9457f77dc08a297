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
from functools import cache

from agentlint.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from agentlint.lint.registry import Finding

#: where a directive may start; confirmed as a comment afterwards
_CANDIDATE = re.compile(r"(?=#[ \t]*agentlint[ \t]*:)")
KNOWN = ("disable", "disable-file")
#: words that look like an attempt at a directive; reported instead of ignored
_DIRECTIVE_LIKE = ("disable", "enable", "noqa", "ignore", "suppress")


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a directive's comment, its words): compiled when a file has a candidate, which
    most have not (they cost a one-file lint 1.8M instructions to compile)."""
    return (re.compile(r"#[ \t]*agentlint[ \t]*:[ \t]*([^\r\n]*)"),
            re.compile(r"(?P<word>[A-Za-z][A-Za-z_-]*)"
                       r"(?:[ \t]*=[ \t]*"
                       r"(?P<rules>[A-Za-z0-9_-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_-]+)*))?"
                       r"(?P<rest>.*)$"))


class Suppression(Record):
    """One directive: where it is written, what it names, which lines it covers."""

    __slots__ = ("column", "end", "kind", "line", "rules", "start", "used")
    __match_args__ = ("line", "column", "kind", "rules", "start", "end", "used")

    line: int
    column: int
    kind: str  # "line", "block" or "file"
    rules: tuple[str, ...]  # as written; empty = every rule
    start: int  # first covered line (1-based, inclusive)
    end: int  # last covered line
    #: rules (as written, or "*" for a blanket directive) that silenced something
    used: set[str]

    def __init__(self, line: int, column: int, kind: str, rules: tuple[str, ...], start: int,
                 end: int, used: set[str] | None = None) -> None:
        self.line = line
        self.column = column
        self.kind = kind
        self.rules = rules
        self.start = start
        self.end = end
        self.used = set() if used is None else used

    def covers(self, line: int) -> bool:
        return self.start <= line <= self.end


class Problem(Record):
    """A comment that looks like a directive but cannot be one."""

    __slots__ = ("column", "line", "message", "remove")
    __match_args__ = ("line", "column", "message", "remove")

    line: int
    column: int
    message: str
    #: what a fix removes: "*" the whole directive, a rule as written the rule from
    #: its list, "" nothing (the problem has no exact fix)
    remove: str

    def __init__(self, line: int, column: int, message: str, remove: str = "") -> None:
        self.line = line
        self.column = column
        self.message = message
        self.remove = remove


def parse(text: str) -> tuple[list[Suppression], list[Problem]]:
    """All directives in ``text``, with the lines each one covers."""
    if "agentlint" not in text or "#" not in text:
        return [], []
    candidates = [m for m in _CANDIDATE.finditer(text)]
    if not candidates:
        return [], []
    body_pattern, directive_pattern = _patterns()
    line_starts = _line_starts(text)
    lines = text.splitlines()
    positions = [_pos(line_starts, m.start()) for m in candidates]
    comments = _comment_flags(text, positions)
    suppressions: list[Suppression] = []
    problems: list[Problem] = []
    blocks: _Blocks | None = None
    # A directive's text runs to the end of its line; it is read up to the next candidate
    # only, so a line of many candidates is read once, not once per candidate.
    stops = [m.start() for m in candidates[1:]] + [len(text)]
    for match, stop, (line, col), is_comment in zip(candidates, stops, positions, comments,
                                                    strict=True):
        if not is_comment:
            continue
        found = body_pattern.match(text, match.start(), stop)
        assert found is not None  # _CANDIDATE is the body pattern's prefix, as a lookahead
        cut = found.end() == stop < len(text)  # the line goes on with another "#"
        body = found.group(1).strip()
        parsed = directive_pattern.match(body)
        word = parsed.group("word").lower() if parsed else ""
        if word not in KNOWN:
            if word.startswith(_DIRECTIVE_LIKE):
                problems.append(Problem(line, col, f"unknown agentlint directive '{word}'; "
                                        "write 'disable=RULE' or 'disable-file'"))
            continue  # prose such as "# agentlint: 1 is the format version"
        assert parsed is not None
        rest = parsed.group("rest").strip() or ("#" if cut else "")
        if rest and not rest.startswith("--"):
            problems.append(Problem(line, col, "cannot read this directive; write "
                                    "'# agentlint: disable=RULE[,RULE]'"))
            continue
        rules = tuple(r.strip() for r in (parsed.group("rules") or "").split(",") if r.strip())
        own_line = lines[line - 1][:col - 1].strip() == ""
        if word == "disable-file":
            suppressions.append(Suppression(line, col, "file", rules, 1, len(lines)))
        elif own_line:
            blocks = blocks or _Blocks(lines)
            start, end = blocks.after(line)
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
        flags: list[bool] = []
        walk: _LineWalk | None = None
        for line, col in positions:
            if walk is None or walk.number != line:
                walk = _LineWalk(lines[line - 1], line)
            flags.append(walk.comment_at(col))
        return flags
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


class _LineWalk:
    """Fallback for text PyYAML cannot scan: respect quotes on the line itself.

    One walk along the line serves every ``#`` on it, left to right.
    """

    def __init__(self, text: str, number: int) -> None:
        self.text = text
        self.number = number
        self.quote = ""
        self.i = 0

    def comment_at(self, col: int) -> bool:
        line, quote, i = self.text, self.quote, self.i
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
        self.quote, self.i = quote, i
        return not quote and (target == 0 or line[target - 1] in " \t")


class _Blocks:
    """The node starting on the first content line after a line, for every line at once.

    Two passes over the lines, so that a file of many directives costs time
    linear in its length (each directive scanning the lines after it was quadratic).
    """

    def __init__(self, lines: list[str]) -> None:
        n = self.n = len(lines)
        content = [not _blank_or_comment(text) for text in lines]
        indent = [_indent(text) for text in lines]
        #: the first content line at or after each index (n: none)
        self.next_content = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            self.next_content[i] = i if content[i] else self.next_content[i + 1]
        #: the last content line before each index (-1: none)
        last_before = [-1] * (n + 1)
        for i in range(n):
            last_before[i + 1] = i if content[i] else last_before[i]
        #: for a content line: the last line of its node (the content lines indented
        #: more deeply that follow it), found with a stack of the lines after it
        self.end = list(range(n))
        stack: list[int] = []
        for i in range(n - 1, -1, -1):
            if content[i]:
                while stack and indent[stack[-1]] > indent[i]:
                    stack.pop()
                self.end[i] = last_before[stack[-1] if stack else n]
                stack.append(i)

    def after(self, line: int) -> tuple[int, int]:
        """(first, last) covered line, 1-based, of a directive alone on ``line``."""
        i = self.next_content[min(line, self.n)]
        if i >= self.n:
            return line + 1, line  # nothing follows: covers no line
        return i + 1, self.end[i] + 1


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

    Each finding is checked against the file-wide directives, those of its own
    line (an index) and the blocks that cover its line. Blocks are YAML nodes, so
    two are nested or apart: a sweep over the findings in line order keeps the
    blocks covering the current line on a stack (as deep as the nesting), and a
    file of many directives and many findings costs no product of the two.
    """
    if not suppressions:
        return findings
    by_line: dict[int, list[Suppression]] = {}
    files: list[Suppression] = []
    ranges: dict[tuple[int, int], list[Suppression]] = {}
    for s in suppressions:
        if s.kind == "line":
            by_line.setdefault(s.line, []).append(s)
        elif s.kind == "file":
            files.append(s)
        elif s.start <= s.end:
            ranges.setdefault((s.start, s.end), []).append(s)
    # outer blocks first where two start on one line
    order = sorted(ranges, key=lambda r: (r[0], -r[1]))
    stack: list[tuple[int, int]] = []
    nxt = 0
    hit = [False] * len(findings)
    for index in sorted(range(len(findings)), key=lambda k: findings[k].line):
        f = findings[index]
        while nxt < len(order) and order[nxt][0] <= f.line:
            while stack and stack[-1][1] < order[nxt][0]:
                stack.pop()
            stack.append(order[nxt])
            nxt += 1
        while stack and stack[-1][1] < f.line:
            stack.pop()
        covering = [s for r in stack if r[0] <= f.line <= r[1] for s in ranges[r]]
        for s in (*files, *by_line.get(f.line, ()), *covering):
            if _silences(s, f.code, f.rule):
                hit[index] = True
    return [f for f, silenced in zip(findings, hit, strict=True) if not silenced]


def _silences(s: Suppression, code: str, name: str) -> bool:
    if not s.rules:
        s.used.add("*")
        return True
    for token in s.rules:
        if rule_matches(token, code, name):
            s.used.add(token)
            return True
    return False
