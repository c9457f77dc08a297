"""From a file to a checked :class:`Workflow`: read, parse, validate, resolve.

Order matters for the user: the format version is checked first (a v2 file
should not drown in schema errors), then the schema, then references and
cycles, each stopping at the first problem with its ``file:line:col``.
"""

from __future__ import annotations

import math
import os

from agentlint.errors import SpecError
from agentlint.paths import (
    MAX_PROMPT_FILE_BYTES,
    MAX_SPEC_BYTES,
    find_root,
    read_named,
    read_text,
)
from agentlint.spec import catalog
from agentlint.spec.deps import check_cycles
from agentlint.spec.model import (
    MODEL_KINDS,
    Agent,
    Budgets,
    CascadeAllowed,
    Input,
    Loop,
    Model,
    Ref,
    Route,
    Stage,
    Step,
    Tool,
    Workflow,
)
from agentlint.spec.positions import YMap, YSeq, position_of
from agentlint.spec.schema import normalise, validate
from agentlint.spec.textpos import locate_ref
from agentlint.spec.tokens import find_misspelt, find_refs
from agentlint.spec.yamlload import load_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

FORMAT_VERSION = 1
UNBOUNDED_LOOP_ITERATIONS = 10
DEFAULT_OUTPUT_TOKENS = 256.0
DEFAULT_TOOL_TIME_S = 0.5
DEFAULT_TOOL_P_OK = 0.995


def is_workflow_text(text: str) -> bool:
    """Cheap test before parsing: does the text have a top-level ``agentlint:`` key?"""
    if text.startswith("agentlint:") or text.startswith("agentlint :"):
        return True
    return "\nagentlint:" in text or "\nagentlint :" in text or "\n\"agentlint\":" in text


def load_workflow(path: str, *, display: str | None = None, text: str | None = None,
                  root: str | None = None) -> Workflow:
    """Load, validate and resolve a native spec; raise SpecError when unusable."""
    shown = display or path
    base_dir = os.path.dirname(os.path.abspath(path))
    root = root or find_root(base_dir)
    if text is None:
        text = read_text(path, root, limit=MAX_SPEC_BYTES, shown=shown)
    doc = load_text(text, shown)
    return build(doc, shown, text, base_dir, root, placeholders=True)


def build(doc: Any, file: str, text: str, base_dir: str, root: str, *,
          placeholders: bool = False) -> Workflow:
    """The workflow of a parsed document. ``placeholders``: refuse a misspelt reference
    in a ``{{ }}`` (a native spec's own text; an adapter's templates follow their
    framework's rules)."""
    if doc is None:
        raise SpecError(file, 1, 1, "empty file: a spec needs at least 'agentlint: 1' "
                        "and 'steps'")
    if isinstance(doc, YMap) and "agentlint" in doc:
        version = doc["agentlint"]
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise SpecError(file, *doc.value_at("agentlint"),
                            f"unsupported format version {doc.text('agentlint')!r}; this "
                            f"agentlint reads version {FORMAT_VERSION} (agentlint: 1)")
    validate(normalise(doc), file)
    builder = _Builder(doc, file, text, base_dir, root)
    builder.check_placeholders = placeholders
    return builder.build()


