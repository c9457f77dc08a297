"""The workflow as objects: what the graph, the rules and the optimizer read.

Every object keeps ``raw``, the positioned mapping it was built from, so a
rule can point at the exact key it is talking about (``step.at("model")``)
without the model layer having to anticipate every question.
"""

from __future__ import annotations

from agentlint.metrics import METRICS, PERCENTILE_METRICS
from agentlint.record import FrozenRecord, Record
from agentlint.spec.positions import YMap

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any, Final

#: kinds that cannot run without a model; a router may be plain code (an if-else)
MODEL_KINDS = frozenset({"llm", "validator", "orchestrator"})


def _at(raw: YMap | None, key: str | None) -> tuple[int, int]:
    if raw is None:
        return (1, 1)
    if key is not None and key in raw:
        return raw.value_at(key)
    return raw.at()


class Placed(Record):
    """A record read from a mapping of the spec (``raw``, None when built in code):
    :meth:`at` is where one of its keys' values stands, else the mapping itself."""

    __slots__ = ()
    raw: YMap | None

    def at(self, key: str | None = None) -> tuple[int, int]:
        return _at(self.raw, key)


def _key_at(raw: YMap | None, key: str) -> tuple[int, int]:
    if raw is None:
        return (1, 1)
    return raw.key_at(key) if key in raw else raw.at()


class Model(Placed):
    """A priced model: the spec's own entry merged over the built-in catalog."""

    __slots__ = ("base", "cached_input_per_mtok", "context_window", "declared", "from_catalog",
                 "input_per_mtok", "name", "output_per_mtok", "p_ok", "per_call_s", "per_call_usd",
                 "provider", "raw", "tier", "tokens_per_s", "ttft_s")
    __match_args__ = ("name", "base", "provider", "input_per_mtok", "output_per_mtok",
                      "cached_input_per_mtok", "ttft_s", "tokens_per_s", "per_call_usd",
                      "per_call_s", "p_ok", "context_window", "tier", "declared", "from_catalog",
                      "raw")

    name: str
    base: str | None
    provider: str | None
    input_per_mtok: float | None
    output_per_mtok: float | None
    cached_input_per_mtok: float | None
    ttft_s: float | None
    tokens_per_s: float | None
    per_call_usd: float | None
    per_call_s: float | None
    p_ok: float
    context_window: int | None
    #: quality tier (1 the smallest models .. 4 flagships), None when unknown
    tier: int | None
    declared: bool
    from_catalog: tuple[str, ...]
    raw: YMap | None

    def __init__(self, name: str, base: str | None = None, provider: str | None = None,
                 input_per_mtok: float | None = None, output_per_mtok: float | None = None,
                 cached_input_per_mtok: float | None = None, ttft_s: float | None = None,
                 tokens_per_s: float | None = None, per_call_usd: float | None = None,
                 per_call_s: float | None = None, p_ok: float = 0.99,
                 context_window: int | None = None, tier: int | None = None,
                 declared: bool = False, from_catalog: tuple[str, ...] = (),
                 raw: YMap | None = None) -> None:
        self.name = name
        self.base = base
        self.provider = provider
        self.input_per_mtok = input_per_mtok
        self.output_per_mtok = output_per_mtok
        self.cached_input_per_mtok = cached_input_per_mtok
        self.ttft_s = ttft_s
        self.tokens_per_s = tokens_per_s
        self.per_call_usd = per_call_usd
        self.per_call_s = per_call_s
        self.p_ok = p_ok
        self.context_window = context_window
        self.tier = tier
        self.declared = declared
        self.from_catalog = from_catalog
        self.raw = raw

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


class Tool(Placed):
    """A tool a step calls: its effect, trust and price per call."""

    __slots__ = ("effect", "idempotent", "name", "p_ok", "per_call_s", "per_call_usd", "raw",
                 "untrusted")
    __match_args__ = ("name", "effect", "untrusted", "idempotent", "per_call_usd", "per_call_s",
                      "p_ok", "raw")

    name: str
    effect: str
    untrusted: bool
    idempotent: bool
    per_call_usd: float | None
    per_call_s: float | None
    p_ok: float | None
    raw: YMap | None

    def __init__(self, name: str, effect: str = "read", untrusted: bool = False,
                 idempotent: bool = True, per_call_usd: float | None = None,
                 per_call_s: float | None = None, p_ok: float | None = None,
                 raw: YMap | None = None) -> None:
        self.name = name
        self.effect = effect
        self.untrusted = untrusted
        self.idempotent = idempotent
        self.per_call_usd = per_call_usd
        self.per_call_s = per_call_s
        self.p_ok = p_ok
        self.raw = raw


