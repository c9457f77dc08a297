"""What every adapter shares: a native spec under construction, model names, safe files.

An adapter reads its format into a :class:`Draft`: steps, models, inputs and
loops described with agentlint's own vocabulary, each value carrying the
``line:col`` of the place in the *original* file it came from. The draft then
becomes a native format-v1 document (positioned :class:`YMap` trees) that goes
through :func:`agentlint.spec.load.build`, so an adapted workflow is validated,
priced from the catalog and checked for references and cycles exactly like a
spec written by hand, and ``agentlint convert`` can print the very document
that was estimated.

What the source format does not say is filled here, from the catalog and from
``agentlint.profile.yaml`` beside the spec, and every default that had to be
assumed is recorded once in ``Workflow.assumptions``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

from agentlint.errors import SpecError
from agentlint.spec import catalog
from agentlint.spec.deps import topological_order
from agentlint.spec.limits import FOREIGN, LIMITS, is_number, problem
from agentlint.spec.load import DEFAULT_OUTPUT_TOKENS, MAX_PROMPT_FILE_BYTES, build
from agentlint.spec.model import MODEL_KINDS, Workflow
from agentlint.spec.positions import YMap, YSeq, pack
from agentlint.spec.tokens import find_refs, text_tokens
from agentlint.spec.yamlload import decode

Pos = tuple[int, int]

#: the model a step is priced on when its source names none and the profile gives no default
DEFAULT_MODEL = "gpt-4o-mini"
#: expected size of a run input the source gives no size for (the native default)
DEFAULT_INPUT_TOKENS = 500.0
#: what a code or tool step returns, when nothing says
DEFAULT_TOOL_OUTPUT_TOKENS = 500.0
#: model calls of an agent that may call tools (decide, call, answer)
DEFAULT_TOOL_LOOP_CALLS = 3
#: items of a list an iteration runs over
DEFAULT_ITERATION_ITEMS = 5
#: a branch decided by code, not by a model: free, instant and certain
PROFILE_NAMES = ("agentlint.profile.yaml", "agentlint.profile.yml")
_ID_BAD = re.compile(r"[^A-Za-z0-9_-]+")
_NAME_BAD = re.compile(r"[^A-Za-z0-9_.:/@-]+")


# -- names --------------------------------------------------------------------------------


def safe_id(name: Any, taken: set[str] | None = None, fallback: str = "step") -> str:
    """A step, loop or input id the native format accepts, unique within ``taken``."""
    text = _ID_BAD.sub("_", str(name).strip()).strip("_") or fallback
    if text[0] == "-":
        text = "_" + text
    base, n = text, 2
    while taken is not None and text in taken:
        text = f"{base}_{n}"
        n += 1
    if taken is not None:
        taken.add(text)
    return text


def safe_name(name: str) -> str:
    """A model or tool name for ``models:`` / ``tools:`` (dots, slashes and colons allowed)."""
    text = _NAME_BAD.sub("-", name.strip()).strip("-") or "model"
    return text if text[0].isalnum() else "m" + text


def closest_catalog_name(raw: str) -> str | None:
    """A catalog model for a name the catalog does not know as written, if one is close.

    Tries the spellings that differ only in form: ``grok-4.1-fast`` for
    ``grok-4-1-fast``, a trailing date or ``-latest`` / ``-preview`` tag.
    """
    seen: set[str] = set()
    queue = [raw.strip().lower()]
    while queue:
        name = queue.pop(0)
        if not name or name in seen:
            continue
        seen.add(name)
        hit = catalog.resolve(name)
        if hit is not None:
            return hit
        queue.append(re.sub(r"(\d)\.(\d)", r"\1-\2", name))
        queue.append(re.sub(r"(\d)-(\d)", r"\1.\2", name))
        for pattern in (r"@.*$", r"-\d{4}-\d{2}-\d{2}$", r"-\d{6,8}$", r"-\d{4}$",
                        r"-(latest|preview|exp|instruct)(-.*)?$", r":[^/]*$"):
            queue.append(re.sub(pattern, "", name))
    return None


# -- files --------------------------------------------------------------------------------


def inside(path: str, root: str) -> bool:
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def read_inside(rel: str, base_dir: str, root: str, file: str, at: Pos, what: str,
                limit: int = MAX_PROMPT_FILE_BYTES) -> tuple[str, str]:
    """Read ``rel`` (relative to ``base_dir``) as text; never from outside ``root``.

    Returns ``(path, text)``. Every failure is a :class:`SpecError` at ``at``,
    the place in ``file`` that names the path.
    """
    if not isinstance(rel, str) or not rel.strip():
        raise SpecError(file, *at, f"{what} must be a file path")
    path = os.path.realpath(os.path.join(base_dir, rel))
    if not inside(path, root):
        raise SpecError(file, *at, f"{what} '{rel}' points outside the repository; "
                        "agentlint reads files inside it only")
    try:
        if os.path.getsize(path) > limit:
            raise SpecError(file, *at, f"{what} '{rel}' is larger than {limit} bytes")
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise SpecError(file, *at, f"{what} '{rel}' not found (paths are relative to "
                        f"{os.path.basename(base_dir) or base_dir}/)") from None
    except IsADirectoryError:
        raise SpecError(file, *at, f"{what} '{rel}' is a folder, not a file") from None
    except OSError as exc:
        raise SpecError(file, *at, f"cannot read {what} '{rel}': "
                        f"{exc.strerror or exc}") from None
    try:
        return path, decode(data, rel)
    except SpecError as exc:
        raise SpecError(file, *at, f"{what} '{rel}': {exc.message}") from None


# -- positioned values --------------------------------------------------------------------


def key_pos(raw: Any, key: Any, default: Pos = (1, 1)) -> Pos:
    return raw.key_at(key) if isinstance(raw, YMap) and key in raw else default


def val_pos(raw: Any, key: Any, default: Pos = (1, 1)) -> Pos:
    if isinstance(raw, YMap) and key in raw:
        return raw.value_at(key)
    if isinstance(raw, YSeq) and isinstance(key, int) and 0 <= key < len(raw):
        return raw.item_at(key)
    return default


def at_of(raw: Any, default: Pos = (1, 1)) -> Pos:
    return raw.at() if isinstance(raw, (YMap, YSeq)) else default


def mapping(raw: Any) -> YMap:
    """``raw`` when it is a mapping (positioned or not), else an empty one."""
    if isinstance(raw, YMap):
        return raw
    out = YMap()
    if isinstance(raw, dict):
        out.update(raw)
    return out


def as_list(raw: Any) -> list[Any]:
    return list(raw) if isinstance(raw, list) else []


def number(value: Any) -> float | None:
    """A number written as a number or as text (promptflow writes ``max_tokens: '256'``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            out = float(value.strip())
        except ValueError:
            return None
        return out if math.isfinite(out) else None
    return None


def figure(raw: Any, key: Any, file: str, field: str | None = None,
           default: Pos = (1, 1)) -> float | None:
    """``number(raw[key])``, refused at its position when outside the field's range.

    ``field`` names the range in :data:`~agentlint.spec.limits.FOREIGN` (else
    :data:`~agentlint.spec.limits.LIMITS`); by default it is ``key``. Values that
    are not numbers are None, as for :func:`number`; NaN, infinite and huge
    numbers, written as numbers or as text, are out of range.
    """
    value = raw.get(key) if isinstance(raw, dict) else None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not is_number(value):
        return None
    name = field or str(key)
    limit = FOREIGN.get(name) or LIMITS[name]
    written = raw.text(key) if isinstance(raw, YMap) else None
    message = problem(name, value, written, limit=limit, name=str(key))
    if message is not None:
        raise SpecError(file, *val_pos(raw, key, default), message)
    return float(value)


def clamp(field: str, value: float) -> float:
    """A figure computed from the source, kept inside its field's range."""
    limit = LIMITS[field]
    return min(max(value, limit.low), limit.high)


# -- the draft ----------------------------------------------------------------------------


@dataclass(slots=True)
class StepSpec:
    """One step as an adapter describes it; becomes a native step mapping."""

    id: str
    at: Pos
    kind: str = "llm"
    origin: str = ""
    #: other names a profile may use for the step (a Dify title, an ADK agent name)
    names: tuple[str, ...] = ()
    agent: str | None = None
    model: str | None = None
    system: str | None = None
    prompt: str | None = None
    tool: str | None = None
    context: list[tuple[str, Pos]] = field(default_factory=list)
    needs: list[tuple[str, Pos]] = field(default_factory=list)
    parallel: str | None = None
    routes: list[tuple[str, Pos]] = field(default_factory=list)
    #: an output size the source states, or a cap on it (promptflow ``max_tokens``)
    output_tokens: float | None = None
    output_cap: float | None = None
    input_tokens: float | None = None
    calls: int | None = None
    calls_assumed: bool = False
    retries: int | None = None
    fan_out: int | None = None
    fan_out_concurrency: int | None = None
    #: an iteration: how many items its list has, and how many run at once
    items: int | None = None
    items_concurrency: int | None = None
    items_assumed: bool = False
    #: the iteration whose items set this step's fan-out
    container: str | None = None
    candidates: list[str] | None = None
    #: how a model-less step's output size follows from what it reads:
    #: "sum" (a template: its text plus what it inserts), "max" (one of its
    #: inputs, an aggregator), "item" (one element of a list it iterates)
    size: str | None = None
    implicit_context: bool = False
    #: positions of individual keys (``model``, ``prompt``, ...) in the source
    pos: dict[str, Pos] = field(default_factory=dict)
    source: str | None = None


@dataclass(slots=True)
class LoopSpec:
    id: str
    at: Pos
    steps: list[str]
    max_iterations: int | None
    until: str | None = None
    names: tuple[str, ...] = ()


class Draft:
    """A native spec under construction for one source file."""

    def __init__(self, fmt: str, path: str, display: str, text: str, root: str) -> None:
        from agentlint.adapters.profile import load_profile

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
        self.assumed: dict[str, tuple[str, Pos]] = {}
        self.sources: list[str] = [display]
        self.notes: list[str] = []

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
                    default = self.profile.default_model or DEFAULT_MODEL
                    entry = {"model": catalog.resolve(default) or default}
                    self.assume(f"model:{name}", f"model '{name}' is not in the catalog; "
                                f"priced as {default}, the default (map it under models: in "
                                "agentlint.profile.yaml)", at)
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
              tokens: float | None = None) -> str:
        """Declare a run input (once); returns its id. ``cap`` bounds its size."""
        key = safe_id(name, fallback="input")
        if key not in self.inputs:
            self.inputs[key] = {"at": at, "cap": cap, "tokens": tokens}
        return key

    def tool(self, name: str, at: Pos) -> str:
        key = safe_name(name)
        self.tools.setdefault(key, at)
        return key

    def new_id(self, name: Any, fallback: str = "step") -> str:
        return safe_id(name, self.ids, fallback)

    # -- the result ---------------------------------------------------------------------

    def finish(self) -> Workflow:
        from agentlint.adapters.profile import apply_profile

        if not self.steps:
            raise SpecError(self.file, 1, 1, f"no steps found: this {self.fmt} file has "
                            "no model call, tool or code step agentlint could read")
        apply_profile(self)
        self._fill_sizes()
        doc = self.document()
        wf = build(doc, self.file, self.text, self.base_dir, self.root)
        wf.format = self.fmt
        for spec in self.steps:
            step = wf.step(spec.id)
            step.origin = spec.origin or None
            step.implicit_context = spec.implicit_context
        wf.assumptions = [(message, at, f"assumption:{key}")
                          for key, (message, at) in self.assumed.items()]
        wf.extra["native"] = doc
        wf.extra["sources"] = list(dict.fromkeys(self.sources))
        wf.extra["notes"] = list(self.notes)
        return wf

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
        if assumed_llm:
            first = assumed_llm[0]
            many = len(assumed_llm)
            self.assume("output-tokens", f"output size of {many} model "
                        f"step{'s' if many > 1 else ''} assumed {DEFAULT_OUTPUT_TOKENS:g} "
                        f"tokens{' (less where max_tokens caps it)' if capped else ''}; the "
                        f"source does not say, give output_tokens per step in "
                        "agentlint.profile.yaml", first.at)
        if assumed_tool:
            first = assumed_tool[0]
            many = len(assumed_tool)
            self.assume("tool-output", f"output size of {many} code or tool "
                        f"step{'s' if many > 1 else ''} assumed "
                        f"{DEFAULT_TOOL_OUTPUT_TOKENS:g} tokens (it matters where a model "
                        "reads it); give output_tokens per step in agentlint.profile.yaml",
                        first.at)

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
        if spec.context:
            add("context", _id_seq(spec.context, p.get("context", spec.at)))
        if spec.needs:
            add("needs", _id_seq(spec.needs, p.get("needs", spec.at)))
        if spec.parallel is not None:
            add("parallel", spec.parallel)
        if spec.routes:
            routes = YSeq(pack(*p.get("routes", spec.at)))
            shares = self.profile.route_shares(self, spec)
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


