"""CrewAI crews: ``config/agents.yaml`` + ``config/tasks.yaml``, and ``crew.py`` beside them.

- One step per task, in the order the crew runs them (the ``@task`` methods
  of ``crew.py`` when it has them, else the YAML order), in ``sequential``
  execution. A run of consecutive ``async_execution`` tasks is one parallel
  group.
- A task's agent gives the model (its ``llm``, else CrewAI's default) and the
  system prompt (role, backstory, goal, as CrewAI composes them); the task's
  description and expected output are the prompt. ``{name}`` placeholders are
  run inputs (``kickoff(inputs=...)``).
- ``context: [task, ...]`` lists what a task reads. A task without
  ``context`` receives every earlier output (only the last sync output when
  it is async, only the joined async outputs right after an async group), as
  CrewAI does: those dependencies are added and the step is marked
  ``implicit_context``.
- ``crew.py`` is read with Python's ``ast`` module, never imported or run:
  ``process=Process.hierarchical`` (a manager step is added), per-agent
  ``llm=`` (strings, ``LLM(model=...)``, ``@llm`` methods), ``tools=``, and
  per-task ``context=``, ``async_execution=`` and ``agent=``.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.common import at_of, clamp, figure, val_pos
from agentlint.adapters.ir import DEFAULT_TOOL_LOOP_CALLS, Pos, StepSpec
from agentlint.adapters.lower import Draft
from agentlint.errors import SpecError, excerpt
from agentlint.paths import (
    MAX_CREW_PY_BYTES,
    MAX_SPEC_BYTES,
    is_inside,
    read_text,
    shown_beside,
)
from agentlint.spec.limits import FOREIGN, problem
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap, YSeq
from agentlint.spec.tokens import text_tokens
from agentlint.spec.yamlload import load_text

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")
TASK_NAMES = ("tasks.yaml", "tasks.yml")
AGENT_NAMES = ("agents.yaml", "agents.yml")


def _sibling(path: str, names: tuple[str, ...]) -> str | None:
    folder = os.path.dirname(os.path.abspath(path))
    for name in names:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def _looks_like_tasks(text: str) -> bool:
    # CrewAI requires description and expected_output on every task
    return "expected_output:" in text and "description:" in text


def _looks_like_agents(text: str) -> bool:
    # ... and role, goal and backstory on every agent
    return "role:" in text and "goal:" in text and "backstory:" in text


class CrewAIAdapter:
    name = "crewai"

    def sniff(self, path: str, text: str) -> bool:
        base = os.path.basename(path).lower()
        if base in TASK_NAMES:
            return _looks_like_tasks(text)
        if base in AGENT_NAMES:
            return _looks_like_agents(text) and _sibling(path, TASK_NAMES) is not None
        return False

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        base = os.path.basename(path).lower()
        is_agents = base in AGENT_NAMES or (base not in TASK_NAMES
                                            and _looks_like_agents(text)
                                            and not _looks_like_tasks(text))
        if is_agents:
            tasks_path = _sibling(path, TASK_NAMES)
            if tasks_path is None:
                raise SpecError(display, 1, 1, "a CrewAI agents file needs its tasks.yaml "
                                "beside it; agentlint reads the pair")
            tasks_display = shown_beside(tasks_path, display, os.path.dirname(path))
            tasks_text = read_text(tasks_path, root, limit=MAX_SPEC_BYTES, shown=tasks_display)
            agents_path: str | None = path
            agents_display, agents_text = display, text
        else:
            tasks_path, tasks_display, tasks_text = path, display, text
            agents_path = _sibling(path, AGENT_NAMES)
            agents_display = shown_beside(agents_path, display, os.path.dirname(path)) \
                if agents_path else ""
            agents_text = read_text(agents_path, root, limit=MAX_SPEC_BYTES,
                                    shown=agents_display) if agents_path else ""
        return _Reader(tasks_path, tasks_display, tasks_text, agents_path, agents_display,
                       agents_text, root).read()


# -- crew.py, read as a syntax tree ---------------------------------------------------------


@dataclass(slots=True)
class _AgentCode:
    key: str
    llm: str | None = None
    llm_given: bool = False
    tools: list[str] = field(default_factory=list)
    max_iter: int | None = None
    max_iter_at: tuple[int, int] = (1, 1)


@dataclass(slots=True)
class _TaskCode:
    key: str
    method: str
    context: list[str] | None = None  # method names
    async_execution: bool | None = None
    agent: str | None = None  # method name
    tools: list[str] | None = None


@dataclass(slots=True)
class CrewCode:
    """What ``crew.py`` says about the crew, as far as literals in its source tell."""

    process: str | None = None
    manager_llm: str | None = None
    agents: dict[str, _AgentCode] = field(default_factory=dict)  # by method name
    tasks: list[_TaskCode] = field(default_factory=list)
    #: ``@llm`` methods and the model each returns (None when not a literal)
    llms: dict[str, str | None] = field(default_factory=dict)


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name_of(node.func)
    return None


def _self_method(node: ast.AST) -> str | None:
    """``self.name()`` -> ``name``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
        return node.func.attr
    return None


