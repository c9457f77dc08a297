"""Throwaway rules for engine tests, so they do not depend on the rule catalogue.

A test builds its own :class:`Rules` (agentlint's meta rules plus small rules
with known behaviour) and hands its registry to the engine; nothing global is
changed. The ``cli`` fixture passes the registry of a test's ``rules`` fixture
to the command line.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from agentlint.lint.config import Config, ConfigFinder, Overrides, Settings, resolve
from agentlint.lint.engine import LintResult, lint_paths
from agentlint.lint.registry import Context, Registry, Rule
from agentlint.lint.rules import default_registry
from tests.support import SPEC

__all__ = ["DOC", "SPEC", "Rules"]  # SPEC: the shared small spec, for the engine tests

DOC = """What it finds
-------------
Steps, for testing.

Why it costs
------------
It does not.
"""


class Rules:
    """The rules of one test: agentlint's meta rules plus the ones it adds.

    ``registry`` is a :class:`agentlint.lint.registry.Registry` of them (built
    anew after every ``add``); pass it to the engine, or use the shortcuts.
    """

    def __init__(self) -> None:
        self._rules: list[Rule] = [r for r in default_registry() if r.family == "meta"]

    def add(self, code: str, name: str, severity: str = "warning", *,
            family: str = "structure", summary: str | None = None,
            options: dict[str, Any] | None = None, default_enabled: bool = True,
            fn: Callable[[Context], Any] | None = None, where: str = "id") -> None:
        def every_step(ctx: Context) -> None:
            for step in ctx.wf.steps:
                ctx.report(f"{name} saw step {step.id}", step.at(where),
                           key=f"step:{step.id}/{where}")

        self._rules.append(Rule(code, name, severity, family, summary or f"{name} summary",
                                inspect.cleandoc(DOC), fn or every_step, dict(options or {}),
                                default_enabled))

    @property
    def registry(self) -> Registry:
        return Registry(self._rules)

    def resolve(self, config: Config, overrides: Overrides | None = None) -> Settings:
        return resolve(config, overrides, self.registry)

    def lint_paths(self, paths: list[str], overrides: Overrides | None = None,
                   **kwargs: Any) -> LintResult:
        return lint_paths(paths, overrides, registry=self.registry, **kwargs)

    def finder(self, overrides: Overrides | None = None) -> ConfigFinder:
        return ConfigFinder(overrides, self.registry)
