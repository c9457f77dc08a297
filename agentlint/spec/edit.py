"""Editing a spec's text in place, keeping comments and untouched lines as written.

Every edit is made at a position the positioned YAML gives (``YMap.key_at`` /
``value_at``), never by dumping YAML: a scalar is replaced after its key on its
line, new keys (``retries: 2``, ``parallel: g1``) are inserted as lines with the
step's indentation, a step's block is deleted together with the comment block
right above it, and entries are removed from ``context`` / ``needs`` / loop
lists and ``{{ steps.X.output }}`` placeholders from prompts.

Edits are collected per line in an :class:`Edits` set; the same set yields the
new text, a unified diff and the hunks a report turns into GitHub suggestions.
:class:`SpecText` also answers "can this be written?" so a caller never proposes
a change it cannot apply (flow-style steps, values shared through YAML aliases,
prompts read from files). The optimizer writes its plans with it.
"""

from __future__ import annotations

import re
from collections import Counter

import yaml

from agentlint.record import FrozenRecord, Record
from agentlint.spec.model import Step, Workflow
from agentlint.spec.positions import YMap, YSeq
from agentlint.spec.tokens import find_refs, placeholders

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any, Final, TypeGuard

_WORD = re.compile(r"[\w-]+")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/@-]*")


def scalar_text(value: str) -> str:
    """``value`` as a YAML scalar: plain when that reads back as the same string."""
    if _PLAIN_NAME.fullmatch(value) and value.lower() not in (
            "null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Hunk(Record):
    """Original lines ``start..end`` (1-based, inclusive) become ``lines``."""

    __slots__ = ("end", "lines", "old", "start")
    __match_args__ = ("start", "end", "old", "lines")

    start: int
    end: int
    old: list[str]
    lines: list[str]

    def __init__(self, start: int, end: int, old: list[str], lines: list[str]) -> None:
        self.start = start
        self.end = end
        self.old = old
        self.lines = lines


class TextEdit(FrozenRecord):
    """Replace the text from ``start`` up to (not including) ``end`` with ``new_text``.

    Positions are (line, column), 1-based, columns counted in Unicode code
    points, as findings count them; an insertion has ``start == end``.
    """

    __slots__ = ("end", "new_text", "start")
    __match_args__ = ("start", "end", "new_text")

    start: Final[tuple[int, int]]
    end: Final[tuple[int, int]]
    new_text: Final[str]

    def __init__(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> None:
        self.start = start
        self.end = end
        self.new_text = new_text

    def to_json(self) -> dict[str, Any]:
        return {"start": {"line": self.start[0], "column": self.start[1]},
                "end": {"line": self.end[0], "column": self.end[1]},
                "new_text": self.new_text}


class Edits(Record):
    """Line-level edits over the original text.

    Only the lines an edit touches are kept (``changed``, ``deleted``, ``after``), so
    a set of a few edits costs the same on a spec of a hundred lines as on one of a
    hundred thousand: a rule builds one per fix.
    """

    __slots__ = ("after", "changed", "deleted", "eol", "final_newline", "original")
    __match_args__ = ("original", "eol", "final_newline", "changed", "deleted", "after")

    original: list[str]
    eol: str
    final_newline: bool
    #: line number -> its new text
    changed: dict[int, str]
    deleted: set[int]
    after: dict[int, list[str]]

    def __init__(self, original: list[str], eol: str = "\n", final_newline: bool = True,
                 changed: dict[int, str] | None = None, deleted: set[int] | None = None,
                 after: dict[int, list[str]] | None = None) -> None:
        self.original = original
        self.eol = eol
        self.final_newline = final_newline
        self.changed = {} if changed is None else changed
        self.deleted = set() if deleted is None else deleted
        self.after = {} if after is None else after

    def line(self, n: int) -> str:
        return self.changed.get(n, self.original[n - 1])

    def set(self, n: int, text: str) -> None:
        self.changed[n] = text

    def delete(self, first: int, last: int) -> None:
        self.deleted.update(range(first, last + 1))

    def insert_after(self, n: int, lines: list[str]) -> None:
        self.after.setdefault(n, []).extend(lines)

    def touched(self, n: int) -> bool:
        return (n in self.deleted or n in self.after
                or self.changed.get(n, self.original[n - 1]) != self.original[n - 1])

    def new_lines(self) -> list[str]:
        out: list[str] = []
        for n in range(1, len(self.original) + 1):
            if n not in self.deleted:
                out.append(self.line(n))
            out.extend(self.after.get(n, ()))
        return out

    def text(self) -> str:
        lines = self.new_lines()
        if not lines:
            return ""
        return self.eol.join(lines) + (self.eol if self.final_newline else "")

    def text_edits(self) -> list[TextEdit]:
        """The hunks as range edits on the original text, each as small as whole lines
        allow (an inserted line is an insertion): applied together (they never overlap)
        they turn the original text into :meth:`text`."""
        out: list[TextEdit] = []
        total = len(self.original)
        eol = self.eol
        for hunk in self.hunks():
            old, new = hunk.old, hunk.lines
            k = 0
            while k < len(old) and k < len(new) and old[k] == new[k]:
                k += 1
            m = 0
            while m < len(old) - k and m < len(new) - k and old[-1 - m] == new[-1 - m]:
                m += 1
            first, last = hunk.start + k, hunk.end - m  # last < first: an insertion
            body = new[k:len(new) - m]
            if last < total or self.final_newline:
                out.append(TextEdit((first, 1), (last + 1, 1),
                                    "".join(line + eol for line in body)))
                continue
            # up to the end of a file without a final line break
            end = (total, len(self.original[total - 1]) + 1)
            if last < first:  # lines added after the last one
                out.append(TextEdit(end, end, "".join(eol + line for line in body)))
            elif body:
                out.append(TextEdit((first, 1), end, eol.join(body)))
            elif first > 1:  # the last lines go, with the line break before them
                out.append(TextEdit((first - 1, len(self.original[first - 2]) + 1), end, ""))
            else:
                out.append(TextEdit((1, 1), end, ""))
        return out

    def hunks(self) -> list[Hunk]:
        """Maximal runs of touched lines with what replaces them (in time of the edits,
        not of the file)."""
        total = len(self.original)
        candidates = sorted(n for n in {*self.deleted, *self.after, *self.changed}
                            if 1 <= n <= total and self.touched(n))
        hunks: list[Hunk] = []
        i = 0
        while i < len(candidates):
            start = end = candidates[i]
            while i + 1 < len(candidates) and candidates[i + 1] == end + 1:
                i += 1
                end = candidates[i]
            i += 1
            new: list[str] = []
            for m in range(start, end + 1):
                if m not in self.deleted:
                    new.append(self.line(m))
                new.extend(self.after.get(m, ()))
            hunks.append(Hunk(start, end, self.original[start - 1:end], new))
        return hunks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank_or_comment(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith("#")


class SpecText:
    """The spec's lines and what can be edited in them."""

    def __init__(self, wf: Workflow) -> None:
        self.wf = wf
        text = wf.text
        self.eol = "\r\n" if "\r\n" in text else "\n"
        self.final_newline = text.endswith("\n")
        self.lines = text.splitlines()
        self._regions: dict[int, tuple[int, int] | None] = {}
        self._words: dict[str, list[int]] | None = None

    def edits(self) -> Edits:
        return Edits(self.lines, self.eol, self.final_newline)

    @staticmethod
    def scalar(value: str) -> str:
        """``value`` as a YAML scalar (:func:`scalar_text`)."""
        return scalar_text(value)

    # -- geometry --------------------------------------------------------------------

    def char(self, pos: tuple[int, int]) -> str:
        line, col = pos
        if not 0 < line <= len(self.lines):
            return ""
        text = self.lines[line - 1]
        return text[col - 1] if 0 < col <= len(text) else ""

    def is_block_map(self, raw: Any) -> TypeGuard[YMap]:
        return isinstance(raw, YMap) and self.char(raw.at()) not in ("{", "")

    def extent(self, first: int, min_indent: int, dash_indent: int | None = None) -> int:
        """Last line of a node starting on ``first`` whose lines are indented >= min_indent.

        Blank lines and comments do not end a node; trailing ones are not part
        of it. ``dash_indent``: a line at that indentation starting with ``-``
        continues the node (an indentless block sequence under a key).
        """
        last = first
        n = first + 1
        while n <= len(self.lines):
            text = self.lines[n - 1]
            if _blank_or_comment(text):
                n += 1
                continue
            ind = _indent(text)
            if ind >= min_indent or (dash_indent is not None and ind == dash_indent
                                     and text.lstrip().startswith("-")):
                last = n
                n += 1
                continue
            break
        return last

    def key_extent(self, raw: YMap, key: str) -> tuple[int, int]:
        line, col = raw.key_at(key)
        return line, self.extent(line, col, dash_indent=col - 1)

    def single_line(self, raw: YMap, key: str) -> bool:
        """The key and its whole value sit on the key's line (a scalar, not ``|``)."""
        if key not in raw or isinstance(raw[key], (YMap, YSeq)):
            return False
        kline, _ = raw.key_at(key)
        vline, vcol = raw.value_at(key)
        if vline != kline or self.char((vline, vcol)) in ("|", ">"):
            return False
        return self.key_extent(raw, key)[1] == kline

    def step_region(self, step: Step) -> tuple[int, int] | None:
        """Lines of a block-style step item, with the comment block right above it."""
        if step.index in self._regions:
            return self._regions[step.index]
        region = self._step_region(step)
        self._regions[step.index] = region
        return region

    def _dash_line(self, raw: YMap) -> int | None:
        """The line of the ``-`` that opens this sequence item."""
        line, col = raw.at()
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text[:col - 1].strip() == "-":
            return line
        if text[:col - 1].strip():
            return None
        prev = line - 1
        while prev >= 1 and self.lines[prev - 1].strip().startswith("#"):
            prev -= 1
        if prev >= 1 and self.lines[prev - 1].strip() == "-":
            return prev
        return None

    def _lead(self, dash: int) -> int:
        """First line of the comment block directly above ``dash`` (or ``dash``)."""
        ind = _indent(self.lines[dash - 1])
        start = dash
        while start > 1:
            above = self.lines[start - 2]
            if above.strip().startswith("#") and _indent(above) >= ind:
                start -= 1
            else:
                break
        return start

    def _step_region(self, step: Step) -> tuple[int, int] | None:
        raw = step.raw
        if not self.is_block_map(raw):
            return None
        dash = self._dash_line(raw)
        if dash is None:
            return None
        line, col = raw.at()
        end = self.extent(line, col - 1)
        # Keys of the mapping must all lie inside (no merge keys from elsewhere).
        for key in raw:
            if not dash <= raw.key_at(key)[0] <= end:
                return None
        return self._lead(dash), end

    def lines_naming(self, word: str) -> list[int] | None:
        """The lines where ``word`` (letters, digits, ``_`` and ``-``) is written as a
        whole word; None for a word of other characters. The index is built once."""
        if not _WORD.fullmatch(word):
            return None
        if self._words is None:
            words: dict[str, list[int]] = {}
            for n, line in enumerate(self.lines, start=1):
                for found in _WORD.finditer(line):
                    seen = words.setdefault(found.group(), [])
                    if not seen or seen[-1] != n:
                        seen.append(n)
            self._words = words
        return self._words.get(word, [])

    def inside(self, pos: tuple[int, int], region: tuple[int, int] | None) -> bool:
        return region is not None and region[0] <= pos[0] <= region[1]

    # -- what can be written -------------------------------------------------------------

    def anchor_line(self, step: Step, prefer: tuple[str, ...]) -> int | None:
        """A line after which a new key of ``step`` can be inserted."""
        raw = step.raw
        region = self.step_region(step)
        if raw is None or region is None:
            return None
        for key in prefer:
            if key in raw and self.single_line(raw, key) and self.inside(raw.key_at(key),
                                                                          region):
                return raw.key_at(key)[0]
        return None

    def key_indent(self, step: Step) -> int:
        assert step.raw is not None
        return step.raw.at()[1] - 1

    def can_set_scalar(self, step: Step, key: str) -> bool:
        raw = step.raw
        region = self.step_region(step)
        if raw is None or region is None:
            return False
        if key in raw:
            return self.single_line(raw, key) and self.inside(raw.value_at(key), region)
        return self.anchor_line(step, _ANCHORS[key]) is not None

    def can_unset(self, step: Step, key: str) -> bool:
        """The key is absent, or alone on its own line (so the line can go)."""
        raw = step.raw
        if raw is None or self.step_region(step) is None:
            return False
        if key not in raw:
            return True
        if not self.can_set_scalar(step, key):
            return False
        kline, kcol = raw.key_at(key)
        return self.lines[kline - 1][:kcol - 1].strip() == ""

    # -- edits ---------------------------------------------------------------------------

    def set_scalar(self, edits: Edits, step: Step, key: str, value: str) -> int:
        """Set ``key: value`` in ``step``; returns the line touched (original numbering)."""
        raw = step.raw
        assert raw is not None
        if key in raw:
            line, col = raw.value_at(key)
            text = edits.line(line)
            end = scalar_end(text, col - 1)
            end = len(text) if end is None else end
            edits.set(line, text[:col - 1] + value + text[end:])
            return line
        anchor = self.anchor_line(step, _ANCHORS[key])
        assert anchor is not None
        edits.insert_after(anchor, [" " * self.key_indent(step) + f"{key}: {value}"])
        return anchor

    def key_anchor(self, raw: Any, prefer: tuple[str, ...] = ()) -> int | None:
        """A line of the block mapping ``raw`` after which a new key can be inserted:
        that of a key written at the mapping's indentation whose value ends on its line
        (``prefer``'s keys first, then the others in order)."""
        if not self.is_block_map(raw):
            return None
        col = raw.at()[1]
        for key in (*prefer, *raw):
            if key in raw and self.single_line(raw, key) and raw.key_at(key)[1] == col:
                return raw.key_at(key)[0]
        return None

    def insert_key(self, edits: Edits, raw: Any, key: str, value: str,
                   prefer: tuple[str, ...] = ()) -> int | None:
        """Add ``key: value`` to the block mapping ``raw`` (which lacks ``key``); returns
        the line it follows, or None when no line can take it."""
        if not isinstance(raw, YMap) or key in raw:
            return None
        anchor = self.key_anchor(raw, prefer)
        if anchor is None:
            return None
        edits.insert_after(anchor, [" " * (raw.at()[1] - 1) + f"{key}: {value}"])
        return anchor

    def unset(self, edits: Edits, step: Step, key: str) -> int | None:
        raw = step.raw
        assert raw is not None
        if key not in raw:
            return None
        line = raw.key_at(key)[0]
        edits.delete(line, line)
        return line

    def delete_step(self, edits: Edits, step: Step) -> tuple[int, int]:
        """Delete the step's item, its comment block and the blank lines after it."""
        region = self.step_region(step)
        assert region is not None
        start, end = region
        nxt = None
        if step.index + 1 < len(self.wf.steps):
            raw = self.wf.steps[step.index + 1].raw
            dash = self._dash_line(raw) if isinstance(raw, YMap) else None
            nxt = self._lead(dash) if dash is not None else None
        if nxt is not None and nxt > end:
            end = nxt - 1
        else:  # the last item: take the blank lines above it instead
            while start > 1 and not self.lines[start - 2].strip():
                start -= 1
        edits.delete(start, end)
        return start, end

    def list_field(self, raw: YMap, key: str) -> tuple[int, int, bool] | None:
        """(first line, last line, flow) of a list value that entries can be removed from."""
        if key not in raw or not isinstance(raw[key], YSeq):
            return None
        seq = raw[key]
        kline = raw.key_at(key)[0]
        if self.char(seq.at()) == "[":
            line = seq.at()[0]
            text = self.lines[line - 1]
            close = text.find("]", seq.at()[1] - 1)
            if close < 0 or "[" in text[seq.at()[1]:close] or "{" in text[seq.at()[1]:close]:
                return None
            return kline, line, True
        first, last = self.key_extent(raw, key)
        for i in range(len(seq)):
            line, col = seq.item_at(i)
            text = self.lines[line - 1]
            if text[:col - 1].strip() != "-" or isinstance(seq[i], (YMap, YSeq)):
                return None
            if self.extent(line, col) != line:
                return None
        return first, last, False

    def remove_entries(self, edits: Edits, raw: YMap, key: str, names: set[str]
                       ) -> list[int]:
        """Remove ``names`` from the list ``raw[key]``; returns the lines touched."""
        info = self.list_field(raw, key)
        assert info is not None
        first, last, flow = info
        seq = raw[key]
        remaining = [i for i in range(len(seq)) if str(seq.text(i)) not in names]
        if not remaining:
            edits.delete(first, last)
            return list(range(first, last + 1))
        if flow:
            line, col = seq.at()
            text = edits.line(line)
            close = text.find("]", col - 1)
            items = [s.strip() for s in text[col:close].split(",") if s.strip()]
            kept = [s for s in items if _unquote(s) not in names]
            edits.set(line, text[:col - 1] + "[" + ", ".join(kept) + "]" + text[close + 1:])
            return [line]
        touched = []
        for i in range(len(seq)):
            if i not in remaining:
                line = seq.item_at(i)[0]
                edits.delete(line, line)
                touched.append(line)
        return touched

    def field_lines(self, raw: YMap, key: str) -> tuple[int, int] | None:
        """Lines of a string field whose placeholders can be edited in place."""
        if not self.is_block_map(raw) or key not in raw or not isinstance(raw[key], str):
            return None
        first, last = self.key_extent(raw, key)
        return first, last

    def removal_edits(self, raw: YMap, key: str, ids: set[str]
                      ) -> dict[int, str] | None:
        """New text of the lines of ``raw[key]`` with placeholders reading ``ids`` removed.

        None when the placeholders cannot be found as written, or one of them
        also reads something else.
        """
        span = self.field_lines(raw, key)
        if span is None:
            return None
        value = raw[key]
        wanted: Counter[str] = Counter()
        for match in placeholders(value):
            refs = {name for ns, name, _ in find_refs(match.text) if ns == "steps"}
            inputs = [name for ns, name, _ in find_refs(match.text) if ns == "inputs"]
            if refs & ids:
                if len(refs) > 1 or inputs:
                    return None
                wanted[match.text] += 1
        if not wanted:
            return {}
        first, last = span
        vline = raw.value_at(key)[0]
        edits: dict[int, str] = {}
        found: Counter[str] = Counter()
        for n in range(first, last + 1):
            text = self.lines[n - 1]
            start = raw.value_at(key)[1] - 1 if n == vline else 0
            if n < vline:
                continue
            new = text
            for literal in wanted:
                count = new.count(literal, start)
                if count:
                    found[literal] += count
                    new = new[:start] + new[start:].replace(literal, "")
            if new != text:
                edits[n] = new if new.strip() else ""
        if found != wanted:
            return None
        return edits

    def value_after(self, raw: YMap, key: str, edits: dict[int, str]) -> str | None:
        """Parse the field again with ``edits`` applied: the string the loader would read."""
        span = self.field_lines(raw, key)
        if span is None:
            return None
        first, last = span
        kcol = raw.key_at(key)[1]
        out = []
        for n in range(first, last + 1):
            text = edits.get(n, self.lines[n - 1])
            if n == first:
                text = " " * (kcol - 1) + text[kcol - 1:]
            out.append(text[kcol - 1:] if text[:kcol - 1].strip() == "" else text)
        try:
            doc = yaml.safe_load("\n".join(out) + "\n")
        except yaml.YAMLError:
            return None
        if not isinstance(doc, dict) or len(doc) != 1:
            return None
        value = next(iter(doc.values()))
        return value if isinstance(value, str) else None


_ANCHORS: dict[str, tuple[str, ...]] = {
    "model": ("agent", "kind", "id"),
    "retries": ("output_tokens", "model", "agent", "kind", "id"),
    "parallel": ("kind", "id"),
    "cascade": ("model", "agent", "kind", "id"),
}


def scalar_end(text: str, start: int) -> int | None:
    """End (exclusive) of the scalar that starts at ``text[start]``, a line: after the
    closing quote of a quoted one (None when it goes on past the line), before the
    comment and the blanks that follow a plain one (``start`` when there is none)."""
    if start >= len(text):
        return start
    quote = text[start]
    if quote in ("'", '"'):
        i = start + 1
        while i < len(text):
            c = text[i]
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < len(text) and text[i + 1] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return None
    cut = len(text)
    hash_at = text.find(" #", start)
    if hash_at >= 0:
        cut = hash_at
    return start + len(text[start:cut].rstrip())


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] and s[0] in ("'", '"'):
        return s[1:-1]
    return s
