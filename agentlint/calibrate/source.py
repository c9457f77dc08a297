"""The spans of the trace exports named on the command line.

The one place calibration reads exports: OTLP JSON lines, the Collector's file
exporter format, through :func:`agentlint.trace.otlp.span_of`. A line that is
not an OTLP request stops the run at ``file:line:1``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from agentlint.errors import SpecError
from agentlint.paths import read_text
from agentlint.trace.otlp import span_of
from agentlint.trace.span import Span

#: the largest export read
MAX_TRACE_BYTES = 2 * 1024 * 1024 * 1024


def read_spans(paths: list[str], root: str | None = None) -> Iterator[Span]:
    """Every span of the exports ``paths``, in file order."""
    for path in paths:
        text = read_text(path, root, limit=MAX_TRACE_BYTES, what="trace export", shown=path)
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                yield from _line(line, path, number)


def _line(line: str, shown: str, number: int) -> Iterator[Span]:
    try:
        request = json.loads(line)
        spans = [span_of(raw, f"{shown}:{number}")
                 for resource in request.get("resourceSpans") or ()
                 for scope in resource.get("scopeSpans") or ()
                 for raw in scope.get("spans") or ()]
    except json.JSONDecodeError as exc:
        raise SpecError(shown, number, exc.colno, f"not JSON: {exc.msg}") from None
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise SpecError(shown, number, 1, "not an OTLP JSON trace export line "
                        f"({type(exc).__name__})") from None
    yield from spans