def _config_key(node: ast.AST) -> str | None:
    """``self.agents_config['researcher']`` -> ``researcher``."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, str):
        return node.slice.value
    return None


def _kwargs(call: ast.Call) -> dict[str, ast.AST]:
    return {kw.arg: kw.value for kw in call.keywords if kw.arg}


def _calls(body: list[ast.stmt], names: tuple[str, ...]) -> list[ast.Call]:
    out = []
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and _name_of(node.func) in names:
                out.append(node)
    return out


def read_crew_py(source: str) -> CrewCode:
    """Read ``crew.py`` without running it: only its syntax tree is looked at."""
    tree = ast.parse(source)
    code = CrewCode()
    functions = [f for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef,
                                                             ast.AsyncFunctionDef))]
    models = _ModelNames(_assignments(tree), _llm_methods(functions))
    for fn in functions:
        decorators = {_name_of(d) for d in fn.decorator_list}
        if "agent" in decorators:
            for call in _calls(fn.body, ("Agent",))[:1]:
                code.agents[fn.name] = _agent_code(fn.name, call, models)
        if "task" in decorators:
            for call in _calls(fn.body, ("Task", "ConditionalTask"))[:1]:
                code.tasks.append(_task_code(fn.name, call))
    code.llms = {name: models.of(value) for name, value in models.llms.items()}
    _read_crew_calls(tree, code, models)
    return code


def _assignments(tree: ast.AST) -> dict[str, ast.AST]:
    """``NAME = value`` anywhere in the file, so a model named through a constant is found
    (of several assignments to one name, the last one the walk meets wins)."""
    consts: dict[str, ast.AST] = {}
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name):
            consts[stmt.targets[0].id] = stmt.value
    return consts


def _llm_methods(functions: list[ast.FunctionDef | ast.AsyncFunctionDef]) -> dict[str, ast.AST]:
    """What each ``@llm`` method returns: agents may name their model through one."""
    llms: dict[str, ast.AST] = {}
    for fn in functions:
        if "llm" in {_name_of(d) for d in fn.decorator_list}:
            for node in ast.walk(fn):
                if isinstance(node, ast.Return) and node.value is not None:
                    llms[fn.name] = node.value
    return llms


@dataclass(slots=True)
class _ModelNames:
    """Follows an expression to the model name literal it stands for, through constants,
    ``@llm`` methods and ``LLM(model=...)`` calls."""

    consts: dict[str, ast.AST]
    llms: dict[str, ast.AST]

    def of(self, node: ast.AST, depth: int = 0) -> str | None:
        if depth > 8:  # constants that name each other in a cycle
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.consts:
            return self.of(self.consts[node.id], depth + 1)
        method = _self_method(node)
        if method is not None and method in self.llms:
            return self.of(self.llms[method], depth + 1)
        if isinstance(node, ast.Call):
            kw = _kwargs(node)
            for key in ("model", "model_name"):
                if key in kw:
                    return self.of(kw[key], depth + 1)
            if node.args:
                return self.of(node.args[0], depth + 1)
        return None


def _tool_names(node: ast.AST) -> list[str]:
    """The names in a literal ``tools=[...]`` list (anything else reads as no tools)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return [n for n in (_name_of(e) for e in node.elts) if n]
    return []