# -- Jinja templates ----------------------------------------------------------------------

_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_ROOT_NAME = re.compile(r"(?<![\w.'\"])([A-Za-z_][A-Za-z0-9_]*)")
_NS_AFTER_DOT = re.compile(r"\.(steps|inputs)\b")


def rewrite_jinja(text: str, refs: dict[str, str]) -> tuple[str, set[str]]:
    """Point a Jinja template's variables at agentlint references.

    ``refs`` maps a template variable to what it holds, as a reference path
    (``inputs.question``, ``steps.fetch.output``). A variable inserted whole,
    ``{{ question }}`` (filters allowed), becomes ``{{ inputs.question }}`` and
    counts each time. A variable read only in parts (``{{ customer.name }}``)
    or by a statement (``{% for item in history %}``) stays as written, and a
    comment ``{# reads {{ inputs.history }} #}`` before its first use counts
    it once. Names that merely look like references (``item.inputs.question``)
    are neutralised. Returns the text and the variables it uses.
    """
    whole: set[str] = set()
    for match in _JINJA_TAG.finditer(text):
        tag = match.group(0)
        if tag.startswith("{{"):
            body = tag[2:-2]
            whole.update(m.group(1) for m in _ROOT_NAME.finditer(body)
                         if m.group(1) in refs and not _followed(body, m.end()))
    used: set[str] = set()
    marked: set[str] = set()
    out: list[str] = []
    last = 0
    for match in _JINJA_TAG.finditer(text):
        out.append(text[last:match.start()])
        last = match.end()
        tag = match.group(0)
        if tag.startswith("{#"):
            out.append(tag.replace("{{", "{ {").replace("}}", "} }"))
            continue
        body = _NS_AFTER_DOT.sub(r'["\1"]', tag[2:-2])
        expr = tag.startswith("{{")
        parts: list[str] = []

        def swap(m: re.Match[str], body: str = body, expr: bool = expr,
                 parts: list[str] = parts) -> str:
            name = m.group(1)
            if name in refs:
                used.add(name)
                if expr and not _followed(body, m.end()):
                    return refs[name]
                parts.append(name)
                return name
            return name + "_" if name in ("steps", "inputs") else name

        body = _ROOT_NAME.sub(swap, body)
        for name in parts:
            if name not in whole and name not in marked:
                marked.add(name)
                out.append("{# reads {{ " + refs[name] + " }} #}")
        out.append(tag[:2] + body + tag[-2:])
    out.append(text[last:])
    return "".join(out), used


def _followed(body: str, end: int) -> bool:
    """Is the name ending at ``end`` read in part (``name.field``, ``name[0]``)?"""
    rest = body[end:].lstrip()
    return rest.startswith(".") or rest.startswith("[")


_ROLE_LINE = re.compile(r"^[ \t]*#?[ \t]*(system|user|assistant|function|tool)[ \t]*:[ \t]*$",
                        re.I | re.M)


def split_roles(text: str) -> tuple[str, str]:
    """``(system, prompt)`` of a chat template with ``system:`` / ``user:`` lines.

    The first ``system:`` section is the system prompt; the rest, from the
    next role line on, is the prompt. A template without role lines is all
    prompt.
    """
    marks = list(_ROLE_LINE.finditer(text))
    if not marks or marks[0].group(1).lower() != "system":
        return "", text.strip()
    head = text[:marks[0].start()]
    if len(marks) == 1:
        return (head + text[marks[0].end():]).strip(), ""
    return (head + text[marks[0].end():marks[1].start()]).strip(), \
        text[marks[1].start():].strip()
