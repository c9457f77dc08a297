"""Each trace format's record, read as a :class:`~agentlint.trace.span.Span`.

One function a format, from one decoded record (a dict) to the spans it holds,
under the names of the OpenTelemetry GenAI semantic conventions; a field the
format does not record stays None. A record whose fields have the wrong type is
a :class:`~agentlint.errors.SpecError` at the line the record starts on.

- ``otlp``: an OTLP span (``traceId``, ``spanId``, ``startTimeUnixNano``,
  ``attributes`` as ``[{"key", "value": AnyValue}]``); ids hex (OTLP/JSON) or base64
  (protobuf's generic JSON mapping), int64 as a string or a number.
- ``otel-sdk``: the OpenTelemetry Python SDK's ``ReadableSpan.to_json()``, as its
  console exporter prints it (``context.trace_id`` ``0x...``, ISO times, plain
  ``attributes``).
- ``langfuse``: a Langfuse observation (``type``, ``startTime``, ``usageDetails``).
- ``langsmith``: a LangSmith run (``run_type``, ``start_time``, ``prompt_tokens``).
- ``litellm``: a row of the LiteLLM proxy's spend logs (``request_id``, ``spend``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from agentlint.errors import SpecError
from agentlint.trace.span import STEP_ATTRIBUTE, Span

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEX = re.compile(r"[0-9a-fA-F]+")

#: attribute names, newest convention first, then the older and the vendors' names
INPUT_TOKENS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                "llm.token_count.prompt")
OUTPUT_TOKENS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                 "llm.token_count.completion")
CACHED_TOKENS = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
                 "llm.token_count.prompt_details.cache_read")
RESPONSE_MODEL = ("gen_ai.response.model",)
REQUEST_MODEL = ("gen_ai.request.model", "llm.model_name")
#: seconds, as OpenLIT records them (the older spelling too)
TTFT = ("gen_ai.server.time_to_first_token", "gen_ai.server.ttft")
COST = ("gen_ai.usage.cost",)


#: every attribute a span is read for (the others are passed over unread)
WANTED = frozenset((*INPUT_TOKENS, *OUTPUT_TOKENS, *CACHED_TOKENS, *RESPONSE_MODEL,
                    *REQUEST_MODEL, *TTFT, *COST, "gen_ai.operation.name", "gen_ai.agent.name",
                    STEP_ATTRIBUTE))


class Where:
    """The file and line a record starts on, for its spans and its errors."""

    __slots__ = ("file", "line")

    def __init__(self, file: str, line: int) -> None:
        self.file = file
        self.line = line

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def error(self, message: str) -> SpecError:
        return SpecError(self.file, self.line, 1, message)


# -- field readers ------------------------------------------------------------------------


def _first(attrs: Mapping[str, object], names: tuple[str, ...]) -> object:
    for name in names:
        value = attrs.get(name)
        if value is not None:
            return value
    return None


def count(value: object, field: str, at: Where) -> int | None:
    """A token count: an integer, or an int64 written as a string; None when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise at.error(f"{field} is not a count")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 40:
        return int(value)
    raise at.error(f"{field} is not a count")


def number(value: object, field: str, at: Where) -> float | None:
    """A cost or a number of seconds: a number, or one written as a string."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise at.error(f"{field} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and len(value) < 64:
        try:
            return float(value)
        except ValueError:
            pass
    raise at.error(f"{field} is not a number")


def text(value: object) -> str | None:
    """A string field; None for anything else (a name is never required)."""
    return value if isinstance(value, str) and value else None


def iso_ns(value: object, field: str, at: Where) -> int | None:
    """Nanoseconds since the epoch of an ISO 8601 time (without a zone: UTC)."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise at.error(f"{field} is not a time")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise at.error(f"{field} '{value}' is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def span_id(value: object, size: int, field: str, at: Where) -> str:
    """An id as lower-case hex: hex (OTLP/JSON, ``0x`` allowed) or base64 of ``size``
    bytes (protobuf's JSON mapping); any other string is kept as written."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise at.error(f"{field} is not a string")
    plain = value[2:] if value.startswith(("0x", "0X")) else value
    if len(plain) == 2 * size and _HEX.fullmatch(plain):
        return plain.lower()
    if len(value) == 4 * ((size + 2) // 3):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == size:
            return raw.hex()
    return value


def mapping(value: object, field: str, at: Where) -> dict[str, Any]:
    """An object field (one written as a JSON string too, as database exports do)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise at.error(f"{field} is a string that is not a JSON object") from None
    if not isinstance(value, dict):
        raise at.error(f"{field} is not an object")
    return value


