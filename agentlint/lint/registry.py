"""The rule registry: findings, rules, the registry object and the rule context.

A rule is a module of its family's package (``agentlint/lint/rules/<family>/``)
listed in the rule table :data:`agentlint.lint.rules.RULE_MODULES`. The
module's docstring is the rule's documentation page, in the sections
``What it finds`` / ``Why it costs`` / ``Example`` / ``Write instead``
(``agentlint rule NAME`` prints it). Its ``check(ctx)`` receives a
:class:`Context` and records findings with ``ctx.report(...)``.

Nothing registers itself on import: a :class:`Registry` is built from a list
of rule modules (:func:`agentlint.lint.rules.default_registry` for agentlint's own) and handed to
the engine, the configuration and the reports.

Codes are grouped by family and never reused:
AL0xx structure, AL1xx latency, AL2xx cost, AL3xx reliability,
AL4xx security, AL5xx budgets, AL9xx agentlint itself (suppressions, assumptions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from types import ModuleType

from agentlint.graph.build import Graph, build_graph
from agentlint.graph.estimate import Estimate, estimate
from agentlint.lint.fix import Fix
from agentlint.record import Record
from agentlint.spec.model import Workflow

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

    from agentlint.spec.edit import SpecText

SEVERITIES = ("error", "warning", "info")
FAMILIES = ("structure", "latency", "cost", "reliability", "security", "budgets", "meta")
#: the code prefix of each family (its codes are the prefix and two digits)
FAMILY_PREFIX = {"structure": "AL0", "latency": "AL1", "cost": "AL2", "reliability": "AL3",
                 "security": "AL4", "budgets": "AL5", "meta": "AL9"}
#: the family's heading in docs/rules.md
FAMILY_TITLE = {"structure": "Structure", "latency": "Latency", "cost": "Cost",
                "reliability": "Reliability", "security": "Security", "budgets": "Budgets",
                "meta": "agentlint itself"}


class Finding(Record):
    """One problem a rule found, where it is, and how severe."""

    __slots__ = ("code", "column", "file", "fix", "key", "line", "message", "rule", "severity")
    __match_args__ = ("code", "rule", "severity", "message", "file", "line", "column", "key",
                      "fix")

    code: str
    rule: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    #: a place in the spec that survives reformatting, e.g. "step:billing/model";
    #: baselines match on it instead of the line
    key: str
    #: the edits that resolve it, when they are exact (see :mod:`agentlint.lint.fix`)
    fix: Fix | None

    def __init__(self, code: str, rule: str, severity: str, message: str, file: str, line: int,
                 column: int, key: str = "", fix: Fix | None = None) -> None:
        self.code = code
        self.rule = rule
        self.severity = severity
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.fix = fix

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "rule": self.rule,
                               "severity": self.severity, "message": self.message,
                               "file": self.file, "line": self.line, "column": self.column}
        if self.fix is not None:  # an added key: the seven above stay as they were
            out["fix"] = self.fix.to_json()
        return out

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.code)


RuleFn = Callable[["Context"], None]


class Rule(Record):
    """A lint rule: its code, name, family, default severity, documentation and check."""

    __slots__ = ("_doc", "_page", "code", "default_enabled", "family", "fix", "fn", "name",
                 "options", "severity", "summary")
    __match_args__ = ("code", "name", "severity", "family", "summary", "doc", "fn", "options",
                      "default_enabled", "fix")

    code: str
    name: str
    severity: str
    family: str
    summary: str
    fn: RuleFn
    #: tunable thresholds with their defaults; set in config as
    #: ``[tool.agentlint.rules.<name>]``
    options: dict[str, Any]
    #: runs on every workflow even when not selected explicitly? (e.g. meta rules)
    default_enabled: bool
    #: the fix its findings may carry: (applicability, what it does), from the module's
    #: ``FIX``; empty when the rule offers none. "safe/unsafe": which depends on the case
    fix: tuple[str, ...]

    def __init__(self, code: str, name: str, severity: str, family: str, summary: str, doc: str,
                 fn: RuleFn, options: dict[str, Any] | None = None,
                 default_enabled: bool = True, fix: tuple[str, ...] = ()) -> None:
        self.code = code
        self.name = name
        self.severity = severity
        self.family = family
        self.summary = summary
        self._doc: str | None = doc
        self._page = ""
        self.fn = fn
        self.options = {} if options is None else options
        self.default_enabled = default_enabled
        self.fix = fix

    @property
    def doc(self) -> str:
        """The documentation page; a rule module's docstring is cleaned when first read
        (a lint prints no page, and cleaning the 27 cost 2M instructions at every start)."""
        if self._doc is None:
            self._doc = cleandoc(self._page)
        return self._doc

    @doc.setter
    def doc(self, value: str) -> None:
        self._doc = value


#: a line after the first that starts with text: the docstring has no common indent
#: (compiled, and cached by ``re``, when a page is first read)
_AT_MARGIN = r"\n\S"


def cleandoc(doc: str) -> str:
    """:func:`inspect.cleandoc`, without its loop over the lines when the text is
    not indented (a rule's docstring is a module's: it starts at the margin).

    A rule's page is cleaned when first read (``agentlint rule``, SARIF); the
    loop over the 27 pages was 1.4 % of a one-file lint when every start did it.
    """
    text = doc.expandtabs()
    if re.search(_AT_MARGIN, text) is None:
        import inspect  # with ast, dis and tokenize: 20M instructions a lint does not need

        return inspect.cleandoc(doc)  # an indented text: its margin is taken off
    lines = text.split("\n")
    lines[0] = lines[0].lstrip()
    end = len(lines)
    while end and not lines[end - 1]:
        end -= 1
    start = 0
    while start < end and not lines[start]:
        start += 1
    return "\n".join(lines[start:end])


def rule_of(module: ModuleType) -> Rule:
    """The :class:`Rule` a rule module describes; its package is its family."""
    severity = module.SEVERITY
    if severity not in SEVERITIES:
        raise ValueError(f"bad severity {severity!r} for {module.CODE}")
    family = module.__name__.rsplit(".", 2)[-2]
    if family not in FAMILIES:
        raise ValueError(f"rule {module.CODE} is in no known family ({module.__name__})")
    found = Rule(module.CODE, module.NAME, severity, family, module.SUMMARY, "", module.check,
                 dict(getattr(module, "OPTIONS", {})), getattr(module, "DEFAULT_ENABLED", True),
                 tuple(getattr(module, "FIX", ())))
    found._doc, found._page = None, module.__doc__ or ""  # cleaned when first read
    return found


class Registry:
    """The rules a run knows, by code and by name (built once, never changed).

    The engine, the configuration and the reports receive one; the product's
    is :func:`~agentlint.lint.rules.default_registry`, read from the rule table in
    :mod:`agentlint.lint.rules`. Tests build their own.
    """

    __slots__ = ("_by_code", "_by_name", "_ordered")

    def __init__(self, rules: Iterable[Rule]) -> None:
        by_code: dict[str, Rule] = {}
        by_name: dict[str, Rule] = {}
        for r in rules:
            if r.code in by_code or r.name in by_name:
                raise ValueError(f"rule {r.code} {r.name} registered twice")
            by_code[r.code] = r
            by_name[r.name] = r
        self._by_code = by_code
        self._by_name = by_name
        self._ordered = tuple(sorted(by_code.values(), key=lambda r: r.code))

    @classmethod
    def from_modules(cls, modules: Iterable[ModuleType]) -> Registry:
        return cls(rule_of(m) for m in modules)

    def rules(self) -> list[Rule]:
        """Every rule, in code order."""
        return list(self._ordered)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._ordered)

    def __len__(self) -> int:
        return len(self._ordered)

    def find(self, name_or_code: str) -> Rule | None:
        return self._by_code.get(name_or_code.upper()) or \
            self._by_name.get(name_or_code.lower())

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)

    @property
    def names(self) -> list[str]:
        return list(self._by_name)


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
        return build_graph(self.wf)

    @cached_property
    def estimate(self) -> Estimate:
        return estimate(self.wf, self.graph)

    @cached_property
    def spec_text(self) -> SpecText:
        """The spec's text as the spec editor sees it, for a rule that offers a fix.

        The editor is imported here, on first use: most lints build no fix.
        """
        from agentlint.spec.edit import SpecText

        return SpecText(self.wf)

    @property
    def native(self) -> bool:
        """Is the workflow a native spec (whose own text the spec editor can edit)?"""
        return self.wf.format == "agentlint"

    def option(self, name: str) -> Any:
        """The current rule's option ``name`` (config value, else its default)."""
        assert self._current is not None
        configured = self._options.get(self._current.name, {})
        if name in configured:
            return configured[name]
        return self._current.options[name]

    def report(self, message: str, at: tuple[int, int], key: str = "",
               severity: str | None = None, fix: Fix | None = None) -> None:
        """Record a finding of the current rule at ``at`` = (line, col).

        Its severity is the rule's unless ``severity`` says otherwise; the
        configuration may change it afterwards. ``fix``: the edits that resolve it.
        """
        r = self._current
        assert r is not None
        self.findings.append(Finding(r.code, r.name, severity or r.severity, message,
                                     self.wf.file, at[0], at[1], key, fix))

    def run(self, r: Rule) -> None:
        self._current = r
        try:
            r.fn(self)
        finally:
            self._current = None
