"""One model call, tool call or agent turn, as every trace reader reports it.

A span keeps only what calibration reads, under the names of the OpenTelemetry
GenAI semantic conventions where they have one, so one mapping and one set of
figures serve every export format: a field a format does not record is None
(never a guessed zero).
"""

from __future__ import annotations

from agentlint.record import Record

#: The span attribute naming the spec step a span ran for. When a workflow's
#: instrumentation sets it, spans map to steps by it alone.
STEP_ATTRIBUTE = "agentlint.step"


class Span(Record):
    """A span of a trace export, reduced to what calibration needs.

    Times are nanoseconds since the epoch, as OTLP writes them; ``ok`` is False
    only when the span's status says it failed. ``model`` is the model that
    answered (``gen_ai.response.model``), else the one asked for; ``where``
    says which file and line it came from, for messages.
    """

    __match_args__ = ("trace_id", "span_id", "parent_id", "name", "start_ns", "end_ns", "ok",
                      "operation", "model", "request_model", "input_tokens", "output_tokens",
                      "cached_tokens", "agent", "step", "ttft_s", "cost_usd", "where")
    __slots__ = __match_args__

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    start_ns: int
    end_ns: int
    ok: bool
    operation: str | None
    model: str | None
    request_model: str | None
    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None
    agent: str | None
    step: str | None
    ttft_s: float | None
    cost_usd: float | None
    where: str

    def __init__(self, trace_id: str, span_id: str, parent_id: str | None, name: str,
                 start_ns: int, end_ns: int, ok: bool = True, operation: str | None = None,
                 model: str | None = None, request_model: str | None = None,
                 input_tokens: int | None = None, output_tokens: int | None = None,
                 cached_tokens: int | None = None, agent: str | None = None,
                 step: str | None = None, ttft_s: float | None = None,
                 cost_usd: float | None = None, where: str = "") -> None:
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_id = parent_id
        self.name = name
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.ok = ok
        self.operation = operation
        self.model = model
        self.request_model = request_model
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.cached_tokens = cached_tokens
        self.agent = agent
        self.step = step
        self.ttft_s = ttft_s
        self.cost_usd = cost_usd
        self.where = where

    @property
    def duration_s(self) -> float:
        """Seconds from the span's start to its end."""
        return max(0, self.end_ns - self.start_ns) / 1e9