# -- OTLP -----------------------------------------------------------------------------------


def any_value(value: object) -> object:
    """The Python value of an OTLP ``AnyValue`` (int64 may travel as a string)."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        raw = value["intValue"]
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit() and len(raw) < 40:
            return int(raw)
        return raw if isinstance(raw, int) else None
    if "doubleValue" in value:
        raw = value["doubleValue"]
        return float(raw) if isinstance(raw, (int, float, str)) and _is_float(raw) else None
    if "boolValue" in value:
        return value["boolValue"] is True
    return None


def _is_float(raw: object) -> bool:
    try:
        float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _genai(attrs: Mapping[str, object], at: Where) -> dict[str, Any]:
    """The GenAI-convention fields of a span's attributes, as :class:`Span` arguments."""
    request = text(_first(attrs, REQUEST_MODEL))
    return {
        "operation": text(attrs.get("gen_ai.operation.name")),
        "model": text(_first(attrs, RESPONSE_MODEL)) or request,
        "request_model": request,
        "input_tokens": count(_first(attrs, INPUT_TOKENS), "input tokens", at),
        "output_tokens": count(_first(attrs, OUTPUT_TOKENS), "output tokens", at),
        "cached_tokens": count(_first(attrs, CACHED_TOKENS), "cached input tokens", at),
        "agent": text(attrs.get("gen_ai.agent.name")),
        "step": text(attrs.get(STEP_ATTRIBUTE)),
        "ttft_s": number(_first(attrs, TTFT), "time to first token", at),
        "cost_usd": number(_first(attrs, COST), "cost", at),
    }


def otlp_span(raw: dict[str, Any], at: Where) -> Iterator[Span]:
    """An OTLP span (OTLP/JSON or protobuf's JSON mapping)."""
    attrs: dict[str, object] = {}
    listed = raw.get("attributes")
    listed = [] if listed is None else listed
    if not isinstance(listed, list):
        raise at.error("span attributes are not a list")
    for item in listed:
        if isinstance(item, dict):
            key = item.get("key")
            if key in WANTED:
                attrs[key] = any_value(item.get("value"))
    status = raw.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    start = count(raw.get("startTimeUnixNano"), "startTimeUnixNano", at)
    end = count(raw.get("endTimeUnixNano"), "endTimeUnixNano", at)
    yield Span(trace_id=span_id(raw.get("traceId"), 16, "traceId", at),
               span_id=span_id(raw.get("spanId"), 8, "spanId", at),
               parent_id=span_id(raw.get("parentSpanId"), 8, "parentSpanId", at) or None,
               name=text(raw.get("name")) or "", start_ns=start or 0, end_ns=end or 0,
               ok=code not in (2, "2", "STATUS_CODE_ERROR"), where=str(at),
               **_genai(attrs, at))


def sdk_span(raw: dict[str, Any], at: Where) -> Iterator[Span]:
    """A span as the OpenTelemetry Python SDK's ``to_json()`` writes it."""
    context = mapping(raw.get("context"), "context", at)
    attrs = mapping(raw.get("attributes"), "attributes", at)
    status = mapping(raw.get("status"), "status", at)
    yield Span(trace_id=span_id(context.get("trace_id"), 16, "context.trace_id", at),
               span_id=span_id(context.get("span_id"), 8, "context.span_id", at),
               parent_id=span_id(raw.get("parent_id"), 8, "parent_id", at) or None,
               name=text(raw.get("name")) or "",
               start_ns=iso_ns(raw.get("start_time"), "start_time", at) or 0,
               end_ns=iso_ns(raw.get("end_time"), "end_time", at) or 0,
               ok=status.get("status_code") != "ERROR", where=str(at), **_genai(attrs, at))


# -- Langfuse ---------------------------------------------------------------------------------

