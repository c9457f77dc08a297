"""Helpers shared by the rule tests: run one rule on a spec, find places in it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from agentlint.lint.registry import Context, Finding
from agentlint.lint.rules import find_rule
from agentlint.spec.load import load_workflow


def run(spec: Callable[..., Any], text: str, name: str, *,
        wf_hook: Callable[[Any], None] | None = None, **options: Any) -> list[Finding]:
    """Findings of rule ``name`` on ``text`` (written by the ``spec`` fixture)."""
    wf = load_workflow(str(spec(text)))
    if wf_hook is not None:
        wf_hook(wf)
    r = find_rule(name)
    assert r is not None, name
    ctx = Context(wf, {r.name: options} if options else None)
    ctx.run(r)
    return ctx.findings


def at(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """Line and column of the nth occurrence of ``needle`` in the dedented spec."""
    text = textwrap.dedent(text).lstrip("\n")
    idx = -1
    for _ in range(nth):
        idx = text.index(needle, idx + 1)
    return text.count("\n", 0, idx) + 1, idx - (text.rfind("\n", 0, idx) + 1) + 1


def where(findings: list[Finding]) -> list[tuple[int, int]]:
    return [(f.line, f.column) for f in findings]
