"""Findings as a JSON array (contract): what scripts and other tools read.

Each element has exactly the keys ``code``, ``rule``, ``severity``,
``message``, ``file``, ``line``, ``column``; a clean run prints ``[]``.
"""

from __future__ import annotations

import json

from agentlint import escape
from agentlint.lint.registry import Finding
from agentlint.report.text import statistics


def render(findings: list[Finding]) -> str:
    return escape.json_text(json.dumps([f.to_json() for f in findings], indent=2,
                                       ensure_ascii=False))


def render_statistics(findings: list[Finding]) -> str:
    """Counts per rule, for ``--statistics --format json``."""
    return json.dumps([{"code": c, "rule": r, "severity": s, "count": n}
                       for c, r, s, n in statistics(findings)], indent=2)