#: a Langfuse observation type -> the GenAI operation it stands for
_LANGFUSE_OPERATIONS = {"GENERATION": "chat", "EMBEDDING": "embeddings", "TOOL": "execute_tool",
                        "AGENT": "invoke_agent"}


def _ttft(start: int | None, first: int | None) -> float | None:
    if start is None or first is None or first < start:
        return None
    return (first - start) / 1e9


def langfuse_observation(raw: dict[str, Any], at: Where) -> Iterator[Span]:
    """A Langfuse observation (public API v1/v2, the UI's export, the blob export)."""
    usage = mapping(raw.get("usageDetails"), "usageDetails", at)
    old = mapping(raw.get("usage"), "usage", at)
    costs = mapping(raw.get("costDetails"), "costDetails", at)
    meta = mapping(raw.get("metadata"), "metadata", at)
    attrs = mapping(meta.get("attributes"), "metadata.attributes", at)
    start = iso_ns(raw.get("startTime"), "startTime", at)
    end = iso_ns(raw.get("endTime"), "endTime", at)
    first = iso_ns(raw.get("completionStartTime"), "completionStartTime", at)
    ttft = _ttft(start, first)
    if ttft is None and raw.get("timeToFirstToken") is not None:
        ttft = number(raw.get("timeToFirstToken"), "timeToFirstToken", at)
    cost = _first(costs, ("total",))
    if cost is None:
        cost = _first(raw, ("totalCost", "calculatedTotalCost"))
    model = text(raw.get("model"))
    kind = text(raw.get("type")) or ""
    yield Span(
        trace_id=text(raw.get("traceId")) or "", span_id=text(raw.get("id")) or "",
        parent_id=text(raw.get("parentObservationId")), name=text(raw.get("name")) or "",
        start_ns=start or 0, end_ns=end if end is not None else start or 0,
        ok=raw.get("level") != "ERROR", operation=_LANGFUSE_OPERATIONS.get(kind),
        model=model, request_model=model,
        input_tokens=count(_langfuse_usage(usage, old, raw, "input", "promptTokens"),
                           "usage input", at),
        output_tokens=count(_langfuse_usage(usage, old, raw, "output", "completionTokens"),
                            "usage output", at),
        cached_tokens=count(_first(usage, ("input_cached_tokens", "cache_read_input_tokens",
                                           "input_cache_read", "cached_tokens")),
                            "usageDetails cached input tokens", at),
        agent=text(attrs.get("gen_ai.agent.name")) or text(meta.get("langgraph_node")),
        step=text(meta.get(STEP_ATTRIBUTE)) or text(attrs.get(STEP_ATTRIBUTE)),
        ttft_s=ttft, cost_usd=number(cost, "cost", at), where=str(at))


def _langfuse_usage(usage: Mapping[str, object], old: Mapping[str, object],
                    raw: Mapping[str, object], key: str, legacy: str) -> object:
    """A token count from ``usageDetails``, else the older ``usage``, else the oldest
    top-level ``promptTokens`` / ``completionTokens``."""
    for value in (usage.get(key), old.get(key), old.get(legacy), raw.get(legacy)):
        if value is not None:
            return value
    return None


# -- LangSmith ----------------------------------------------------------------------------------

_LANGSMITH_OPERATIONS = {"llm": "chat", "embedding": "embeddings", "tool": "execute_tool"}


#: the fields of a run kept while it waits for its end (the rest, inputs and outputs above
#: all, is let go at once)
_RUN_FIELDS = ("id", "name", "run_type", "start_time", "end_time", "first_token_time", "extra",
               "error", "status", "trace_id", "parent_run_id", "prompt_tokens",
               "completion_tokens", "prompt_token_details", "total_cost")
#: the most runs that may be open (started, not yet ended) at once in one file
MAX_OPEN_RUNS = 1_000_000


