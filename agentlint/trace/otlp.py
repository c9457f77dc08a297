"""OTLP JSON, as the OpenTelemetry Collector's file exporter writes it: one
``ExportTraceServiceRequest`` per line (``{"resourceSpans": [...]}``).

Each line is decoded on its own, so memory follows the longest line, not the
file. Attribute names are the GenAI semantic conventions'.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agentlint.trace.span import STEP_ATTRIBUTE, Span

_ERROR = (2, "STATUS_CODE_ERROR")


def _value(v: dict[str, Any]) -> object:
    """The Python value of an OTLP ``AnyValue`` (int64 travels as a string)."""
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "boolValue" in v:
        return bool(v["boolValue"])
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def span_of(raw: dict[str, Any], where: str) -> Span:
    """A :class:`Span` from one OTLP JSON span object."""
    attrs = {a["key"]: _value(a.get("value") or {}) for a in raw.get("attributes") or ()}
    status = (raw.get("status") or {}).get("code")
    response = _str(attrs.get("gen_ai.response.model"))
    request = _str(attrs.get("gen_ai.request.model"))
    return Span(
        trace_id=str(raw.get("traceId", "")), span_id=str(raw.get("spanId", "")),
        parent_id=raw.get("parentSpanId") or None, name=str(raw.get("name", "")),
        start_ns=int(raw.get("startTimeUnixNano", 0)), end_ns=int(raw.get("endTimeUnixNano", 0)),
        ok=status not in _ERROR,
        operation=_str(attrs.get("gen_ai.operation.name")),
        model=response or request, request_model=request,
        input_tokens=_int(attrs.get("gen_ai.usage.input_tokens")),
        output_tokens=_int(attrs.get("gen_ai.usage.output_tokens")),
        cached_tokens=_int(attrs.get("gen_ai.usage.cache_read.input_tokens")),
        agent=_str(attrs.get("gen_ai.agent.name")),
        step=_str(attrs.get(STEP_ATTRIBUTE)),
        where=where)


def read_lines(lines: Iterator[str], shown: str) -> Iterator[Span]:
    """The spans of an OTLP JSON-lines export, one request per line."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        request = json.loads(line)
        for resource in request.get("resourceSpans") or ():
            for scope in resource.get("scopeSpans") or ():
                for raw in scope.get("spans") or ():
                    yield span_of(raw, f"{shown}:{number}")
