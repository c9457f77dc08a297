"""Facts about a workflow that several rules share: places, names, token counts,
tool effects, branch chains, untrusted text and where a run is weakest.

Nothing here reports a finding; rules ask, and phrase what they are told.
"""

from __future__ import annotations

from agentlint.graph.build import BranchKey, Graph
from agentlint.graph.estimate import (
    Tokens,
    multipliers,
    step_figures,
)
from agentlint.graph.estimate import when_run as run_time
from agentlint.lint.registry import Context
from agentlint.record import Record
from agentlint.spec.marks import calibrated_runs
from agentlint.spec.model import Model, Step, Workflow
from agentlint.spec.positions import YMap, YSeq
from agentlint.spec.textpos import locate, text_lines
from agentlint.units import percent


def step_pos(step: Step, key: str = "id") -> tuple[int, int]:
    """Position of ``key``'s value in ``step``, else of its id, else of the step."""
    if step.raw is not None and key in step.raw:
        return step.at(key)
    return step.at("id")


def needs_pos(step: Step, name: str) -> tuple[int, int] | None:
    """Position of the entry ``name`` in the step's ``needs`` list, if it is written there."""
    listed = step.raw.get("needs") if step.raw is not None else None
    if isinstance(listed, YSeq):
        for k, entry in enumerate(listed):
            if entry == name:
                return listed.item_at(k)
    return None


def model_pos(wf: Workflow, step: Step) -> tuple[int, int]:
    """Where the step's model is chosen: its own ``model:``, else its agent's."""
    if step.raw is not None and "model" in step.raw:
        return step.at("model")
    if step.agent is not None:
        agent = wf.agents[step.agent]
        if agent.raw is not None and "model" in agent.raw:
            return step.at("agent")
    return step_pos(step)


def code(text: str) -> str:
    return f"`{text}`"


def names(ids: list[str], limit: int = 6) -> str:
    """``a``, ``b`` and ``c`` -- long lists end in "and N more"."""
    shown = [code(i) for i in ids[:limit]]
    if len(ids) > limit:
        shown.append(f"{len(ids) - limit} more")
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def tokens(value: float) -> str:
    return f"{value:,.0f}"


def held_tools(step: Step) -> list[str]:
    """The tools the step calls (tool step) or can call (a model step's ``tools``)."""
    return [step.tool] if step.kind == "tool" and step.tool else list(step.tools)


def side_effect_tools(wf: Workflow, step: Step) -> list[str]:
    """Tools with effect write or send the step calls (tool step) or holds (agent)."""
    return [t for t in held_tools(step)
            if t in wf.tools and wf.tools[t].effect in ("write", "send")]


def non_idempotent_tools(wf: Workflow, step: Step) -> list[str]:
    return [t for t in held_tools(step) if t in wf.tools and not wf.tools[t].idempotent]


def branch_chain(g: Graph, i: int) -> list[BranchKey]:
    """The router branches step ``i`` lies in, innermost first."""
    return g.chain(g.branch[i])


def input_price(model: Model | None) -> float:
    """USD per million input tokens (0 for per-call priced models)."""
    if model is None or model.per_call_usd is not None:
        return 0.0
    return model.input_per_mtok or 0.0


def cache_discount(model: Model | None) -> float:
    """USD per million input tokens a cached read saves, as the estimate prices it (0 for
    per-call priced models and models without a cached-input price)."""
    if model is None or model.per_call_usd is not None or model.cached_input_per_mtok is None:
        return 0.0
    return (model.input_per_mtok or 0.0) - model.cached_input_per_mtok


def output_size(step: Step) -> float:
    return step.output_tokens * step.fan_out


def text_pos(wf: Workflow, raw: YMap | None, field: str, text: str, offset: int
              ) -> tuple[int, int]:
    if raw is None:
        return (1, 1)
    if field in raw:
        return locate(text_lines(wf), raw.value_at(field), text, offset)
    if f"{field}_file" in raw:
        return raw.value_at(f"{field}_file")
    return raw.at()


def call_tokens(ctx: Context, step: Step) -> Tokens:
    """The tokens of one call of ``step``, as the estimate counted them (not recounted)."""
    row = ctx.estimate.steps[step.index]
    return Tokens(row.input_tokens, row.cached_tokens, row.output_tokens)


def retry_gain(ctx: Context, indices: list[int]) -> float:
    """End-to-end success if each step in ``indices`` had one more retry."""
    wf, g = ctx.wf, ctx.graph
    rows = ctx.estimate.steps
    result = ctx.estimate.reliability
    for i in indices:
        old = rows[i].reliability
        if old <= 0:
            continue
        step = wf.steps[i]
        new = multipliers(g, i).success(step_figures(wf, step, retries=step.retries + 1))
        result = result / old * new
    return result


