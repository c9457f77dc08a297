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
from agentlint.lint.registry import Context
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