class LangSmithRuns:
    """LangSmith runs, as the API lists them (one record a run, ``child_runs`` nested) or
    as the SDK sends them (``{"post": [...], "patch": [...]}``: a run's start and its end
    in two records with the same ``id``, put together here; a run still open at the end
    of the file is reported with the start alone)."""

    def __init__(self) -> None:
        self.open: dict[str, tuple[dict[str, Any], Where]] = {}

    def read(self, raw: dict[str, Any], at: Where) -> Iterator[Span]:
        stack = [raw]
        while stack:
            run = stack.pop()
            children = run.get("child_runs") or []
            if not isinstance(children, list):
                raise at.error("child_runs is not a list")
            stack.extend(reversed([c for c in children if isinstance(c, dict)]))
            kept = _run_fields(run, at)
            key = str(kept.get("id") or "")
            if key and key in self.open:
                first, where = self.open.pop(key)
                yield _langsmith_one({**first, **{k: v for k, v in kept.items()
                                                  if v is not None}}, where)
            elif key and (kept.get("end_time") is None or kept.get("start_time") is None):
                if len(self.open) >= MAX_OPEN_RUNS:
                    raise at.error(f"more than {MAX_OPEN_RUNS} runs started and not ended")
                self.open[key] = (kept, at)
            else:
                yield _langsmith_one(kept, at)

    def rest(self) -> Iterator[Span]:
        """The runs never ended (or never started) in the file."""
        for kept, at in self.open.values():
            yield _langsmith_one(kept, at)
        self.open.clear()


def _run_fields(run: dict[str, Any], at: Where) -> dict[str, Any]:
    kept = {key: run[key] for key in _RUN_FIELDS if key in run}
    outputs = run.get("outputs")
    if isinstance(outputs, dict) and outputs.get("usage_metadata") is not None:
        kept["usage_metadata"] = outputs["usage_metadata"]
    events = run.get("events")
    if kept.get("first_token_time") is None and isinstance(events, list):
        for event in events:  # streamed: the first token's event
            if isinstance(event, dict) and event.get("name") == "new_token":
                kept["first_token_time"] = event.get("time")
                break
    return kept


def langsmith_run(raw: dict[str, Any], at: Where) -> Iterator[Span]:
    """A LangSmith run and the ``child_runs`` nested in it, depth first (a run whose
    start or end another record holds is reported alone: :class:`LangSmithRuns`
    puts the two together)."""
    runs = LangSmithRuns()
    yield from runs.read(raw, at)
    yield from runs.rest()


def _langsmith_one(run: dict[str, Any], at: Where) -> Span:
    extra = mapping(run.get("extra"), "extra", at)
    meta = mapping(extra.get("metadata"), "extra.metadata", at)
    params = mapping(extra.get("invocation_params"), "extra.invocation_params", at)
    usage = mapping(run.get("usage_metadata"), "outputs.usage_metadata", at)
    details = mapping(run.get("prompt_token_details"), "prompt_token_details", at)
    input_details = mapping(usage.get("input_token_details"), "input_token_details", at)
    start = _run_time(run.get("start_time"), "start_time", at)
    end = _run_time(run.get("end_time"), "end_time", at)
    first = _run_time(run.get("first_token_time"), "first_token_time", at)
    model = text(meta.get("ls_model_name")) or text(_first(params, ("model", "model_name")))
    inputs = run.get("prompt_tokens")
    outputs_n = run.get("completion_tokens")
    cached = details.get("cache_read")
    if inputs is None and outputs_n is None and usage:
        inputs, outputs_n = usage.get("input_tokens"), usage.get("output_tokens")
        cached = input_details.get("cache_read")
    failed = run.get("error") not in (None, "") or run.get("status") == "error"
    return Span(
        trace_id=str(run.get("trace_id") or ""), span_id=str(run.get("id") or ""),
        parent_id=text(run.get("parent_run_id")), name=text(run.get("name")) or "",
        start_ns=start or 0, end_ns=end if end is not None else start or 0, ok=not failed,
        operation=_LANGSMITH_OPERATIONS.get(str(run.get("run_type"))), model=model,
        request_model=text(_first(params, ("model", "model_name"))) or model,
        input_tokens=count(inputs, "prompt_tokens", at),
        output_tokens=count(outputs_n, "completion_tokens", at),
        cached_tokens=count(cached, "prompt_token_details.cache_read", at),
        agent=text(meta.get("lc_agent_name")) or text(meta.get("langgraph_node")),
        step=text(meta.get(STEP_ATTRIBUTE)), ttft_s=_ttft(start, first),
        cost_usd=number(run.get("total_cost"), "total_cost", at), where=str(at))


