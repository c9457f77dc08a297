"""Trace readers: every format from real bytes (tests/fixtures/traces), detection, both
OTLP shapes and gzip, and the figures each format records."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from agentlint.errors import SpecError
from agentlint.trace.read import TRACE_FORMATS, read_spans
from agentlint.trace.span import Span

TRACES = Path(__file__).parent / "fixtures" / "traces"
LANGFUSE = TRACES / "langfuse-langgraph-2025-08-22.json"
LANGSMITH = TRACES / "langsmith_py_wrap_openai_stream.json"
SDK = TRACES / "otel-sdk-console.json"
PROTOBUF = TRACES / "otlp-protobuf-mapping.json"
COLLECTOR = TRACES / "otlp-collector.jsonl"
LITELLM = TRACES / "litellm-spend-logs.json"


def spans(path: Path | str, **options: str) -> list[Span]:
    return list(read_spans([str(path)], **options))  # type: ignore[arg-type]


def figures(span: Span) -> tuple[object, ...]:
    """What a span says, without where it was read."""
    return (span.trace_id, span.span_id, span.parent_id, span.name, span.start_ns, span.end_ns,
            span.ok, span.operation, span.model, span.request_model, span.input_tokens,
            span.output_tokens, span.cached_tokens, span.agent, span.step)


# -- OpenTelemetry: the SDK's own output and the OTLP shapes agree ---------------------------


def test_sdk_console_output_is_read() -> None:
    read = spans(SDK)
    assert [s.name for s in read] == ["chat gpt-4o-mini", "chat gpt-4o", "invoke_agent researcher"]
    plan, search, root = read
    assert plan.model == "gpt-4o-mini-2024-08-06" and plan.request_model == "gpt-4o-mini"
    assert (plan.input_tokens, plan.output_tokens, plan.cached_tokens) == (1200, 150, 1024)
    assert plan.step == "plan" and plan.agent == "researcher" and plan.operation == "chat"
    assert plan.ok and not search.ok and root.ok
    assert plan.parent_id == root.span_id and root.parent_id is None
    assert len(root.trace_id) == 32 and not root.trace_id.startswith("0x")
    assert 0 < plan.duration_s < 5
    assert plan.where == f"{SDK}:1"


def test_otlp_shapes_say_what_the_sdk_says() -> None:
    """The protobuf JSON mapping (base64 ids, int64 strings, enum names), the Collector's
    OTLP/JSON line (hex ids, enum numbers), gzip'd or not: the same spans as the SDK's
    console output of the same run (its times to the microsecond)."""
    expected = sorted(figures(s) for s in spans(SDK))
    for path in (PROTOBUF, COLLECTOR, TRACES / "otlp-collector.jsonl.gz"):
        got = sorted(figures(s) for s in spans(path))
        assert [f[:4] + f[6:] for f in got] == [f[:4] + f[6:] for f in expected], path
        for ours, sdk in zip(got, expected, strict=True):
            for field in (4, 5):  # start and end, ns
                assert abs(int(str(ours[field])) - int(str(sdk[field]))) <= 1000


def test_protobuf_mapping_ids_are_decoded_from_base64() -> None:
    raw = json.loads(PROTOBUF.read_text(encoding="utf-8"))
    first = raw["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span = spans(PROTOBUF)[0]
    assert span.trace_id == base64.b64decode(first["traceId"]).hex()
    assert span.span_id == base64.b64decode(first["spanId"]).hex()


def test_one_document_and_lines_read_alike(tmp_path: Path) -> None:
    request = json.loads(COLLECTOR.read_text(encoding="utf-8"))
    doc = tmp_path / "doc.json"
    # int64 as numbers, the document pretty-printed over many lines
    for span in request["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        span["startTimeUnixNano"] = int(span["startTimeUnixNano"])
        span["endTimeUnixNano"] = int(span["endTimeUnixNano"])
    doc.write_text(json.dumps(request, indent=2), encoding="utf-8")
    assert [figures(s) for s in spans(doc)] == [figures(s) for s in spans(COLLECTOR)]
    lines = tmp_path / "many.jsonl"
    one = COLLECTOR.read_text(encoding="utf-8")
    lines.write_text(one + "\n" + one, encoding="utf-8")
    read = spans(lines)
    assert len(read) == 6 and read[3].where == f"{lines}:3"
    assert read[0].where.endswith(":1")


def test_an_empty_line_before_a_request_is_passed_over(tmp_path: Path) -> None:
    text = COLLECTOR.read_text(encoding="utf-8")
    export = tmp_path / "export.jsonl"
    export.write_text("\n" + text, encoding="utf-8")
    read = spans(export)
    assert [figures(s) for s in read] == [figures(s) for s in spans(COLLECTOR)]
    assert read[0].where == f"{export}:2"


def test_gzip_is_found_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    hidden = tmp_path / "export.json"
    hidden.write_bytes(gzip.compress(COLLECTOR.read_bytes()))
    assert [figures(s) for s in spans(hidden)] == [figures(s) for s in spans(COLLECTOR)]


# -- Langfuse, LangSmith, LiteLLM ---------------------------------------------------------------


def test_langfuse_trace_export() -> None:
    raw = json.loads(LANGFUSE.read_text(encoding="utf-8"))
    read = spans(LANGFUSE)
    assert [s.span_id for s in read] == [o["id"] for o in raw["observations"]]
    generation = next(s for s in read if s.span_id == "4f6535aaebcda355")
    assert generation.operation == "chat" and generation.model == "gpt-4o-2024-08-06"
    assert (generation.input_tokens, generation.output_tokens, generation.cached_tokens) == (
        60, 15, 0)
    assert generation.cost_usd == pytest.approx(0.000075)
    assert generation.agent == "agent"  # LangGraph's node, from the metadata
    assert generation.trace_id == "e1fde3efec57ce8a69bafd3fb928a7eb"
    assert generation.parent_id == "98d3e02591797c04"
    assert generation.duration_s == pytest.approx(0.848)
    spans_only = [s for s in read if s.operation is None]
    assert spans_only and all(s.input_tokens is None for s in spans_only)


def test_langfuse_observations_list_with_ttft_cache_and_errors(tmp_path: Path) -> None:
    """The public API's ``{"data": [...], "meta": {...}}``, usage in the older ``usage``
    shape, an Anthropic cache read, ERROR level."""
    observation = {
        "id": "obs-1", "traceId": "t-1", "type": "GENERATION", "name": "draft",
        "startTime": "2025-06-26T06:16:19.504000Z", "endTime": "2025-06-26T06:16:32.275000Z",
        "completionStartTime": "2025-06-26T06:16:20.716000Z", "model": "claude-sonnet-4",
        "usage": {"input": 13, "output": 353, "total": 366, "unit": "TOKENS"},
        "usageDetails": None, "level": "ERROR", "calculatedTotalCost": 0.0012,
        "metadata": {"agentlint.step": "draft"}}
    cached = {**observation, "id": "obs-2", "level": "DEFAULT",
              "usageDetails": {"input": 20, "output": 5, "cache_read_input_tokens": 4000}}
    path = tmp_path / "observations.json"
    path.write_text(json.dumps({"data": [observation, cached], "meta": {"page": 1}}),
                    encoding="utf-8")
    first, second = spans(path)
    assert not first.ok and second.ok
    assert (first.input_tokens, first.output_tokens) == (13, 353)
    assert first.ttft_s == pytest.approx(1.212)
    assert first.cost_usd == pytest.approx(0.0012) and first.step == "draft"
    assert (second.input_tokens, second.cached_tokens) == (20, 4000)


def test_langsmith_run_start_and_end_put_together() -> None:
    """The SDK's payload: the run's start (post) and its end (patch), one span."""
    (run,) = spans(LANGSMITH)
    assert run.span_id == run.trace_id == "fe8ffecb-72ce-4cd2-bdb7-01f34654c391"
    assert run.operation == "chat" and run.model == "gpt-4o-mini" and run.ok
    assert (run.input_tokens, run.output_tokens, run.cached_tokens) == (9, 9, 0)
    assert run.duration_s == pytest.approx(1.328441)
    assert run.ttft_s == pytest.approx(1.238419)  # the first new_token event
    assert run.where == f"{LANGSMITH}:3"


def test_langsmith_api_runs_with_children(tmp_path: Path) -> None:
    """Runs as the API lists them (``{"runs": [...]}``), one with ``child_runs``."""
    llm = {"id": "c-1", "name": "ChatOpenAI", "run_type": "llm",
           "start_time": "2026-01-05T16:46:01.068924", "end_time": "2026-01-05T16:46:04.510089",
           "first_token_time": "2026-01-05T16:46:03.605517", "error": None,
           "parent_run_id": "r-1", "trace_id": "r-1", "prompt_tokens": 570,
           "completion_tokens": 54, "prompt_token_details": {"audio": 0, "cache_read": 512},
           "total_cost": "0.001572", "extra": {"invocation_params": {"model": "gpt-4.1"},
                                              "metadata": {"langgraph_node": "research"}}}
    tool = {"id": "c-2", "name": "search", "run_type": "tool", "start_time": llm["end_time"],
            "end_time": "2026-01-05T16:46:05", "error": "TimeoutError()",
            "parent_run_id": "r-1", "trace_id": "r-1"}
    root = {"id": "r-1", "name": "Deep Researcher", "run_type": "chain",
            "start_time": llm["start_time"], "end_time": "2026-01-05T16:46:05",
            "trace_id": "r-1", "child_runs": [llm, tool]}
    path = tmp_path / "runs.json"
    path.write_text(json.dumps({"runs": [root], "cursors": {}}), encoding="utf-8")
    read = spans(path)
    assert [s.span_id for s in read] == ["r-1", "c-1", "c-2"]
    chain, call, search = read
    assert chain.operation is None and call.operation == "chat"
    assert call.model == "gpt-4.1" and call.agent == "research"
    assert (call.input_tokens, call.output_tokens, call.cached_tokens) == (570, 54, 512)
    assert call.cost_usd == pytest.approx(0.001572)
    assert call.ttft_s == pytest.approx(2.536593)
    assert not search.ok and search.operation == "execute_tool"


def test_litellm_spend_logs() -> None:
    ok, failed = spans(LITELLM)
    assert ok.operation == "chat" and ok.model == "gpt-4o-mini-2024-07-18"
    assert ok.request_model == "gpt-4o-mini"
    assert (ok.input_tokens, ok.output_tokens, ok.cached_tokens) == (1200, 170, 1024)
    assert ok.cost_usd == pytest.approx(0.00042) and ok.ttft_s == pytest.approx(0.4)
    assert ok.step == "plan" and ok.trace_id == "0b6f2d3e-0f7c-4e8e-9a55-52f1cb3b8c11"
    assert ok.duration_s == pytest.approx(1.5)
    assert not failed.ok and failed.step == "search"  # tags and metadata as JSON text
    assert failed.ttft_s is None  # no first token: the "first token" time is the end


def test_litellm_v2_page(tmp_path: Path) -> None:
    rows = json.loads(LITELLM.read_text(encoding="utf-8"))
    path = tmp_path / "v2.json"
    path.write_text(json.dumps({"data": rows, "total": 2, "page": 1}), encoding="utf-8")
    assert [figures(s) for s in spans(path)] == [figures(s) for s in spans(LITELLM)]


# -- detection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "name"), [
    (SDK, "otel-sdk"), (PROTOBUF, "otlp"), (COLLECTOR, "otlp"), (LANGFUSE, "langfuse"),
    (LANGSMITH, "langsmith"), (LITELLM, "litellm")])
def test_each_format_is_found_and_can_be_named(path: Path, name: str) -> None:
    assert name in TRACE_FORMATS
    found = [figures(s) for s in spans(path)]
    assert found
    assert [figures(s) for s in spans(path, input_format=name)] == found
    assert [figures(s) for s in spans(path, input_format="auto")] == found


def test_a_named_format_that_does_not_fit_is_refused() -> None:
    with pytest.raises(SpecError, match="otlp record in a file read as langfuse"):
        spans(COLLECTOR, input_format="langfuse")
    with pytest.raises(SpecError, match="unknown trace format 'jaeger'"):
        spans(COLLECTOR, input_format="jaeger")


def test_an_unknown_record_and_a_mixed_file_are_refused(tmp_path: Path) -> None:
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"hello": "world"}\n', encoding="utf-8")
    with pytest.raises(SpecError) as info:
        spans(odd)
    assert str(info.value).startswith(f"{odd}:1:1: a record of no trace format")
    mixed = tmp_path / "mixed.jsonl"
    rows = json.loads(LITELLM.read_text(encoding="utf-8"))
    mixed.write_text(json.dumps(rows[0]) + "\n" + COLLECTOR.read_text(encoding="utf-8"),
                     encoding="utf-8")
    with pytest.raises(SpecError, match=r":2:1: a otlp record in a file read as litellm"):
        spans(mixed)


def test_files_in_order_and_progress(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    paths = [str(SDK), str(TRACES / "otlp-collector.jsonl.gz"), str(LITELLM)]
    read = list(read_spans(paths, progress=lambda done, total: seen.append((done, total))))
    assert len(read) == 3 + 3 + 2
    total = sum(Path(p).stat().st_size for p in paths)
    assert seen and all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (total, total)


def test_empty_file_has_no_spans(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    assert spans(empty) == []
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\xef\xbb\xbf\n\n  \n")
    assert spans(blank) == []


def test_otlp_attribute_names_of_other_instrumentations(tmp_path: Path) -> None:
    """Older GenAI names and OpenInference's, time to first token and cost as OpenLIT
    records them, double and int values, an attribute of another kind passed over."""
    def attr(key: str, value: dict[str, object]) -> dict[str, object]:
        return {"key": key, "value": value}
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "parentSpanId": "", "name": "openai.chat", "startTimeUnixNano": 1_000_000_000,
            "endTimeUnixNano": 3_500_000_000, "status": {"code": "STATUS_CODE_OK"},
            "attributes": [
                attr("llm.model_name", {"stringValue": "gpt-4o"}),
                attr("gen_ai.usage.prompt_tokens", {"intValue": 700}),
                attr("llm.token_count.completion", {"intValue": "80"}),
                attr("gen_ai.usage.cache_read_input_tokens", {"intValue": "512"}),
                attr("gen_ai.server.ttft", {"doubleValue": 0.42}),
                attr("gen_ai.usage.cost", {"doubleValue": "0.0031"}),
                attr("gen_ai.prompt", {"arrayValue": {"values": []}}),
                {"key": ["not", "a", "name"]}, "not an attribute"]}
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}),
                    encoding="utf-8")
    with pytest.raises(SpecError, match="malformed otlp record"):
        spans(path)  # a key that is not a string
    attrs = span["attributes"]
    assert isinstance(attrs, list)
    attrs.pop(-2)
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}),
                    encoding="utf-8")
    (read,) = spans(path)
    assert read.model == read.request_model == "gpt-4o" and read.parent_id is None
    assert (read.input_tokens, read.output_tokens, read.cached_tokens) == (700, 80, 512)
    assert read.ttft_s == pytest.approx(0.42) and read.cost_usd == pytest.approx(0.0031)
    assert read.ok and read.duration_s == pytest.approx(2.5)