class _Builder:
    def __init__(self, doc: YMap, file: str, text: str, base_dir: str, root: str) -> None:
        self.doc = doc
        self.file = file
        self.base_dir = base_dir
        self.root = root
        self.wf = Workflow(
            name=str(doc.get("name") or os.path.splitext(os.path.basename(file))[0]),
            file=file, execution=doc.get("execution", "sequential"),
            max_concurrency=doc.get("max_concurrency"), raw=doc, text=text)
        self._file_cache: dict[str, str] = {}
        self.check_placeholders = False

    def error(self, container: Any, key: Any, message: str) -> SpecError:
        return SpecError(self.file, *position_of(container, key), message)

    # -- sections -----------------------------------------------------------------------

    def build(self) -> Workflow:
        doc, wf = self.doc, self.wf
        for name, raw in _entries(doc.get("tools")):
            wf.tools[name] = self.tool(name, raw)
        for name, raw in _entries(doc.get("inputs")):
            wf.inputs[name] = Input(name, float(raw.get("tokens", 500)),
                                    bool(raw.get("untrusted", False)), raw)
        for name, raw in _entries(doc.get("models")):
            wf.models[name] = self.model(name, raw)
        for name, raw in _entries(doc.get("agents")):
            wf.agents[name] = self.agent(name, raw)
        steps = doc["steps"]
        for index, raw in enumerate(steps):
            step = self.step(index, raw)
            if step.id in wf.step_index:
                first = wf.steps[wf.step_index[step.id]]
                raise self.error(raw, "id", f"duplicate step id '{step.id}' (first used at "
                                 f"line {first.at('id')[0]}); step ids must be unique")
            wf.step_index[step.id] = index
            wf.steps.append(step)
        self.check_references()
        if "loops" in doc:
            self.loops(doc["loops"])
        if "budgets" in doc:
            raw = doc["budgets"]
            wf.budgets = Budgets(raw.get("cost_usd"), raw.get("latency_s"),
                                 raw.get("reliability"), raw, raw.get("latency_p95_s"),
                                 raw.get("cost_p95_usd"))
        check_cycles(wf, native=self.check_placeholders)
        return wf

    def tool(self, name: str, raw: YMap) -> Tool:
        effect = raw.get("effect", "read")
        return Tool(name, effect, bool(raw.get("untrusted", False)),
                    bool(raw.get("idempotent", effect == "read")), raw.get("per_call_usd"),
                    raw.get("per_call_s"), raw.get("p_ok"), raw)

    def model(self, name: str, raw: YMap) -> Model:
        base = str(raw.get("model", name))
        if "model" in raw and catalog.resolve(base) is None:
            raise self.error(raw, "model", f"model '{base}' is not in the built-in catalog; "
                             "remove 'model:' and give the prices yourself, or pick a name "
                             "from 'agentlint models'")
        model = catalog.model(base, raw, called=name)
        assert model is not None  # built over the spec's own entry
        model.declared, model.raw = True, raw
        if model.lacks == "price":
            raise self.error(raw, None, f"model '{name}' has no price: give "
                             "input_per_mtok and output_per_mtok, or per_call_usd (or base "
                             "it on a catalog model with 'model:')")
        if model.lacks == "speed":
            raise self.error(raw, None, f"model '{name}' has no speed: give ttft_s "
                             "and tokens_per_s, or per_call_s")
        return model

    def model_ref(self, name: str, container: Any, key: Any) -> str:
        """Make sure ``name`` is a known model, adding catalog models on first use."""
        if name in self.wf.models:
            return name
        model = catalog.model(name)
        if model is None:
            raise self.error(container, key, f"unknown model '{name}'; declare it under "
                             "'models:' with its prices, or use a name from the built-in "
                             "catalog ('agentlint models' lists them)")
        self.wf.models[name] = model
        return name

    def agent(self, name: str, raw: YMap) -> Agent:
        agent = Agent(name, raw=raw, tools=[str(t) for t in raw.get("tools", [])])
        if "model" in raw:
            agent.model = self.model_ref(raw["model"], raw, "model")
        if "system" in raw and "system_file" in raw:
            raise self.error(raw, "system_file", "give either 'system' or 'system_file', "
                             "not both")
        if "system_file" in raw:
            agent.system_file = raw["system_file"]
            agent.system = self.read_prompt_file(raw, "system_file")
        else:
            agent.system = raw.get("system", "")
        for index, tool in enumerate(agent.tools):
            if tool not in self.wf.tools:
                self.wf.tools[tool] = Tool(tool)  # undeclared tools: read-only defaults
                _ = index
        return agent

    def step(self, index: int, raw: Any) -> Step:
        if not isinstance(raw, YMap):  # the schema makes this unreachable; keep it honest
            raise self.error(self.doc["steps"], index, "a step must be a mapping")
        kind = raw.get("kind", "llm")
        step = Step(id=raw["id"], index=index, kind=kind, raw=raw)
        agent = self._step_agent(step, raw)
        self._step_model(step, raw, agent)
        self._step_texts(step, raw, agent)
        self._step_tool(step, raw)
        self._step_figures(step, raw)
        if "candidates" in raw:
            cands = raw["candidates"]
            step.candidates = [self.model_ref(c, cands, i) for i, c in enumerate(cands)]
        for key in ("per_call_usd", "per_call_s", "p_ok"):
            if key in raw:
                setattr(step, key, raw[key])
        if "class" in raw:
            step.step_class = str(raw["class"])
        self._step_cascade(step, raw)
        if "routes" in raw:
            if kind != "router":
                raise self.error(raw, "routes", "'routes' is only for steps with kind: router")
            step.routes = self.routes(raw["routes"])
        _collect_refs(step)
        return step

    def _step_cascade(self, step: Step, raw: YMap) -> None:
        """``cascade``: models asked before the step's own; ``may_cascade``: the optimizer
        may propose one. Both need a step with a model."""
        for key in ("cascade", "may_cascade"):
            if key in raw and step.model is None:
                raise self.error(raw, key, f"'{key}' needs a step with a model: the cascade "
                                 "ends with the step's own model")
        if "cascade" in raw:
            stages = []
            for item in raw["cascade"]:
                name = self.model_ref(item["model"], item, "model")
                if name == step.model:
                    raise self.error(item, "model", f"cascade stage '{name}' is the step's "
                                     "own model, which the cascade ends with; list only the "
                                     "models asked before it")
                stages.append(Stage(name, float(item["accept"]),
                                    float(item.get("check_usd", 0.0)),
                                    float(item.get("check_s", 0.0))))
            step.cascade = tuple(stages)
        if "may_cascade" in raw:
            item = raw["may_cascade"]
            models = None
            if "models" in item:
                names = item["models"]
                models = tuple(self.model_ref(m, names, i) for i, m in enumerate(names))
            step.may_cascade = CascadeAllowed(float(item["accept"]),
                                              float(item.get("check_usd", 0.0)),
                                              float(item.get("check_s", 0.0)), models)

    def _step_agent(self, step: Step, raw: YMap) -> Agent | None:
        """The step's agent, if it names one; the step takes the agent's tools."""
        if "agent" not in raw:
            return None
        agent = self.wf.agents.get(raw["agent"])
        if agent is None:
            raise self.error(raw, "agent", f"unknown agent '{raw['agent']}'"
                             + _hint(raw["agent"], self.wf.agents))
        step.agent = agent.name
        step.tools = list(agent.tools)
        return agent

    def _step_model(self, step: Step, raw: YMap, agent: Agent | None) -> None:
        """The step's own model, else its agent's; a model kind must end up with one."""
        if "model" in raw:
            step.model = self.model_ref(raw["model"], raw, "model")
        elif agent is not None and agent.model is not None:
            step.model = agent.model
        if step.model is None and step.kind in MODEL_KINDS:
            raise self.error(raw, None, f"step '{step.id}' has no model: give it 'model:' or "
                             "an 'agent:' with a model")

    def _step_texts(self, step: Step, raw: YMap, agent: Agent | None) -> None:
        """Prompt and system text, inline or from a file; the agent's system is the fallback."""
        for text_key, file_key, attr in (("system", "system_file", "system"),
                                         ("prompt", "prompt_file", "prompt")):
            if text_key in raw and file_key in raw:
                raise self.error(raw, file_key, f"give either '{text_key}' or '{file_key}', "
                                 "not both")
            if file_key in raw:
                setattr(step, attr, self.read_prompt_file(raw, file_key))
            elif text_key in raw:
                setattr(step, attr, raw[text_key])
        if step.system or "system" in raw or "system_file" in raw:
            step.system_from = "step"
        elif agent is not None and agent.system:
            step.system = agent.system
            step.system_from = "agent"

    def _step_tool(self, step: Step, raw: YMap) -> None:
        """The tool a tool step calls: required there, declared, and allowed nowhere else."""
        if "tool" in raw:
            if step.kind != "tool":
                raise self.error(raw, "tool", "'tool' is only for steps with kind: tool")
            if raw["tool"] not in self.wf.tools:
                raise self.error(raw, "tool", f"unknown tool '{raw['tool']}'; declare it "
                                 "under 'tools:'" + _hint(raw["tool"], self.wf.tools))
            step.tool = raw["tool"]
        elif step.kind == "tool":
            raise self.error(raw, None, f"tool step '{step.id}' needs 'tool:' naming the "
                             "tool it calls")

    @staticmethod
    def _step_figures(step: Step, raw: YMap) -> None:
        """Sizes, dependencies, retries, fan-out and flags, with their defaults (all checked
        by the schema, so nothing here can fail)."""
        default_out = DEFAULT_OUTPUT_TOKENS if step.model is not None else 0.0
        step.output_tokens = float(raw.get("output_tokens", default_out))
        if "input_tokens" in raw:
            step.input_tokens = float(raw["input_tokens"])
        step.context = list(raw.get("context", []))
        step.needs = list(raw.get("needs", []))
        step.parallel = raw.get("parallel")
        step.retries = int(raw.get("retries", 0))
        step.calls = int(raw.get("calls", 1))
        step.cache_hit_rate = float(raw.get("cache_hit_rate", 0.0))
        step.timeout_s = raw.get("timeout_s")
        if "fan_out" in raw:
            fan = raw["fan_out"]
            step.fan_out = int(fan["count"])
            step.fan_out_concurrency = fan.get("max_concurrency")
        step.terminal = bool(raw.get("terminal", False))
        step.optional = bool(raw.get("optional", False))
        step.max_retries = int(raw.get("max_retries", 2))
        if "min_tier" in raw:
            step.min_tier = int(raw["min_tier"])

    def routes(self, raw: YSeq) -> list[Route]:
        routes: list[Route] = []
        given = 0.0
        for index, item in enumerate(raw):
            pos = raw.item_at(index)
            if isinstance(item, YMap):
                share = item.get("share")
                routes.append(Route(item["step"], float(share) if share is not None else 0.0,
                                    share is not None, item.value_at("step")))
                given += float(share or 0.0)
            else:
                routes.append(Route(str(item), 0.0, False, pos))
        if given > 1.0 + 1e-9:
            raise self.error(raw, None, f"route shares add up to {given:g}; they are "
                             "probabilities and must add up to at most 1")
        free = [r for r in routes if not r.given]
        if free:
            each = max(0.0, 1.0 - given) / len(free)
            for route in free:
                route.share = each
        elif routes and abs(given - 1.0) > 1e-6:
            raise self.error(raw, None, f"route shares add up to {given:g}, not 1; "
                             "a router always takes one of its routes")
        return routes

    def read_prompt_file(self, raw: YMap, key: str) -> str:
        rel = raw[key]
        path = os.path.realpath(os.path.join(self.base_dir, rel))
        if path in self._file_cache:
            return self._file_cache[path]
        try:
            _, text = read_named(rel, self.base_dir, self.root, limit=MAX_PROMPT_FILE_BYTES,
                                 what=key, folder="the spec's folder")
        except SpecError as exc:
            raise self.error(raw, key, exc.message) from None
        self._file_cache[path] = text
        return text

    # -- references ---------------------------------------------------------------------

    def check_misspelt(self, step: Step) -> None:
        """A reference misspelt in a placeholder would read nothing: an error at it."""
        for field, text in (("prompt", step.prompt), ("system", step.system)):
            for slip in find_misspelt(text):
                ref = Ref("steps", slip.found, field, slip.offset)
                raise self.ref_error(step, ref, f"'{slip.found}' is not a reference; did "
                                     f"you mean '{slip.meant}'? (references are "
                                     "steps.<id>.output and inputs.<name>)")

    def check_references(self) -> None:
        wf = self.wf
        index = wf.step_index
        for step in wf.steps:
            raw = step.raw
            if self.check_placeholders:
                self.check_misspelt(step)
            for ref in step.refs:
                if ref.kind == "inputs":
                    if ref.name not in wf.inputs:
                        raise self.ref_error(step, ref, f"unknown input '{ref.name}'; declare "
                                             "it under 'inputs:'" + _hint(ref.name, wf.inputs))
                elif ref.name not in index:
                    raise self.ref_error(step, ref, f"unknown step '{ref.name}'"
                                         + _hint(ref.name, index))
                elif ref.name == step.id:
                    hint = (f"; to revise it in rounds, drop this reference and declare a "
                            f"loop (loops: [{{id: rounds, steps: [{step.id}], max_iterations: "
                            "3, until: ...}]): the loop hands the output of one round to the "
                            "next") if self.check_placeholders else ""
                    raise self.ref_error(step, ref, f"step '{step.id}' reads its own output"
                                         + hint)
            needs = raw.get("needs") if raw is not None else None
            for i, name in enumerate(step.needs):
                if name not in index:
                    raise self.error(needs, i, f"unknown step '{name}' in needs"
                                     + _hint(name, index))
                if name == step.id:
                    raise self.error(needs, i, f"step '{step.id}' needs itself")
            for route in step.routes:
                if route.step not in index:
                    raise SpecError(self.file, *route.pos, f"unknown route target "
                                    f"'{route.step}'" + _hint(route.step, index))
                if index[route.step] <= step.index:
                    raise SpecError(self.file, *route.pos, f"router '{step.id}' routes to "
                                    f"'{route.step}', which is listed before it; list route "
                                    "targets after their router")
            if step.candidates is not None and step.model is not None \
                    and step.model not in step.candidates:
                step.candidates.insert(0, step.model)

    def ref_error(self, step: Step, ref: Ref, message: str) -> SpecError:
        line, col = locate_ref(self.wf, step, ref)
        return SpecError(self.file, line, col, message)

    def loops(self, raw: YSeq) -> None:
        wf = self.wf
        owner: dict[int, str] = {}
        ids: set[str] = set()
        for item in raw:
            loop_id = item["id"]
            if loop_id in ids:
                raise self.error(item, "id", f"duplicate loop id '{loop_id}'")
            ids.add(loop_id)
            body = item["steps"]
            positions = []
            for i, name in enumerate(body):
                if name not in wf.step_index:
                    raise self.error(body, i, f"unknown step '{name}' in loop '{loop_id}'"
                                     + _hint(name, wf.step_index))
                positions.append(wf.step_index[name])
            ordered = sorted(positions)
            if ordered != list(range(ordered[0], ordered[0] + len(ordered))):
                raise self.error(body, None, f"loop '{loop_id}' must repeat a contiguous run "
                                 "of listed steps; list its steps one after another")
            for pos in ordered:
                if pos in owner:
                    raise self.error(body, None, f"step '{wf.steps[pos].id}' is in loops "
                                     f"'{owner[pos]}' and '{loop_id}'; loops cannot overlap")
                owner[pos] = loop_id
            bound = item.get("max_iterations")
            until = item.get("until")
            if "expected_iterations" in item:
                expected = float(item["expected_iterations"])
                if bound is not None and expected > bound:
                    raise self.error(item, "expected_iterations", "expected_iterations "
                                     f"({expected:g}) exceeds max_iterations ({bound})")
            elif bound is None:
                expected = float(UNBOUNDED_LOOP_ITERATIONS)
            elif until:
                expected = float(math.ceil(bound / 2))
            else:
                expected = float(bound)
            wf.loops.append(Loop(loop_id, [wf.steps[p].id for p in ordered], bound, expected,
                                 until, item))


def _entries(section: Any) -> list[tuple[str, Any]]:
    if not section:
        return []
    return [(k, v) for k, v in section.items() if not k.startswith("x-")]


def _collect_refs(step: Step) -> None:
    """Every step and input the step reads: ``{{ }}`` references in its texts, then its
    context list (the reference checks and the lint rules start from these)."""
    for field, text in (("prompt", step.prompt), ("system", step.system)):
        for ns, name, offset in find_refs(text):
            step.refs.append(Ref(ns, name, field, offset))
    for name in step.context:
        step.refs.append(Ref("steps", name, "context", -1))


def _hint(name: str, known: Any) -> str:
    import difflib

    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
