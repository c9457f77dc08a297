"""Baselines: the findings a legacy workflow already had, recorded so they stop failing.

``agentlint lint PATHS --write-baseline FILE`` records every current finding;
``agentlint lint PATHS --baseline FILE`` then reports only findings that are
not recorded. The file is JSON, sorted and without timestamps, so it diffs
well and two runs over the same specs write the same bytes::

    {
      "agentlint-baseline": 1,
      "findings": [
        {"file": "flows/triage.yaml", "code": "AL202", "rule": "premium-on-trivial-step",
         "key": "step:classify/model", "count": 1},
        {"file": "flows/triage.yaml", "code": "AL203", "rule": "repeated-context",
         "message": "...", "count": 2}
      ]
    }

An entry is matched by the file (relative to the repository that holds the
baseline file, with ``/``), the rule's code and the finding's ``key`` — the
place in the spec it is about (``step:classify/model``), which survives
re-indenting, reordering keys, blank lines and comments, where a line number
would not. A finding without a key is matched by its message instead. The
``count`` says how many findings share one entry: with a count of 1, a second
identical finding is reported. ``rule`` is there for people and is not matched.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from agentlint import escape
from agentlint.errors import SpecError, UsageError
from agentlint.paths import (
    MAX_BASELINE_BYTES,
    excerpt,
    find_root,
    read_bytes,
    relative_to,
    write_text_atomic,
)
from agentlint.record import Record

if TYPE_CHECKING:
    from agentlint.lint.registry import Finding

FORMAT_KEY = "agentlint-baseline"
FORMAT_VERSION = 1

#: (file, code, key, message): key is "" when the finding has none, message "" when it has
EntryId = tuple[str, str, str, str]


def root_for(baseline_path: str) -> str:
    """The folder baseline paths are relative to: the repository holding the file."""
    return find_root(os.path.dirname(os.path.abspath(baseline_path)))


def entry_id(f: Finding, root: str) -> EntryId:
    file = relative_to(f.file, root)
    if f.key:
        return (file, f.code, f.key, "")
    return (file, f.code, "", f.message)


class Baseline(Record):
    """A baseline file: how many times each finding it records occurred."""

    __slots__ = ("counts", "path", "root")
    __match_args__ = ("path", "root", "counts")

    path: str
    root: str
    counts: Counter[EntryId]

    def __init__(self, path: str, root: str, counts: Counter[EntryId] | None = None) -> None:
        self.path = path
        self.root = root
        self.counts = Counter() if counts is None else counts

    def apply(self, findings: list[Finding], linted: list[str] | None = None
              ) -> tuple[list[Finding], int, int]:
        """(findings not recorded, number left out, recorded entries that no longer occur).

        Findings are taken in order; when a file has more identical findings than
        the baseline counts, the later ones are reported. Stale entries are
        counted only for the ``linted`` files, so linting a few files does not
        call the rest of the baseline stale.
        """
        left = Counter(self.counts)
        kept = []
        for f in findings:
            eid = entry_id(f, self.root)
            if left[eid] > 0:
                left[eid] -= 1
            else:
                kept.append(f)
        files = None if linted is None else {relative_to(p, self.root) for p in linted}
        stale = sum(n for eid, n in left.items() if n > 0 and (files is None or eid[0] in files))
        return kept, len(findings) - len(kept), stale


def build(findings: list[Finding], root: str) -> dict[str, object]:
    counts: Counter[EntryId] = Counter()
    rules: dict[EntryId, str] = {}
    for f in findings:
        eid = entry_id(f, root)
        counts[eid] += 1
        rules.setdefault(eid, f.rule)
    entries = []
    for eid in sorted(counts):
        file, code, key, message = eid
        entry: dict[str, object] = {"file": file, "code": code, "rule": rules[eid]}
        if key:
            entry["key"] = key
        else:
            entry["message"] = message
        entry["count"] = counts[eid]
        entries.append(entry)
    return {FORMAT_KEY: FORMAT_VERSION, "findings": entries}


def write(path: str, findings: list[Finding], inputs: Iterable[str] = ()) -> int:
    """Record ``findings`` in ``path``; returns how many findings were recorded.

    ``inputs``: the files the run read, which the baseline may not replace.
    """
    data = build(findings, root_for(path))
    text = escape.json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
    write_text_atomic(path, text, inputs=inputs, what="baseline")
    return len(findings)


def read(path: str) -> Baseline:
    if not os.path.lexists(path):
        raise UsageError(f"--baseline {path}: no such file (write one with "
                         "--write-baseline)")
    try:
        data = json.loads(read_bytes(path, None, limit=MAX_BASELINE_BYTES, what="baseline"))
    except SpecError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc.message}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a baseline file (invalid JSON: "
                         f"{excerpt(str(exc), 120)})") from None
    except RecursionError:  # json recurses once per nested array or object
        raise UsageError(f"{path} is not a baseline file (nested too deeply)") from None
    if not isinstance(data, dict) or FORMAT_KEY not in data:
        raise UsageError(f"{path} is not a baseline file (no '{FORMAT_KEY}' key)")
    if data[FORMAT_KEY] != FORMAT_VERSION:
        raise UsageError(f"{path}: baseline format {data[FORMAT_KEY]!r} is not supported; "
                         f"this agentlint reads format {FORMAT_VERSION}")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise UsageError(f"{path}: 'findings' must be a list")
    baseline = Baseline(path, root_for(path))
    for i, e in enumerate(entries):
        ok = isinstance(e, dict) and isinstance(e.get("file"), str) \
            and isinstance(e.get("code"), str) \
            and isinstance(e.get("key", ""), str) and isinstance(e.get("message", ""), str) \
            and isinstance(e.get("count", 1), int) and not isinstance(e.get("count", 1), bool)
        if not ok:
            raise UsageError(f"{path}: entry {i + 1} of 'findings' is not "
                             "{file, code, key or message, count}")
        key = e.get("key", "")
        eid = (e["file"], e["code"], key, "" if key else e.get("message", ""))
        baseline.counts[eid] += max(0, e.get("count", 1))
    return baseline