class Input(Placed):
    """A run input, with its expected size in tokens."""

    __slots__ = ("name", "raw", "tokens", "untrusted")
    __match_args__ = ("name", "tokens", "untrusted", "raw")

    name: str
    tokens: float
    untrusted: bool
    raw: YMap | None

    def __init__(self, name: str, tokens: float = 500.0, untrusted: bool = False,
                 raw: YMap | None = None) -> None:
        self.name = name
        self.tokens = tokens
        self.untrusted = untrusted
        self.raw = raw


class Agent(Placed):
    """An agent: the model, system prompt and tools its steps inherit."""

    __slots__ = ("model", "name", "raw", "system", "system_file", "tools")
    __match_args__ = ("name", "model", "system", "system_file", "tools", "raw")

    name: str
    model: str | None
    system: str
    system_file: str | None
    tools: list[str]
    raw: YMap | None

    def __init__(self, name: str, model: str | None = None, system: str = "",
                 system_file: str | None = None, tools: list[str] | None = None,
                 raw: YMap | None = None) -> None:
        self.name = name
        self.model = model
        self.system = system
        self.system_file = system_file
        self.tools = [] if tools is None else tools
        self.raw = raw


class Route(Record):
    """One branch of a router step: the step it leads to and its share of runs."""

    __slots__ = ("given", "pos", "share", "step")
    __match_args__ = ("step", "share", "given", "pos")

    step: str
    share: float
    given: bool
    pos: tuple[int, int]

    def __init__(self, step: str, share: float, given: bool, pos: tuple[int, int]) -> None:
        self.step = step
        self.share = share
        self.given = given
        self.pos = pos


class Ref(Record):
    """A reference from a step to a step output or a run input."""

    __slots__ = ("field", "kind", "name", "offset")
    __match_args__ = ("kind", "name", "field", "offset")

    kind: str  # "steps" or "inputs"
    name: str
    field: str  # "prompt", "system", "context"
    offset: int  # character offset in the text (-1 for context entries)

    def __init__(self, kind: str, name: str, field: str, offset: int) -> None:
        self.kind = kind
        self.name = name
        self.field = field
        self.offset = offset


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


class Stage(FrozenRecord):
    """A model a cascade asks before the step's own, and how often its answer is kept.

    ``accept`` is the probability that the check accepts the stage's answer;
    ``check_usd`` / ``check_s`` the price and time of that check, paid whenever
    the stage returns an answer.
    """

    __slots__ = ("accept", "check_s", "check_usd", "model")
    __match_args__ = ("model", "accept", "check_usd", "check_s")

    model: Final[str]
    accept: Final[float]
    check_usd: Final[float]
    check_s: Final[float]

    def __init__(self, model: str, accept: float, check_usd: float = 0.0,
                 check_s: float = 0.0) -> None:
        self.model = model
        self.accept = accept
        self.check_usd = check_usd
        self.check_s = check_s


class CascadeAllowed(FrozenRecord):
    """``may_cascade``: the optimizer may put a first try in front of the step's model."""

    __slots__ = ("accept", "check_s", "check_usd", "models")
    __match_args__ = ("accept", "check_usd", "check_s", "models")

    accept: Final[float]
    check_usd: Final[float]
    check_s: Final[float]
    models: Final[tuple[str, ...] | None]

    def __init__(self, accept: float, check_usd: float = 0.0, check_s: float = 0.0,
                 models: tuple[str, ...] | None = None) -> None:
        self.accept = accept
        self.check_usd = check_usd
        self.check_s = check_s
        self.models = models


