"""Throwaway rules for engine tests, so they do not depend on the rule catalogue.

``isolated`` hides the rule catalogue (loaded or not) except agentlint's own
meta rules, lets a test register small rules with known behaviour, and puts
the real registry back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from agentlint.lint import registry
from agentlint.lint.registry import BY_NAME, RULES, Context, Finding, rule

#: a small, valid spec with two steps (step ids on lines 6 and 9)
SPEC = """\
agentlint: 1
name: demo
models:
  small: {per_call_usd: 0.001, per_call_s: 0.2, p_ok: 0.99}
steps:
  - id: first
    model: small
    prompt: "hello"
  - id: second
    model: small
    prompt: "{{ steps.first.output }}"
"""

DOC = """What it finds
-------------
Steps, for testing.

Why it costs
------------
It does not.
"""


class Registry:
    """Registers rules into the (emptied) global registry during one test."""

    def add(self, code: str, name: str, severity: str = "warning", *,
            family: str = "structure", summary: str | None = None,
            options: dict[str, Any] | None = None, default_enabled: bool = True,
            fn: Callable[[Context], Any] | None = None, where: str = "id") -> None:
        def every_step(ctx: Context) -> Iterator[Finding]:
            for step in ctx.wf.steps:
                yield ctx.report(f"{name} saw step {step.id}", step.at(where),
                                 key=f"step:{step.id}/{where}")

        body = fn or every_step
        body.__module__ = f"agentlint.lint.rules.{family}"
        body.__doc__ = DOC
        rule(code, name, severity, summary or f"{name} summary", options,
             default_enabled)(body)


@contextmanager
def isolated() -> Iterator[Registry]:
    import agentlint.lint.rules.meta  # noqa: F401  (registers the meta rules)

    saved_rules, saved_names, saved_loaded = dict(RULES), dict(BY_NAME), registry._LOADED
    RULES.clear()
    BY_NAME.clear()
    for code, r in saved_rules.items():
        if r.family == "meta":
            RULES[code] = r
            BY_NAME[r.name] = r
    registry._LOADED = True  # the catalogue stays out, loaded or not
    try:
        yield Registry()
    finally:
        registry._LOADED = saved_loaded
        RULES.clear()
        BY_NAME.clear()
        RULES.update(saved_rules)
        BY_NAME.update(saved_names)


@pytest.fixture
def rules() -> Iterator[Registry]:
    with isolated() as reg:
        yield reg
