"""Findings as a JSON array (contract): what scripts and other tools read.

Each element has the keys ``code``, ``rule``, ``severity``, ``message``,
``file``, ``line``, ``column`` (the contract), and the message's parts as the
text report prints them: ``summary`` (the headline), ``notes`` (a list) and
``help`` (what to do, or null) (:mod:`agentlint.report.message`). A spec that
could not be read is an element of code ``AL000``. A clean run prints ``[]``.
"""

from __future__ import annotations

import json
from typing import Any

from agentlint import escape
from agentlint.errors import SpecError
from agentlint.lint.registry import Finding
from agentlint.report import load_error
from agentlint.report.message import split
from agentlint.report.text import statistics


def element(f: Finding) -> dict[str, Any]:
    """One finding as the JSON report shows it: the contract keys, then the parts."""
    return {**f.to_json(), **split(f.message).to_json()}


def errors_document(errors: list[SpecError]) -> str:
    """``{"errors": [...]}``, an AL000 element per error in the shape above: what
    ``estimate`` and ``optimize`` print with ``--format json`` for a spec they cannot
    read (their usual object needs a spec that loads)."""
    return escape.json_text(json.dumps(
        {"errors": [element(load_error.finding(e)) for e in errors]}, indent=2,
        ensure_ascii=False)) + "\n"


def render(findings: list[Finding]) -> str:
    return escape.json_text(json.dumps([element(f) for f in findings], indent=2,
                                       ensure_ascii=False))


def render_statistics(findings: list[Finding]) -> str:
    """Counts per rule, for ``--statistics --format json``."""
    return json.dumps([{"code": c, "rule": r, "severity": s, "count": n}
                       for c, r, s, n in statistics(findings)], indent=2)
