"""A pull-request comment that fits GitHub's limit, cut only between whole blocks.

GitHub refuses a comment over 65,536 characters. The reports agentlint writes
for a pull request (``diff`` and ``optimize`` in Markdown) fit by design; a
comment that puts several of them together may still be too long, and is then
cut here: never inside a code fence, a ``<details>`` fold or a table header,
only before a line where every block above is closed (after a blank line,
between two items of a top-level list or two rows of a top-level table), with a
line saying how much is not shown and where it is.

``python -m agentlint.ci.comment FILE [--limit N] [--marker TEXT] [--where TEXT]``
rewrites FILE so: the GitHub Action runs it on the comment it posts.
"""

from __future__ import annotations

import argparse
import re
import sys

from agentlint.paths import read_text, write_text_atomic

#: GitHub's limit on a comment's body (characters)
GITHUB_LIMIT = 65_536
#: what one report may take by default: room under GitHub's limit for the text around it
DEFAULT_LIMIT = 60_000
#: the comment the Action posts: the marker that finds it again and a little slack
ACTION_LIMIT = 65_000

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def cut_points(lines: list[str]) -> list[int]:
    """The indexes ``i`` such that ``lines[:i]`` is whole Markdown: no code fence nor
    ``<details>`` open, a table cut only after its header and separator. ``len(lines)``
    is one when the whole text is closed."""
    points: list[int] = []
    fence = ""
    depth = 0
    table_rows = 0
    previous_blank = True
    for i, line in enumerate(lines):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence[0]) and set(stripped) == {fence[0]} \
                    and len(stripped) >= len(fence) and len(line) - len(line.lstrip()) < 4:
                fence = ""
            previous_blank = False
            continue
        if depth == 0:
            row = stripped.startswith("|")
            item = stripped.startswith(("- ", "* ")) and not previous_blank \
                and table_rows == 0
            # a blank line, a table's third row or later, a list's second item or later
            if not stripped or (row and table_rows >= 2) or item:
                points.append(i)
            table_rows = table_rows + 1 if row else 0
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)
        elif stripped.startswith("<details"):
            depth += 1
        elif stripped.startswith("</details>"):
            depth = max(0, depth - 1)
        previous_blank = not stripped
    if not fence and depth == 0:
        points.append(len(lines))
    return points


def fit(text: str, limit: int = DEFAULT_LIMIT, where: str = "") -> str:
    """``text`` when it has at most ``limit`` characters; else its longest head that
    ends at a block boundary and, with a line saying how much is cut (and ``where``
    the rest is), has at most ``limit``."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    best = 0
    for i in cut_points(lines):
        if offsets[i] + 1 + len(_cut_note(len(text), limit, where)) <= limit:
            best = i
    head = "\n".join(lines[:best]).rstrip("\n")
    note = _cut_note(len(text) - len(head), limit, where)
    return (head + "\n\n" if head else "") + note


def _cut_note(missing: int, limit: int, where: str) -> str:
    rest = f"; {where}" if where else ""
    return (f"**Cut here**: {missing:,} more characters are not shown (this text keeps to "
            f"{limit:,} characters; GitHub takes {GITHUB_LIMIT:,} in a comment){rest}.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentlint.ci.comment",
                                     description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("file")
    parser.add_argument("--limit", type=int, default=ACTION_LIMIT)
    parser.add_argument("--marker", default="",
                        help="a line the comment must start with (added when missing)")
    parser.add_argument("--where", default="", help="where the whole text can be read")
    args = parser.parse_args(argv)
    text = read_text(args.file, None, limit=64 * 1024 * 1024, what="comment")
    if args.marker and args.marker not in text:
        text = args.marker + "\n" + text
    write_text_atomic(args.file, fit(text, args.limit, args.where))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
