"""CrewAI Flows: a ``Flow`` subclass's ``@start`` / ``@listen`` / ``@router`` methods, read
as a syntax tree (never imported or run), and the YAML flow definition
(``schema: crewai.flow/v1``).

What the Flow runtime does (``crewai/flow/runtime``: ``_execute_listeners``,
``_find_triggered_methods``, ``_execute_single_listener``): ``kickoff`` runs the
unconditional ``@start()`` methods side by side. When a method finishes, the routers
listening to it run first, one after another, each returning a label; then every
listener of the method and of those labels runs, **side by side**
(``asyncio.gather``). ``and_(a, b)`` waits until every one of them has finished;
``or_(a, b)`` runs once, on the first. A router's label may lead back to an earlier
method: the flow repeats, bounded only by the state the methods keep and by
``max_method_calls`` (100 calls of one method, then a ``RecursionError``).

How it is read (docs/formats.md says more): each decorated method is a step at its
``def``. A method that kicks off a crew (``SomeCrew().crew().kickoff(...)``) makes that
crew's model calls: the crew's ``config/tasks.yaml`` in the same project is read with
the CrewAI reader, else three calls are assumed (stated). ``Agent(...).kickoff`` is an
agent (three calls, assumed), ``LLM(...).call``, ``completion(model=...)`` and
``acompletion(...)`` are one call each (five when inside a ``for`` loop, assumed); a
method with none of these is code. A listener reads what triggers it; a label's
listeners are the router's routes (equal shares, assumed); a cycle is a loop with no
bound agentlint can read.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.common import at_of, key_pos, listed, mapping, val_pos
from agentlint.adapters.crewai import CrewAIAdapter
from agentlint.adapters.crewai_code import last_name, read_python_module
from agentlint.adapters.ir import (
    DEFAULT_ITERATION_ITEMS,
    DEFAULT_TOOL_LOOP_CALLS,
    FileWording,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.adapters.lower import Draft
from agentlint.errors import SpecError
from agentlint.paths import MAX_SPEC_BYTES, read_text
from agentlint.spec.digraph import depth_first
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.yamlload import load_text

#: methods read from one flow
MAX_METHODS = 500
#: cycles (labels or methods leading back) read from one flow
MAX_CYCLES = 50
_IMPORT = re.compile(r"^\s*from\s+crewai\.flow(?:\.flow)?\s+import\b", re.M)
_LLM_FUNCS = ("completion", "acompletion")
_DECORATORS = ("start", "listen", "router")


class CrewAIFlowAdapter:
    name = "crewai-flow"
    #: reads Python modules (detect offers it ``.py`` files)
    python = True

    def sniff(self, path: str, text: str) -> bool:
        lower = path.lower()
        if lower.endswith(".py"):
            return "@start" in text and _IMPORT.search(text) is not None
        if lower.endswith((".yaml", ".yml")):
            return re.search(r"^schema:\s*['\"]?crewai\.flow/", text, re.M) is not None
        return False

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        reader = _Reader(path, text, display, root)
        if path.lower().endswith((".yaml", ".yml")):
            return reader.read_yaml()
        return reader.read_python()


@dataclass(slots=True)
class _Method:
    name: str
    at: Pos
    start: bool = False
    router: bool = False
    #: the trigger condition: ("or" | "and", [names or nested conditions])
    cond: tuple[str, list[Any]] | None = None
    labels: list[str] = field(default_factory=list)
    #: labels of other routers whose answer this router returns
    label_from: list[str] = field(default_factory=list)
    kind: str = "code"  # code | llm | crew | agent
    model: str | None = None
    model_at: Pos | None = None
    calls: float = 0.0
    calls_assumed: bool = False
    note: str = ""
    system: str | None = None


@dataclass(slots=True)
class CrewAIFlowWording(FileWording):
    format: str = "crewai-flow"
    method_at: dict[str, Pos] = field(default_factory=dict)
    model_at: dict[str, Pos] = field(default_factory=dict)
    loops: dict[str, tuple[str, Pos]] = field(default_factory=dict)

    def model(self, step: str, model: str) -> str | None:
        at = self.model_at.get(step)
        if at is None:
            return None
        return f"set `model=\"{model}\"` in the call of method `{step}` ({self._at(at)})"

    def parallel(self, steps: Sequence[str]) -> str | None:
        names = [s for s in steps if s in self.method_at]
        if len(names) < 2:
            return None
        return ("let " + ", ".join(f"`{n}`" for n in names) + " listen to the same method "
                "(`@listen(...)`): the Flow runs a method's listeners side by side, and a "
                "later one can wait for all of them with `@listen(and_(...))`")

    def bound(self, loop: str) -> str | None:
        found = self.loops.get(loop)
        if found is None:
            return None
        router, at = found
        return (f"bound the cycle: count its rounds in the flow's state and let router "
                f"`{router}` ({self._at(at)}) return a label outside it after a few "
                "(the Flow stops it only with a RecursionError, after 100 calls of one "
                "method)")


def _cond(node: ast.AST, depth: int = 0) -> tuple[str, list[Any]] | None:
    if depth > 20:
        return None
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = last_name(node)
        return ("or", [name]) if name else None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ("or", [node.value])
    if isinstance(node, ast.Call) and last_name(node.func) in ("or_", "and_"):
        items: list[Any] = []
        for arg in node.args:
            inner = _cond(arg, depth + 1)
            if inner is None:
                continue
            items.append(inner[1][0] if len(inner[1]) == 1 and inner[0] == "or" else inner)
        return ("and" if last_name(node.func) == "and_" else "or", items)
    return None


def _names(cond: tuple[str, list[Any]] | None) -> list[str]:
    if cond is None:
        return []
    out: list[str] = []
    for item in cond[1]:
        out.extend(_names(item) if isinstance(item, tuple) else [item])
    return out


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.path = path
        self.text = text
        self.file = display
        self.root = root
        self.draft = Draft("crewai-flow", path, display, text, root)
        self.words = CrewAIFlowWording(display)
        self.methods: dict[str, _Method] = {}
        self.imports: dict[str, tuple[str, int]] = {}

    # -- Python ----------------------------------------------------------------------------

    def read_python(self) -> Workflow:
        return read_python_module(self.text, self.file, self._python)

    def _python(self, tree: ast.Module) -> Workflow:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module is not None:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (node.module, node.level)
        flows = [c for c in tree.body if isinstance(c, ast.ClassDef) and any(
            last_name(b.value if isinstance(b, ast.Subscript) else b) == "Flow" for b in c.bases)]
        if not flows:
            raise SpecError(self.file, 1, 1, "no CrewAI Flow found: a flow is a class that "
                            "subclasses Flow with @start() methods")
        cls = flows[0]
        self.draft.name = cls.name
        if len(flows) > 1:
            self.draft.assume("flows", f"this module defines {len(flows)} Flow classes; "
                              f"'{cls.name}', the first, is read", (cls.lineno, cls.col_offset + 1))
        for fn in cls.body:
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.method(fn)
        if len(self.methods) > MAX_METHODS:
            raise SpecError(self.file, cls.lineno, 1, f"more than {MAX_METHODS} flow methods")
        return self.build((cls.lineno, cls.col_offset + 1))

    def method(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        m: _Method | None = None
        for deco in fn.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            kind = last_name(call.func if call else deco)
            if kind not in _DECORATORS:
                continue
            if m is None:
                m = _Method(fn.name, (fn.lineno, fn.col_offset + 1))
            arg = call.args[0] if call is not None and call.args else None
            if kind == "start":
                if arg is None:
                    m.start = True
                else:
                    m.cond = _merge(m.cond, _cond(arg))
            else:
                if kind == "router":
                    m.router = True
                if arg is not None:
                    m.cond = _merge(m.cond, _cond(arg))
        if m is None:
            return
        self.methods[fn.name] = m
        for node in ast.walk(fn):
            if isinstance(node, ast.Return) and node.value is not None:
                value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    m.labels.append(value.value)
                elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and last_name(value.func.value) == "self":
                    m.label_from.append(value.func.attr)
        self.body(m, fn)

    def body(self, m: _Method, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        looped: set[int] = set()
        for node in ast.walk(fn):
            if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
                looped.update(id(n) for n in ast.walk(node) if n is not node)
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call):
                continue
            times = float(DEFAULT_ITERATION_ITEMS) if id(node) in looped else 1.0
            if times > 1:
                self.draft.assume("flow:loop", "a model call inside a loop of a flow method "
                                  f"is assumed to run {DEFAULT_ITERATION_ITEMS} times",
                                  (node.lineno, node.col_offset + 1))
            func = node.func
            fname = last_name(func)
            if fname == "kickoff" and isinstance(func, ast.Attribute):
                self.kickoff(m, func.value, node, times)
            elif fname in _LLM_FUNCS or (fname == "call" and isinstance(func, ast.Attribute)
                                         and _mentions_llm(func.value)):
                m.kind = "llm" if m.kind == "code" else m.kind
                m.calls += times
                model = _kw(node, "model")
                if model is None and isinstance(func, ast.Attribute) and \
                        isinstance(func.value, ast.Call):
                    model = _kw(func.value, "model") or _first_str(func.value)
                if model is not None and m.model is None:
                    m.model, m.model_at = model
                elif m.model_at is None:
                    m.model_at = (node.lineno, node.col_offset + 1)

    def kickoff(self, m: _Method, target: ast.expr, call: ast.Call, times: float) -> None:
        at = (call.lineno, call.col_offset + 1)
        # SomeCrew().crew().kickoff(...), Crew(...).kickoff(...), agent.kickoff(...)
        inner = target.func if isinstance(target, ast.Call) else None
        if inner is not None and last_name(inner) == "crew" and isinstance(inner, ast.Attribute) \
                and isinstance(inner.value, ast.Call):
            cls = last_name(inner.value.func)
            calls, model, note = self.crew_calls(cls, at)
            m.kind, m.note = "crew", note
            m.calls += calls * times
            m.calls_assumed = m.calls_assumed or model is None
            if model is not None and m.model is None:
                m.model = model
            m.model_at = m.model_at or at
            return
        if isinstance(target, ast.Call) and last_name(target.func) == "Crew":
            m.kind = "crew"
            m.calls += DEFAULT_TOOL_LOOP_CALLS * times
            m.calls_assumed = True
            m.note = "a Crew(...) built in the method: its calls assumed"
            self.draft.assume("flow:crew", f"a crew built in a flow method is assumed to make "
                              f"{DEFAULT_TOOL_LOOP_CALLS} model calls", at)
            m.model_at = m.model_at or at
            return
        m.kind = "agent" if m.kind in ("code", "agent") else m.kind
        m.calls += DEFAULT_TOOL_LOOP_CALLS * times
        m.calls_assumed = True
        m.model_at = m.model_at or at
        self.draft.assume("flow:agent", f"an agent kicked off in a flow method is assumed to "
                          f"make {DEFAULT_TOOL_LOOP_CALLS} model calls (a tool loop)", at)

    def crew_calls(self, cls: str | None, at: Pos) -> tuple[float, str | None, str]:
        """The model calls of crew class ``cls`` read from its tasks file in this project;
        three (assumed) when it cannot be found."""
        tasks = self.crew_tasks(cls)
        if tasks is not None:
            shown = os.path.relpath(tasks, os.path.dirname(os.path.abspath(self.path)))
            text = read_text(tasks, self.root, limit=MAX_SPEC_BYTES, shown=shown)
            try:
                crew = CrewAIAdapter().load(tasks, text, shown, self.root)
            except SpecError as exc:
                raise SpecError(self.file, *at, f"crew {cls}: {exc.file}:{exc.line}: "
                                f"{exc.message}") from None
            calls = float(sum(s.calls for s in crew.steps if s.model))
            models = [crew.models[s.model].name for s in crew.steps if s.model]
            self.draft.sources.append(shown)
            # the model most of its steps run on; of several, the one the crew runs first
            model = max(dict.fromkeys(models), key=models.count) if models else None
            return calls, model, f"crew {cls} ({shown}: {int(calls)} model calls)"
        self.draft.assume(f"flow:crew:{cls}", f"crew {cls} is not in this project (no "
                          f"config/tasks.yaml found for it); assumed to make "
                          f"{DEFAULT_TOOL_LOOP_CALLS} model calls", at)
        return float(DEFAULT_TOOL_LOOP_CALLS), None, f"crew {cls} (assumed)"

    def crew_tasks(self, cls: str | None) -> str | None:
        if cls is None or cls not in self.imports:
            return None
        module, level = self.imports[cls]
        parts = module.split(".")
        base = os.path.dirname(os.path.abspath(self.path))
        for _ in range(max(level - 1, 0)):
            base = os.path.dirname(base)
        for k in range(len(parts)):
            folder = os.path.join(base, *parts[k:-1])
            tasks = os.path.join(folder, "config", "tasks.yaml")
            if os.path.isfile(tasks) and os.path.isfile(os.path.join(folder, "config",
                                                                       "agents.yaml")):
                return tasks
        return None

    # -- the YAML flow definition ------------------------------------------------------------

    def read_yaml(self) -> Workflow:
        doc = load_text(self.text, self.file)
        if not isinstance(doc, YMap) or not isinstance(doc.get("methods"), YMap):
            raise SpecError(self.file, *at_of(doc), "a CrewAI flow definition has methods: "
                            "(a mapping of method names)")
        name = doc.get("name")
        self.draft.name = name if isinstance(name, str) else None
        methods: YMap = doc["methods"]
        if len(methods) > MAX_METHODS:
            raise SpecError(self.file, *at_of(methods), f"more than {MAX_METHODS} methods")
        for key, raw in methods.items():
            if not isinstance(key, str):
                continue
            body = mapping(raw)
            m = _Method(key, key_pos(methods, key))
            m.start = body.get("start") is True
            listen = body.get("listen")
            m.cond = _yaml_cond(listen)
            m.router = body.get("router") is True
            m.labels = [str(x) for x in listed(body.get("emit"))]
            do = mapping(body.get("do"))
            what = do.get("call")
            with_ = mapping(do.get("with"))
            at = val_pos(do, "call", m.at)
            if what == "crew":
                tasks = listed(with_.get("tasks"))
                agents = mapping(with_.get("agents"))
                m.kind, m.calls = "crew", float(max(len(tasks), 1))
                m.note = f"an inline crew of {len(tasks)} tasks"
                models = [mapping(a).get("llm") for a in agents.values()]
                model = next((x for x in models if isinstance(x, str)), None)
                m.model, m.model_at = model, at
                for task in tasks:
                    agent = mapping(agents.get(mapping(task).get("agent")))
                    if agent.get("tools"):
                        m.calls += DEFAULT_TOOL_LOOP_CALLS - 1
                        m.calls_assumed = True
            elif what == "agent":
                m.kind, m.calls = "llm", 1.0
                model = with_.get("llm")
                m.model = model if isinstance(model, str) else None
                m.model_at = val_pos(with_, "llm", at)
                goal = with_.get("goal")
                m.system = goal.replace("{{", "{ {") if isinstance(goal, str) else None
                if with_.get("tools"):
                    m.calls, m.calls_assumed = float(DEFAULT_TOOL_LOOP_CALLS), True
            self.methods[key] = m
        return self.build(at_of(methods))

    # -- the step graph ------------------------------------------------------------------------

    def routes(self, n: str, m: _Method, step_of: dict[str, StepSpec], route: StepSpec,
               back: set[tuple[str, str]]) -> None:
        """Router ``n``'s routes: the methods that listen to the labels it returns."""
        draft = self.draft
        ends: list[str] = []
        for label in m.labels:
            found = False
            for target, lm in self.methods.items():
                if label in _names(lm.cond) and target in step_of:
                    found = True
                    if (n, target) not in back:
                        route.routes.append((step_of[target].id, m.at))
            if not found:
                ends.append(label)
        if ends and route.routes:
            # a label nobody listens to ends the run: a route to a step that does nothing
            end = StepSpec(draft.new_id(f"{n}_{ends[0]}"), m.at, kind="aggregate", size="max",
                           names=(f"{n} {ends[0]}",), origin=f"crewai flow router '{n}' "
                           f"returns {', '.join(repr(e) for e in ends)}: the run ends")
            end.needs = [(route.id, m.at)]
            end.output_leaves = "the run ends here"
            draft.steps.append(end)
            route.routes.append((end.id, m.at))
        route.routes = list(dict.fromkeys(route.routes))
        if route.routes:
            draft.assume(f"flow:routes:{n}", f"router '{n}' is assumed to return each of "
                         "its labels as often", m.at)
        elif route is step_of[n]:
            route.kind, route.tool, route.output_tokens = "tool", draft.tool(n, m.at), None
        else:
            route.kind, route.output_tokens = "aggregate", None
            route.size = "max"

    def build(self, at: Pos) -> Workflow:
        draft = self.draft
        methods = self.methods
        routers = {n: m for n, m in methods.items() if m.router}
        triggers = _triggers(methods, routers)
        starts = [n for n, m in methods.items() if m.start]
        if not starts:
            raise SpecError(self.file, *at, "the flow has no @start() method: kickoff would "
                            "run nothing")
        order, back = _order(starts, methods, triggers, self.file, at)
        task = draft.input("inputs", at)
        step_of: dict[str, StepSpec] = {}
        #: router method -> the step that routes (the method's own, or one after its call)
        route_of: dict[str, StepSpec] = {}
        for n in order:
            m = methods[n]
            spec = StepSpec(draft.new_id(n), m.at, origin=f"crewai flow method '{n}'" +
                            (f": {m.note}" if m.note else ""), names=(n,))
            spec.pos["id"] = m.at
            if m.calls > 0:
                spec.model = draft.model(m.model, m.model_at or m.at, default_reason=f"flow "
                                         f"method '{n}' names no model")
                spec.pos["model"] = m.model_at or m.at
                spec.calls = max(round(m.calls), 1)
                spec.calls_assumed = m.calls_assumed
                spec.system = m.system
                if m.model_at is not None and m.kind == "llm":
                    self.words.model_at[spec.id] = m.model_at
            elif m.router:
                spec.kind, spec.output_tokens = "router", 0.0
            else:
                spec.kind = "tool"
                spec.tool = draft.tool(n, m.at)
            reads: list[tuple[str, Pos]] = []
            needs: list[tuple[str, Pos]] = []
            for t, via in triggers[n]:
                if (t, n) in back or t not in step_of:
                    continue
                if via is not None:
                    # a label: the router chose this method; it reads what the router's
                    # method read or made, from the flow's state
                    needs.append((route_of[t].id, m.at))
                    source = step_of[t]
                    reads.extend(source.reads if source.kind == "router" else
                                 [(source.id, m.at)])
                else:
                    reads.append((step_of[t].id, m.at))
            spec.reads = list(dict.fromkeys(reads))
            spec.needs = list(dict.fromkeys(needs))
            if m.start and (spec.kind != "tool" or not spec.reads):
                spec.prompt = "{{ inputs." + task + " }}"
            step_of[n] = spec
            self.words.method_at[spec.id] = m.at
            draft.steps.append(spec)
            if m.router:
                route = spec
                if spec.kind != "router":
                    route = StepSpec(draft.new_id(f"{n}_route"), m.at, kind="router",
                                     output_tokens=0.0, names=(f"{n} route",),
                                     origin=f"crewai flow router '{n}': the label it returns")
                    route.needs = [(spec.id, m.at)]
                    draft.steps.append(route)
                route_of[n] = route
        for n, m in routers.items():
            if n in step_of:
                self.routes(n, m, step_of, route_of[n], back)
        for n in order:
            spec = step_of[n]
            if not any(spec.id in (r for r, _ in other.reads) or
                       any(spec.id == t for t, _ in other.routes + other.needs)
                       for other in draft.steps):
                spec.output_leaves = "kept in the flow's state, the run's result"
        for tail, head in sorted(back):
            cycle = _cycle(tail, head, triggers, back)
            steps = [step.id for step in draft.steps if step.names and
                     step.names[0].split(" ")[0] in cycle]
            router = next((s for s in steps if s in methods and methods[s].router), head)
            loop = LoopSpec(draft.new_id(f"{head}_cycle", "cycle"), methods[tail].at, steps,
                            None, until=f"router '{router}' returns a label outside the cycle",
                            names=(f"{head} cycle",))
            draft.loops.append(loop)
            self.words.loops[loop.id] = (router, methods[router].at)
        wf = draft.finish()
        wf.extra["wording"] = self.words
        return wf