def _run_time(value: object, field: str, at: Where) -> int | None:
    """A run's time: ISO 8601, or milliseconds since the epoch (the JS SDK sends those)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value * 1_000_000)
    return iso_ns(value, field, at)


# -- LiteLLM ------------------------------------------------------------------------------------

_LITELLM_OPERATIONS = {"completion": "chat", "acompletion": "chat",
                       "text_completion": "text_completion", "atext_completion": "text_completion",
                       "embedding": "embeddings", "aembedding": "embeddings"}


def litellm_row(raw: dict[str, Any], at: Where) -> Iterator[Span]:
    """A row of the LiteLLM proxy's spend logs (``/spend/logs``, the SpendLogs table)."""
    meta = mapping(raw.get("metadata"), "metadata", at)
    extra = mapping(meta.get("additional_usage_values"), "additional_usage_values", at)
    usage = mapping(meta.get("usage_object"), "usage_object", at)
    details = mapping(usage.get("prompt_tokens_details"), "prompt_tokens_details", at)
    cached = _first(extra, ("cache_read_input_tokens",))
    if cached is None:
        cached = _first(usage, ("cache_read_input_tokens",))
    if cached is None:
        cached = details.get("cached_tokens")
    start = iso_ns(raw.get("startTime"), "startTime", at)
    end = iso_ns(raw.get("endTime"), "endTime", at)
    first = iso_ns(raw.get("completionStartTime"), "completionStartTime", at)
    status = raw.get("status") or meta.get("status")
    tags = raw.get("request_tags")
    if isinstance(tags, str):  # a JSON column exported as text
        try:
            tags = json.loads(tags)
        except (ValueError, RecursionError):
            tags = [tags]
    step = text(meta.get(STEP_ATTRIBUTE))
    for tag in tags if isinstance(tags, list) else ():
        if isinstance(tag, str) and tag.startswith(STEP_ATTRIBUTE + ":"):
            step = step or tag.partition(":")[2] or None
    model = text(raw.get("model"))
    yield Span(
        trace_id=text(raw.get("session_id")) or text(meta.get("trace_id")) or text(
            raw.get("request_id")) or "",
        span_id=text(raw.get("request_id")) or "", parent_id=None,
        name=text(raw.get("call_type")) or "", start_ns=start or 0,
        end_ns=end if end is not None else start or 0,
        ok=status not in ("failure", "error"),
        operation=_LITELLM_OPERATIONS.get(str(raw.get("call_type"))), model=model,
        request_model=text(raw.get("model_group")) or model,
        input_tokens=count(raw.get("prompt_tokens"), "prompt_tokens", at),
        output_tokens=count(raw.get("completion_tokens"), "completion_tokens", at),
        cached_tokens=count(cached, "cache_read_input_tokens", at),
        agent=text(meta.get("agent_name")), step=step,
        ttft_s=_ttft(start, first) if first != end else None,
        cost_usd=number(raw.get("spend"), "spend", at), where=str(at))


# -- recognising a record -----------------------------------------------------------------------

#: a format's name -> its reader
READERS: dict[str, Callable[[dict[str, Any], Where], Iterator[Span]]] = {
    "otlp": otlp_span, "otel-sdk": sdk_span, "langfuse": langfuse_observation,
    "langsmith": langsmith_run, "litellm": litellm_row,
}


def shape(raw: dict[str, Any]) -> str | None:
    """The format a record is written in, from its keys; None when none fits."""
    if "spanId" in raw and ("startTimeUnixNano" in raw or "traceId" in raw):
        return "otlp"
    if isinstance(raw.get("context"), dict) and "start_time" in raw and "kind" in raw:
        return "otel-sdk"
    if ("run_type" in raw and "start_time" in raw) or ("dotted_order" in raw and "trace_id" in raw):
        return "langsmith"
    if "request_id" in raw and "startTime" in raw and ("spend" in raw or "call_type" in raw):
        return "litellm"
    if "startTime" in raw and "type" in raw and ("traceId" in raw or "id" in raw):
        return "langfuse"
    return None
