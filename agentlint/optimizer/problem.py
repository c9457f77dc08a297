"""What the optimizer may decide about a workflow, and what each decision costs.

Nothing here imports the solver: this module turns a :class:`Workflow` into
plain data (the options of every step with their exact figures, which steps
may be cut, which boundaries between listed steps may open or close a
parallel group) that :mod:`agentlint.optimizer.milp` writes as a MILP and
:mod:`agentlint.optimizer.plan` evaluates. Every figure comes from the
estimate's own functions (``step_tokens``, ``step_figures``, ``multipliers``),
so a plan's figures are the estimate of the rewritten spec.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

from agentlint.graph.build import Graph, build_graph, exec_preds
from agentlint.graph.downgrade import PREMIUM_OUTPUT_PER_MTOK, alternatives, trivial
from agentlint.graph.estimate import Tokens, multipliers, step_figures, step_tokens
from agentlint.record import replace
from agentlint.spec.edit import SpecText
from agentlint.spec.model import Ref, Stage, Step, Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.tokens import find_refs

#: Readers with more cuttable sources than this are not checked subset by
#: subset; their sources stay in the spec.
MAX_CUT_SOURCES_PER_READER = 6


@dataclass(slots=True)
class Option:
    """One (model, retries) setting of a step and its figures in one run."""

    model: str | None
    retries: int
    cost: float
    time: float
    success: float
    calls: float
    changes: int  # fields that differ from the spec: model, retries
    #: cost this step saves when a source step is cut (its input shrinks)
    savings: dict[int, float] = field(default_factory=dict)
    #: quality lost: how many tiers the model is below the spec's (0 when either
    #: tier is unknown, or the model is the spec's)
    loss: int = 0
    #: the models asked before ``model`` (a cascade); the spec's own unless proposed
    cascade: tuple[Stage, ...] = ()

    @property
    def log_success(self) -> float:
        return math.log(self.success) if self.success > 0 else -math.inf


@dataclass(slots=True)
class Opportunity:
    """A cheaper model for a step whose model the spec does not let the optimizer change."""

    step: str
    line: int
    model: str
    to: str
    #: USD per run saved, and the step's figures with either model (retries as written)
    saving_usd: float
    time_s: tuple[float, float]
    success: tuple[float, float]
    tier: tuple[int | None, int | None]
    #: why ``premium-on-trivial-step`` (AL202) names it, when it does ("to write 8 tokens")
    trivial: str | None = None
    #: where the model is really set, when the line does not show it (another format)
    note: str = ""

    @property
    def risk(self) -> str:
        """The quality the change may cost, in words."""
        parts = []
        old, new = self.tier
        if old is not None and new is not None:
            if new < old:
                parts.append(f"tier {old} -> {new}")
            else:
                parts.append(f"tier {old} -> {new} (no tier lost)")
        else:
            parts.append("quality unknown (no tier for "
                         + " and ".join(f"'{m}'" for m, t in ((self.model, old), (self.to, new))
                                        if t is None) + ")")
        if self.success[1] < self.success[0]:
            parts.append(f"step success {self.success[0] * 100:.2f} % -> "
                         f"{self.success[1] * 100:.2f} %")
        if self.time_s[1] > self.time_s[0]:
            parts.append(f"step time {self.time_s[0]:.2f} s -> {self.time_s[1]:.2f} s")
        if self.trivial:
            parts.append(f"premium-on-trivial-step (AL202): its job is {self.trivial}")
        return "; ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {"step": self.step, "line": self.line, "model": self.model, "to": self.to,
                "saving_usd": self.saving_usd, "tier": list(self.tier),
                "step_success": list(self.success), "step_time_s": list(self.time_s),
                "trivial": self.trivial, "risk": self.risk, "note": self.note.strip()}


@dataclass(slots=True)
class Choice:
    index: int
    options: list[Option]
    current: int  # index in options of the spec's own setting
    cuttable: bool = False

    @property
    def fixed(self) -> bool:
        return len(self.options) == 1 and not self.cuttable


@dataclass(slots=True)
class Segment:
    """Sequential mode: a run of listed steps.

    ``free``: the boundaries between consecutive positions are decisions (each
    may open a new group), and ``edges`` are the dependencies that must not end
    up inside one group. Otherwise the segment is one group of the spec kept
    as written, and ``edges`` are the dependencies inside it (a chain).
    """

    positions: list[int]
    free: bool
    edges: list[tuple[int, int]]


@dataclass
class Problem:
    wf: Workflow
    graph: Graph
    text: SpecText
    choices: list[Choice]
    sequential: bool
    #: dag mode: predecessors in the execution DAG (steps only)
    preds: list[list[int]]
    #: sequential mode
    segments: list[Segment]
    current_merge: list[bool]
    max_concurrency: int | None
    #: cuttable step -> steps whose input shrinks when it is cut
    readers: dict[int, list[int]]
    #: token drop of a reader per cut source: (reader, source) -> tokens
    token_drop: dict[tuple[int, int], float]
    #: loop bodies whose steps are all cuttable (one must stay)
    loop_bodies: list[list[int]]
    #: latest possible finish of each step with its slowest options (big-M bounds)
    finish_max: list[float]
    notes: list[str] = field(default_factory=list)
    #: model changes the spec does not allow (no ``candidates``, no ``min_tier``) that
    #: would save money: listed for the author, never part of a plan
    opportunities: list[Opportunity] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.wf.steps)

    def step(self, i: int) -> Step:
        return self.wf.steps[i]


def build_problem(wf: Workflow) -> Problem:
    g = build_graph(wf)
    text = SpecText(wf)
    notes: list[str] = []
    cuttable, drops = _cuttable(wf, g, text, notes)
    choices = [_choice(wf, g, text, step, cuttable, drops) for step in wf.steps]
    readers: dict[int, list[int]] = {}
    for (reader, source) in sorted(drops):
        if source in cuttable:
            readers.setdefault(source, []).append(reader)
    sequential = wf.execution == "sequential"
    n = len(wf.steps)
    preds = exec_preds(g, expected=True)[:n] if not sequential else []
    segments: list[Segment] = []
    current_merge = [False] * n
    if sequential:
        for group in g.groups:
            for b in group[1:]:
                current_merge[b] = True
        segments = _segments(wf, g, text, notes)
    loop_bodies = []
    for loop in wf.loops:
        body = [wf.step_index[s] for s in loop.steps]
        if body and all(i in cuttable for i in body):
            loop_bodies.append(body)
    problem = Problem(wf, g, text, choices, sequential, preds, segments, current_merge,
                      wf.max_concurrency, readers, {k: v for k, v in drops.items()
                                                    if k[1] in cuttable},
                      loop_bodies, [], notes)
    problem.finish_max = _finish_max(problem)
    problem.opportunities = _opportunities(wf, g, text)
    return problem


def keep_quality_only(p: Problem) -> None:
    """Restrict ``p`` to the changes that cost no quality: no step is cut, none loses a
    tier, none becomes less likely to succeed than as written."""
    for choice in p.choices:
        own = choice.options[choice.current]
        keep = [j for j, o in enumerate(choice.options)
                if j == choice.current or (o.loss == 0 and o.success >= own.success)]
        choice.current = keep.index(choice.current)
        choice.options = [choice.options[j] for j in keep]
        choice.cuttable = False
    p.readers = {}
    p.token_drop = {}
    p.loop_bodies = []


# -- options ----------------------------------------------------------------------------


def candidate_models(wf: Workflow, step: Step) -> list[str | None]:
    """The models ``step`` may run on, its own first.

    A model change is a quality decision, so the spec states it: the step's
    ``candidates``; or, with a tier floor (``min_tier``, or the default of its
    ``class``), every model of :func:`model_pool` whose tier is known and at least
    that; else the step keeps its model (the cheaper ones are *opportunities*, see
    :func:`_opportunities`).
    """
    if step.model is None:
        return [None]
    floor = step.tier_floor
    if step.candidates is not None:
        names = list(step.candidates)
    elif floor is not None:
        names = [name for name in model_pool(wf, step)
                 if (tier := tier_of(wf, name)) is not None and tier >= floor]
    else:
        names = []
    return _with_current(step, names)


def cascade_options(wf: Workflow, step: Step, tokens: Tokens) -> list[tuple[Stage, ...]]:
    """The cascades ``step`` may take: the spec's own, and with ``may_cascade`` (on a
    step without a cascade) one first try in front of its model per allowed model:
    ``may_cascade.models``, else the step's ``candidates``, else :func:`model_pool`.
    A model whose ``context_window`` is smaller than the step's input is skipped."""
    out: list[tuple[Stage, ...]] = [step.cascade]
    allowed = step.may_cascade
    if allowed is None or step.cascade or step.model is None:
        return out
    if allowed.models is not None:
        names = list(allowed.models)
    elif step.candidates is not None:
        names = list(step.candidates)
    else:
        names = model_pool(wf, step)
    for name in dict.fromkeys(names):
        model = wf.models.get(name)
        if name == step.model or model is None:
            continue
        if model.context_window and tokens.input > model.context_window:
            continue
        out.append((Stage(name, allowed.accept, allowed.check_usd, allowed.check_s),))
    return out


