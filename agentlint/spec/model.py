"""The workflow as objects: what the graph, the rules and the optimizer read.

Every object keeps ``raw``, the positioned mapping it was built from, so a
rule can point at the exact key it is talking about (``step.at("model")``)
without the model layer having to anticipate every question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentlint.metrics import METRICS
from agentlint.spec.positions import YMap

#: kinds that cannot run without a model; a router may be plain code (an if-else)
MODEL_KINDS = frozenset({"llm", "validator", "orchestrator"})


def _at(raw: YMap | None, key: str | None) -> tuple[int, int]:
    if raw is None:
        return (1, 1)
    if key is not None and key in raw:
        return raw.value_at(key)
    return raw.at()


def _key_at(raw: YMap | None, key: str) -> tuple[int, int]:
    if raw is None:
        return (1, 1)
    return raw.key_at(key) if key in raw else raw.at()


@dataclass(slots=True)
class Model:
    """A priced model: the spec's own entry merged over the built-in catalog."""

    name: str
    base: str | None = None
    provider: str | None = None
    input_per_mtok: float | None = None
    output_per_mtok: float | None = None
    cached_input_per_mtok: float | None = None
    ttft_s: float | None = None
    tokens_per_s: float | None = None
    per_call_usd: float | None = None
    per_call_s: float | None = None
    p_ok: float = 0.99
    context_window: int | None = None
    #: quality tier (1 the smallest models .. 4 flagships), None when unknown
    tier: int | None = None
    declared: bool = False
    from_catalog: tuple[str, ...] = ()
    raw: YMap | None = None

    def at(self, key: str | None = None) -> tuple[int, int]:
        return _at(self.raw, key)

    @property
    def lacks(self) -> str | None:
        """``"price"`` or ``"speed"`` when the model cannot be priced or timed, else None."""
        if self.per_call_usd is None and (self.input_per_mtok is None
                                          or self.output_per_mtok is None):
            return "price"
        if self.per_call_s is None and (self.ttft_s is None or self.tokens_per_s is None):
            return "speed"
        return None

    @property
    def output_price(self) -> float:
        """USD per million output tokens, or a per-call equivalent for ranking."""
        if self.output_per_mtok is not None:
            return self.output_per_mtok
        return (self.per_call_usd or 0.0) * 1000.0


@dataclass(slots=True)
class Tool:
    """A tool a step calls: its effect, trust and price per call."""

    name: str
    effect: str = "read"
    untrusted: bool = False
    idempotent: bool = True
    per_call_usd: float | None = None
    per_call_s: float | None = None
    p_ok: float | None = None
    raw: YMap | None = None

    def at(self, key: str | None = None) -> tuple[int, int]:
        return _at(self.raw, key)


@dataclass(slots=True)
class Input:
    """A run input, with its expected size in tokens."""

    name: str
    tokens: float = 500.0
    untrusted: bool = False
    raw: YMap | None = None

    def at(self, key: str | None = None) -> tuple[int, int]:
        return _at(self.raw, key)


@dataclass(slots=True)
class Agent:
    """An agent: the model, system prompt and tools its steps inherit."""

    name: str
    model: str | None = None
    system: str = ""
    system_file: str | None = None
    tools: list[str] = field(default_factory=list)
    raw: YMap | None = None

    def at(self, key: str | None = None) -> tuple[int, int]:
        return _at(self.raw, key)


@dataclass(slots=True)
class Route:
    """One branch of a router step: the step it leads to and its share of runs."""

    step: str
    share: float
    given: bool
    pos: tuple[int, int]


@dataclass(slots=True)
class Ref:
    """A reference from a step to a step output or a run input."""

    kind: str  # "steps" or "inputs"
    name: str
    field: str  # "prompt", "system", "context"
    offset: int  # character offset in the text (-1 for context entries)


#: the lowest model tier a step class may move to when the step states no ``min_tier``
#: (docs/optimizer.md, "Step classes"); tiers as in the catalog: 1 nano, 2 mini,
#: 3 mid-size, 4 flagship and reasoning models
CLASS_TIERS: dict[str, int] = {
    "classification": 1,
    "routing": 1,
    "extraction": 2,
    "summarization": 2,
    "generation": 3,
    "judgement": 3,
    "planning": 4,
    "reasoning": 4,
}


@dataclass(frozen=True, slots=True)
class Stage:
    """A model a cascade asks before the step's own, and how often its answer is kept.

    ``accept`` is the probability that the check accepts the stage's answer;
    ``check_usd`` / ``check_s`` the price and time of that check, paid whenever
    the stage returns an answer.
    """

    model: str
    accept: float
    check_usd: float = 0.0
    check_s: float = 0.0


