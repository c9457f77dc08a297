"""OpenAI Agents SDK programs (``openai-agents``, imported as ``agents``), read as syntax
trees: the module is parsed with :mod:`ast`, never imported or run.

What the SDK does at run time (``src/agents/run.py``, ``handoffs.py``, ``agent.py``,
``guardrail.py``), and how it is read (docs/formats.md says more):

- ``Runner.run(agent, input, max_turns=...)`` runs a loop of turns: each turn is one
  model call of the current agent; it ends with a final output, runs the tools the model
  asked for (another turn of the same agent), or hands off. ``max_turns`` (default
  ``DEFAULT_MAX_TURNS`` = 10) bounds the turns of the whole run.
- A handoff makes the target the current agent; it receives the whole conversation so
  far (the run's input and every item since) unless the handoff's ``input_filter``
  rewrites it. ``handoff_filters.remove_all_tools`` drops tool calls and their output
  and keeps the user's messages; a filter that slices ``input_history`` or replaces it
  drops the user's input.
- ``agent.as_tool(...)`` runs the agent in a nested ``Runner.run`` whose final output is
  the tool's result.
- Input guardrails run on the first agent of a run (in parallel with it unless declared
  ``run_in_parallel=False``), output guardrails on the agent that gives the final output;
  a guardrail function that runs an agent (``Runner.run(guardrail_agent, ...)``) is one
  more model call, one that does not is code.
- ``model=`` absent: ``get_default_model()``, the ``OPENAI_DEFAULT_MODEL`` variable or
  the SDK's default (``gpt-5.6-luna`` in ``src/agents/models/default_models.py``).
"""

from __future__ import annotations

import ast
import heapq
import re
from dataclasses import dataclass, field

from agentlint.adapters.agents_sdk_words import AgentsSdkWording
from agentlint.adapters.crewai_code import ModelNames, _pos, last_name, read_python_module
from agentlint.adapters.crewai_code import _kwargs as _kw
from agentlint.adapters.ir import DEFAULT_TOOL_LOOP_CALLS, LoopSpec, Pos, StepSpec
from agentlint.adapters.lower import Draft
from agentlint.errors import SpecError
from agentlint.paths import MAX_CREW_PY_BYTES
from agentlint.spec.digraph import condensation, strongly_connected
from agentlint.spec.model import Workflow

#: the SDK's default model (``get_default_model()``) when neither ``model=`` nor the
#: profile's ``default_model`` names one
SDK_DEFAULT_MODEL = "gpt-5.6-luna"
#: ``agents.run.DEFAULT_MAX_TURNS``
DEFAULT_MAX_TURNS = 10
#: what an agent writes when it hands off: one ``transfer_to_…`` tool call
HANDOFF_TOKENS = 20.0
#: the most ``Agent(...)`` calls read from one file
MAX_AGENTS = 500
#: the largest program read (parsed, never imported)
MAX_PY_BYTES = MAX_CREW_PY_BYTES

_IMPORT = re.compile(r"^[ \t]*from[ \t]+agents[ \t]+import[ \t]*", re.M)
_RUNS = ("run", "run_sync", "run_streamed")
_KEEPS_INPUT = ("remove_all_tools",)


def imports_sdk(text: str) -> bool:
    """``from agents import ... Agent ...`` (parenthesised or not). Looks at the first 20
    such lines only, each up to 4,000 characters: linear in the text, whatever it holds."""
    for n, match in enumerate(_IMPORT.finditer(text)):
        if n >= 20:
            break
        start = match.end()
        if text.startswith("(", start):
            end = text.find(")", start, start + 4000)
        else:
            end = text.find("\n", start, start + 4000)
        names = text[start:end if end >= 0 else start + 4000]
        if re.search(r"\bAgent\b", names):
            return True
    return False


def _really_imports(text: str) -> bool:
    """The syntax tree says so too: an import statement (not text in a string) brings
    ``Agent`` from ``agents``, and some call is to ``Agent``. A file too large, or one that
    does not parse, is taken: reading it says why it cannot be read."""
    if len(text) > MAX_PY_BYTES:
        return True
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    imported = called = False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "agents" and node.level == 0 \
                and any(a.name == "Agent" for a in node.names):
            imported = True
        elif isinstance(node, ast.Call) and _func_name(node.func) == "Agent":
            called = True
        if imported and called:
            return True
    return False