def model_pool(wf: Workflow, step: Step) -> list[str]:
    """The models a step could move to if the spec let it: the spec's own models and, on
    a premium model doing trivial work, the cheaper models the
    ``premium-on-trivial-step`` rule names for it (added to ``wf.models`` from the
    catalog when the spec does not declare them), so lint and optimize agree."""
    if step.model is None:
        return []
    names = [name for name, m in wf.models.items() if m.declared]
    return names + _downgrades(wf, step)


def tier_of(wf: Workflow, name: str | None) -> int | None:
    model = wf.models.get(name) if name is not None else None
    return model.tier if model is not None else None


def quality_loss(wf: Workflow, current: str | None, name: str | None) -> int:
    """Tiers lost moving from ``current`` to ``name`` (0 when either tier is unknown)."""
    if name == current:
        return 0
    old, new = tier_of(wf, current), tier_of(wf, name)
    if old is None or new is None:
        return 0
    return max(0, old - new)


def _with_current(step: Step, names: list[str]) -> list[str | None]:
    out: list[str | None] = []
    for name in names:
        if name not in out:
            out.append(name)
    if step.model in out:
        out.remove(step.model)
    return [step.model, *out]


def _downgrades(wf: Workflow, step: Step) -> list[str]:
    """The cheaper models AL202 names for ``step`` (with its default options)."""
    model = wf.model_of(step)
    if model is None or model.output_price < PREMIUM_OUTPUT_PER_MTOK or trivial(step) is None:
        return []
    out = []
    for cheap in alternatives(wf, model):
        known = wf.models.get(cheap.name)
        if known is None:
            wf.models[cheap.name] = cheap
        elif known is not cheap and known.base != cheap.base:
            continue  # the spec uses the name for another model
        out.append(cheap.name)
    return out


