"""The rule registry: every rule is a function with a code, a name and docs.

A rule module (one per family: ``structure``, ``latency``, ``cost``,
``reliability``, ``security``, ``budgets``) defines functions decorated with
:func:`rule`. The function's docstring is the rule's documentation page, in
the sections ``What it finds`` / ``Why it costs`` / ``Example`` /
``Write instead`` (``agentlint rule NAME`` prints it). A rule receives a
:class:`Context` and yields findings through ``ctx.report(...)``.

Codes are grouped by family and never reused:
AL0xx structure, AL1xx latency, AL2xx cost, AL3xx reliability,
AL4xx security, AL5xx budgets, AL9xx agentlint itself (suppressions, assumptions).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentlint.graph.build import Graph
    from agentlint.graph.estimate import Estimate
    from agentlint.spec.model import Workflow

SEVERITIES = ("error", "warning", "info")
FAMILIES = ("structure", "latency", "cost", "reliability", "security", "budgets", "meta")


@dataclass(slots=True)
class Finding:
    code: str
    rule: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    #: a place in the spec that survives reformatting, e.g. "step:billing/model";
    #: baselines match on it instead of the line
    key: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "rule": self.rule, "severity": self.severity,
                "message": self.message, "file": self.file, "line": self.line,
                "column": self.column}

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.code)


RuleFn = Callable[["Context"], Iterator[Finding] | None]


@dataclass(slots=True)
class Rule:
    code: str
    name: str
    severity: str
    family: str
    summary: str
    doc: str
    fn: RuleFn
    #: tunable thresholds with their defaults; set in config as
    #: ``[tool.agentlint.rules.<name>]``
    options: dict[str, Any] = field(default_factory=dict)
    #: runs on every workflow even when not selected explicitly? (e.g. meta rules)
    default_enabled: bool = True


RULES: dict[str, Rule] = {}
BY_NAME: dict[str, Rule] = {}


def rule(code: str, name: str, severity: str, summary: str,
         options: dict[str, Any] | None = None, default_enabled: bool = True
         ) -> Callable[[RuleFn], RuleFn]:
    """Register the decorated function as a rule; its module name is its family."""
    if severity not in SEVERITIES:
        raise ValueError(f"bad severity {severity!r} for {code}")

    def decorate(fn: RuleFn) -> RuleFn:
        family = fn.__module__.rsplit(".", 1)[-1]
        if code in RULES or name in BY_NAME:
            raise ValueError(f"rule {code} {name} registered twice")
        doc = inspect.cleandoc(fn.__doc__ or "")
        r = Rule(code, name, severity, family, summary, doc, fn, dict(options or {}),
                 default_enabled)
        RULES[code] = r
        BY_NAME[name] = r
        return fn

    return decorate


def all_rules() -> list[Rule]:
    load_rule_modules()
    return sorted(RULES.values(), key=lambda r: r.code)


def find_rule(name_or_code: str) -> Rule | None:
    load_rule_modules()
    return RULES.get(name_or_code.upper()) or BY_NAME.get(name_or_code.lower())


_LOADED = False


def load_rule_modules() -> None:
    """Import every rule family module once (registration happens on import)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib
    import pkgutil

    from agentlint.lint import rules as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")


class Context:
    """What a rule sees: the workflow, and lazily the graph and the estimate."""

    def __init__(self, wf: Workflow, rule_options: dict[str, dict[str, Any]] | None = None
                 ) -> None:
        self.wf = wf
        self._options = rule_options or {}
        self.findings: list[Finding] = []
        self._current: Rule | None = None

    @cached_property
    def graph(self) -> Graph:
        from agentlint.graph.build import build_graph

        return build_graph(self.wf)

    @cached_property
    def estimate(self) -> Estimate:
        from agentlint.graph.estimate import estimate

        return estimate(self.wf, self.graph)

    def option(self, name: str) -> Any:
        """The current rule's option ``name`` (config value, else its default)."""
        assert self._current is not None
        configured = self._options.get(self._current.name, {})
        if name in configured:
            return configured[name]
        return self._current.options[name]

    def report(self, message: str, at: tuple[int, int], key: str = "",
               severity: str | None = None) -> Finding:
        """Record a finding of the current rule at ``at`` = (line, col)."""
        r = self._current
        assert r is not None
        finding = Finding(r.code, r.name, severity or r.severity, message, self.wf.file,
                          at[0], at[1], key)
        self.findings.append(finding)
        return finding

    def run(self, r: Rule) -> None:
        self._current = r
        try:
            result = r.fn(self)
            if result is not None:
                for _ in result:  # rules may be generators that report as they go
                    pass
        finally:
            self._current = None