def weakest_steps(ctx: Context, count: int = 3) -> str:
    """"weakest steps: a 97.00 %, b 98.00 %; one more retry on each gives 99.1 %"."""
    wf = ctx.wf
    rows = ctx.estimate.steps
    candidates = [i for i in range(len(rows)) if rows[i].reliability < 1.0]
    if not candidates:
        return ""
    candidates.sort(key=lambda i: (rows[i].reliability, i))
    weakest = candidates[:count]
    listed = ", ".join(f"{wf.steps[i].id} {percent(rows[i].reliability)}" for i in weakest)
    text = f"weakest steps: {listed}"
    safe = [i for i in weakest if not non_idempotent_tools(wf, wf.steps[i])]
    if safe:
        who = "each of them" if len(safe) == len(weakest) else names(
            [wf.steps[i].id for i in safe])
        text += f"; one more retry on {who} gives {percent(retry_gain(ctx, safe))}"
    every = [i for i in candidates if not non_idempotent_tools(wf, wf.steps[i])]
    if len(every) > len(safe):
        text += f", on every step that can be retried safely {percent(retry_gain(ctx, every))}"
    return text


def tainted_steps(ctx: Context) -> list[str | None]:
    """For each step, where its untrusted text comes from (None: it reads none)."""
    wf, g = ctx.wf, ctx.graph
    root: list[str | None] = [None] * g.n
    shown: list[str | None] = [None] * g.n
    for v in g.topo:
        step = wf.steps[v]
        own = _own_origin(wf, step)
        if own is not None:
            root[v] = shown[v] = own
            continue
        for p in g.data_preds[v]:
            if root[p] is not None:
                root[v] = root[p]
                shown[v] = f"{root[p]} via `{wf.steps[p].id}`"
                break
    return shown


def _own_origin(wf: Workflow, step: Step) -> str | None:
    for name in step.input_refs():
        if wf.inputs[name].untrusted:
            return f"`inputs.{name}`"
    for tool in held_tools(step):
        if tool in wf.tools and wf.tools[tool].untrusted:
            return f"tool `{tool}`"
    return None


# -- dependencies beyond data ------------------------------------------------------------

#: ``Workflow.extra`` key a reader may fill with the order its format requires without a
#: data reference: ``{step id: {earlier step id: why}}`` ("gate", "state", ...)
ORDER_KEY = "required_order"


def required_order(wf: Workflow, g: Graph) -> list[dict[int, str]]:
    """Per step, the steps it must follow although it reads nothing of theirs, and why.

    Every dependency the graph knows that is not a data reference: a router
    before its route target ("route"), a condition that gates the step
    (promptflow ``activate.when``: "gate"), what a reader recorded under
    :data:`ORDER_KEY` (a state write read later, a conversation variable), and
    every predecessor of a step whose reads the reader could not see (a code
    reference: "unknown reads"). Only ``needs`` entries that none of these
    explain are order an author may drop.
    """
    out: list[dict[int, str]] = [{} for _ in range(g.n)]
    index = wf.step_index
    for step in wf.steps:
        for route in step.routes:
            out[index[route.step]].setdefault(step.index, "route")
    extra = wf.extra.get(ORDER_KEY)
    if isinstance(extra, dict):
        for sid, preds in extra.items():
            if sid in index and isinstance(preds, dict):
                for pid, why in preds.items():
                    if pid in index:
                        out[index[sid]].setdefault(index[pid], str(why))
    lines = text_lines(wf) if wf.format == "promptflow" else []
    for step in wf.steps:
        v = step.index
        if wf.format != "agentlint" and step.kind == "tool" and not step.refs:
            for p in g.dep_preds[v]:
                out[v].setdefault(p, "unknown reads")
        for name in step.needs:
            at = needs_pos(step, name)
            if at is not None and _gate_at(lines, at):
                out[v].setdefault(index[name], "gate")
    return out


def _gate_at(lines: list[str], at: tuple[int, int]) -> bool:
    """A promptflow ``activate: {when: ${node.output}}`` written at ``at``."""
    line, col = at
    if not 0 < line <= len(lines):
        return False
    head = lines[line - 1][:max(col - 1, 0)]
    return head.rstrip().endswith(("when:", "when :")) or "when:" in head


def when_run(ctx: Context) -> list[float]:
    """Each step's expected time in the runs that run it (its branch's own timeline)."""
    return run_time(ctx.graph, [row.latency_s for row in ctx.estimate.steps])


# -- sizes agentlint assumed -------------------------------------------------------------

#: what a spec that says nothing is counted as (spec/load.py, adapters/ir.py)
DEFAULT_INPUT_SIZE = 500.0
DEFAULT_OUTPUT_SIZE = 256.0
DEFAULT_TOOL_OUTPUT_SIZE = 500.0
#: the assumption keys the readers record (adapters/lower.py, adapters/profile.py)
INPUTS_ASSUMED = "assumption:inputs"
OUTPUTS_ASSUMED = "assumption:output-tokens"
TOOL_OUTPUTS_ASSUMED = "assumption:tool-output"