def retry_range(wf: Workflow, step: Step) -> range:
    """0..max_retries, but never more retries than now on a step with side effects."""
    if _non_idempotent(wf, step):
        return range(0, step.retries + 1)
    return range(0, max(step.max_retries, step.retries) + 1)


def _non_idempotent(wf: Workflow, step: Step) -> bool:
    names = list(step.tools)
    if step.tool:
        names.append(step.tool)
    return any(name in wf.tools and not wf.tools[name].idempotent for name in names)


def _choice(wf: Workflow, g: Graph, text: SpecText, step: Step, cuttable: set[int],
            drops: dict[tuple[int, int], float]) -> Choice:
    i = step.index
    tokens = step_tokens(wf, step)
    mult = multipliers(g, i)
    models = candidate_models(wf, step)
    if len(models) > 1 and not text.can_set_scalar(step, "model"):
        models = models[:1]
    window_ok = []
    for name in models:
        model = wf.models.get(name) if name is not None else None
        if name != step.model and model is not None and model.context_window \
                and tokens.input > model.context_window:
            continue
        window_ok.append(name)
    retries = list(retry_range(wf, step))
    if len(retries) > 1 and not text.can_set_scalar(step, "retries"):
        retries = [step.retries]
    sources = sorted(src for (reader, src) in drops if reader == i and src in cuttable)
    cascades = cascade_options(wf, step, tokens)
    if len(cascades) > 1 and not text.can_set_scalar(step, "cascade"):
        cascades = cascades[:1]
    options: list[Option] = []
    for name in window_ok:
        for stages in cascades:
            if any(stage.model == name for stage in stages):
                continue  # a cascade ends with a model it has not asked yet
            if stages != step.cascade and name != step.model:
                continue  # a proposed cascade keeps the step's model as its last stage
            for k in retries:
                f = step_figures(wf, step, name, k, tokens, stages)
                savings = {}
                for src in sources:
                    less = Tokens(tokens.input - drops[(i, src)], tokens.cached,
                                  tokens.output)
                    saved = mult.cost(f) - mult.cost(step_figures(wf, step, name, k, less,
                                                                  stages))
                    if saved != 0.0:
                        savings[src] = saved
                changes = (name != step.model) + (k != step.retries) + (stages != step.cascade)
                options.append(Option(name, k, mult.cost(f), mult.time(f), mult.success(f),
                                      mult.calls(f), changes, savings,
                                      quality_loss(wf, step.model, name), stages))
    current = next(j for j, o in enumerate(options)
                   if o.model == step.model and o.retries == step.retries
                   and o.cascade == step.cascade)
    options, current = _prune(options, current)
    return Choice(i, options, current, i in cuttable)


