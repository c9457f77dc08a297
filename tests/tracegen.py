"""Simulated runs of a workflow, written as the OpenTelemetry Collector's file exporter
writes them: test traces with known true figures.

The spans are made by the real OpenTelemetry SDK (``opentelemetry-sdk``) with the
GenAI semantic-convention attributes, encoded by the SDK's own OTLP encoder
(protobuf ``ExportTraceServiceRequest``) and written in the OTLP/JSON mapping as
the Collector's ``file`` exporter does: one request per line, trace and span ids
as lowercase hex, 64-bit integers as decimal strings, enums as integers.

A run follows the spec's execution graph: a step starts when the steps it waits
for have ended; a router takes one branch by the true shares; a loop's steps run
the true number of rounds; a step's attempt makes its ``calls`` model calls and
is repeated, up to its ``retries``, when one of them failed (the cost model's
reading of retries). What differs from the spec is chosen by :class:`Truth`;
everything else is the spec's own figure, with a little noise.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry import trace as otel_trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Status, StatusCode

from agentlint.graph.build import build_graph, exec_preds
from agentlint.graph.estimate import step_tokens
from agentlint.spec.deps import topological_order
from agentlint.spec.model import Step, Workflow

_ID_KEYS = ("traceId", "spanId", "parentSpanId")


@dataclass
class Truth:
    """What really happens, where it differs from the spec."""

    #: step id -> factor on the spec's input tokens per call
    input_scale: dict[str, float] = field(default_factory=dict)
    #: step id -> factor on the spec's output tokens per call
    output_scale: dict[str, float] = field(default_factory=dict)
    #: model key -> probability that one call succeeds (else the spec's)
    p_ok: dict[str, float] = field(default_factory=dict)
    #: router id -> {target step id: share} (else the spec's shares)
    shares: dict[str, dict[str, float]] = field(default_factory=dict)
    #: loop id -> (rounds, probability) pairs (else the spec's expected rounds, rounded)
    rounds: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    #: step id -> (share of calls with a prompt-cache hit, cached tokens of such a call)
    cached: dict[str, tuple[float, int]] = field(default_factory=dict)
    #: step id -> (copies, probability) pairs of a fan-out (else the spec's count)
    widths: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    #: model key -> factor on the spec's speed (tokens per second, 1 / seconds per call)
    speed: dict[str, float] = field(default_factory=dict)
    #: relative spread of token counts and call times
    noise: float = 0.1


class _SeededIds(IdGenerator):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def generate_span_id(self) -> int:
        return self.rng.getrandbits(64) or 1

    def generate_trace_id(self) -> int:
        return self.rng.getrandbits(128) or 1


class Generator:
    """Writes ``runs`` simulated runs of ``wf``; :attr:`cost` and :attr:`latency` are
    the traces' own totals (cost priced with the spec's prices)."""

    def __init__(self, wf: Workflow, truth: Truth, seed: int = 1, *,
                 step_attribute: bool = True, extra_spans: bool = True) -> None:
        self.wf = wf
        self.truth = truth
        self.rng = random.Random(seed)
        self.step_attribute = step_attribute
        self.extra_spans = extra_spans
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(
            resource=Resource.create({"service.name": wf.name}),
            id_generator=_SeededIds(random.Random(seed + 1)))
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.provider.get_tracer("tracegen")
        self.graph = build_graph(wf)
        self.preds = exec_preds(self.graph, expected=False)
        self.order = topological_order(self.preds)
        self.cost = 0.0
        self.latency = 0.0
        self.failed_runs = 0
        self.runs = 0

    # -- one run ---------------------------------------------------------------------

    def run_lines(self, runs: int, t0_ns: int = 1_760_000_000 * 10**9) -> list[str]:
        lines = []
        for r in range(runs):
            self.exporter.clear()
            self._one_run(t0_ns + r * 3_600 * 10**9)
            lines.append(self._line())
        return lines

    def write(self, path: str, runs: int) -> None:
        with open(path, "w", encoding="utf-8") as out:
            for line in self.run_lines(runs):
                out.write(line + "\n")

    def _taken(self) -> set[int]:
        """Steps that run in this run (router branches not taken are left out)."""
        g = self.graph
        chosen: dict[int, int] = {}
        for step in self.wf.steps:
            if not step.routes:
                continue
            truth = self.truth.shares.get(step.id)
            weights = [truth.get(r.step, 0.0) if truth else r.share for r in step.routes]
            chosen[step.index] = self.rng.choices(range(len(step.routes)), weights)[0]
        taken = set()
        for v in range(g.n):
            if all(chosen.get(k[0]) == k[1] for k in g.chain(g.branch[v])):
                taken.add(v)
        return taken

    def _rounds(self) -> dict[str, int]:
        out = {}
        for loop in self.wf.loops:
            table = self.truth.rounds.get(loop.id)
            if table:
                out[loop.id] = self.rng.choices([r for r, _ in table], [p for _, p in table])[0]
            else:
                out[loop.id] = max(1, round(loop.expected_iterations))
        return out

    def _one_run(self, t0: int) -> None:
        wf, g = self.wf, self.graph
        taken = self._taken()
        rounds = self._rounds()
        loop_of = {s: loop.id for loop in wf.loops for s in loop.steps}
        root = self.tracer.start_span(f"invoke_workflow {wf.name}", start_time=t0,
                                      attributes={"gen_ai.operation.name": "invoke_workflow"})
        ctx = otel_trace.set_span_in_context(root)
        finish = [t0] * len(self.preds)
        ok = True
        offset = 0
        for v in self.order:
            start = max((finish[u] for u in self.preds[v]), default=t0)
            if v >= g.n or v not in taken:
                finish[v] = start
                continue
            step = wf.steps[v]
            # members of a parallel group are launched in spec order, a millisecond apart
            offset = offset + 1 if start == getattr(self, "_last_start", None) else 0
            self._last_start = start
            t = start + offset * 1_000_000
            for _ in range(rounds.get(loop_of.get(step.id, ""), 1)):
                widths = []
                table = self.truth.widths.get(step.id)
                width = self.rng.choices([w for w, _ in table], [p for _, p in table])[0] \
                    if table else max(1, step.fan_out)
                for _copy in range(width):
                    end, step_ok = self._step(step, t, ctx)
                    widths.append(end)
                    ok = ok and (step_ok or step.optional)
                t = max(widths)
            finish[v] = t
        if self.extra_spans and self.rng.random() < 0.05:  # an unrelated span: unmatched
            extra = self.tracer.start_span("embeddings text-embedding-3-small", context=ctx,
                                           start_time=t0, attributes={
                                               "gen_ai.operation.name": "embeddings",
                                               "gen_ai.request.model": "text-embedding-3-small",
                                               "gen_ai.agent.name": "indexer"})
            extra.end(end_time=t0 + 50_000_000)
        end = max(finish)
        if not ok:
            root.set_status(Status(StatusCode.ERROR))
            self.failed_runs += 1
        root.end(end_time=end)
        self.latency += (end - t0) / 1e9
        self.runs += 1

    def _step(self, step: Step, t: int, ctx: Any) -> tuple[int, bool]:
        """One execution of ``step`` from ``t``: its span and its calls' spans."""
        attrs: dict[str, Any] = {"gen_ai.operation.name": "invoke_agent",
                                 "gen_ai.agent.name": step.agent or step.id}
        if self.step_attribute:
            attrs["agentlint.step"] = step.id
        span = self.tracer.start_span(f"invoke_agent {step.agent or step.id}", context=ctx,
                                      start_time=t, attributes=attrs)
        inner = otel_trace.set_span_in_context(span)
        model = self.wf.models.get(step.model) if step.model else None
        ok = True
        if model is None:  # a tool or code step: one span of its own time
            time_s = step.per_call_s if step.per_call_s is not None else 0.5
            t += int(time_s * 1e9)
        else:
            tokens = step_tokens(self.wf, step)
            p = self.truth.p_ok.get(step.model or "", model.p_ok)
            if step.p_ok is not None and step.model not in self.truth.p_ok:
                p = step.p_ok
            mean_in = tokens.input * self.truth.input_scale.get(step.id, 1.0)
            mean_out = tokens.output * self.truth.output_scale.get(step.id, 1.0)
            for _attempt in range(step.retries + 1):
                ok = True
                for _call in range(step.calls):
                    t, call_ok = self._call(step, model, mean_in, mean_out, p, t, inner)
                    ok = ok and call_ok
                if ok:
                    break
        if not ok:
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=t)
        return t, ok

    def _call(self, step: Step, model: Any, mean_in: float, mean_out: float, p: float,
              t: int, ctx: Any) -> tuple[int, bool]:
        rng, noise = self.rng, self.truth.noise
        inp = max(1, round(rng.gauss(mean_in, mean_in * noise)))
        out = max(1, round(rng.gauss(mean_out, mean_out * noise)))
        share, size = self.truth.cached.get(step.id, (0.0, 0))
        cached = min(inp, size) if rng.random() < share else 0
        ok = rng.random() < p
        speed = self.truth.speed.get(step.model or "", 1.0)
        if model.per_call_s is not None:
            ttft = seconds = model.per_call_s / speed * rng.uniform(1 - noise, 1 + noise)
        else:
            ttft = model.ttft_s * rng.uniform(1 - noise, 1 + noise)
            seconds = ttft + out / (model.tokens_per_s * speed)
        name = model.base or model.name
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "chat", "gen_ai.request.model": name,
            "gen_ai.usage.input_tokens": inp,
            "gen_ai.usage.cache_read.input_tokens": cached,
            "gen_ai.response.model": name, "gen_ai.usage.output_tokens": out}
        span = self.tracer.start_span(f"chat {name}", context=ctx, start_time=t,
                                      attributes=attrs)
        end = t + int(seconds * 1e9)
        if not ok:
            span.set_status(Status(StatusCode.ERROR, "provider error"))
            span.set_attribute("error.type", "invalid_response")  # billed, then rejected
        span.end(end_time=end)
        self.cost += self._price(model, inp, cached, out)
        return end, ok

    @staticmethod
    def _price(model: Any, inp: int, cached: int, out: int) -> float:
        if model.per_call_usd is not None:
            return float(model.per_call_usd)
        cached_price = model.cached_input_per_mtok
        if cached_price is None:
            cached_price = model.input_per_mtok
        return float((inp - cached) * model.input_per_mtok + cached * cached_price
                     + out * model.output_per_mtok) / 1e6

    # -- OTLP/JSON ---------------------------------------------------------------------

    def _line(self) -> str:
        request = encode_spans(self.exporter.get_finished_spans())
        data = MessageToDict(request, use_integers_for_enums=True)
        for resource in data.get("resourceSpans", ()):
            for scope in resource.get("scopeSpans", ()):
                for span in scope.get("spans", ()):
                    for key in _ID_KEYS:
                        if key in span:
                            span[key] = _hex(span[key])
        return json.dumps(data, separators=(",", ":"))


def _hex(b64: str) -> str:
    import base64

    return base64.b64decode(b64).hex()