def _triggers(methods: dict[str, _Method], routers: dict[str, _Method]
              ) -> dict[str, list[tuple[str, str | None]]]:
    """The triggers of each method: (the method that must finish first, and the router
    whose label it is, or None for a method named directly)."""
    for m in routers.values():
        for other in m.label_from:
            if other in routers:
                m.labels.extend(routers[other].labels)
        m.labels = list(dict.fromkeys(m.labels))
    emitted: dict[str, list[str]] = {}
    for n, m in routers.items():
        for label in m.labels:
            emitted.setdefault(label, []).append(n)
    triggers: dict[str, list[tuple[str, str | None]]] = {}
    for n, m in methods.items():
        found: list[tuple[str, str | None]] = []
        for name in _names(m.cond):
            if name in emitted:
                found.extend((r, r) for r in emitted[name])
            elif name in methods and name != n:
                found.append((name, None))
        triggers[n] = found
    return triggers


def _merge(a: tuple[str, list[Any]] | None, b: tuple[str, list[Any]] | None
           ) -> tuple[str, list[Any]] | None:
    if a is None:
        return b
    if b is None:
        return a
    return ("or", [a, b])


def _yaml_cond(raw: Any, depth: int = 0) -> tuple[str, list[Any]] | None:
    if depth > 20 or raw is None:
        return None
    if isinstance(raw, str):
        return ("or", [raw])
    if isinstance(raw, list):
        return ("or", [x for x in raw if isinstance(x, str)])
    if isinstance(raw, dict):
        for key in ("and", "or"):
            if key in raw:
                items: list[Any] = []
                for item in listed(raw[key]):
                    inner = _yaml_cond(item, depth + 1)
                    if inner is not None:
                        items.append(inner)
                return (key, items)
    return None