def _prune(options: list[Option], current: int) -> tuple[list[Option], int]:
    """Drop options identical to a kept one, and options another beats on every figure."""
    def key(o: Option) -> tuple[float, float, float, int, tuple[tuple[int, float], ...]]:
        return (o.cost, o.time, o.success, o.loss, tuple(sorted(o.savings.items())))

    order = sorted(range(len(options)), key=lambda j: (j != current, options[j].changes,
                                                        options[j].loss, j))
    seen: set[tuple[float, float, float, int, tuple[tuple[int, float], ...]]] = set()
    kept: list[int] = []
    for j in order:
        k = key(options[j])
        if k in seen:
            continue
        seen.add(k)
        kept.append(j)
    survivors = []
    for j in kept:
        o = options[j]
        if j != current and not o.savings and any(
                _dominates(options[h], o) for h in kept if h != j and not options[h].savings):
            continue
        survivors.append(j)
    survivors.sort()
    return [options[j] for j in survivors], survivors.index(current)


def _dominates(a: Option, b: Option) -> bool:
    if not (a.cost <= b.cost and a.time <= b.time and a.success >= b.success
            and a.changes <= b.changes and a.loss <= b.loss):
        return False
    return (a.cost, a.time, a.success, a.changes, a.loss) != (
        b.cost, b.time, b.success, b.changes, b.loss)


def _opportunities(wf: Workflow, g: Graph, text: SpecText) -> list[Opportunity]:
    """Per step whose model the spec fixes (no ``candidates``, no tier floor): the
    cheapest model of :func:`model_pool` that would save money, with its risk."""
    out: list[Opportunity] = []
    for step in wf.steps:
        if step.model is None or step.candidates is not None or step.tier_floor is not None:
            continue
        if not text.can_set_scalar(step, "model"):
            continue
        pool = [name for name in _with_current(step, model_pool(wf, step))[1:]
                if name is not None]
        if not pool:
            continue
        tokens = step_tokens(wf, step)
        mult = multipliers(g, step.index)
        here = step_figures(wf, step, step.model, step.retries, tokens)
        keep = step.cascade
        base = mult.cost(here)
        best: tuple[float, str, float, float] | None = None
        for name in pool:
            model = wf.models.get(name)
            if model is None or (model.context_window and tokens.input > model.context_window):
                continue
            if any(stage.model == name for stage in keep):
                continue
            f = step_figures(wf, step, name, step.retries, tokens)
            saving = base - mult.cost(f)
            if saving > 0 and (best is None or saving > best[0]):
                best = (saving, name, mult.time(f), mult.success(f))
        if best is None:
            continue
        saving, name, time_s, success = best
        own = wf.model_of(step)
        why = None
        if own is not None and own.output_price >= PREMIUM_OUTPUT_PER_MTOK \
                and name in _downgrades(wf, step):
            why = trivial(step)
        out.append(Opportunity(step.id, step.at("model")[0], step.model, name, saving,
                               (mult.time(here), time_s), (mult.success(here), success),
                               (tier_of(wf, step.model), tier_of(wf, name)), why))
    out.sort(key=lambda o: (-o.saving_usd, o.line))
    return out


# -- cuts -------------------------------------------------------------------------------


def _has_routers(wf: Workflow) -> bool:
    return any(step.routes for step in wf.steps)


def _cuttable(wf: Workflow, g: Graph, text: SpecText, notes: list[str]
              ) -> tuple[set[int], dict[tuple[int, int], float]]:
    """Optional steps that can be cut exactly, and how much each reader's input drops.

    Cutting a step deletes it and every reference to it: readers lose that
    input (their input tokens drop by its output), ``needs`` entries and loop
    entries naming it go. A step stays when cutting it would change anything
    the cost model cannot price linearly (which branch a reader belongs to,
    a reader's cacheable prefix), or when the references cannot be edited in
    place (prompt files, placeholders that also read something else).
    """
    routers = _has_routers(wf)
    eligible: set[int] = set()
    for step in wf.steps:
        if not step.optional:
            continue
        blocker = _cut_blocker(wf, g, text, step, routers)
        if blocker:
            notes.append(f"step '{step.id}' is optional but stays: {blocker}")
            continue
        eligible.add(step.index)
    drops: dict[tuple[int, int], float] = {}
    why: dict[int, str] = {}
    while True:
        before = set(eligible)
        if routers:
            kept = set(eligible)
            _router_fixpoint(g, eligible)
            for i in kept - eligible:
                why.setdefault(i, "a step that reads it could move onto a router branch")
        kept = set(eligible)
        drops = _token_drops(wf, text, eligible)
        for i in kept - eligible:
            why.setdefault(i, "removing it from a reader's text would not shrink that "
                              "reader's input by exactly its output")
        if eligible == before:
            break
    for i in sorted(why):
        notes.append(f"step '{wf.steps[i].id}' is optional but stays: {why[i]}")
    return eligible, drops