@dataclass(frozen=True, slots=True)
class CascadeAllowed:
    """``may_cascade``: the optimizer may put a first try in front of the step's model."""

    accept: float
    check_usd: float = 0.0
    check_s: float = 0.0
    models: tuple[str, ...] | None = None


@dataclass(slots=True)
class Step:
    """One step of the workflow, as read from the spec (or converted by an adapter)."""

    id: str
    index: int
    kind: str = "llm"
    agent: str | None = None
    model: str | None = None
    system: str = ""
    system_from: str | None = None  # "step", "agent" or None
    prompt: str = ""
    tool: str | None = None
    tools: list[str] = field(default_factory=list)
    output_tokens: float = 256.0
    input_tokens: float | None = None
    context: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    parallel: str | None = None
    routes: list[Route] = field(default_factory=list)
    retries: int = 0
    calls: int = 1
    cache_hit_rate: float = 0.0
    timeout_s: float | None = None
    fan_out: int = 1
    fan_out_concurrency: int | None = None
    terminal: bool = False
    optional: bool = False
    candidates: list[str] | None = None
    #: the lowest model tier the optimizer may move the step to
    min_tier: int | None = None
    #: what the step's work is (``classification``, ``generation``, ...), see CLASS_TIERS
    step_class: str | None = None
    #: models tried before ``model`` (a cascade), in order; empty: the step asks ``model``
    cascade: tuple[Stage, ...] = ()
    #: the optimizer may propose a cascade in front of ``model``
    may_cascade: CascadeAllowed | None = None
    max_retries: int = 2
    per_call_usd: float | None = None
    per_call_s: float | None = None
    p_ok: float | None = None
    refs: list[Ref] = field(default_factory=list)
    #: the format gave this step every earlier output without saying so (CrewAI
    #: tasks without ``context``); a dependency and a cost worth a finding
    implicit_context: bool = False
    #: what the step stands for in the source format, e.g. "crewai task" (adapters)
    origin: str | None = None
    #: why the output leaves the workflow although no step reads it (adapters: a CrewAI
    #: ``output_file``, a flow's declared outputs); None when it does not
    output_leaves: str | None = None
    raw: YMap | None = None

    def at(self, key: str | None = None) -> tuple[int, int]:
        return _at(self.raw, key)

    def key_at(self, key: str) -> tuple[int, int]:
        return _key_at(self.raw, key)

    @property
    def uses_model(self) -> bool:
        return self.model is not None

    @property
    def tier_floor(self) -> int | None:
        """The lowest tier the step may move to: ``min_tier``, else its class's default."""
        if self.min_tier is not None:
            return self.min_tier
        return CLASS_TIERS.get(self.step_class) if self.step_class is not None else None

    def step_refs(self) -> list[str]:
        """Ids whose output this step reads, each once, in order of appearance."""
        seen: dict[str, None] = {}
        for ref in self.refs:
            if ref.kind == "steps":
                seen.setdefault(ref.name, None)
        return list(seen)

    def input_refs(self) -> list[str]:
        seen: dict[str, None] = {}
        for ref in self.refs:
            if ref.kind == "inputs":
                seen.setdefault(ref.name, None)
        return list(seen)


@dataclass(slots=True)
class Loop:
    """Steps repeated until a condition holds, at most ``max_iterations`` times."""

    id: str
    steps: list[str]
    max_iterations: int | None
    expected_iterations: float
    until: str | None
    raw: YMap | None = None

    def at(self, key: str | None = None) -> tuple[int, int]:
        return _at(self.raw, key)


@dataclass(slots=True)
class Budgets:
    """The limits a run must stay within (cost, latency, reliability)."""

    cost_usd: float | None = None
    latency_s: float | None = None
    reliability: float | None = None
    raw: YMap | None = None

    def at(self, key: str | None = None) -> tuple[int, int]:
        return _at(self.raw, key)

    def items(self) -> list[tuple[str, float]]:
        """(metric name, limit) of each budget given, in the metrics' order."""
        return [(m.name, v) for m in METRICS if (v := getattr(self, m.name)) is not None]


@dataclass(slots=True)
class Workflow:
    """A whole workflow spec, read and checked, ready for the graph and the rules."""

    name: str
    file: str
    execution: str = "sequential"
    max_concurrency: int | None = None
    models: dict[str, Model] = field(default_factory=dict)
    tools: dict[str, Tool] = field(default_factory=dict)
    inputs: dict[str, Input] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    budgets: Budgets = field(default_factory=Budgets)
    raw: YMap | None = None
    text: str = ""
    format: str = "agentlint"
    #: facts the reader had to assume (adapters), reported as info findings
    assumptions: list[tuple[str, tuple[int, int], str]] = field(default_factory=list)
    step_index: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        return self.steps[self.step_index[step_id]]

    def model_of(self, step: Step) -> Model | None:
        return self.models.get(step.model) if step.model is not None else None