class AgentsSdkAdapter:
    name = "agents-sdk"
    #: reads Python modules (detect offers it ``.py`` files)
    python = True

    def sniff(self, path: str, text: str) -> bool:
        if not path.lower().endswith(".py"):
            return False
        if "Agent(" not in text and "Agent[" not in text:
            return False
        if not ("Runner" in text or "instructions=" in text or "handoffs=" in text):
            return False
        return imports_sdk(text) and _really_imports(text)

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return _Reader(path, text, display, root).read()


@dataclass(slots=True)
class _Handoff:
    target: int  # agent index
    at: Pos
    filter: str | None = None
    filter_at: Pos | None = None
    drops_input: bool = False


@dataclass(slots=True)
class _Guard:
    name: str
    at: Pos
    agent: int | None  # the agent its function runs, None: code (or not in this file)
    #: the guardrail function is defined in this file
    found: bool = True
    before: bool = False  # run_in_parallel=False


@dataclass(slots=True)
class _Agent:
    index: int
    var: str
    name: str
    at: Pos
    model: str | None = None
    model_at: Pos = (1, 1)
    model_literal: bool = False
    #: ``model=NAME`` with ``NAME = "..."`` in the file: the constant and where its value is
    model_const: tuple[str, Pos] | None = None
    #: a literal ``model="..."`` on one line: (line, start, end), UTF-8 byte offsets
    model_span: tuple[int, int, int] | None = None
    system: str = ""
    system_at: Pos = (1, 1)
    tools: list[str] = field(default_factory=list)
    nested: list[tuple[int, str, Pos]] = field(default_factory=list)
    handoffs: list[_Handoff] = field(default_factory=list)
    input_guards: list[_Guard] = field(default_factory=list)
    output_guards: list[_Guard] = field(default_factory=list)
    cap: float | None = None
    one_call: bool = False  # tool_use_behavior stops at the first tool


def _func_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Subscript):  # Agent[Context](...)
        node = node.value
    return last_name(node)