def _cut_blocker(wf: Workflow, g: Graph, text: SpecText, step: Step, routers: bool
                 ) -> str | None:
    i = step.index
    if step.terminal:
        return "it is terminal"
    if step.routes:
        return "it is a router"
    if g.branch[i] is not None:
        return "it runs on a router branch"
    if routers and wf.execution == "dag":
        return "the workflow has routers and runs as a dag"
    if text.step_region(step) is None:
        return "its block cannot be deleted in place (flow style or merged keys)"
    for loop in wf.loops:
        if loop.until and any(ns == "steps" and name == step.id
                              for ns, name, _ in find_refs(loop.until)):
            return f"loop '{loop.id}' stops on its output"
        if step.id in loop.steps and (loop.raw is None
                                      or text.list_field(loop.raw, "steps") is None):
            return f"loop '{loop.id}' lists its steps in a form that cannot be edited"
    for succ in g.dep_succs[i]:
        reader = wf.steps[succ]
        raw = reader.raw
        if raw is None:
            return f"step '{reader.id}' cannot be edited"
        for key, names in (("needs", reader.needs), ("context", reader.context)):
            if step.id in names:
                if text.list_field(raw, key) is None:
                    return f"the '{key}' list of step '{reader.id}' cannot be edited"
                kline, kcol = raw.key_at(key)
                if text.lines[kline - 1][:kcol - 1].strip():
                    return f"the '{key}' list of step '{reader.id}' cannot be edited"
        for ref in reader.refs:
            if ref.kind != "steps" or ref.name != step.id or ref.field == "context":
                continue
            owner, key = _text_owner(wf, reader, ref.field)
            if owner is None:
                return f"step '{reader.id}' reads it from a prompt file"
            if text.removal_edits(owner, key, {step.id}) is None:
                return (f"its placeholder in step '{reader.id}' cannot be removed as "
                        "written (it also reads something else, or is split over lines)")
    return None


def _text_owner(wf: Workflow, reader: Step, fld: str) -> tuple[YMap | None, str]:
    """The positioned mapping holding the text ``fld`` of ``reader`` (None for files)."""
    raw = reader.raw
    if fld == "prompt":
        return (raw, "prompt") if raw is not None and "prompt" in raw else (None, "")
    if reader.system_from == "agent" and reader.agent:
        agent = wf.agents[reader.agent]
        if agent.raw is not None and "system" in agent.raw:
            return agent.raw, "system"
        return None, ""
    return (raw, "system") if raw is not None and "system" in raw else (None, "")


def _router_fixpoint(g: Graph, eligible: set[int]) -> None:
    """Keep only cuts that leave every other step on the branch it is on."""
    targets = {g.wf.step_index[r.step] for s in g.wf.steps for r in s.routes}
    changed = True
    while changed:
        changed = False
        for x in sorted(eligible):
            for z in g.dep_succs[x]:
                if z in targets:
                    continue
                preds = g.dep_preds[z]
                if all(g.branch[p] is None for p in preds):
                    continue
                if not any(p != x and p not in eligible and g.branch[p] is None
                           for p in preds):
                    eligible.discard(x)
                    changed = True
                    break