def _agent_code(method: str, call: ast.Call, models: _ModelNames) -> _AgentCode:
    """One ``@agent`` method's ``Agent(...)`` call: its key, model, tools and max_iter."""
    kw = _kwargs(call)
    # the method's name when config= is not a plain key (CrewAI's convention)
    key = _config_key(kw["config"]) if "config" in kw else None
    info = _AgentCode(key or method)
    if "llm" in kw:
        info.llm_given = True
        info.llm = models.of(kw["llm"])
    if "tools" in kw:
        info.tools = _tool_names(kw["tools"])
    max_iter = kw.get("max_iter")
    if isinstance(max_iter, ast.Constant) and isinstance(max_iter.value, int):
        info.max_iter = max_iter.value
        info.max_iter_at = (max_iter.lineno, max_iter.col_offset + 1)
    return info


def _task_code(method: str, call: ast.Call) -> _TaskCode:
    """One ``@task`` method's ``Task(...)`` call: its key, context, agent, tools and
    whether it runs asynchronously."""
    kw = _kwargs(call)
    key = _config_key(kw["config"]) if "config" in kw else None
    task = _TaskCode(key or method, method)
    context = kw.get("context")
    if isinstance(context, (ast.List, ast.Tuple)):
        task.context = [m for m in (_self_method(e) for e in context.elts) if m]
    async_execution = kw.get("async_execution")
    if isinstance(async_execution, ast.Constant):
        task.async_execution = bool(async_execution.value)
    if "agent" in kw:
        task.agent = _self_method(kw["agent"])
    if "tools" in kw:
        task.tools = _tool_names(kw["tools"])
    return task


def _read_crew_calls(tree: ast.Module, code: CrewCode, models: _ModelNames) -> None:
    """The ``Crew(...)`` calls at module level: the process and the manager's model (the
    last call that gives one wins)."""
    for call in _calls(tree.body, ("Crew",)):
        kw = _kwargs(call)
        process = kw.get("process")
        if isinstance(process, ast.Attribute):
            code.process = process.attr
        elif isinstance(process, ast.Constant) and isinstance(process.value, str):
            code.process = process.value
        if "manager_llm" in kw:
            code.manager_llm = models.of(kw["manager_llm"])


# -- the crew -------------------------------------------------------------------------------