class Step(Placed):
    """One step of the workflow, as read from the spec (or converted by an adapter)."""

    __slots__ = ("agent", "cache_hit_rate", "calls", "candidates", "cascade", "context",
                 "fan_out", "fan_out_concurrency", "id", "implicit_context", "index",
                 "input_tokens", "kind", "max_retries", "may_cascade", "min_tier", "model",
                 "needs", "optional", "origin", "output_leaves", "output_tokens", "p_ok",
                 "parallel", "per_call_s", "per_call_usd", "prompt", "raw", "refs", "retries",
                 "routes", "step_class", "system", "system_from", "terminal", "timeout_s", "tool",
                 "tools")
    __match_args__ = ("id", "index", "kind", "agent", "model", "system", "system_from",
                      "prompt", "tool", "tools", "output_tokens", "input_tokens", "context",
                      "needs", "parallel", "routes", "retries", "calls", "cache_hit_rate",
                      "timeout_s", "fan_out", "fan_out_concurrency", "terminal", "optional",
                      "candidates", "min_tier", "step_class", "cascade", "may_cascade",
                      "max_retries", "per_call_usd", "per_call_s", "p_ok", "refs",
                      "implicit_context", "origin", "output_leaves", "raw")

    id: str
    index: int
    kind: str
    agent: str | None
    model: str | None
    system: str
    system_from: str | None  # "step", "agent" or None
    prompt: str
    tool: str | None
    tools: list[str]
    output_tokens: float
    input_tokens: float | None
    context: list[str]
    needs: list[str]
    parallel: str | None
    routes: list[Route]
    retries: int
    calls: int
    cache_hit_rate: float
    timeout_s: float | None
    fan_out: int
    fan_out_concurrency: int | None
    terminal: bool
    optional: bool
    candidates: list[str] | None
    #: the lowest model tier the optimizer may move the step to
    min_tier: int | None
    #: what the step's work is (``classification``, ``generation``, ...), see CLASS_TIERS
    step_class: str | None
    #: models tried before ``model`` (a cascade), in order; empty: the step asks ``model``
    cascade: tuple[Stage, ...]
    #: the optimizer may propose a cascade in front of ``model``
    may_cascade: CascadeAllowed | None
    max_retries: int
    per_call_usd: float | None
    per_call_s: float | None
    p_ok: float | None
    refs: list[Ref]
    #: the format gave this step every earlier output without saying so (CrewAI
    #: tasks without ``context``); a dependency and a cost worth a finding
    implicit_context: bool
    #: what the step stands for in the source format, e.g. "crewai task" (adapters)
    origin: str | None
    #: why the output leaves the workflow although no step reads it (adapters: a CrewAI
    #: ``output_file``, a flow's declared outputs); None when it does not
    output_leaves: str | None
    raw: YMap | None

    def __init__(self, id: str, index: int, kind: str = "llm", agent: str | None = None,
                 model: str | None = None, system: str = "", system_from: str | None = None,
                 prompt: str = "", tool: str | None = None, tools: list[str] | None = None,
                 output_tokens: float = 256.0, input_tokens: float | None = None,
                 context: list[str] | None = None, needs: list[str] | None = None,
                 parallel: str | None = None, routes: list[Route] | None = None, retries: int = 0,
                 calls: int = 1, cache_hit_rate: float = 0.0, timeout_s: float | None = None,
                 fan_out: int = 1, fan_out_concurrency: int | None = None, terminal: bool = False,
                 optional: bool = False, candidates: list[str] | None = None,
                 min_tier: int | None = None, step_class: str | None = None,
                 cascade: tuple[Stage, ...] = (), may_cascade: CascadeAllowed | None = None,
                 max_retries: int = 2, per_call_usd: float | None = None,
                 per_call_s: float | None = None, p_ok: float | None = None,
                 refs: list[Ref] | None = None,
                 implicit_context: bool = False, origin: str | None = None,
                 output_leaves: str | None = None, raw: YMap | None = None) -> None:
        self.id = id
        self.index = index
        self.kind = kind
        self.agent = agent
        self.model = model
        self.system = system
        self.system_from = system_from
        self.prompt = prompt
        self.tool = tool
        self.tools = [] if tools is None else tools
        self.output_tokens = output_tokens
        self.input_tokens = input_tokens
        self.context = [] if context is None else context
        self.needs = [] if needs is None else needs
        self.parallel = parallel
        self.routes = [] if routes is None else routes
        self.retries = retries
        self.calls = calls
        self.cache_hit_rate = cache_hit_rate
        self.timeout_s = timeout_s
        self.fan_out = fan_out
        self.fan_out_concurrency = fan_out_concurrency
        self.terminal = terminal
        self.optional = optional
        self.candidates = candidates
        self.min_tier = min_tier
        self.step_class = step_class
        self.cascade = cascade
        self.may_cascade = may_cascade
        self.max_retries = max_retries
        self.per_call_usd = per_call_usd
        self.per_call_s = per_call_s
        self.p_ok = p_ok
        self.refs = [] if refs is None else refs
        self.implicit_context = implicit_context
        self.origin = origin
        self.output_leaves = output_leaves
        self.raw = raw

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