def _token_drops(wf: Workflow, text: SpecText, eligible: set[int]
                 ) -> dict[tuple[int, int], float]:
    """Input-token drop of each reader per cut source; sources that fail the check go.

    A reader's tokens are recomputed from its edited text for every subset of
    its cuttable sources: the drop must be the sum of the single drops and the
    cacheable prefix must not move, so cost stays linear in the cut decisions.
    """
    drops: dict[tuple[int, int], float] = {}
    for reader in wf.steps:
        sources = [wf.step_index[name] for name in reader.step_refs()
                   if wf.step_index[name] in eligible]
        if not sources:
            continue
        if len(sources) > MAX_CUT_SOURCES_PER_READER:
            eligible.difference_update(sources)
            continue
        base = step_tokens(wf, reader)
        single: dict[int, float] = {}
        ok = True
        for size in range(1, len(sources) + 1):
            for subset in combinations(sources, size):
                tokens = _tokens_without(wf, text, reader, {wf.steps[s].id for s in subset})
                if tokens is None:
                    ok = False
                    break
                if size == 1:
                    single[subset[0]] = base.input - tokens.input
                expected = base.input - sum(single[s] for s in subset)
                if (tokens.cached != base.cached or tokens.output != base.output
                        or abs(tokens.input - expected) > 1e-9 * max(1.0, base.input)):
                    ok = False
                    break
            if not ok:
                break
        if not ok:
            eligible.difference_update(sources)
            continue
        for s, drop in single.items():
            drops[(reader.index, s)] = drop
    return drops


def _tokens_without(wf: Workflow, text: SpecText, reader: Step, ids: set[str]
                    ) -> Tokens | None:
    """The reader's tokens once the references to ``ids`` are removed from its spec text."""
    new_text = {"prompt": reader.prompt, "system": reader.system}
    for fld in ("prompt", "system"):
        if not any(r.kind == "steps" and r.name in ids and r.field == fld for r in reader.refs):
            continue
        owner, key = _text_owner(wf, reader, fld)
        if owner is None:
            return None
        edits = text.removal_edits(owner, key, ids)
        if edits is None:
            return None
        value = text.value_after(owner, key, edits)
        if value is None:
            return None
        new_text[fld] = value
    refs: list[Ref] = []
    for fld in ("prompt", "system"):
        for ns, name, offset in find_refs(new_text[fld]):
            refs.append(Ref(ns, name, fld, offset))
    if any(r.kind == "steps" and r.name in ids for r in refs):
        return None
    for name in reader.context:
        if name not in ids:
            refs.append(Ref("steps", name, "context", -1))
    changed = replace(reader, prompt=new_text["prompt"], system=new_text["system"], refs=refs)
    return step_tokens(wf, changed)


# -- structure --------------------------------------------------------------------------


def _segments(wf: Workflow, g: Graph, text: SpecText, notes: list[str]) -> list[Segment]:
    """Split the listed steps into free runs (regroupable) and groups kept as written."""
    targets = {wf.step_index[r.step] for s in wf.steps for r in s.routes}
    movable = []
    for step in wf.steps:
        i = step.index
        ok = (g.branch[i] is None and i not in targets and not step.terminal
              and text.can_set_scalar(step, "parallel"))
        movable.append(ok)
    fixed_group = [False] * len(wf.steps)
    for group in g.groups:
        members = set(group)
        internal = any(p in members for v in group for p in g.dep_preds[v])
        loops = {g.loop_of[v] for v in group}
        if internal or len(loops) > 1 or not all(movable[v] for v in group):
            for v in group:
                fixed_group[v] = True
            if len(group) > 1 and internal:
                names = ", ".join(wf.steps[v].id for v in group)
                notes.append(f"group ({names}) is kept as written: its members depend on "
                             "each other")
    segments: list[Segment] = []
    run: list[int] = []

    def close() -> None:
        if run:
            members = set(run)
            edges = [(p, v) for v in run for p in g.dep_preds[v] if p in members]
            segments.append(Segment(list(run), True, edges))
            run.clear()

    for group in g.groups:
        if fixed_group[group[0]]:
            close()
            members = set(group)
            edges = [(p, v) for v in group for p in g.dep_preds[v] if p in members]
            segments.append(Segment(list(group), False, edges))
            continue
        if run and g.loop_of[run[-1]] != g.loop_of[group[0]]:
            close()
        run.extend(group)
    close()
    return segments


def _finish_max(p: Problem) -> list[float]:
    """Latest finish of each step with every step on its slowest option."""
    n = p.n
    slow = [max(o.time for o in c.options) for c in p.choices]
    finish = [0.0] * n
    if not p.sequential:
        order = p.graph.topo
        for v in order:
            start = max((finish[u] for u in p.preds[v]), default=0.0)
            finish[v] = start + slow[v]
        return finish
    for seg in p.segments:
        inside = set(seg.positions)
        for v in seg.positions:
            start = max((finish[u] for u, w in seg.edges if w == v and u in inside),
                        default=0.0)
            finish[v] = start + slow[v]
    return finish