def _kw(call: ast.Call, name: str) -> tuple[str, Pos] | None:
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant) and \
                isinstance(kw.value.value, str):
            return kw.value.value, (kw.value.lineno, kw.value.col_offset + 1)
    return None


def _first_str(call: ast.Call) -> tuple[str, Pos] | None:
    if call.args and isinstance(call.args[0], ast.Constant) and \
            isinstance(call.args[0].value, str):
        return call.args[0].value, (call.args[0].lineno, call.args[0].col_offset + 1)
    return None


def _mentions_llm(node: ast.AST) -> bool:
    """``self._llm``, ``llm``, ``LLM(...)``: the receiver of a ``.call(...)``."""
    if isinstance(node, ast.Call):
        return last_name(node.func) == "LLM"
    name = last_name(node)
    return name is not None and "llm" in name.lower()


def _order(starts: list[str], methods: dict[str, _Method],
           triggers: dict[str, list[tuple[str, str | None]]], file: str, at: Pos
           ) -> tuple[list[str], set[tuple[str, str]]]:
    """Methods in an order where each comes after its triggers, and the back edges
    ``(trigger, listener)`` that close a cycle (dropped from the order)."""
    listeners: dict[str, list[str]] = {n: [] for n in methods}
    for n, found in triggers.items():
        for t, _ in found:
            listeners[t].append(n)
    post, back = depth_first(starts, listeners)
    seen = set(post)
    if len(back) > MAX_CYCLES:
        raise SpecError(file, *at, f"more than {MAX_CYCLES} ways back to an earlier method "
                        "in one flow")
    reached = [n for n in methods if n in seen]
    # the methods of each cycle are listed one after another (a loop repeats a run of them)
    group: dict[str, int] = {}
    for k, (tail, head) in enumerate(sorted(back)):
        for n in _cycle(tail, head, triggers, back):
            group.setdefault(n, k)
    done: list[str] = []
    placed: set[str] = set()
    pending = list(reached)
    while pending:
        ready = [n for n in pending if all(
            t in placed for t, _ in triggers[n] if (t, n) not in back and t in seen)]
        if not ready:  # an or_ waiting on itself: place the rest as listed
            done.extend(pending)
            break
        last = group.get(done[-1]) if done else None
        pick = next((n for n in ready if last is not None and group.get(n) == last), ready[0])
        done.append(pick)
        placed.add(pick)
        pending.remove(pick)
    return done, back


def _cycle(tail: str, head: str, triggers: dict[str, list[tuple[str, str | None]]],
           back: set[tuple[str, str]]) -> set[str]:
    """The methods on a path from ``head`` to ``tail`` (the back edge tail -> head)."""
    preds: dict[str, list[str]] = {n: [t for t, _ in ts if (t, n) not in back]
                                   for n, ts in triggers.items()}
    # walk back from tail to head
    seen = {tail}
    stack = [tail]
    ancestors_of_tail: set[str] = set()
    while stack:
        n = stack.pop()
        ancestors_of_tail.add(n)
        for p in preds.get(n, []):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    succ: dict[str, list[str]] = {}
    for n, ps in preds.items():
        for p in ps:
            succ.setdefault(p, []).append(n)
    seen = {head}
    stack = [head]
    while stack:
        n = stack.pop()
        for s in succ.get(n, []):
            if s not in seen:
                seen.add(s)
                stack.append(s)
    return (seen & ancestors_of_tail) | {head, tail}
