"""GitLab Code Quality report: findings as a merge request's code quality widget.

A JSON array of CodeClimate-style issues with the fields GitLab reads
(docs.gitlab.com, "Code Quality", implement a custom tool)::

    [{"description": "...", "check_name": "AL202 premium-on-trivial-step",
      "fingerprint": "<sha256>", "severity": "major",
      "location": {"path": "flows/triage.yaml", "lines": {"begin": 12}}}]

``location.path`` is relative to the repository root, with ``/``. The
fingerprint hashes the rule, the path and the finding's key (its message when
it has none), not the line, so GitLab sees the same issue after a reformat
and tells new issues from old ones; identical findings get an occurrence
number so every fingerprint in a report is unique. Severities: error ->
major, warning -> minor, info -> info.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from agentlint import escape
from agentlint.lint.registry import Finding
from agentlint.paths import repo_path

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def build(findings: list[Finding]) -> list[dict[str, Any]]:
    seen: Counter[str] = Counter()
    paths: dict[str, str] = {}
    issues = []
    for f in findings:
        if f.file not in paths:
            paths[f.file] = repo_path(f.file)
        path = paths[f.file]
        basis = "\0".join((f.code, path, f.key or "message:" + f.message))
        seen[basis] += 1
        if seen[basis] > 1:
            basis += f"\0{seen[basis]}"
        issues.append({
            "description": f.message,
            "check_name": f"{f.code} {f.rule}",
            "fingerprint": hashlib.sha256(basis.encode("utf-8", "surrogateescape")).hexdigest(),
            "severity": SEVERITY.get(f.severity, "minor"),
            "location": {"path": path, "lines": {"begin": max(1, f.line)}},
        })
    return issues


def render(findings: list[Finding]) -> str:
    return escape.json_text(json.dumps(build(findings), indent=2, ensure_ascii=False))