class Assumed(Record):
    """The sizes agentlint assumed instead of reading them, each with what it assumed."""

    __slots__ = ("inputs", "outputs")
    __match_args__ = ("inputs", "outputs")

    inputs: dict[str, str]
    outputs: dict[str, str]

    def __init__(self, inputs: dict[str, str], outputs: dict[str, str]) -> None:
        self.inputs = inputs
        self.outputs = outputs

    def source(self, ns: str, name: str) -> str | None:
        return (self.inputs if ns == "inputs" else self.outputs).get(name)


def assumed_sizes(wf: Workflow) -> Assumed:
    """Which input and output sizes are assumptions, not figures the spec states.

    A native spec states a size with ``tokens`` on an input and ``output_tokens``
    on a model step, or a profile laid over it (``--profile``) gives them; without them
    an input counts 500 tokens and an output 256.
    A workflow read from another format has its sizes filled by the reader, from
    the profile (``agentlint.profile.yaml``) or by default; the defaults are the
    ones it reports as assumed (rule AL902): inputs still at 500 tokens, model
    outputs at 256 and tool outputs at 500 when those assumptions were made.
    A model-less step that passes on what it reads (an aggregate) carries the
    assumption of what it reads.
    """
    inputs: dict[str, str] = {}
    outputs: dict[str, str] = {}
    if wf.format == "agentlint":
        for name, inp in wf.inputs.items():
            if (inp.raw is None or "tokens" not in inp.raw) and \
                    calibrated_runs(wf, f"input:{name}", "tokens") is None:
                inputs[name] = f"input `{name}` states no `tokens`, counted as " \
                               f"{tokens(inp.tokens)}"
        for step in wf.steps:
            if step.uses_model and (step.raw is None or "output_tokens" not in step.raw) \
                    and calibrated_runs(wf, step.id, "output_tokens") is None:
                outputs[step.id] = f"`{step.id}` states no `output_tokens`, counted as " \
                                   f"{tokens(step.output_tokens)}"
        return Assumed(inputs, outputs)
    keys = {key for _, _, key in wf.assumptions}
    if INPUTS_ASSUMED in keys:
        for name, inp in wf.inputs.items():
            if inp.tokens == DEFAULT_INPUT_SIZE:
                inputs[name] = f"the size of input `{name}` is assumed " \
                               f"({tokens(inp.tokens)} tokens)"
    for step in wf.steps:
        if step.uses_model:
            if OUTPUTS_ASSUMED in keys and step.output_tokens == DEFAULT_OUTPUT_SIZE:
                outputs[step.id] = f"the output size of `{step.id}` is assumed " \
                                   f"({tokens(step.output_tokens)} tokens)"
        elif step.kind == "tool":
            if TOOL_OUTPUTS_ASSUMED in keys and step.output_tokens == DEFAULT_TOOL_OUTPUT_SIZE:
                outputs[step.id] = f"the output size of `{step.id}` is assumed " \
                                   f"({tokens(step.output_tokens)} tokens)"
        else:
            carried = [n for ref in step.refs
                       if (n := (inputs if ref.kind == "inputs" else outputs).get(ref.name))]
            if carried:
                outputs[step.id] = carried[0]
    return Assumed(inputs, outputs)


def assumed_input_part(wf: Workflow, step: Step, assumed: Assumed
                       ) -> tuple[float, list[str]]:
    """Tokens of one call's input that rest on assumed sizes, and what was assumed."""
    if step.input_tokens is not None:
        return 0.0, []
    part = 0.0
    notes: dict[str, None] = {}
    seen: set[str] = set()
    for ref in step.refs:
        note = assumed.source(ref.kind, ref.name)
        if ref.kind == "steps":
            if ref.field == "context" and ref.name in seen:
                continue
            seen.add(ref.name)
        if note is None:
            continue
        notes.setdefault(note, None)
        part += wf.inputs[ref.name].tokens if ref.kind == "inputs" \
            else output_size(wf.step(ref.name))
    return part, list(notes)


def report_sized(ctx: Context, message: str, at: tuple[int, int], key: str,
                 notes: list[str], what: str | None = None) -> None:
    """Report a finding that rests on token counts (or on the other figures ``what``
    names): when some of them are assumed, at most ``info``, saying which were assumed."""
    if not notes:
        ctx.report(message, at, key=key)
        return
    shown = "; ".join(notes[:3]) + (f"; and {len(notes) - 3} more" if len(notes) > 3 else "")
    if what is None:
        what = "figures" if any(n.startswith("success per call") for n in notes) else "sizes"
    ctx.report(f"{message} [rests on assumed {what}: {shown}; state them to confirm]", at,
               key=key, severity="info")
