"""Lowering the adapters' IR to a native spec: the :class:`Draft` of one source file.

An adapter fills a draft with steps, models, inputs and loops (see
:mod:`agentlint.adapters.ir`). The draft then becomes a native format-v1
document (positioned :class:`YMap` trees) that goes through
:func:`agentlint.spec.load.build`, so an adapted workflow is validated, priced
from the catalog and checked for references and cycles exactly like a spec
written by hand, and ``agentlint convert`` can print the very document that
was estimated.

What the source format does not say is filled here, from the catalog and from
``agentlint.profile.yaml`` beside the spec, and every default that had to be
assumed is recorded once in ``Workflow.assumptions``.
"""

from __future__ import annotations

import math
import os
from typing import Any

from agentlint.adapters.common import clamp, closest_catalog_name, safe_id, safe_name
from agentlint.adapters.ir import (
    DEFAULT_INPUT_TOKENS,
    DEFAULT_ITERATION_ITEMS,
    DEFAULT_MODEL,
    DEFAULT_TOOL_OUTPUT_TOKENS,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.adapters.profile import apply_profile, load_profile
from agentlint.errors import SpecError
from agentlint.spec import catalog
from agentlint.spec.deps import topological_order
from agentlint.spec.load import DEFAULT_OUTPUT_TOKENS, build
from agentlint.spec.model import MODEL_KINDS, Workflow
from agentlint.spec.positions import YMap, YSeq, pack
from agentlint.spec.tokens import find_refs, text_tokens


class Draft:
    """A native spec under construction for one source file."""

    def __init__(self, fmt: str, path: str, display: str, text: str, root: str) -> None:
        self.fmt = fmt
        self.path = path
        self.file = display
        self.text = text
        self.root = root
        self.base_dir = os.path.dirname(os.path.abspath(path))
        self.profile = load_profile(self.base_dir, display, os.path.basename(path), root)
        self.name: str | None = None
        self.execution = "dag"
        self.models: dict[str, dict[str, Any]] = {}
        self.model_pos: dict[str, Pos] = {}
        self._model_keys: dict[str, str] = {}
        self.tools: dict[str, Pos] = {}
        self.inputs: dict[str, dict[str, Any]] = {}
        self.agents: dict[str, dict[str, Any]] = {}
        self.steps: list[StepSpec] = []
        self.loops: list[LoopSpec] = []
        self.ids: set[str] = set()
        self._id_tried: dict[str, int] = {}  # see safe_id
        self.assumed: dict[str, tuple[str, Pos]] = {}
        self.sources: list[str] = [display]
        self.notes: list[str] = []
        #: models the catalog does not know, priced as an upper bound: (message, where, key)
        self.unpriced: list[tuple[str, Pos, str]] = []

    # -- facts that had to be assumed ---------------------------------------------------

    def assume(self, key: str, message: str, at: Pos) -> None:
        """Record an assumption once per ``key`` (the first place it applies)."""
        self.assumed.setdefault(key, (message, at))

    # -- models -------------------------------------------------------------------------

    def model(self, raw: Any, at: Pos, *, via: str = "model",
              default_reason: str | None = None) -> str:
        """The ``models:`` key for the model the source calls ``raw``; declares it.

        ``via`` says what the name is: ``model`` (a model name), ``deployment``
        (an Azure deployment name, which says nothing certain about the model
        behind it). ``raw`` None means the source names no model: the profile's
        ``default_model`` or :data:`DEFAULT_MODEL` is used and that is recorded
        with ``default_reason``.
        """
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            default = self.profile.default_model or DEFAULT_MODEL
            key = self._declare(default, {"model": catalog.resolve(default) or default}, at)
            if not self.profile.default_model:
                self.assume("model:default", (default_reason or "no model given") +
                            f"; priced as {default}, the default (set default_model or map "
                            "the names in agentlint.profile.yaml)", at)
            return key
        name = str(raw).strip()
        if name in self._model_keys:
            return self._model_keys[name]
        mapped = self.profile.models.get(name)
        if mapped is not None:
            entry = dict(mapped)
        else:
            resolved = catalog.resolve(name)
            if resolved is not None:
                entry = {"model": resolved}
                if via == "deployment":
                    self.assume(f"deployment:{name}", f"deployment '{name}' is assumed to "
                                f"serve {resolved}; a deployment name does not say which "
                                "model it runs, map it under models: in "
                                "agentlint.profile.yaml if it serves another", at)
            else:
                close = closest_catalog_name(name)
                if close is not None:
                    entry = {"model": close}
                    self.assume(f"model:{name}", f"model '{name}' is not in the catalog as "
                                f"written; priced as {close}, the closest name (map it under "
                                "models: in agentlint.profile.yaml)", at)
                else:
                    # never the cheapest guess: the costliest model of its family
                    bound, family = catalog.upper_bound(name)
                    entry = {"model": bound}
                    why = (f"the costliest {family} model in the catalog" if family else
                           "the costliest model in the catalog (no known family in the name)")
                    self.unpriced.append((f"model '{name}' is not in the catalog; priced as "
                                          f"{bound}, {why}, so its cost is an upper bound "
                                          "(map it under models: in agentlint.profile.yaml)",
                                          at, f"unpriced:{name}"))
        key = self._declare(name, entry, at)
        self._model_keys[name] = key
        return key

    def _declare(self, name: str, entry: dict[str, Any], at: Pos) -> str:
        key = safe_name(name)
        base, n = key, 2
        while key in self.models and self.models[key] != entry:
            key = f"{base}-{n}"
            n += 1
        if key not in self.models:
            self.models[key] = entry
            self.model_pos[key] = at
        return key

    # -- inputs and tools ---------------------------------------------------------------

    def input(self, name: str, at: Pos, *, cap: float | None = None,
              tokens: float | None = None, untrusted: bool = False) -> str:
        """Declare a run input (once); returns its id. ``cap`` bounds its size;
        ``untrusted`` marks text an outsider writes (the end user's message)."""
        key = safe_id(name, fallback="input")
        if key not in self.inputs:
            self.inputs[key] = {"at": at, "cap": cap, "tokens": tokens}
        if untrusted:
            self.inputs[key]["untrusted"] = True
        return key

    def tool(self, name: str, at: Pos) -> str:
        key = safe_name(name)
        self.tools.setdefault(key, at)
        return key

    def new_id(self, name: Any, fallback: str = "step") -> str:
        return safe_id(name, self.ids, fallback, self._id_tried)

    # -- the result ---------------------------------------------------------------------

    def finish(self) -> Workflow:
        if not self.steps:
            raise SpecError(self.file, 1, 1, f"no steps found: this {self.fmt} file has "
                            "no model call, tool or code step agentlint could read")
        apply_profile(self.profile, self.steps, self.loops, self.inputs, self.agents,
                      self.assume, self.model)
        self._assume_waits()
        self._fill_sizes()
        doc = self.document()
        wf = build(doc, self.file, self.text, self.base_dir, self.root)
        wf.format = self.fmt
        for spec in self.steps:
            step = wf.step(spec.id)
            step.origin = spec.origin or None
            step.implicit_context = spec.implicit_context
            step.output_leaves = spec.output_leaves
        wf.assumptions = [(message, at, f"assumption:{key}")
                          for key, (message, at) in self.assumed.items()]
        wf.extra["native"] = doc
        wf.extra["sources"] = list(dict.fromkeys(self.sources))
        wf.extra["notes"] = list(self.notes)
        wf.extra["unpriced"] = list(self.unpriced)
        return wf

    def _assume_waits(self) -> None:
        """A step that waits for a person: its wait and its answer, when nothing says."""
        for spec in self.steps:
            if not spec.wait_assumed or spec.per_call_s is None:
                continue
            shown = spec.names[0] if spec.names else spec.id
            answer = ""
            if spec.output_tokens is None:
                spec.output_tokens = DEFAULT_INPUT_TOKENS
                answer = f" and an answer of {DEFAULT_INPUT_TOKENS:g} tokens"
            self.assume(f"wait:{spec.id}", f"'{shown}' waits for a person: assumed "
                        f"{spec.per_call_s:g} s per run{answer} (the source gives a deadline at "
                        "most); give per_call_s (and output_tokens) under steps: in "
                        "agentlint.profile.yaml", spec.at)

    def _fill_sizes(self) -> None:
        """Output sizes: stated, profiled, computed from what a step reads, or assumed."""
        by_id = {s.id: s for s in self.steps}
        assumed_llm: list[StepSpec] = []
        capped = False
        assumed_tool: list[StepSpec] = []
        for spec in self.steps:  # listing order is topological in every adapter
            if spec.output_tokens is not None:
                continue
            model = spec.model or (self.agents.get(spec.agent, {}).get("model")
                                   if spec.agent else None)
            if model is not None and (spec.kind in MODEL_KINDS or spec.kind == "router"):
                out = DEFAULT_OUTPUT_TOKENS
                if spec.output_cap is not None and spec.output_cap < out:
                    out, capped = spec.output_cap, True
                spec.output_tokens = float(out)
                assumed_llm.append(spec)
            elif spec.size is not None:
                spec.output_tokens = clamp("output_tokens",
                                           float(self._computed_size(spec, by_id)))
            else:
                spec.output_tokens = DEFAULT_TOOL_OUTPUT_TOKENS
                assumed_tool.append(spec)
        self._assume_sizes("output-tokens", assumed_llm, "model", DEFAULT_OUTPUT_TOKENS,
                           f"{' (less where max_tokens caps it)' if capped else ''}; the "
                           "source does not say, ")
        self._assume_sizes("tool-output", assumed_tool, "code or tool",
                           DEFAULT_TOOL_OUTPUT_TOKENS, " (it matters where a model reads it); ")

    def _assume_sizes(self, code: str, specs: list[StepSpec], noun: str, tokens: float,
                      why: str) -> None:
        """One assumption for the output size of ``specs``, at the first of them."""
        if not specs:
            return
        many = len(specs)
        self.assume(code, f"output size of {many} {noun} step{'s' if many > 1 else ''} "
                    f"assumed {tokens:g} tokens{why}give output_tokens per step in "
                    "agentlint.profile.yaml", specs[0].at)

    def _computed_size(self, spec: StepSpec, by_id: dict[str, StepSpec]) -> float:
        sizes: list[float] = []
        for text in (spec.system or "", spec.prompt or ""):
            for ns, name, _ in find_refs(text):
                sizes.append(self._ref_size(ns, name, by_id))
        for name, _ in spec.context:
            sizes.append(self._ref_size("steps", name, by_id))
        if spec.size == "max":
            return max(sizes, default=0.0)
        if spec.size == "item":
            return math.ceil(sum(sizes) / max(1, spec.items or DEFAULT_ITERATION_ITEMS))
        return text_tokens(spec.system or "") + text_tokens(spec.prompt or "") + sum(sizes)

    def _ref_size(self, ns: str, name: str, by_id: dict[str, StepSpec]) -> float:
        if ns == "inputs":
            entry = self.inputs.get(name)
            return float(entry["tokens"]) if entry and entry["tokens"] is not None else 0.0
        src = by_id.get(name)
        if src is None or src.output_tokens is None:
            return 0.0
        return src.output_tokens * (src.fan_out or 1)

    # -- the native document ------------------------------------------------------------

    def document(self) -> YMap:
        doc = YMap(pack(1, 1))
        put(doc, "agentlint", 1, (1, 1))
        put(doc, "name", self.name or os.path.splitext(os.path.basename(self.file))[0],
            (1, 1))
        put(doc, "execution", self.execution, (1, 1))
        models = YMap(pack(1, 1))
        for key, entry in self.models.items():
            put(models, key, plain_map(entry, self.model_pos[key]), self.model_pos[key])
        put(doc, "models", models, (1, 1))
        if self.tools:
            tools = YMap(pack(1, 1))
            for key, at in self.tools.items():
                put(tools, key, YMap(pack(*at)), at)
            put(doc, "tools", tools, (1, 1))
        if self.inputs:
            inputs = YMap(pack(1, 1))
            for key, entry in self.inputs.items():
                item = YMap(pack(*entry["at"]))
                put(item, "tokens", entry["tokens"], entry["at"])
                if entry.get("untrusted"):
                    put(item, "untrusted", True, entry["at"])
                put(inputs, key, item, entry["at"])
            put(doc, "inputs", inputs, (1, 1))
        if self.agents:
            agents = YMap(pack(1, 1))
            for key, entry in self.agents.items():
                at = entry.pop("at", (1, 1))
                put(agents, key, plain_map(entry, at), at)
                entry["at"] = at
            put(doc, "agents", agents, (1, 1))
        steps = YSeq(pack(1, 1))
        for spec in self.steps:
            steps.append(self._step_map(spec))
            steps.ipos.append(pack(*spec.at))
        put(doc, "steps", steps, (1, 1))
        if self.loops:
            loops = YSeq(pack(1, 1))
            for loop in self.loops:
                item = YMap(pack(*loop.at))
                put(item, "id", loop.id, loop.at)
                put(item, "steps", plain_seq(loop.steps, loop.at), loop.at)
                if loop.max_iterations is not None:
                    put(item, "max_iterations", loop.max_iterations, loop.at)
                expected = self.profile.loop_iterations(loop)
                if expected is not None:
                    put(item, "expected_iterations", expected, loop.at)
                if loop.until:
                    put(item, "until", loop.until, loop.at)
                loops.append(item)
                loops.ipos.append(pack(*loop.at))
            put(doc, "loops", loops, (1, 1))
        if self.profile.budgets:
            put(doc, "budgets", plain_map(self.profile.budgets, (1, 1)), (1, 1))
        return doc

    def _step_map(self, spec: StepSpec) -> YMap:
        raw = YMap(pack(*spec.at))
        p = spec.pos

        def add(key: str, value: Any) -> None:
            put(raw, key, value, p.get(key, spec.at), spec.at)

        add("id", spec.id)
        if spec.kind != "llm":
            add("kind", spec.kind)
        if spec.agent is not None:
            add("agent", spec.agent)
        if spec.model is not None:
            add("model", spec.model)
        if spec.system:
            add("system", spec.system)
        if spec.prompt:
            add("prompt", spec.prompt)
        if spec.tool is not None:
            add("tool", spec.tool)
        add("output_tokens", spec.output_tokens)
        if spec.input_tokens is not None:
            add("input_tokens", spec.input_tokens)
        context = spec.context + _unwritten(spec)
        if context:
            add("context", _id_seq(context, p.get("context", spec.at)))
        data = {name for name, _ in context} | _text_steps(spec)
        needs = [(name, at) for name, at in spec.needs if name not in data]
        if needs:
            add("needs", _id_seq(needs, p.get("needs", spec.at)))
        if spec.parallel is not None:
            add("parallel", spec.parallel)
        if spec.routes:
            routes = YSeq(pack(*p.get("routes", spec.at)))
            shares = self.profile.route_shares(self.steps, spec)
            for target, at in spec.routes:
                if target in shares:
                    item = YMap(pack(*at))
                    put(item, "step", target, at)
                    put(item, "share", shares[target], at)
                    routes.append(item)
                else:
                    routes.append(target)
                routes.ipos.append(pack(*at))
            add("routes", routes)
        if spec.retries is not None:
            add("retries", spec.retries)
        if spec.per_call_s is not None:
            add("per_call_s", spec.per_call_s)
        if spec.calls is not None and spec.calls != 1:
            add("calls", spec.calls)
        if spec.fan_out is not None:
            fan = YMap(pack(*p.get("fan_out", spec.at)))
            put(fan, "count", spec.fan_out, p.get("fan_out", spec.at))
            if spec.fan_out_concurrency is not None:
                put(fan, "max_concurrency", spec.fan_out_concurrency,
                    p.get("fan_out", spec.at))
            add("fan_out", fan)
        if spec.candidates is not None:
            add("candidates", plain_seq(spec.candidates, p.get("model", spec.at)))
        if spec.min_tier is not None:
            add("min_tier", spec.min_tier)
        if spec.step_class is not None:
            add("class", spec.step_class)
        if spec.may_cascade is not None and (spec.model or spec.agent) is not None:
            add("may_cascade", plain_map(spec.may_cascade, p.get("model", spec.at)))
        where = f"{os.path.basename(self.file)} line {spec.at[0]}"
        add("x-source", f"{spec.source or spec.origin}, {where}" if (spec.source or spec.origin)
            else where)
        return raw


def put(m: YMap, key: str, value: Any, at: Pos, key_at: Pos | None = None) -> None:
    m[key] = value
    m.kpos[key] = pack(*(key_at or at))
    m.vpos[key] = pack(*at)


def plain_map(entry: dict[str, Any], at: Pos) -> YMap:
    out = YMap(pack(*at))
    for key, value in entry.items():
        if isinstance(value, dict):
            value = plain_map(value, at)
        elif isinstance(value, list):
            value = plain_seq(value, at)
        put(out, key, value, at)
    return out


def plain_seq(items: list[Any], at: Pos) -> YSeq:
    out = YSeq(pack(*at))
    for item in items:
        out.append(item)
        out.ipos.append(pack(*at))
    return out


def _id_seq(items: list[tuple[str, Pos]], at: Pos) -> YSeq:
    out = YSeq(pack(*at))
    for name, pos in dedup(items):
        out.append(name)
        out.ipos.append(pack(*pos))
    return out


def _text_steps(spec: StepSpec) -> set[str]:
    """Steps whose output the step's texts reference."""
    return {name for text in (spec.system or "", spec.prompt or "")
            for ns, name, _ in find_refs(text) if ns == "steps"}


def _unwritten(spec: StepSpec) -> list[tuple[str, Pos]]:
    """The step's ``reads`` that neither its texts nor its context carry already."""
    carried = _text_steps(spec) | {name for name, _ in spec.context}
    return [(name, at) for name, at in dedup(spec.reads)
            if name not in carried and name != spec.id]


def dedup(items: list[tuple[str, Pos]]) -> list[tuple[str, Pos]]:
    seen: dict[str, Pos] = {}
    for name, pos in items:
        seen.setdefault(name, pos)
    return list(seen.items())


def topo_order(ids: list[str], preds: dict[str, list[str]]) -> list[str]:
    """Ids in dependency order, ties kept in the given order; cycles left in place.

    A cycle is not an error here: the native loader reports it with the
    positions of the references that close it.
    """
    index = {v: i for i, v in enumerate(ids)}
    preds_of = [[index[p] for p in dict.fromkeys(preds.get(v, ())) if p in index and p != v]
                for v in ids]
    order = topological_order(preds_of)
    if len(order) < len(ids):  # a cycle: the rest as listed
        done = set(order)
        order.extend(i for i in range(len(ids)) if i not in done)
    return [ids[i] for i in order]
