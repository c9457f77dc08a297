"""Which step of the spec each span of one trace ran for.

A span that carries the ``agentlint.step`` attribute names its step. Without
it, a span whose agent name (``gen_ai.agent.name``) or span name (or the last
word of it, ``invoke_agent researcher``) is a step's id belongs to that step;
one whose name is an agent several steps use belongs to the step its place in
the call order gives: the k-th such span under the trace's root (by start time)
to the k-th of those steps in the spec (round after round inside a loop). When
the counts do not fit, or two such spans start at the same instant, the spans
are ambiguous: counted and reported, never guessed.

Model calls (``chat``, ``text_completion``, ``generate_content`` spans, or any
span with token counts) belong to the step of the nearest enclosing step span;
a call span that names a step itself is a step of one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from agentlint.spec.model import Workflow
from agentlint.trace.span import Span

#: ``gen_ai.operation.name`` values of a model call
CALL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "completion"})


@dataclass(slots=True)
class Execution:
    """One execution of a step in a run: its span and its model calls."""

    step: str
    span: Span
    calls: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class TraceMap:
    """One trace, its spans put on steps."""

    root: Span
    executions: list[Execution] = field(default_factory=list)
    unmatched: list[Span] = field(default_factory=list)
    ambiguous: list[Span] = field(default_factory=list)


def is_call(span: Span) -> bool:
    if span.operation is not None:
        return span.operation in CALL_OPERATIONS
    return span.input_tokens is not None or span.output_tokens is not None


class Mapper:
    """Maps the traces of one workflow (the lookup tables are built once)."""

    def __init__(self, wf: Workflow) -> None:
        self.wf = wf
        self.ids = {s.id for s in wf.steps}
        self.by_agent: dict[str, list[str]] = {}
        for s in wf.steps:
            if s.agent is not None:
                self.by_agent.setdefault(s.agent, []).append(s.id)
        self.loop_of = {sid: loop.id for loop in wf.loops for sid in loop.steps}

    def candidates(self, span: Span) -> tuple[str, ...]:
        """The steps ``span`` may stand for, by its step attribute or its names."""
        if span.step is not None:
            return (span.step,) if span.step in self.ids else ()
        names = [n for n in (span.agent, span.name, span.name.rsplit(" ", 1)[-1]) if n]
        for name in names:
            if name in self.ids:
                return (name,)
        for name in names:
            if name in self.by_agent:
                return tuple(self.by_agent[name])
        return ()

    def map(self, root: Span, spans: list[Span]) -> TraceMap:
        out = TraceMap(root)
        by_id = {s.span_id: s for s in spans}
        kinds: dict[str, tuple[str, ...]] = {}  # span id -> candidate steps (step spans)
        for s in spans:
            if s is root:
                continue
            cands = self.candidates(s)
            if cands and (not is_call(s) or s.step is not None or s.agent is not None):
                kinds[s.span_id] = cands

        def owner(s: Span) -> str | None:
            """The nearest enclosing step span of ``s`` (itself included)."""
            seen = 0
            cur: Span | None = s
            while cur is not None and seen < 1000:
                if cur.span_id in kinds:
                    return cur.span_id
                cur = by_id.get(cur.parent_id) if cur.parent_id else None
                seen += 1
            return None

        # a step span inside another step span is part of it, not a step of its own
        outer = {sid for sid in kinds
                 if owner_parent(by_id, by_id[sid], kinds) is None}
        chosen: dict[str, str] = {}
        shared: dict[tuple[str, ...], list[Span]] = {}
        for sid in outer:
            cands = kinds[sid]
            if len(cands) == 1:
                chosen[sid] = cands[0]
            else:
                shared.setdefault(cands, []).append(by_id[sid])
        for cands, group in shared.items():
            group.sort(key=lambda s: s.start_ns)
            tied = any(a.start_ns == b.start_ns for a, b in pairwise(group))
            loops = {self.loop_of.get(c) for c in cands}
            fits = len(group) == len(cands) or (
                len(loops) == 1 and None not in loops and len(group) % len(cands) == 0)
            if tied or not fits:
                out.ambiguous.extend(group)
                continue
            for i, s in enumerate(group):
                chosen[s.span_id] = cands[i % len(cands)]
        executions = {sid: Execution(step, by_id[sid]) for sid, step in chosen.items()}
        lost = {s.span_id for s in out.ambiguous}
        for s in spans:
            if s is root:
                continue
            home = owner(s)
            if home is not None and home not in outer:
                home = owner_parent(by_id, by_id[home], kinds) or home
            if home in executions:
                if is_call(s):
                    executions[home].calls.append(s)
            elif home in lost:
                if s.span_id not in lost:
                    out.ambiguous.append(s)
            elif s.span_id not in kinds:
                out.unmatched.append(s)
        out.executions = sorted(executions.values(), key=lambda e: e.span.start_ns)
        return out


def owner_parent(by_id: dict[str, Span], span: Span, kinds: dict[str, tuple[str, ...]]
                 ) -> str | None:
    """The outermost step span enclosing ``span`` (not counting itself), or None."""
    found = None
    cur = by_id.get(span.parent_id) if span.parent_id else None
    seen = 0
    while cur is not None and seen < 1000:
        if cur.span_id in kinds:
            found = cur.span_id
        cur = by_id.get(cur.parent_id) if cur.parent_id else None
        seen += 1
    return found
