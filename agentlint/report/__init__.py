"""The report formats of each command, by name: the CLI looks a format up here.

Every entry turns a command's result into the complete text to print or to
write to a file: empty when there is nothing to report, else ending in a
newline. The module that draws a format is imported only when that format is
asked for, so a command pays for no other format's imports.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from types import ModuleType

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from agentlint.ci.diff import DiffResult
    from agentlint.graph.view import View
    from agentlint.lint.engine import LintResult
    from agentlint.lint.registry import Finding
    from agentlint.optimizer.run import Result


def _module(name: str) -> ModuleType:
    return import_module(f"agentlint.report.{name}")


def _lines(text: str) -> str:
    return text + "\n" if text else ""


#: ``lint --format``: (findings shown, the run, colour, summary) -> report
LINT: dict[str, Callable[[list[Finding], LintResult, bool, bool], str]] = {
    "text": lambda f, r, color, summary: _lines(
        _module("text").render(f, r, color=color, summary=summary)),
    "concise": lambda f, r, *_: _lines(_module("concise").render(f, r)),
    "json": lambda f, r, *_: _lines(_module("json_report").render(f)),
    "sarif": lambda f, r, *_: _lines(_module("sarif").render(f, r)),
    "github": lambda f, r, *_: _lines(_module("github").render(f)),
    "junit": lambda f, r, *_: _lines(_module("junit").render(f, r)),
    "gitlab": lambda f, r, *_: _lines(_module("gitlab").render(f)),
}

#: ``lint --statistics``: the formats that can count findings per rule
LINT_STATISTICS: dict[str, Callable[[list[Finding]], str]] = {
    "text": lambda f: _lines(_module("text").render_statistics(f)),
    "concise": lambda f: _lines(_module("text").render_statistics(f)),
    "json": lambda f: _lines(_module("json_report").render_statistics(f)),
}

#: ``optimize --format``: (result, colour) -> report
OPTIMIZE: dict[str, Callable[[Result, bool], str]] = {
    "text": lambda r, color: _lines(_module("optimize_text").render(r, color)),
    "json": lambda r, _color: _lines(_module("optimize_json").render(r)),
    "markdown": lambda r, _color: _module("optimize_markdown").render(r),
}

#: ``diff --format``
DIFF: dict[str, Callable[[DiffResult], str]] = {
    "text": lambda r: _lines(_module("diff_text").render(r)),
    "json": lambda r: _lines(_module("diff_json").render(r)),
    "markdown": lambda r: _module("diff_markdown").render(r),
}

#: ``graph --format``
GRAPH: dict[str, Callable[[View], str]] = {
    "mermaid": lambda v: _lines(_module("mermaid").render(v)),
    "dot": lambda v: _lines(_module("dot").render(v)),
}

__all__ = ["DIFF", "GRAPH", "LINT", "LINT_STATISTICS", "OPTIMIZE"]