class _Reader:
    def __init__(self, tasks_path: str, tasks_display: str, tasks_text: str,
                 agents_path: str | None, agents_display: str, agents_text: str,
                 root: str) -> None:
        self.draft = Draft("crewai", tasks_path, tasks_display, tasks_text, root)
        self.draft.execution = "sequential"
        self.file = tasks_display
        self.tasks = load_text(tasks_text, tasks_display)
        self.agents_display = agents_display
        self.agents = load_text(agents_text, agents_display) if agents_path else None
        if agents_path:
            self.draft.sources.append(agents_display)
        self.code = self.crew_py(tasks_path, tasks_display, root)
        self.input_at: dict[str, Pos] = {}

    def crew_py(self, tasks_path: str, tasks_display: str, root: str) -> CrewCode | None:
        crew_dir = os.path.dirname(os.path.dirname(os.path.abspath(tasks_path)))
        path = os.path.join(crew_dir, "crew.py")
        if not os.path.isfile(path):
            return None
        shown = shown_beside(path, tasks_display, os.path.dirname(tasks_path))
        if not is_inside(os.path.realpath(path), os.path.realpath(root)):
            self.draft.assume("crew.py", f"{shown} is outside the repository and was not "
                              "read; the crew is read from the YAML files only", (1, 1))
            return None
        try:
            source = read_text(path, root, limit=MAX_CREW_PY_BYTES, what="crew.py",
                               shown=shown)
            code = read_crew_py(source)
        except (OSError, SpecError, SyntaxError, ValueError, RecursionError,
                MemoryError) as exc:
            detail = f"line {exc.lineno}: {excerpt(exc.msg)}" if isinstance(exc, SyntaxError) \
                else exc.message if isinstance(exc, SpecError) else excerpt(str(exc))
            self.draft.assume("crew.py", f"{shown} could not be read ({detail}); the crew "
                              "is read from the YAML files only", (1, 1))
            return None
        for info in code.agents.values():
            if info.max_iter is not None:
                message = problem("max_iter", info.max_iter, limit=FOREIGN["max_iter"])
                if message is not None:
                    raise SpecError(shown, *info.max_iter_at, message)
        self.draft.sources.append(shown)
        return code

    def fail(self, at: Pos, message: str) -> SpecError:
        return SpecError(self.file, *at, message)

    def interpolate(self, text: str, at: Pos) -> str:
        def swap(m: re.Match[str]) -> str:
            name = self.draft.input(m.group(1), at)
            self.input_at.setdefault(name, at)
            return "{{ inputs." + name + " }}"

        return _PLACEHOLDER.sub(swap, text.replace("{{", "{ {").replace("}}", "} }"))

    def read(self) -> Workflow:
        tasks, draft, code = self.tasks, self.draft, self.code
        if not isinstance(tasks, YMap) or not tasks:
            raise self.fail(at_of(tasks), "a CrewAI tasks file maps task names to tasks")
        if self.agents is not None and not isinstance(self.agents, YMap):
            raise SpecError(self.agents_display, *at_of(self.agents),
                            "a CrewAI agents file maps agent names to agents")
        agents = self.agents or YMap()
        draft.name = os.path.basename(os.path.dirname(os.path.dirname(
            os.path.abspath(draft.path)))) or None
        by_method = {t.method: t for t in code.tasks} if code else {}
        order = [str(k) for k in tasks if not str(k).startswith("x-")]
        if code and code.tasks:
            in_code = [t.key for t in code.tasks if t.key in tasks]
            order = in_code + [k for k in order if k not in in_code]
        task_code = {t.key: t for t in code.tasks} if code else {}
        ids = {key: draft.new_id(key, "task") for key in order}
        hierarchical = bool(code and code.process == "hierarchical")
        acc: list[str] = []
        pending: list[str] = []
        last_sync: str | None = None
        group = 0
        prev_async = False
        agent_of: dict[str, str] = {}
        for key in order:
            raw = tasks[key]
            at = tasks.key_at(key)
            if not isinstance(raw, YMap):
                raise self.fail(val_pos(tasks, key, at), f"task '{key}' must be a mapping")
            tc = task_code.get(key)
            spec = StepSpec(ids[key], at, origin="crewai task",
                            names=(key,) if key != ids[key] else ())
            spec.pos["id"] = at
            spec.pos["prompt"] = val_pos(raw, "description", at)
            agent_name = raw.text("agent") if "agent" in raw else None
            if agent_name is None and tc and tc.agent and code and tc.agent in code.agents:
                agent_name = code.agents[tc.agent].key
            agent_at = val_pos(raw, "agent", at)
            if agent_name is not None:
                agent_name = str(agent_name)
                known = agent_name in agents or (code and any(
                    a.key == agent_name for a in code.agents.values()))
                if not known:
                    raise self.fail(agent_at, f"task '{key}' names agent '{agent_name}', "
                                    "which is not in agents.yaml")
                spec.agent = self.agent(agent_name, agents, agent_at)
                spec.pos["agent"] = spec.pos["model"] = agent_at
                agent_of[spec.id] = spec.agent
            elif hierarchical:
                spec.model = self.delegate_model(agents, at)
                spec.origin += " (the manager picks its agent at run time)"
            else:
                spec.model = draft.model(None, at, default_reason=f"task '{key}' has no "
                                         "agent in tasks.yaml or crew.py")
            if "llm" in raw:
                spec.model = draft.model(raw.text("llm"), raw.value_at("llm"))
                spec.pos["model"] = raw.value_at("llm")
            description = str(raw.get("description") or "")
            expected = str(raw.get("expected_output") or "")
            prompt = description.strip()
            if expected.strip():
                prompt += ("\n\nThis is the expected criteria for your final answer: "
                           + expected.strip() + "\nyou MUST return the actual complete "
                           "content as the final answer, not a summary.")
            spec.prompt = self.interpolate(prompt, spec.pos["prompt"])
            tools = tc.tools if tc and tc.tools is not None else None
            if "tools" in raw and isinstance(raw["tools"], list):
                tools = [str(t) for t in raw["tools"]]
            agent_tools = draft.agents.get(spec.agent, {}).get("tools") if spec.agent else None
            if tools or agent_tools:
                spec.calls, spec.calls_assumed = DEFAULT_TOOL_LOOP_CALLS, True
                limit = self.max_iter(spec.agent, agents)
                if limit is not None:
                    spec.calls = max(1, min(spec.calls, limit))
            is_async = bool(raw.get("async_execution") is True)
            if tc and tc.async_execution is not None:
                is_async = tc.async_execution
            explicit = self.explicit_context(key, raw, tc, by_method, ids)
            if is_async:
                context = explicit if explicit is not None else (
                    [(last_sync, at)] if last_sync else [])
                pending.append(spec.id)
                if not prev_async:
                    group += 1
                spec.parallel = f"async-{group}"
            else:
                if pending:
                    acc, pending = list(pending), []
                context = explicit if explicit is not None else [(i, at) for i in acc]
                acc.append(spec.id)
                last_sync = spec.id
            prev_async = is_async
            spec.context = context
            spec.pos["context"] = val_pos(raw, "context", at)
            if explicit is None and context:
                spec.implicit_context = True
            notes = []
            if raw.get("output_file"):
                notes.append(f"writes {raw.get('output_file')}")
            if raw.get("human_input") is True:
                notes.append("asks a human")
            if notes:
                spec.origin += f" ({'; '.join(notes)})"
            draft.steps.append(spec)
        if hierarchical:
            self.manager()
        used = {s.agent for s in draft.steps}
        draft.agents = {k: v for k, v in draft.agents.items() if k in used}
        return draft.finish()

    def explicit_context(self, key: str, raw: YMap, tc: Any, by_method: dict[str, Any],
                         ids: dict[str, str]) -> list[tuple[str, Pos]] | None:
        if tc is not None and tc.context is not None:
            out = []
            for method in tc.context:
                target = by_method.get(method)
                name = target.key if target is not None else method
                if name not in ids:
                    raise self.fail(self.tasks.key_at(key), f"crew.py gives task '{key}' "
                                    f"context '{method}', which is not a task")
                out.append((ids[name], self.tasks.key_at(key)))
            return out
        if "context" not in raw:
            return None
        items = raw["context"]
        if not isinstance(items, YSeq):
            raise self.fail(raw.value_at("context"), f"context of task '{key}' must be a "
                            "list of task names")
        out = []
        for i in range(len(items)):
            name = str(items.text(i))
            if name not in ids:
                raise self.fail(items.item_at(i), f"task '{key}' has context '{name}', "
                                "which is not a task in tasks.yaml")
            out.append((ids[name], items.item_at(i)))
        return out

    def agent(self, name: str, agents: YMap, at: Pos) -> str:
        draft = self.draft
        if name in draft.agents:
            return name
        raw = agents.get(name)
        raw = raw if isinstance(raw, YMap) else YMap()
        code = next((a for a in self.code.agents.values() if a.key == name), None) \
            if self.code else None
        role = str(raw.get("role") or "").strip()
        goal = str(raw.get("goal") or "").strip()
        backstory = str(raw.get("backstory") or "").strip()
        system = f"You are {role}. {backstory}\nYour personal goal is: {goal}" \
            if (role or goal or backstory) else ""
        entry: dict[str, Any] = {"at": at}
        if code is not None and code.llm_given:
            if code.llm is not None:
                entry["model"] = draft.model(code.llm, at)
            else:
                entry["model"] = draft.model(None, at, default_reason=f"the llm of agent "
                                             f"'{name}' in crew.py is not a literal")
        elif "llm" in raw:
            llm = raw.get("llm")
            if isinstance(llm, YMap):  # llm: {model: ..., temperature: ...}
                llm = llm.get("model")
            llm = str(llm) if llm is not None else None
            if llm is not None and self.code and llm in self.code.llms:  # an @llm method
                method_model = self.code.llms[llm]
                if method_model is None:
                    entry["model"] = draft.model(None, at, default_reason=f"the @llm method "
                                                 f"'{llm}' in crew.py returns no literal model")
                else:
                    entry["model"] = draft.model(method_model, at)
            else:
                entry["model"] = draft.model(llm, at)
        else:
            entry["model"] = draft.model(None, at, default_reason="agents without llm run "
                                         "on CrewAI's default model (OPENAI_MODEL_NAME, else "
                                         "gpt-4o-mini)")
        if system:
            entry["system"] = self.interpolate(system, at)
        tools = [str(t) for t in raw.get("tools", [])] if isinstance(raw.get("tools"), list) \
            else []
        if code is not None and code.tools:
            tools = code.tools
        if tools:
            entry["tools"] = [draft.tool(t, at) for t in tools]
        draft.agents[name] = entry
        return name

    def delegate_model(self, agents: YMap, at: Pos) -> str:
        """The model of a task the manager delegates: the crew's, when all agents share one."""
        names = [str(a) for a in agents if not str(a).startswith("x-")]
        if self.code:
            names += [a.key for a in self.code.agents.values() if a.key not in names]
        # every agent entry's model is a Draft.model key, a str
        keys: set[str] = {self.draft.agents[n]["model"] if n in self.draft.agents
                           else self.draft.agents[self.agent(n, agents, at)]["model"]
                           for n in names}
        if len(keys) == 1:
            return keys.pop()
        return self.draft.model(None, at, default_reason="in a hierarchical crew the manager "
                                "picks which agent (and model) does a task without an agent")

    def max_iter(self, agent: str | None, agents: YMap) -> int | None:
        if agent is None:
            return None
        raw = agents.get(agent)
        if isinstance(raw, YMap) and isinstance(raw.get("max_iter"), (int, float)):
            limit = figure(raw, "max_iter", self.agents_display)
            return int(limit) if limit is not None and limit.is_integer() else None
        if self.code:
            for info in self.code.agents.values():
                if info.key == agent and info.max_iter is not None:
                    return info.max_iter
        return None

    def manager(self) -> None:
        draft, code = self.draft, self.code
        assert code is not None
        workers = list(draft.steps)
        at = workers[0].at
        model = draft.model(code.manager_llm, at, default_reason="the hierarchical crew "
                            "names no manager_llm") if code.manager_llm \
            else draft.model(None, at, default_reason="the hierarchical crew names no "
                             "manager_llm")
        mean = sum(text_tokens(s.prompt or "") for s in workers) / max(1, len(workers))
        spec = StepSpec(draft.new_id("crew_manager"), at, kind="orchestrator", model=model,
                        origin="crewai manager (hierarchical process)",
                        system="You are Crew Manager. You are a seasoned manager with a knack "
                               "for getting the best out of your team.\nYour personal goal "
                               "is: Manage the team to complete the task in the best way "
                               "possible.",
                        input_tokens=clamp("input_tokens", float(round(mean))),
                        calls=int(clamp("calls", len(workers))))
        draft.steps.insert(0, spec)
        draft.assume("hierarchical", "hierarchical crew: the manager is read as one step "
                     f"making one delegating call per task ({len(workers)} calls); the order "
                     "and assignment it chooses at run time are not known", at)
