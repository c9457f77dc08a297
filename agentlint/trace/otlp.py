"""OTLP JSON, as the OpenTelemetry Collector's file exporter writes it: one
``ExportTraceServiceRequest`` per line (``{"resourceSpans": [...]}``).

:func:`read_lines` decodes each line on its own, so memory follows the longest
line, not the file (a line is refused past
:data:`~agentlint.paths.MAX_TRACE_RECORD_BYTES`). A whole file, in this shape or
as one document of any size, gzip'd or not, is read by
:func:`agentlint.trace.read.read_spans`. Attribute names are the GenAI semantic
conventions' (:mod:`agentlint.trace.formats`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agentlint.errors import SpecError
from agentlint.paths import MAX_TRACE_RECORD_BYTES
from agentlint.trace.formats import Where, otlp_span
from agentlint.trace.span import Span


def span_of(raw: dict[str, Any], where: str) -> Span:
    """A :class:`Span` from one OTLP JSON span object (``where``: ``file:line``)."""
    file, _, line = where.rpartition(":")
    at = Where(file, int(line)) if line.isdigit() and file else Where(where, 1)
    return next(otlp_span(raw, at))


def _spans(request: object, at: Where) -> Iterator[Span]:
    if not isinstance(request, dict):
        raise at.error("an OTLP export line must be a JSON object")
    for resource in _list(request, "resourceSpans", at):
        for scope in _list(resource, "scopeSpans", at) or _list(
                resource, "instrumentationLibrarySpans", at):
            for raw in _list(scope, "spans", at):
                if not isinstance(raw, dict):
                    raise at.error("an OTLP span must be a JSON object")
                yield from otlp_span(raw, at)


def _list(owner: object, key: str, at: Where) -> list[Any]:
    value = owner.get(key) if isinstance(owner, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise at.error(f"{key} is not a list")
    return value


def read_lines(lines: Iterator[str], shown: str) -> Iterator[Span]:
    """The spans of an OTLP JSON-lines export, one request per line."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if len(line) > MAX_TRACE_RECORD_BYTES:
            raise SpecError(shown, number, 1, f"line is longer than {MAX_TRACE_RECORD_BYTES} "
                            "bytes; agentlint reads no record longer than that")
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SpecError(shown, number, exc.colno, f"malformed JSON: {exc.msg}") from None
        except RecursionError:
            raise SpecError(shown, number, 1, "line is nested too deeply") from None
        yield from _spans(request, Where(shown, number))
