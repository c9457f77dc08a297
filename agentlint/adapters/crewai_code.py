"""A CrewAI crew's Python modules, read as syntax trees (never imported or run).

Two things are looked for, as CrewAI's ``@CrewBase`` wiring and ``Crew(...)``
validation use them:

- the **crew module**: the module that defines the ``@CrewBase`` class whose
  ``tasks_config`` (``config/tasks.yaml`` unless the class says otherwise) is
  the tasks file being read, whatever the module's name (``crew.py`` in a
  project made with ``crewai create crew``, ``crews/<name>/<name>.py`` in a
  CrewAI Flow). Its ``@agent``, ``@task`` and ``@llm`` methods give models,
  tools, context and the task order;
- the **assembly**: the ``Crew(...)`` call that builds the crew, with its
  ``process``, ``manager_llm`` and ``manager_agent``: in the ``@crew`` method,
  or in another module of the package (``main.py``, ``app.py``, ...) that
  names the crew class.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from agentlint.adapters.ir import Pos
from agentlint.errors import SpecError

#: the task/agent fields CrewAI's pydantic models require (``Task``, ``BaseAgent``)
TASK_REQUIRED = ("description", "expected_output")
AGENT_REQUIRED = ("role", "goal", "backstory")

T = TypeVar("T")


def read_python_module(text: str, file: str, read: Callable[[ast.Module], T]) -> T:
    """``read`` of the syntax tree of the Python module ``text``, shown as ``file``: a
    syntax error is said where it is; null bytes, or nesting too deep for the parser or
    for ``read``'s walk of the tree, at 1:1."""
    try:
        tree = ast.parse(text, filename=file)
    except SyntaxError as exc:
        raise SpecError(file, exc.lineno or 1, exc.offset or 1,
                        f"not valid Python: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise SpecError(file, 1, 1, "not valid Python (null bytes, or nested too "
                        "deeply to read)") from None
    try:
        return read(tree)
    except RecursionError:
        raise SpecError(file, 1, 1, "expressions nested too deeply to read") from None


@dataclass(slots=True)
class AgentCode:
    key: str
    method: str = ""
    llm: str | None = None
    llm_given: bool = False
    llm_at: Pos | None = None
    tools: list[str] = field(default_factory=list)
    max_iter: int | None = None
    max_iter_at: tuple[int, int] = (1, 1)
    #: keyword arguments the call gives (``role=``, ``goal=``, ...), and ``**kwargs``
    given: set[str] = field(default_factory=set)
    open_kwargs: bool = False
    at: Pos = (1, 1)


@dataclass(slots=True)
class TaskCode:
    key: str
    method: str
    context: list[str] | None = None  # method names
    async_execution: bool | None = None
    agent: str | None = None  # method name
    tools: list[str] | None = None
    given: set[str] = field(default_factory=set)
    open_kwargs: bool = False
    #: ``callback=``: CrewAI hands the task's output to a function of the crew's
    callback: bool = False
    output_file: bool = False


@dataclass(slots=True)
class CrewCall:
    """One ``Crew(...)`` call: where it is and what it says about the process."""

    module: str  # the module as shown in messages
    at: Pos
    process: str | None = None
    manager_llm: str | None = None
    manager_llm_given: bool = False
    manager_llm_at: Pos | None = None
    manager_agent: AgentCode | None = None
    manager_agent_given: bool = False
    open_kwargs: bool = False
    #: ``tasks=[self.a(), self.b()]`` / ``agents=[...]``: the methods the crew is given,
    #: in order; None when it is given all of them (``self.tasks``) or the syntax tree
    #: cannot tell which
    tasks: list[str] | None = None
    agents: list[str] | None = None


@dataclass(slots=True)
class CrewCode:
    """What the crew module says about the crew, as far as literals in its source tell."""

    module: str = ""  # the module as shown in messages
    class_name: str | None = None
    #: the agents file the class names (``agents_config``), relative to the module
    agents_config: str = "config/agents.yaml"
    agents: dict[str, AgentCode] = field(default_factory=dict)  # by method name
    tasks: list[TaskCode] = field(default_factory=list)
    #: ``@llm`` methods and the model each returns (None when not a literal)
    llms: dict[str, str | None] = field(default_factory=dict)
    #: the ``Crew(...)`` call that assembles the crew (the one that names a process)
    crew: CrewCall | None = None

    @property
    def process(self) -> str | None:
        return self.crew.process if self.crew else None

    @property
    def manager_llm(self) -> str | None:
        return self.crew.manager_llm if self.crew else None


def last_name(node: ast.AST) -> str | None:
    """The name a reference ends in: ``x`` of ``x`` and of ``a.b.x``; None for anything
    else (a call, a subscript, a literal)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        return _name_of(node.func)
    return last_name(node)


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


def _kwargs(call: ast.Call) -> dict[str, ast.expr]:
    """A call's keyword arguments by name (``**kwargs`` left out); the Python readers
    (CrewAI, LangGraph, Agents SDK) share it."""
    return {kw.arg: kw.value for kw in call.keywords if kw.arg}


def _open(call: ast.Call) -> bool:
    """The call passes ``**kwargs``: any keyword may be given at run time."""
    return any(kw.arg is None for kw in call.keywords)


def _pos(node: ast.AST) -> Pos:
    return (getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)


def _calls(body: list[ast.stmt], names: tuple[str, ...]) -> list[ast.Call]:
    out = []
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and _name_of(node.func) in names:
                out.append(node)
    return out


def _decorators(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[str | None]:
    return {_name_of(d) for d in fn.decorator_list}


def crew_classes(tree: ast.Module) -> list[ast.ClassDef]:
    return [c for c in ast.walk(tree) if isinstance(c, ast.ClassDef)
            and "CrewBase" in _decorators(c)]


def config_path(cls: ast.ClassDef, attr: str, default: str) -> str:
    """A ``@CrewBase`` class's ``tasks_config`` / ``agents_config`` path (relative to its
    module's folder), CrewAI's default when it sets none as a literal."""
    for stmt in cls.body:
        targets: list[ast.expr] = []
        value: ast.AST | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = list(stmt.targets), stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if any(isinstance(t, ast.Name) and t.id == attr for t in targets) \
                and isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return default


def read_crew_module(source: str, module: str = "crew.py",
                     cls: ast.ClassDef | None = None,
                     tree: ast.Module | None = None) -> CrewCode:
    """Read a crew module without running it: only its syntax tree is looked at.

    ``cls`` limits the reading to one ``@CrewBase`` class (a module may hold
    several crews); without it the whole module is read.
    """
    tree = tree if tree is not None else ast.parse(source)
    scope: ast.AST = cls if cls is not None else tree
    code = CrewCode(module=module, class_name=cls.name if cls is not None else None)
    if cls is not None:
        code.agents_config = os.path.normpath(config_path(cls, "agents_config",
                                                          code.agents_config))
    functions = [f for f in ast.walk(scope) if isinstance(f, (ast.FunctionDef,
                                                              ast.AsyncFunctionDef))]
    models = ModelNames(assignments(tree), _llm_methods(functions))
    for fn in functions:
        decorators = _decorators(fn)
        if "agent" in decorators:
            for call in _calls(fn.body, ("Agent",))[:1]:
                code.agents[fn.name] = agent_code(fn.name, call, models)
        if "task" in decorators:
            for call in _calls(fn.body, ("Task", "ConditionalTask"))[:1]:
                code.tasks.append(_task_code(fn.name, call))
    code.llms = {name: models.of(value) for name, value in models.llms.items()}
    body = cls.body if cls is not None else tree.body
    code.crew = pick_crew_call(crew_calls(body, module, models, functions))
    return code


def assignments(tree: ast.AST) -> dict[str, ast.AST]:
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
        if "llm" in _decorators(fn):
            for node in ast.walk(fn):
                if isinstance(node, ast.Return) and node.value is not None:
                    llms[fn.name] = node.value
    return llms


@dataclass(slots=True)
class ModelNames:
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
    """The names in a literal ``tools=[...]`` list; a list held in a variable or returned
    by a call (``tools=sandbox_tools``) is named after it; anything else is no tools."""
    if isinstance(node, (ast.List, ast.Tuple)):
        names = [_name_of(e.value if isinstance(e, ast.Starred) else e) for e in node.elts]
        return [n for n in names if n]
    if isinstance(node, (ast.Name, ast.Attribute, ast.Call)):
        name = _name_of(node)
        return [name] if name else []
    return []


def agent_code(method: str, call: ast.Call, models: ModelNames) -> AgentCode:
    """One ``Agent(...)`` call: its key, model, tools, max_iter and the fields it gives."""
    kw = _kwargs(call)
    # the method's name when config= is not a plain key (CrewAI's convention)
    key = _config_key(kw["config"]) if "config" in kw else None
    info = AgentCode(key or method, method, given=set(kw), open_kwargs=_open(call),
                     at=_pos(call))
    if "llm" in kw:
        info.llm_given = True
        info.llm = models.of(kw["llm"])
        info.llm_at = _pos(kw["llm"])
    if "tools" in kw:
        info.tools = _tool_names(kw["tools"])
    # ``mcps=["https://..."]``: CrewAI adds each MCP server's tools to the agent's own
    mcps = kw.get("mcps")
    if isinstance(mcps, (ast.List, ast.Tuple)) and mcps.elts:
        info.tools = [*info.tools, *(_mcp_name(e) for e in mcps.elts)]
    elif mcps is not None and not _is_none(mcps):
        info.tools = [*info.tools, "mcp"]
    max_iter = kw.get("max_iter")
    if isinstance(max_iter, ast.Constant) and isinstance(max_iter.value, int):
        info.max_iter = max_iter.value
        info.max_iter_at = (max_iter.lineno, max_iter.col_offset + 1)
    return info


def _mcp_name(node: ast.AST) -> str:
    """A name for the tools of one MCP server: ``mcp:`` and its host when the reference
    is a literal URL or name, else ``mcp``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        ref = node.value.split("#", 1)[0]
        host = ref.split("://", 1)[-1].split("/", 1)[0].split("@")[-1]
        return f"mcp:{host}" if host else "mcp"
    return "mcp"


def _method_list(node: ast.AST | None) -> list[str] | None:
    """``[self.a(), self.b()]`` -> ``["a", "b"]``; None for anything else (``self.tasks``,
    a variable, a list with an element that is not a method call of the crew)."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    methods = [_self_method(e) for e in node.elts]
    if any(m is None for m in methods):
        return None
    return [m for m in methods if m is not None]


def _task_code(method: str, call: ast.Call) -> TaskCode:
    """One ``@task`` method's ``Task(...)`` call: its key, context, agent, tools,
    whether it runs asynchronously and where its output goes."""
    kw = _kwargs(call)
    key = _config_key(kw["config"]) if "config" in kw else None
    task = TaskCode(key or method, method, given=set(kw), open_kwargs=_open(call))
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
    task.callback = not _is_none(kw.get("callback"))
    task.output_file = not _is_none(kw.get("output_file"))
    return task


def _is_none(node: ast.AST | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


def crew_calls(body: list[ast.stmt], module: str, models: ModelNames,
               functions: list[ast.FunctionDef | ast.AsyncFunctionDef]) -> list[CrewCall]:
    """The ``Crew(...)`` calls in ``body``, with the manager each names."""
    local = {}
    for stmt in body:
        local.update(assignments(stmt))
    methods = {f.name: f for f in functions}
    out = []
    for call in _calls(body, ("Crew",)):
        kw = _kwargs(call)
        info = CrewCall(module, _pos(call), open_kwargs=_open(call),
                        tasks=_method_list(kw.get("tasks")),
                        agents=_method_list(kw.get("agents")))
        process = kw.get("process")
        if isinstance(process, ast.Attribute):
            info.process = process.attr
        elif isinstance(process, ast.Constant) and isinstance(process.value, str):
            info.process = process.value
        if "manager_llm" in kw and not _is_none(kw["manager_llm"]):
            info.manager_llm_given = True
            info.manager_llm = models.of(kw["manager_llm"])
            info.manager_llm_at = _pos(kw["manager_llm"])
        if "manager_agent" in kw and not _is_none(kw["manager_agent"]):
            info.manager_agent_given = True
            agent = _agent_call(kw["manager_agent"], local, methods)
            if agent is not None:
                info.manager_agent = agent_code("manager", agent, models)
        out.append(info)
    return out


def _agent_call(node: ast.AST, local: dict[str, ast.AST],
                methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
                depth: int = 0) -> ast.Call | None:
    """The ``Agent(...)`` call an expression stands for: the call itself, a variable
    assigned one, or a method of the crew that returns one."""
    if depth > 8:
        return None
    if isinstance(node, ast.Call) and _name_of(node.func) == "Agent":
        return node
    if isinstance(node, ast.Name) and node.id in local:
        return _agent_call(local[node.id], local, methods, depth + 1)
    method = _self_method(node)
    if method is not None and method in methods:
        for call in _calls(methods[method].body, ("Agent",))[:1]:
            return call
    return None


def pick_crew_call(calls: list[CrewCall]) -> CrewCall | None:
    """The call that assembles the crew: the last that names a process, else the last."""
    named = [c for c in calls if c.process is not None] or calls
    return named[-1] if named else None


def names_class(tree: ast.Module, name: str) -> bool:
    """The module refers to ``name`` (imports it, calls it, subclasses it)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            return True
        if isinstance(node, ast.Attribute) and node.attr == name:
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[-1]) == name:
            return True
    return False


def module_crew_calls(tree: ast.Module, module: str) -> list[CrewCall]:
    """Every ``Crew(...)`` call of a module of the crew's package (``main.py``, ...)."""
    functions = [f for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef,
                                                             ast.AsyncFunctionDef))]
    models = ModelNames(assignments(tree), _llm_methods(functions))
    return crew_calls(tree.body, module, models, functions)
