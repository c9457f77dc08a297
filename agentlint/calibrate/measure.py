"""The figures a set of traces measures, per step and per run, in bounded memory.

Spans arrive in file order, a trace's spans in any order (exporters write a
span when it ends, so a root usually comes last; some write it first). They
are kept per trace; once the trace's root span has arrived and
``QUIET_SPANS`` spans have followed the trace's last one, the trace is taken
as complete, mapped (:mod:`~agentlint.calibrate.mapping`), folded into the
running figures and dropped. A span of a trace already folded is counted as
late; traces still open at the end (no root seen) are counted, not used.
Memory follows the spans held (at most ``MAX_OPEN_SPANS``; beyond, the
quietest rooted trace is folded early, else the oldest rootless one dropped)
and the ids of the last ``MAX_DONE_TRACES`` traces, not the export's size;
each figure keeps a bounded sample for its quantiles
(:mod:`~agentlint.calibrate.stats`).

A run's cost is priced from its calls' tokens with the spec's prices (the
model of the step the call belongs to), or taken from the span when the export
records it; its duration is the root span's; it succeeded when the root span
did not fail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from agentlint.calibrate.mapping import Execution, Mapper, TraceMap
from agentlint.calibrate.stats import Line, Stat
from agentlint.spec.model import Model, Workflow
from agentlint.trace.span import Span

#: the most spans kept for traces whose root has not arrived yet; beyond, the oldest
#: open trace is dropped and counted
MAX_OPEN_SPANS = 250_000
#: a trace whose root has arrived is folded once this many spans have followed its last
#: one (a span of it that comes later still is counted as late)
QUIET_SPANS = 50_000
#: the most ids of folded traces remembered (to count late spans); beyond, the oldest
#: are forgotten and a span of theirs arriving later starts a trace without a root
MAX_DONE_TRACES = 1_000_000


@dataclass(slots=True)
class StepFigures:
    """What the traces measured of one step."""

    id: str
    runs: int = 0  # runs in which the step ran at least once
    executions: int = 0
    calls: int = 0
    ok_calls: int = 0
    input_tokens: Stat = field(default_factory=lambda: Stat(1))
    output_tokens: Stat = field(default_factory=lambda: Stat(2))
    cached_tokens: Stat = field(default_factory=lambda: Stat(3))
    cache_hits: int = 0
    call_s: Stat = field(default_factory=lambda: Stat(4))
    ttft_s: Stat = field(default_factory=lambda: Stat(5))
    duration_s: Stat = field(default_factory=lambda: Stat(6))
    #: calls per execution -> executions, for those without a failed call
    clean_calls: Counter[int] = field(default_factory=Counter)
    #: calls per execution -> executions, for those with a failed call
    failed_calls: Counter[int] = field(default_factory=Counter)
    #: executions per run in which it ran (loop rounds, fan-out widths)
    per_run: Counter[int] = field(default_factory=Counter)
    cost_usd: float = 0.0

    @property
    def p_ok(self) -> float | None:
        return self.ok_calls / self.calls if self.calls else None

    @property
    def cache_hit(self) -> float | None:
        return self.cache_hits / self.calls if self.calls else None

    @property
    def calls_per_attempt(self) -> int | None:
        """Calls of one attempt: the commonest count of an execution without failures."""
        if not self.clean_calls:
            return None
        return max(self.clean_calls.items(), key=lambda kv: (kv[1], -kv[0]))[0]

    @property
    def retries_seen(self) -> int:
        """The most retries one execution needed (its calls over calls per attempt, less 1)."""
        n = self.calls_per_attempt or 1
        most = max([*self.failed_calls, *self.clean_calls], default=0)
        return max(0, -(-most // n) - 1)


@dataclass(slots=True)
class ModelFigures:
    """What the traces measured of one model of the spec (all its steps' calls)."""

    name: str
    calls: int = 0
    ok_calls: int = 0
    #: call seconds against output tokens: intercept ~ time to first token
    speed: Line = field(default_factory=Line)

    @property
    def p_ok(self) -> float | None:
        return self.ok_calls / self.calls if self.calls else None


@dataclass(slots=True)
class Measured:
    """Everything one calibration measured."""

    runs: int = 0
    ok_runs: int = 0
    spans: int = 0
    cost_usd: Stat = field(default_factory=lambda: Stat(7))
    duration_s: Stat = field(default_factory=lambda: Stat(8))
    steps: dict[str, StepFigures] = field(default_factory=dict)
    models: dict[str, ModelFigures] = field(default_factory=dict)
    #: router id -> {target step id: runs that took it}; runs the router ran in
    routes: dict[str, Counter[str]] = field(default_factory=dict)
    router_runs: Counter[str] = field(default_factory=Counter)
    #: loop id -> Stat of rounds per run
    rounds: dict[str, Stat] = field(default_factory=dict)
    unmatched: int = 0
    ambiguous: int = 0
    late: int = 0
    rootless: int = 0
    #: a few unmatched or ambiguous spans, for the report: (where, name)
    examples: list[tuple[str, str, str]] = field(default_factory=list)
    unpriced_calls: int = 0

    @property
    def success(self) -> float:
        return self.ok_runs / self.runs if self.runs else 0.0

    @property
    def cost_mean(self) -> float:
        return self.cost_usd.mean

    @property
    def latency_mean(self) -> float:
        return self.duration_s.mean


class Calibrator:
    """Folds spans, one at a time, into :class:`Measured` figures for ``wf``."""

    def __init__(self, wf: Workflow) -> None:
        self.wf = wf
        self.mapper = Mapper(wf)
        self.out = Measured()
        self.open: dict[str, list[Span]] = {}
        self.open_spans = 0
        self.done: dict[str, None] = {}  # insertion-ordered: the oldest forgotten first
        #: the root span of each open trace whose root has arrived
        self.roots: dict[str, Span] = {}
        #: rooted traces by the span count when each last grew, the quietest first
        self.quiet: dict[str, int] = {}
        for step in wf.steps:
            self.out.steps[step.id] = StepFigures(step.id)
        for loop in wf.loops:
            self.out.rounds[loop.id] = Stat(9)

    def feed(self, spans: Iterable[Span]) -> Measured:
        for span in spans:
            self.add(span)
        return self.finish()

    def add(self, span: Span) -> None:
        out = self.out
        out.spans += 1
        trace = span.trace_id
        if trace in self.done:
            out.late += 1
            return
        self.open.setdefault(trace, []).append(span)
        self.open_spans += 1
        if span.parent_id is None:
            self.roots[trace] = span
        if trace in self.roots:  # moved to the back: it grew last
            self.quiet.pop(trace, None)
            self.quiet[trace] = out.spans
        while self.quiet:
            oldest = next(iter(self.quiet))
            if self.quiet[oldest] > out.spans - QUIET_SPANS:
                break
            self._fold(oldest)
        while self.open_spans > MAX_OPEN_SPANS and self.open:
            if self.quiet:  # the quietest rooted trace is folded early rather than lost
                self._fold(next(iter(self.quiet)))
                continue
            dropped = self.open.pop(next(iter(self.open)))
            self.open_spans -= len(dropped)
            out.rootless += 1

    def _fold(self, trace: str) -> None:
        """Map and fold the rooted trace ``trace``, then forget its spans."""
        del self.quiet[trace]
        root = self.roots.pop(trace)
        spans = self.open.pop(trace)
        self.open_spans -= len(spans)
        self.done[trace] = None
        if len(self.done) > MAX_DONE_TRACES:
            del self.done[next(iter(self.done))]
        self.fold(self.mapper.map(root, spans))

    def finish(self) -> Measured:
        while self.quiet:
            self._fold(next(iter(self.quiet)))
        self.out.rootless += len(self.open)
        self.open.clear()
        self.open_spans = 0
        return self.out

    def _example(self, kind: str, spans: list[Span]) -> None:
        for s in spans:
            if len(self.out.examples) < 5:
                self.out.examples.append((kind, s.where, s.name))

    def fold(self, tm: TraceMap) -> None:
        out, wf = self.out, self.wf
        out.runs += 1
        out.ok_runs += tm.root.ok
        out.duration_s.add(tm.root.duration_s)
        out.unmatched += len(tm.unmatched)
        out.ambiguous += len(tm.ambiguous)
        self._example("unmatched", tm.unmatched)
        self._example("ambiguous", tm.ambiguous)
        cost = 0.0
        per_step: Counter[str] = Counter()
        for ex in tm.executions:
            per_step[ex.step] += 1
            cost += self._execution(ex)
        for sid, count in per_step.items():
            fig = out.steps[sid]
            fig.runs += 1
            fig.per_run[count] += 1
        for step in wf.steps:
            if step.routes:
                ran = per_step.get(step.id, 0)
                if ran:
                    out.router_runs[step.id] += 1
                    took = out.routes.setdefault(step.id, Counter())
                    for route in step.routes:
                        if per_step.get(route.step, 0):
                            took[route.step] += 1
        for loop in wf.loops:
            if loop.steps and per_step.get(loop.steps[0], 0):
                out.rounds[loop.id].add(per_step[loop.steps[0]])
        for s in tm.unmatched:
            if s.cost_usd is not None:
                cost += s.cost_usd
            elif s.input_tokens is not None or s.output_tokens is not None:
                out.unpriced_calls += 1
        out.cost_usd.add(cost)

    def _execution(self, ex: Execution) -> float:
        fig = self.out.steps[ex.step]
        step = self.wf.step(ex.step)
        model = self.wf.model_of(step)
        fig.executions += 1
        fig.duration_s.add(ex.span.duration_s)
        failed = False
        cost = 0.0
        mfig = None
        if step.model is not None:
            mfig = self.out.models.setdefault(step.model, ModelFigures(step.model))
        for call in ex.calls:
            fig.calls += 1
            fig.ok_calls += call.ok
            failed = failed or not call.ok
            inp, outp, cached = call.input_tokens or 0, call.output_tokens or 0, \
                call.cached_tokens or 0
            fig.input_tokens.add(inp)
            fig.output_tokens.add(outp)
            fig.cached_tokens.add(cached)
            fig.cache_hits += cached > 0
            fig.call_s.add(call.duration_s)
            if call.ttft_s is not None:
                fig.ttft_s.add(call.ttft_s)
            if mfig is not None:
                mfig.calls += 1
                mfig.ok_calls += call.ok
                mfig.speed.add(outp, call.duration_s)
            if call.cost_usd is not None:
                cost += call.cost_usd
            elif model is not None:
                cost += price(model, inp, cached, outp)
            else:
                self.out.unpriced_calls += 1
        (fig.failed_calls if failed else fig.clean_calls)[len(ex.calls)] += 1
        fig.cost_usd += cost
        return cost


def price(model: Model, inp: float, cached: float, out: float) -> float:
    """USD of one call, with the spec's prices for ``model``."""
    if model.per_call_usd is not None:
        return model.per_call_usd
    if model.input_per_mtok is None or model.output_per_mtok is None:
        return 0.0
    cached_price = model.cached_input_per_mtok
    if cached_price is None:
        cached_price = model.input_per_mtok
    return ((inp - cached) * model.input_per_mtok + cached * cached_price
            + out * model.output_per_mtok) / 1e6