def _text(node: ast.AST | None, consts: dict[str, list[ast.expr]], depth: int = 0) -> str:
    """The literal text of an expression: strings, f-strings (their literal parts and the
    constants they insert), ``+`` of them, names of constants; else ''."""
    if node is None or depth > 8:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v, consts, depth + 1) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _text(node.value, consts, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left, consts, depth + 1) + _text(node.right, consts, depth + 1)
    if isinstance(node, ast.Name) and node.id in consts:
        return _text(consts[node.id][-1], consts, depth + 1)
    return ""


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.file = display
        self.text = text
        if len(text.encode("utf-8", "replace")) > MAX_PY_BYTES:
            raise SpecError(display, 1, 1, f"an Agents SDK program larger than "
                            f"{MAX_PY_BYTES // 1024} KiB is not read")
        self.draft = Draft("agents-sdk", path, display, text, root)
        self.words = AgentsSdkWording(display)
        self.agents: list[_Agent] = []
        self.by_call: dict[int, int] = {}  # id(Agent call node) -> agent index
        self.consts: dict[str, list[ast.expr]] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        #: ``run_config=RunConfig(model=...)`` of a Runner call: (model, where, literal)
        self.run_model: tuple[str, Pos, bool] | None = None
        #: agent -> rows of the draft's steps it produced (see build)
        self.step_rows: dict[int, tuple[int, int, int]] = {}

    # -- the syntax tree -----------------------------------------------------------------

    def read(self) -> Workflow:
        return read_python_module(self.text, self.file, self._read)

    def _read(self, tree: ast.Module) -> Workflow:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                self.consts.setdefault(node.targets[0].id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None \
                    and isinstance(node.target, ast.Name):
                self.consts.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(node.name, node)
        self.models = ModelNames({k: v[-1] for k, v in self.consts.items()}, {})
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and _func_name(n.func) == "Agent"]
        calls.sort(key=lambda c: (c.lineno, c.col_offset))
        if not calls:
            raise SpecError(self.file, 1, 1, "no Agent(...) call found: an Agents SDK "
                            "program builds its agents with Agent(name=..., ...)")
        if len(calls) > MAX_AGENTS:
            raise SpecError(self.file, *_pos(calls[MAX_AGENTS]), f"more than {MAX_AGENTS} "
                            "Agent(...) calls in one file")
        var_of: dict[int, str] = {}
        for name, values in self.consts.items():
            for value in values:
                if isinstance(value, ast.Call) and _func_name(value.func) == "Agent":
                    var_of.setdefault(id(value), name)
        for call in calls:
            index = len(self.agents)
            self.by_call[id(call)] = index
            kw = _kw(call)
            var = var_of.get(id(call), "")
            name = _text(kw.get("name"), self.consts) or (
                _text(call.args[0], self.consts) if call.args else "") or var or \
                f"agent_{index + 1}"
            self.agents.append(_Agent(index, var, name, _pos(call)))
        for call in calls:
            self.agent(self.agents[self.by_call[id(call)]], call)
        self.later_handoffs(tree)
        runs = self.runs(tree)
        if self.run_model is not None:
            # RunConfig(model=...) overrides the model of every agent of the run
            name, at, literal = self.run_model
            self.words.run_model_at = at
            for a in self.agents:
                a.model, a.model_at, a.model_literal, a.model_const = name, at, literal, None
                a.model_span = None  # RunConfig's model is not rewritten
            self.draft.assume("run-model", f"RunConfig(model=\"{name}\") is taken to run "
                              "every agent of this file (the SDK overrides each agent's "
                              "model with it)", at)
        return self.build(runs)

    def resolve(self, node: ast.AST | None, depth: int = 0) -> int | None:
        """The agent an expression stands for: an Agent(...) call, a name assigned one
        (any of its assignments), ``handoff(agent)``, ``agent.clone(...)``."""
        if node is None or depth > 8:
            return None
        if isinstance(node, ast.Call):
            if id(node) in self.by_call:
                return self.by_call[id(node)]
            fname = _func_name(node.func)
            if fname == "handoff":
                target = node.args[0] if node.args else _kw(node).get("agent")
                return self.resolve(target, depth + 1)
            if fname == "clone" and isinstance(node.func, ast.Attribute):
                return self.resolve(node.func.value, depth + 1)
            return None
        if isinstance(node, ast.Name):
            for value in self.consts.get(node.id, []):
                found = self.resolve(value, depth + 1)
                if found is not None:
                    return found
        return None

    def agent(self, a: _Agent, call: ast.Call) -> None:
        kw = _kw(call)
        if "model" in kw:
            model = kw["model"]
            a.model_at = _pos(model)
            a.model_literal = isinstance(model, ast.Constant) and isinstance(model.value, str)
            if a.model_literal and model.end_lineno == model.lineno \
                    and model.end_col_offset is not None:
                a.model_span = (model.lineno, model.col_offset, model.end_col_offset)
            a.model = self.models.of(self.env_default(model))
            if isinstance(model, ast.Name):
                values = self.consts.get(model.id, [])
                if len(values) == 1 and isinstance(values[0], ast.Constant) \
                        and isinstance(values[0].value, str):
                    a.model_const = (model.id, _pos(values[0]))
        else:
            a.model_at = a.at
        if "instructions" in kw:
            a.system = _text(kw["instructions"], self.consts).replace("{{", "{ {")
            a.system_at = _pos(kw["instructions"])
        for item in self.items(kw.get("tools")):
            if isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute) \
                    and item.func.attr == "as_tool":
                target = self.resolve(item.func.value)
                ikw = _kw(item)
                tool = _text(ikw.get("tool_name"), self.consts) or (
                    self.agents[target].name if target is not None else "agent_tool")
                if target is not None and target != a.index:
                    a.nested.append((target, tool, _pos(item)))
                a.tools.append(tool)
            else:
                name = _func_name(item.func) if isinstance(item, ast.Call) else \
                    _func_name(item)
                a.tools.append(name or "tool")
        for item in self.items(kw.get("handoffs")):
            self.add_handoff(a, item)
        a.input_guards = self.guards(kw.get("input_guardrails"))
        a.output_guards = self.guards(kw.get("output_guardrails"))
        settings = kw.get("model_settings")
        if isinstance(settings, ast.Call):
            cap = _kw(settings).get("max_tokens")
            if isinstance(cap, ast.Constant) and isinstance(cap.value, int) \
                    and not isinstance(cap.value, bool) and 0 < cap.value < 10_000_000:
                a.cap = float(cap.value)
        behavior = kw.get("tool_use_behavior")
        if isinstance(behavior, ast.Constant) and behavior.value == "stop_on_first_tool":
            a.one_call = True
        elif isinstance(behavior, (ast.Call, ast.Dict)):
            a.one_call = True  # StopAtTools(...) / {"stop_at_tool_names": [...]}

    def env_default(self, node: ast.expr, depth: int = 0) -> ast.expr:
        """``os.getenv("X", "gpt-4o")`` / ``os.environ.get(...)`` stands for its default (a
        name assigned one too); without a default, for nothing."""
        if depth < 8 and isinstance(node, ast.Name) and self.consts.get(node.id):
            inner = self.consts[node.id][-1]
            if isinstance(inner, ast.Call) and _func_name(inner.func) in ("getenv", "get"):
                return self.env_default(inner, depth + 1)
        if isinstance(node, ast.Call) and _func_name(node.func) in ("getenv", "get"):
            if len(node.args) > 1:
                return node.args[1]
            return ast.Constant(None)
        return node

    def items(self, node: ast.AST | None, depth: int = 0) -> list[ast.expr]:
        """The elements of a list (or a name assigned one; ``*rest`` spread)."""
        if node is None or depth > 8:
            return []
        if isinstance(node, (ast.List, ast.Tuple)):
            out: list[ast.expr] = []
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    out.extend(self.items(e.value, depth + 1))
                else:
                    out.append(e)
            return out
        if isinstance(node, ast.Name) and self.consts.get(node.id):
            return self.items(self.consts[node.id][-1], depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.items(node.left, depth + 1) + self.items(node.right, depth + 1)
        return []

    def add_handoff(self, a: _Agent, item: ast.expr) -> None:
        target = self.resolve(item)
        if target is None:
            return
        h = _Handoff(target, _pos(item))
        if isinstance(item, ast.Call) and _func_name(item.func) == "handoff":
            filt = _kw(item).get("input_filter")
            if filt is not None and not (isinstance(filt, ast.Constant) and filt.value is None):
                h.filter_at = _pos(filt)
                h.filter = ast.unparse(filt)[:80]
                h.drops_input = self.drops_input(filt)
        a.handoffs.append(h)

    def drops_input(self, filt: ast.expr) -> bool:
        """Whether a handoff's input filter drops the user's input, judged from its source:
        ``remove_all_tools`` keeps it; a function of this file that slices
        ``input_history`` or sets it to something not made from it drops it."""
        name = _func_name(filt)
        if name in _KEEPS_INPUT:
            return False
        fn = self.functions.get(name or "")
        body: ast.AST | None = fn
        if isinstance(filt, ast.Lambda):
            body = filt
        if body is None:
            return False
        for node in ast.walk(body):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) \
                    and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "input_history":
                return True
            if isinstance(node, ast.keyword) and node.arg == "input_history" and not any(
                    isinstance(n, ast.Attribute) and n.attr == "input_history"
                    for n in ast.walk(node.value)) and not (
                    isinstance(node.value, ast.Name)):
                return True
        return False

    def guards(self, node: ast.AST | None) -> list[_Guard]:
        out = []
        for item in self.items(node):
            fn_node: ast.AST = item
            if isinstance(item, ast.Call) and _func_name(item.func) in (
                    "InputGuardrail", "OutputGuardrail"):
                fn_node = _kw(item).get("guardrail_function") or (
                    item.args[0] if item.args else item)
            name = _func_name(fn_node) or "guardrail"
            fn = self.functions.get(name)
            agent: int | None = None
            before = False
            if fn is not None:
                for call in ast.walk(fn):
                    if isinstance(call, ast.Call) and self.is_run(call):
                        agent = self.resolve(self.run_agent(call))
                        if agent is not None:
                            break
                for dec in fn.decorator_list:
                    if isinstance(dec, ast.Call):
                        par = _kw(dec).get("run_in_parallel")
                        if isinstance(par, ast.Constant) and par.value is False:
                            before = True
            out.append(_Guard(name, _pos(item), agent, found=fn is not None, before=before))
        return out

    def later_handoffs(self, tree: ast.Module) -> None:
        """``x.handoffs.append(y)``, ``x.handoffs.extend([...])``, ``x.handoffs = [...]``."""
        for node in ast.walk(tree):
            owner: ast.AST | None = None
            values: list[ast.expr] = []
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("append", "extend") \
                    and isinstance(node.func.value, ast.Attribute) \
                    and node.func.value.attr == "handoffs" and node.args:
                owner = node.func.value.value
                values = [node.args[0]] if node.func.attr == "append" else \
                    self.items(node.args[0])
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Attribute) \
                    and node.targets[0].attr == "handoffs":
                owner = node.targets[0].value
                values = self.items(node.value)
            if owner is None:
                continue
            index = self.resolve(owner)
            if index is None:
                continue
            for value in values:
                self.add_handoff(self.agents[index], value)

    @staticmethod
    def is_run(call: ast.Call) -> bool:
        return isinstance(call.func, ast.Attribute) and call.func.attr in _RUNS \
            and _func_name(call.func.value) == "Runner"

    @staticmethod
    def run_agent(call: ast.Call) -> ast.expr | None:
        return call.args[0] if call.args else _kw(call).get("starting_agent")

    def runs(self, tree: ast.Module) -> list[tuple[int, Pos, int | None, Pos]]:
        """``Runner.run*`` calls outside guardrail functions: (entry agent, where, max_turns
        or None when not a literal, where the bound is)."""
        guard_fns = {g.name for a in self.agents for g in a.input_guards + a.output_guards}
        guard_fns |= {name for name, fn in self.functions.items() if any(
            _func_name(d.func if isinstance(d, ast.Call) else d) in (
                "input_guardrail", "output_guardrail") for d in fn.decorator_list)}
        inside: set[int] = set()
        for name in guard_fns:
            fn = self.functions.get(name)
            if fn is not None:
                inside.update(id(n) for n in ast.walk(fn))
        out: list[tuple[int, Pos, int | None, Pos]] = []
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in inside or not self.is_run(node):
                continue
            entry = self.resolve(self.run_agent(node))
            if entry is None:
                continue
            kw = _kw(node)
            turns: int | None = DEFAULT_MAX_TURNS
            at = _pos(node)
            if "max_turns" in kw:
                value = kw["max_turns"]
                at = _pos(value)
                for _ in range(8):  # a constant; names that name each other end here
                    if not (isinstance(value, ast.Name) and self.consts.get(value.id)):
                        break
                    value = self.consts[value.id][-1]
                if isinstance(value, ast.Constant) and isinstance(value.value, int) \
                        and not isinstance(value.value, bool):
                    if not 1 <= value.value <= 10_000:
                        raise SpecError(self.file, *at, f"max_turns={value.value} is out of "
                                        "range (1 to 10000)")
                    turns = value.value
                else:
                    turns = None
            out.append((entry, _pos(node), turns, at))
            config = kw.get("run_config")
            for _ in range(8):  # a RunConfig held in a name
                if not (isinstance(config, ast.Name) and self.consts.get(config.id)):
                    break
                config = self.consts[config.id][-1]
            if isinstance(config, ast.Call) and _func_name(config.func) == "RunConfig" \
                    and "model" in _kw(config) and self.run_model is None:
                value = _kw(config)["model"]
                chosen = self.models.of(self.env_default(value))
                if chosen is not None:
                    self.run_model = (chosen, _pos(value),
                                      isinstance(value, ast.Constant))
        out.sort(key=lambda r: r[1])
        return out

    # -- the steps -----------------------------------------------------------------------

    def build(self, runs: list[tuple[int, Pos, int | None, Pos]]) -> Workflow:
        draft = self.draft
        nested_targets = {t for a in self.agents for t, _, _ in a.nested}
        guard_agents = {g.agent for a in self.agents for g in a.input_guards +
                        a.output_guards if g.agent is not None}
        entries = list(dict.fromkeys(r[0] for r in runs))
        run_at = runs[0][1] if runs else None
        bounds = [r[2] for r in runs]
        bound: int | None = min((b for b in bounds if b is not None), default=None) \
            if runs and all(b is not None for b in bounds) else None
        bound_at = next((r[3] for r in runs if r[2] is None), runs[0][3]) if runs else None
        if not entries:
            targets = {h.target for a in self.agents for h in a.handoffs}
            entries = [a.index for a in self.agents if a.index not in targets
                       and a.index not in nested_targets and a.index not in guard_agents]
            if not entries:  # every agent is handed to: the hub, the most handoffs
                entries = [max(self.agents, key=lambda a: (len(a.handoffs), -a.index)).index]
            said = ", ".join(f"'{self.agents[i].name}'" for i in entries)
            draft.assume("entry", f"no Runner.run call in this file names the agent a run "
                         f"starts at; read from {said}: the agents no other hands off to or "
                         "runs (else the one with the most handoffs)",
                         self.agents[entries[0]].at)
            bound, bound_at = DEFAULT_MAX_TURNS, self.agents[entries[0]].at
            draft.assume("max-turns", f"no Runner.run call in this file: the run is assumed "
                         f"to have the SDK's default max_turns={DEFAULT_MAX_TURNS}", bound_at)
        order = self.order(entries)
        task = draft.input("input", run_at or self.agents[entries[0]].at, untrusted=True)
        step_of: dict[int, str] = {}
        for index in order:
            a = self.agents[index]
            step_of[index] = draft.new_id(a.name, "agent")
        listed = {i: n for n, i in enumerate(order)}
        parent: dict[int, tuple[int, _Handoff]] = {}
        for index in order:
            for h in self.agents[index].handoffs:
                if h.target in listed and listed[h.target] > listed[index] \
                        and h.target not in parent:
                    parent[h.target] = (index, h)
        sccs = self.cycles(order)
        draft.name = self.agents[entries[0]].name
        history: dict[int, list[str]] = {}
        router_of: dict[int, str] = {}  # agent -> the router step its handoffs leave from
        for index in order:
            a = self.agents[index]
            sid = step_of[index]
            rows_before = len(draft.steps)
            spec = StepSpec(sid, a.at, origin=f"agents-sdk Agent '{a.name}'", names=(a.name,))
            spec.pos["id"] = a.at
            self.as_agent(spec, a)
            came = parent.get(index)
            if came is None:
                spec.prompt = "{{ inputs." + task + " }}"
                history[index] = []
            else:
                src, h = came
                self.words.handoff_at[sid] = h.filter_at or h.at
                if h.drops_input:
                    # what the filter leaves: the handoff itself and what follows it
                    where = h.filter_at or h.at
                    spec.context = [(router_of.get(src, step_of[src]), where)]
                    history[index] = [step_of[src]]
                    spec.origin += f" (handed the history through input_filter {h.filter})"
                else:
                    spec.prompt = "{{ inputs." + task + " }}"
                    seen = history[src] + [step_of[src]]
                    spec.context = [(s, h.at) for s in seen]
                    history[index] = seen
            input_guards = a.input_guards if index in entries else []
            for g in input_guards:
                gid = self.guard_step(g, a, task, None)
                if g.before:
                    spec.needs.append((gid, g.at))
            forward = [h for h in a.handoffs if h.target in listed
                       and listed[h.target] > listed[index]]
            chooser: StepSpec | None = None
            if forward and index in entries:
                # the agent a run starts at, with handoffs: a triage agent, whose answer
                # is the handoff (a router on its model)
                chooser = spec
                spec.kind = "router"
                spec.output_tokens = HANDOFF_TOKENS
                draft.assume("handoff-tokens", f"an agent that hands off writes one "
                             f"transfer_to_… call, assumed {HANDOFF_TOKENS:g} tokens (give "
                             "output_tokens in agentlint.profile.yaml)", a.at)
            elif forward:
                # a specialist that may hand on: its work, then a free router (the choice
                # is made within its own model calls)
                chooser = StepSpec(draft.new_id(f"{a.name}_handoff", "handoff"), a.at,
                                   kind="router", output_tokens=0.0,
                                   names=(f"{a.name} handoff",),
                                   origin=f"agents-sdk Agent '{a.name}': the handoff it makes")
                chooser.context = [(sid, a.at)]  # the handoff is in the agent's output
            if chooser is not None:
                router_of[index] = chooser.id
                for h in forward:
                    target = step_of[h.target]
                    if target not in {r for r, _ in chooser.routes}:
                        chooser.routes.append((target, h.at))
            tools = list(a.tools) + [f"transfer_to_{self.agents[h.target].name}"
                                     for h in a.handoffs]
            if a.tools:
                spec.calls = 1 if a.one_call else DEFAULT_TOOL_LOOP_CALLS
                spec.calls_assumed = not a.one_call
            if tools:
                draft.agents.setdefault(sid, {"at": a.at, "model": spec.model,
                                              "tools": [draft.tool(t, a.at) for t in tools]})
                spec.agent = sid
            draft.steps.append(spec)
            self.word_agent(sid, a)
            if a.model_const is not None:
                self.words.model_const[a.name] = a.model_const
            for inner, tool, at in a.nested:
                self.nested_step(self.agents[inner], tool, at, sid, a)
            for g in a.output_guards:
                self.guard_step(g, a, task, sid)
            if chooser is not None and chooser is not spec:
                draft.steps.append(chooser)
            # (first row, the agent's own row, the row after its last)
            self.step_rows[index] = (rows_before, draft.steps.index(spec), len(draft.steps))
        self.loops(order, sccs, step_of, bound, bound_at)
        wf = draft.finish()
        wf.extra["wording"] = self.words
        self.words.text = self.text
        return wf

    def sdk_default(self, a: _Agent) -> str:
        if self.draft.profile.default_model:
            return self.draft.profile.default_model
        self.draft.assume("model:sdk-default", f"agent '{a.name}' gives no model=: the SDK "
                          f"runs it on get_default_model(), assumed {SDK_DEFAULT_MODEL} (the "
                          "SDK's default unless OPENAI_DEFAULT_MODEL is set; set "
                          "default_model in agentlint.profile.yaml)", a.at)
        return SDK_DEFAULT_MODEL

    def guard_step(self, g: _Guard, a: _Agent, task: str, after: str | None) -> str:
        draft = self.draft
        kind = "input" if after is None else "output"
        spec = StepSpec(draft.new_id(f"{a.name}_{g.name}", "guardrail"), g.at,
                        origin=f"agents-sdk {kind} guardrail '{g.name}' of '{a.name}'",
                        names=(g.name,))
        if after is None:
            spec.prompt = "{{ inputs." + task + " }}"
        else:
            spec.context = [(after, g.at)]
        spec.output_leaves = f"the {kind} guardrail's verdict stops the run when it trips"
        if g.agent is None and not g.found:
            # defined in another module: most guardrails run a small agent on the text
            spec.model = draft.model(a.model if a.model is not None else self.sdk_default(a),
                                     a.model_at)
            draft.assume(f"guardrail:{g.name}", f"guardrail '{g.name}' is defined in another "
                         "module: assumed to run one model call on the model of the agent "
                         "it guards", g.at)
        elif g.agent is None:
            spec.kind = "tool"
            spec.tool = draft.tool(g.name, g.at)
        else:
            ga = self.agents[g.agent]
            spec.model = draft.model(ga.model if ga.model is not None else
                                     self.sdk_default(ga), ga.model_at)
            spec.pos["model"] = ga.model_at
            spec.system = ga.system or None
            self.word_agent(spec.id, ga)
        draft.steps.append(spec)
        return spec.id

    def word_agent(self, sid: str, a: _Agent) -> None:
        """Step ``sid`` is worded as agent ``a``: its ``Agent(...)`` call and its model."""
        self.words.step_agent[sid] = a.name
        self.words.agent_at[a.name] = a.at
        self.words.model_at[a.name] = a.model_at
        self.words.model_literal[a.name] = a.model_literal
        self.words.step_span[sid] = a.model_span

    def as_agent(self, spec: StepSpec, a: _Agent) -> None:
        """Give ``spec`` the agent's model (the SDK's default when it names none), its
        instructions and its output cap, each with where it is written."""
        spec.model = self.draft.model(a.model if a.model is not None else self.sdk_default(a),
                                      a.model_at)
        spec.pos["model"] = a.model_at
        spec.system = a.system or None
        spec.pos["system"] = a.system_at
        spec.output_cap = a.cap

    def nested_step(self, t: _Agent, tool: str, at: Pos, caller: str, a: _Agent) -> None:
        draft = self.draft
        spec = StepSpec(draft.new_id(f"{t.name}_as_tool", "tool_agent"), at,
                        origin=f"agents-sdk Agent '{t.name}' run as tool '{tool}' of "
                        f"'{a.name}'", names=(t.name, tool))
        spec.pos["id"] = at
        self.as_agent(spec, t)
        spec.context = [(caller, at)]
        spec.output_leaves = f"returned to '{a.name}' as the result of tool '{tool}'"
        if t.handoffs:
            draft.assume(f"nested:{spec.id}", f"'{t.name}' runs as tool '{tool}' in a "
                         "nested run; the handoffs it may make there are not followed", at)
        if t.tools:
            spec.calls = 1 if t.one_call else DEFAULT_TOOL_LOOP_CALLS
            spec.calls_assumed = not t.one_call
        draft.steps.append(spec)
        self.word_agent(spec.id, t)

    def order(self, entries: list[int]) -> list[int]:
        """The agents a run reaches through handoffs, each strongly connected group of
        them together, groups in an order where a handoff between groups goes forward."""
        reach: list[int] = []
        seen: set[int] = set()
        queue = list(entries)
        while queue:
            i = queue.pop(0)
            if i in seen:
                continue
            seen.add(i)
            reach.append(i)
            queue.extend(h.target for h in self.agents[i].handoffs)
        return [i for comp in condensation(reach, self._handoffs(reach)) for i in comp]

    def _handoffs(self, nodes: list[int]) -> dict[int, list[int]]:
        """Agent (of ``nodes``) -> the agents it hands off to, in the order written."""
        return {i: [h.target for h in self.agents[i].handoffs] for i in nodes}

    def cycles(self, order: list[int]) -> list[list[int]]:
        rank = {v: k for k, v in enumerate(order)}
        groups = sorted(strongly_connected(order, self._handoffs(order)),
                        key=lambda g: rank[g[0]])
        return [g for g in groups if len(g) > 1 or any(
            h.target == g[0] for h in self.agents[g[0]].handoffs)]

    def loops(self, order: list[int], sccs: list[list[int]], step_of: dict[int, str],
              bound: int | None, bound_at: Pos | None) -> None:
        draft = self.draft
        for group in sccs:
            # the steps listed for the group's agents, first to last: the agents, their
            # guardrails, nested agents and handoff routers (an input guardrail listed
            # before the first agent runs once, before the cycle)
            first = min(self.step_rows[i][1] for i in group)  # the agent's own row
            last = max(self.step_rows[i][2] for i in group)
            ids = [s.id for s in draft.steps[first:last]]
            shortest = self.shortest_cycle(group)
            head = self.agents[group[0]]
            label = " <-> ".join(self.agents[i].name for i in group)
            rounds = None if bound is None else max(1, bound // shortest)
            loop = LoopSpec(draft.new_id(f"{head.name}_handoffs", "handoffs"),
                            bound_at or head.at, ids, rounds,
                            until="an agent gives the final output instead of handing off",
                            names=(label,))
            draft.loops.append(loop)
            self.words.loops[loop.id] = bound_at
            if bound is not None:
                draft.assume(f"cycle:{loop.id}", f"the handoffs {label} form a cycle: read "
                             f"as a loop of at most {rounds} round{'s' if rounds != 1 else ''} "
                             f"(max_turns={bound} turns, "
                             f"at least {shortest} turns a round), half of them expected",
                             bound_at or head.at)

    def turns(self, a: _Agent) -> int:
        """Model calls (turns of the run) of one visit to the agent, as estimated."""
        return DEFAULT_TOOL_LOOP_CALLS if a.tools and not a.one_call else 1

    def shortest_cycle(self, group: list[int]) -> int:
        """The fewest turns of a round of handoffs within ``group``: the cheapest cycle,
        each agent weighing the turns it takes (Dijkstra from each agent)."""
        members = set(group)
        best: int | None = None
        for start in group:
            dist = {start: self.turns(self.agents[start])}
            heap = [(dist[start], start)]
            while heap:
                d, v = heapq.heappop(heap)
                if d > dist.get(v, d):
                    continue
                for h in self.agents[v].handoffs:
                    if h.target == start:
                        best = d if best is None else min(best, d)
                    elif h.target in members:
                        nd = d + self.turns(self.agents[h.target])
                        if nd < dist.get(h.target, nd + 1):
                            dist[h.target] = nd
                            heapq.heappush(heap, (nd, h.target))
        return max(1, best or len(group))