class Loop(Placed):
    """Steps repeated until a condition holds, at most ``max_iterations`` times."""

    __slots__ = ("expected_iterations", "id", "max_iterations", "raw", "steps", "until")
    __match_args__ = ("id", "steps", "max_iterations", "expected_iterations", "until", "raw")

    id: str
    steps: list[str]
    max_iterations: int | None
    expected_iterations: float
    until: str | None
    raw: YMap | None

    def __init__(self, id: str, steps: list[str], max_iterations: int | None,
                 expected_iterations: float, until: str | None, raw: YMap | None = None) -> None:
        self.id = id
        self.steps = steps
        self.max_iterations = max_iterations
        self.expected_iterations = expected_iterations
        self.until = until
        self.raw = raw


class Budgets(Placed):
    """The limits a run must stay within (cost, latency, reliability)."""

    __slots__ = ("cost_p95_usd", "cost_usd", "latency_p95_s", "latency_s", "raw", "reliability")
    __match_args__ = ("cost_usd", "latency_s", "reliability", "raw", "latency_p95_s",
                      "cost_p95_usd")

    cost_usd: float | None
    latency_s: float | None
    reliability: float | None
    raw: YMap | None
    #: limits on the 95th percentile of a run's latency and cost
    latency_p95_s: float | None
    cost_p95_usd: float | None

    def __init__(self, cost_usd: float | None = None, latency_s: float | None = None,
                 reliability: float | None = None, raw: YMap | None = None,
                 latency_p95_s: float | None = None, cost_p95_usd: float | None = None
                 ) -> None:
        self.cost_usd = cost_usd
        self.latency_s = latency_s
        self.reliability = reliability
        self.raw = raw
        self.latency_p95_s = latency_p95_s
        self.cost_p95_usd = cost_p95_usd

    def items(self) -> list[tuple[str, float]]:
        """(metric name, limit) of each budget given, in the metrics' order."""
        return [(m.name, v) for m in METRICS if (v := getattr(self, m.name)) is not None]

    def percentile_items(self) -> list[tuple[str, float]]:
        """(budget key, limit) of each percentile budget given (``latency_p95_s``, ...)."""
        return [(m.name, v) for m in PERCENTILE_METRICS
                if (v := getattr(self, m.name)) is not None]


class Workflow(Record):
    """A whole workflow spec, read and checked, ready for the graph and the rules."""

    __slots__ = ("agents", "assumptions", "budgets", "execution", "extra", "file", "format",
                 "inputs", "loops", "max_concurrency", "models", "name", "raw", "step_index",
                 "steps", "text", "tools")
    __match_args__ = ("name", "file", "execution", "max_concurrency", "models", "tools",
                      "inputs", "agents", "steps", "loops", "budgets", "raw", "text", "format",
                      "assumptions", "step_index", "extra")

    name: str
    file: str
    execution: str
    max_concurrency: int | None
    models: dict[str, Model]
    tools: dict[str, Tool]
    inputs: dict[str, Input]
    agents: dict[str, Agent]
    steps: list[Step]
    loops: list[Loop]
    budgets: Budgets
    raw: YMap | None
    text: str
    format: str
    #: facts the reader had to assume (adapters), reported as info findings
    assumptions: list[tuple[str, tuple[int, int], str]]
    step_index: dict[str, int]
    extra: dict[str, Any]

    def __init__(self, name: str, file: str, execution: str = "sequential",
                 max_concurrency: int | None = None, models: dict[str, Model] | None = None,
                 tools: dict[str, Tool] | None = None, inputs: dict[str, Input] | None = None,
                 agents: dict[str, Agent] | None = None, steps: list[Step] | None = None,
                 loops: list[Loop] | None = None, budgets: Budgets | None = None,
                 raw: YMap | None = None, text: str = "", format: str = "agentlint",
                 assumptions: list[tuple[str, tuple[int, int], str]] | None = None,
                 step_index: dict[str, int] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.name = name
        self.file = file
        self.execution = execution
        self.max_concurrency = max_concurrency
        self.models = {} if models is None else models
        self.tools = {} if tools is None else tools
        self.inputs = {} if inputs is None else inputs
        self.agents = {} if agents is None else agents
        self.steps = [] if steps is None else steps
        self.loops = [] if loops is None else loops
        self.budgets = Budgets() if budgets is None else budgets
        self.raw = raw
        self.text = text
        self.format = format
        self.assumptions = [] if assumptions is None else assumptions
        self.step_index = {} if step_index is None else step_index
        self.extra = {} if extra is None else extra

    def step(self, step_id: str) -> Step:
        return self.steps[self.step_index[step_id]]

    def model_of(self, step: Step) -> Model | None:
        return self.models.get(step.model) if step.model is not None else None
