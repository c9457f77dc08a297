"""Fixes: the exact text edits that resolve a finding, and how to apply them.

A :class:`Fix` rides on a :class:`~agentlint.lint.registry.Finding` (``finding.fix``).
It is a title ("add `max_iterations: 3` to loop `review`"), an applicability and
one or more :class:`~agentlint.spec.edit.TextEdit` ranges of the file as it was
linted. The applicability says whether the spec still does the same thing
afterwards:

- ``safe``: the behaviour of the workflow is unchanged (it may get cheaper or
  faster, never different): ``agentlint lint --fix`` applies it;
- ``unsafe``: the workflow does something else afterwards (a step is gone, a
  smaller model answers): only ``--unsafe-fixes`` applies it.

The edits are made with the spec editor the optimizer also writes with
(:mod:`agentlint.spec.edit`), so comments and layout stay as written.

:func:`apply` applies the fixes whose edits do not overlap an earlier one's;
:func:`agentlint.lint.autofix.fix_loop` applies, lints again and repeats (a
bounded number of passes) until nothing more can be fixed.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from agentlint.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:  # the spec editor loads when a rule builds a fix, not on every lint
    from typing import Any

    from agentlint.spec.edit import Edits, TextEdit

SAFE = "safe"
UNSAFE = "unsafe"
APPLICABILITY = (SAFE, UNSAFE)


class Fix(Record):
    """Text edits that resolve one finding, with what they do and whether it is safe."""

    __slots__ = ("applicability", "edits", "title")
    __match_args__ = ("title", "applicability", "edits")

    title: str
    applicability: str  # "safe" | "unsafe"
    edits: tuple[TextEdit, ...]

    def __init__(self, title: str, applicability: str, edits: tuple[TextEdit, ...]) -> None:
        if applicability not in APPLICABILITY:
            raise ValueError(f"bad applicability {applicability!r}")
        self.title = title
        self.applicability = applicability
        self.edits = edits

    @property
    def safe(self) -> bool:
        return self.applicability == SAFE

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "applicability": self.applicability,
                "edits": [e.to_json() for e in self.edits]}


def from_edits(edits: Edits, title: str, applicability: str) -> Fix | None:
    """The fix that turns the spec into ``edits.text()`` (None when nothing changes)."""
    ranges = tuple(edits.text_edits())
    if not ranges:
        return None
    return Fix(title, applicability, ranges)


def line_starts(text: str) -> list[int]:
    """Offset of each line's first character, lines split as the spec editor splits them."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def offset(starts: list[int], text: str, pos: tuple[int, int]) -> int | None:
    """The offset of (line, column) in ``text``; None when it lies outside."""
    line, col = pos
    if line < 1 or col < 1:
        return None
    if line > len(starts) - 1:  # past the last line: only its very start exists
        return len(text) if line == len(starts) and col == 1 else None
    at = starts[line - 1] + col - 1
    return at if at <= starts[line] else None


def apply(text: str, fixes: Sequence[Fix]) -> tuple[str, list[Fix]]:
    """``text`` with every fix applied whose edits overlap no earlier fix's edits.

    Returns the new text and the fixes applied, in the order given; a fix whose
    range lies outside the text is skipped. Time: n log n in the edits, plus the text.
    """
    starts = line_starts(text)
    taken: list[tuple[int, int]] = []  # sorted, pairwise apart
    spans: list[tuple[int, int, str]] = []
    applied: list[Fix] = []
    for fix in fixes:
        mine: list[tuple[int, int, str]] = []
        for e in fix.edits:
            a, b = offset(starts, text, e.start), offset(starts, text, e.end)
            if a is None or b is None or b < a:
                break
            mine.append((a, b, e.new_text))
        else:
            mine.sort(key=lambda x: (x[0], x[1]))
            if any(_overlap(x[:2], y[:2]) for x, y in itertools.pairwise(mine)) \
                    or any(_clashes(taken, x[0], x[1]) for x in mine):
                continue
            for x in mine:
                bisect.insort(taken, (x[0], x[1]))
                bisect.insort(spans, x)
            applied.append(fix)
    out: list[str] = []
    last = 0
    for a, b, new in spans:
        out += (text[last:a], new)
        last = b
    out.append(text[last:])
    return "".join(out), applied


def _clashes(taken: list[tuple[int, int]], a: int, b: int) -> bool:
    """Does (a, b) overlap one of the sorted, disjoint ranges ``taken``?"""
    i = bisect.bisect_left(taken, (a, b))
    return any(_overlap((a, b), taken[j]) for j in (i - 1, i) if 0 <= j < len(taken))


def _overlap(x: tuple[int, int], y: tuple[int, int]) -> bool:
    """Two ranges overlap, an insertion falls inside the other range, or both start at
    one point (which goes first is unknown)."""
    if x[0] == y[0]:
        return True
    if x[0] == x[1]:
        return y[0] < x[0] < y[1]
    if y[0] == y[1]:
        return x[0] < y[0] < x[1]
    return max(x[0], y[0]) < min(x[1], y[1])
