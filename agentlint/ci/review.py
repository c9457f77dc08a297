"""One pull-request review whose comments are ```suggestion blocks on the changed lines.

GitHub shows a "Commit suggestion" button only on a *review comment* that sits on
lines of the pull request's diff; a ```suggestion block anywhere else is plain
text. So the changes agentlint proposes (the ``optimize`` plan, the fixes of
findings), each given as a unified diff of a spec, are cut into hunks, and each
hunk becomes a comment on the lines it replaces:

- ``path``, ``line`` (the last line replaced), ``side: RIGHT`` and, for more than
  one line, ``start_line`` and ``start_side``; the body is a suggestion block with
  the new lines, in a fence longer than any run of backticks in them;
- a hunk that only inserts lines is anchored on the line above it (which the
  suggestion repeats), a hunk that only deletes is an empty suggestion;
- a hunk is placed only where GitHub can take it: every line it replaces on the
  head side of one hunk of the pull request's diff (``GET /pulls/{n}/files``,
  each file's ``patch``), with the text the diff shows there. Any other hunk is
  written into the sticky summary comment instead, as a ``diff`` block.

On a new push the review is brought up to date instead of stacked: the earlier
comments are found by a hidden marker that names the file and lines; one that
still stands on the same lines is edited (``PATCH /pulls/comments/{id}``) when
its text changed and left alone when it did not; the rest are deleted; only
suggestions not already shown are posted, as one new review (event
``COMMENT``) on the head commit.

``python -m agentlint.ci.review --repo OWNER/NAME --pr N --commit SHA
--plan PATH DIFF [--fix PATH DIFF] [--summary FILE]``: the token comes from
``GITHUB_TOKEN`` (or ``GH_TOKEN``), the API's address from ``GITHUB_API_URL``.
Only the standard library talks to the API (``urllib``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agentlint import escape
from agentlint.ci.comment import fit
from agentlint.paths import read_bytes, read_text, write_text_atomic

#: the hidden marker of every review comment and review agentlint posts
MARKER = "<!-- agentlint-review"
#: the most bytes of a diff the command reads
MAX_DIFF_BYTES = 16 * 1024 * 1024
#: comments per page when listing (GitHub's maximum)
PER_PAGE = 100
#: the most pages read of one listing (10,000 items: far past any pull request)
MAX_PAGES = 100
TIMEOUT_S = 30.0
DEFAULT_API = "https://api.github.com"
PLAN_TITLE = ("part of the `agentlint optimize` plan for this workflow (its figures are in "
              "the summary comment)")
FIX_TITLE = "a safe fix of a lint finding (`agentlint lint --fix` applies it)"


class ReviewError(Exception):
    """The API refused a call, or an input is malformed: one line, exit 2."""


# -- suggestions out of a unified diff ------------------------------------------------------


@dataclass(slots=True)
class Suggestion:
    """Replace lines ``start``..``end`` (1-based, inclusive, of the head's file) of
    ``path``, which read ``old``, with ``new``."""

    path: str
    start: int
    end: int
    old: list[str]
    new: list[str]
    title: str

    @property
    def key(self) -> str:
        """The lines the comment sits on, for its marker: a later suggestion for the
        same lines edits that comment instead of adding one."""
        return f"{self.start}-{self.end}"


_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _hunks(diff: str) -> Iterable[tuple[int, int, list[str]]]:
    """Each hunk of a unified diff of one file: old start, new start, its lines."""
    current: list[str] | None = None
    starts = (0, 0)
    for line in diff.split("\n"):
        head = _HUNK.match(line)
        if head is not None:
            if current is not None:
                yield starts[0], starts[1], current
            starts = (int(head.group(1)), int(head.group(3)))
            current = []
        elif current is not None and line[:1] in (" ", "-", "+", "\\"):
            current.append(line)
        elif current is not None and line == "":
            current.append(" ")  # a blank context line whose space an editor removed
    if current is not None:
        yield starts[0], starts[1], current


def suggestions(path: str, diff: str, title: str) -> list[Suggestion]:
    """The changes of a unified diff of ``path`` (old: the head's file, new: the
    proposal), one per run of removed and added lines, at the head's line numbers."""
    out: list[Suggestion] = []
    for old_start, _, lines in _hunks(diff):
        lines = [x for x in lines if not x.startswith("\\")]  # "\ No newline at end of file"
        old_line = old_start  # the old file's line number of the next ' ' or '-' line
        previous: tuple[int, str] | None = None  # the last context line: (number, text)
        i = 0
        while i < len(lines):
            if lines[i].startswith(" "):
                previous = (old_line, lines[i][1:])
                old_line += 1
                i += 1
                continue
            removed: list[str] = []
            added: list[str] = []
            first = old_line
            while i < len(lines) and not lines[i].startswith(" "):
                if lines[i].startswith("-"):
                    removed.append(lines[i][1:])
                    old_line += 1
                else:
                    added.append(lines[i][1:])
                i += 1
            if removed:
                out.append(Suggestion(path, first, first + len(removed) - 1, removed, added,
                                      title))
            elif previous is not None:  # an insertion: anchored on the line above
                out.append(Suggestion(path, previous[0], previous[0], [previous[1]],
                                      [previous[1], *added], title))
            elif i < len(lines):  # at the top of the file: anchored on the line below
                below = lines[i][1:]
                out.append(Suggestion(path, first, first, [below], [*added, below], title))
    return out


# -- where the pull request's diff lets a comment sit ---------------------------------------


def head_lines(patch: str) -> list[dict[int, str]]:
    """For each hunk of a file's ``patch`` (as ``GET /pulls/{n}/files`` gives it), the
    head-side lines it shows: line number -> text (added and context lines)."""
    hunks: list[dict[int, str]] = []
    for _, new_start, lines in _hunks(patch):
        shown: dict[int, str] = {}
        number = new_start
        for line in lines:
            if line.startswith(("+", " ")):
                shown[number] = line[1:]
                number += 1
        hunks.append(shown)
    return hunks


def placeable(s: Suggestion, hunks: list[dict[int, str]]) -> bool:
    """Does every line ``s`` replaces lie in one hunk of the diff, with the same text?"""
    for shown in hunks:
        if all(shown.get(s.start + k) == text for k, text in enumerate(s.old)):
            return True
    return False


# -- bodies ---------------------------------------------------------------------------------


def fence_for(text: str, char: str = "`") -> str:
    """A fence of ``char`` longer than every run of it in ``text`` (at least three)."""
    runs = [len(r) for r in re.findall(re.escape(char) + "+", text)]
    return char * max(3, max(runs, default=0) + 1)


def comment_body(s: Suggestion) -> str:
    """A review comment: the marker, the title, the suggestion block (literal text)."""
    new = "\n".join(s.new)
    fence = fence_for(new)
    title = escape.md(s.title)
    return (f"{MARKER} {s.key} -->\n**agentlint:** {title}\n\n"
            f"{fence}suggestion\n{escape.surrogates(new)}{chr(10) if s.new else ''}{fence}\n")


def summary_section(outside: list[Suggestion]) -> str:
    """The suggestions GitHub cannot place on the diff, for the sticky comment."""
    if not outside:
        return ""
    parts = ["", "<details><summary>agentlint: "
             f"{len(outside)} suggestion{'s' if len(outside) != 1 else ''} on lines "
             "outside this pull request's changes</summary>", ""]
    for s in outside:
        where = f"{s.path}:{s.start}" + (f"-{s.end}" if s.end != s.start else "")
        text = "\n".join([*(f"-{x}" for x in s.old), *(f"+{x}" for x in s.new)])
        fence = fence_for(text)
        parts += [f"- {escape.code(where)}: {escape.md(s.title)}", "",
                  f"  {fence}diff", *(f"  {x}" for x in escape.surrogates(text).split("\n")),
                  f"  {fence}", ""]
    parts += ["</details>", ""]
    return "\n".join(parts)


# -- the REST API ---------------------------------------------------------------------------


@dataclass(slots=True)
class Api:
    """GitHub's REST API at ``base`` with ``token``; every call recorded in ``calls``."""

    base: str
    token: str
    calls: list[tuple[str, str]] = field(default_factory=list)

    def call(self, method: str, path: str, payload: Any = None) -> Any:
        url = self.base.rstrip("/") + path
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "agentlint",
            **({"Content-Type": "application/json"} if data is not None else {})})
        self.calls.append((method, path))
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
                body = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace")
            with contextlib.suppress(ValueError, AttributeError):
                detail = str(json.loads(detail).get("message", detail))
            raise ReviewError(f"{method} {path}: HTTP {exc.code}: "
                              f"{escape.excerpt(detail, 300)}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ReviewError(f"{method} {path}: {escape.excerpt(str(reason), 300)}") from None
        return json.loads(body) if body.strip() else None

    def pages(self, path: str) -> list[Any]:
        items: list[Any] = []
        for page in range(1, MAX_PAGES + 1):
            got = self.call("GET", f"{path}?per_page={PER_PAGE}&page={page}")
            if not isinstance(got, list):
                raise ReviewError(f"GET {path}: not a list")
            items.extend(got)
            if len(got) < PER_PAGE:
                break
        return items


@dataclass(slots=True)
class Outcome:
    posted: int = 0
    updated: int = 0
    kept: int = 0
    deleted: int = 0
    outside: list[Suggestion] = field(default_factory=list)
    review_id: int | None = None

    def line(self) -> str:
        return (f"agentlint review: {self.posted} posted, {self.updated} updated, "
                f"{self.kept} kept, {self.deleted} deleted; {len(self.outside)} outside the "
                "diff (in the summary comment)")


def _quote(path: str) -> str:
    return urllib.parse.quote(path, safe="")


def publish(api: Api, repo: str, pr: int, commit: str,
            wanted: list[Suggestion]) -> Outcome:
    """Bring the pull request's agentlint review comments in line with ``wanted``."""
    owner, _, name = repo.partition("/")
    base = f"/repos/{_quote(owner)}/{_quote(name)}/pulls/{pr}"
    files = {f.get("filename"): f.get("patch") or "" for f in api.pages(f"{base}/files")
             if isinstance(f, dict)}
    outcome = Outcome()
    inside: list[Suggestion] = []
    seen: set[tuple[str, str]] = set()
    for s in wanted:
        if (s.path, s.key) in seen:
            continue
        seen.add((s.path, s.key))
        if s.path in files and placeable(s, head_lines(files[s.path])):
            inside.append(s)
        else:
            outcome.outside.append(s)
    ours = [c for c in api.pages(f"{base}/comments")
            if isinstance(c, dict) and str(c.get("body", "")).startswith(MARKER)]
    new: list[Suggestion] = []
    standing: dict[tuple[str, str], dict[str, Any]] = {}
    for c in ours:
        key = str(c.get("body", ""))[len(MARKER):].split("-->", 1)[0].strip()
        # an outdated comment (its lines changed since) has no line any more
        if c.get("line") is not None:
            standing.setdefault((str(c.get("path")), key), c)
    used: set[int] = set()
    for s in inside:
        old = standing.get((s.path, s.key))
        if old is None or old.get("line") != s.end:
            new.append(s)
            continue
        used.add(int(old["id"]))
        body = comment_body(s)
        if old.get("body") != body:
            api.call("PATCH", f"/repos/{_quote(owner)}/{_quote(name)}/pulls/comments/"
                     f"{int(old['id'])}", {"body": body})
            outcome.updated += 1
        else:
            outcome.kept += 1
    for c in ours:
        if int(c["id"]) not in used:
            api.call("DELETE", f"/repos/{_quote(owner)}/{_quote(name)}/pulls/comments/"
                     f"{int(c['id'])}")
            outcome.deleted += 1
    if new:
        comments = []
        for s in new:
            comment: dict[str, Any] = {"path": s.path, "line": s.end, "side": "RIGHT",
                                       "body": comment_body(s)}
            if s.start != s.end:
                comment["start_line"] = s.start
                comment["start_side"] = "RIGHT"
            comments.append(comment)
        count = len(new)
        answer = api.call("POST", f"{base}/reviews", {
            "commit_id": commit, "event": "COMMENT", "comments": comments,
            "body": f"{MARKER} -->\nagentlint: {count} suggestion{'s' if count != 1 else ''}"
                    " on the changed lines (\"Commit suggestion\" applies one)."})
        outcome.posted = count
        if isinstance(answer, dict) and isinstance(answer.get("id"), int):
            outcome.review_id = answer["id"]
    return outcome


# -- the command ----------------------------------------------------------------------------


def _read_diff(file: str) -> str:
    return read_text(file, None, limit=MAX_DIFF_BYTES, what="diff")


def _pairs(listing: str | None) -> list[tuple[str, str]]:
    """The PATH, DIFF pairs of a NUL-separated list file."""
    if not listing:
        return []
    data = read_bytes(listing, None, limit=MAX_DIFF_BYTES, what="list")
    fields = data.decode("utf-8", "surrogateescape").split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    if len(fields) % 2:
        raise ReviewError(f"{listing}: an odd number of fields (PATH and DIFF pairs)")
    return [(fields[i], fields[i + 1]) for i in range(0, len(fields), 2)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentlint.ci.review",
                                     description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--repo", required=True, help="OWNER/NAME")
    parser.add_argument("--pr", required=True, type=int, help="the pull request's number")
    parser.add_argument("--commit", required=True, help="the head commit's id")
    parser.add_argument("--plan", nargs=2, action="append", default=[],
                        metavar=("PATH", "DIFF"),
                        help="the optimize plan of PATH (repository-relative), as a diff")
    parser.add_argument("--fix", nargs=2, action="append", default=[],
                        metavar=("PATH", "DIFF"), help="the fixes of PATH, as a diff")
    parser.add_argument("--plans", metavar="LIST",
                        help="PATH and DIFF pairs as --plan, each ended by a NUL character "
                             "(any file name, a leading dash or a newline in it included)")
    parser.add_argument("--fixes", metavar="LIST", help="PATH and DIFF pairs as --fix, so")
    parser.add_argument("--summary", help="append the suggestions outside the diff here")
    parser.add_argument("--limit", type=int, default=65_000,
                        help="the summary comment's most characters")
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN") or ""
    base = os.environ.get("GITHUB_API_URL") or DEFAULT_API
    try:
        if not token:
            raise ReviewError("no token: set GITHUB_TOKEN")
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            raise ReviewError(f"GITHUB_API_URL is not an http(s) address: {base}")
        if re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", args.repo) is None:
            raise ReviewError(f"--repo is not OWNER/NAME: {args.repo}")
        if re.fullmatch(r"[0-9a-fA-F]{7,64}", args.commit) is None:
            raise ReviewError(f"--commit is not a commit id: {args.commit}")
        wanted: list[Suggestion] = []
        # the fixes first: on lines both change, the fix's suggestion is the one shown
        for path, diff in [*args.fix, *_pairs(args.fixes)]:
            wanted += suggestions(path, _read_diff(diff), FIX_TITLE)
        for path, diff in [*args.plan, *_pairs(args.plans)]:
            wanted += suggestions(path, _read_diff(diff), PLAN_TITLE)
        outcome = publish(Api(base, token), args.repo, args.pr, args.commit, wanted)
        if args.summary and outcome.outside:
            text = read_text(args.summary, None, limit=MAX_DIFF_BYTES, what="comment")
            text = text.rstrip("\n") + "\n" + summary_section(outcome.outside)
            write_text_atomic(args.summary, fit(text, args.limit, "the job summary"))
    except ReviewError as exc:
        print(escape.line(f"agentlint review: {exc}"), file=sys.stderr)
        return 2
    except Exception as exc:  # a spec error reading a file, an unexpected answer
        print(escape.line(f"agentlint review: {type(exc).__name__}: {exc}"), file=sys.stderr)
        return 2
    print(escape.line(outcome.line()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
