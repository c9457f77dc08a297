"""A LangGraph module read as a syntax tree (never imported or run).

What is looked for, as LangGraph builds a graph at run time:

- ``StateGraph(...)`` builders and their ``add_node``, ``add_edge`` (a list of
  sources is a join: the target waits for all of them), ``add_conditional_edges``
  (the targets from its path map, else from the routing function's
  ``Literal[...]`` return annotation, as ``get_graph()`` draws them; else
  unknown), ``add_sequence``, ``set_entry_point`` / ``set_finish_point`` and
  ``START`` / ``END`` (``"__start__"`` / ``"__end__"``);
- in each node function: ``Command(goto=...)`` targets, ``Send(...)`` fan-outs,
  whether it calls a model (``.invoke`` / ``.ainvoke`` on a chat model, a model
  constructor) and which one, when a literal names it (``ChatOpenAI(model="...")``,
  ``init_chat_model("...")``), and whether it hands the model the whole
  ``messages`` list;
- the prebuilt ``create_react_agent(model, tools)``: an agent <-> tools loop;
- ``recursion_limit`` literals (``.with_config(recursion_limit=...)``,
  ``{"recursion_limit": ...}``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from agentlint.adapters.crewai_code import ModelNames, _kwargs, _name_of, _pos, assignments
from agentlint.adapters.ir import Pos

START = "__start__"
END = "__end__"
#: the calls that build a chat model (langchain's integrations and helpers)
MODEL_CTORS = frozenset({
    "ChatOpenAI", "AzureChatOpenAI", "ChatAnthropic", "ChatGoogleGenerativeAI",
    "ChatVertexAI", "ChatBedrock", "ChatBedrockConverse", "ChatMistralAI", "ChatGroq",
    "ChatOllama", "ChatFireworks", "ChatTogether", "ChatDeepSeek", "ChatXAI", "ChatCohere",
    "init_chat_model", "load_chat_model",
})
#: methods that send a prompt to a model (or a runnable around one)
INVOKE = frozenset({"invoke", "ainvoke", "stream", "astream", "batch", "abatch"})
GRAPH_CTORS = ("StateGraph", "MessageGraph")
#: prebuilt agents: a model node and a tools node in a loop (``langgraph.prebuilt``,
#: and ``langchain.agents.create_agent``, which builds the same graph)
REACT_CTORS = ("create_react_agent", "create_agent")


@dataclass(slots=True)
class Node:
    name: str
    at: Pos
    #: "llm" (calls a model), "tool" (a ToolNode or plain code), "react" (a prebuilt
    #: agent <-> tools loop), "subgraph" (a compiled graph)
    kind: str = "tool"
    function: str | None = None
    model: str | None = None
    model_at: Pos | None = None
    #: the node hands its model the whole ``messages`` list of the state
    whole_messages: bool = False
    gotos: list[tuple[str, Pos]] = field(default_factory=list)
    sends: list[tuple[str, Pos]] = field(default_factory=list)
    #: model nodes inside a subgraph (for its cost)
    inner_calls: int = 1
    #: the module its function is imported from
    imported: str | None = None
    #: state keys the node reads and writes (None: the source does not tell)
    reads: set[str] | None = None
    writes: set[str] | None = None


@dataclass(slots=True)
class Branch:
    source: str
    at: Pos
    targets: list[str] | None  # None: the routing function's targets are unknown
    function: str | None
    sends: list[tuple[str, Pos]] = field(default_factory=list)
    #: the routing function compares numbers (``state["turn"] >= max_turn``): a round
    #: counter may end a cycle through it before recursion_limit does
    counter: bool = False


@dataclass(slots=True)
class Graph:
    var: str
    at: Pos
    nodes: dict[str, Node] = field(default_factory=dict)
    #: (sources, target, where): several sources are a join
    edges: list[tuple[list[str], str, Pos]] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    #: the variable(s) the compiled graph is bound to
    compiled: list[str] = field(default_factory=list)
    react: bool = False
    #: another graph of the module runs it (as a node, or from a node's function)
    used: bool = False


@dataclass(slots=True)
class Module:
    graphs: list[Graph] = field(default_factory=list)
    recursion_limit: int | None = None
    recursion_at: Pos | None = None
    #: a recursion_limit given by an expression, not a literal: where
    recursion_unread: Pos | None = None


def imports_langgraph(tree: ast.Module) -> bool:
    """The module imports langgraph (or ``langchain.agents``, whose agents are LangGraph
    graphs)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module \
                and (node.module.split(".")[0] == "langgraph"
                     or node.module == "langchain.agents"):
            return True
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "langgraph"
                                                for a in node.names):
            return True
    return False


def _str(node: ast.AST | None, consts: dict[str, ast.AST], depth: int = 0) -> str | None:
    """A node name: a string literal, START / END, or a constant holding one."""
    if node is None or depth > 8:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    name = _name_of(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
    if name == "START":
        return START
    if name == "END":
        return END
    if isinstance(node, ast.Name) and node.id in consts:
        return _str(consts[node.id], consts, depth + 1)
    return None


def _literal_targets(node: ast.AST | None) -> list[str] | None:
    """``Literal["a", "b"]`` (or a union of them, or ``Command[Literal[...]]``) -> names."""
    if node is None:
        return None
    out: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and _name_of(sub.value) == "Literal":
            elts = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
            for e in elts:
                if isinstance(e, ast.Constant) and isinstance(e.value, str):
                    out.append(e.value)
                elif _name_of(e) == "END":
                    out.append(END)
    return out or None


class _ModuleReader:
    def __init__(self, tree: ast.Module,
                 resolve: Callable[[str], ast.Module | None] | None = None) -> None:
        self.tree = tree
        self.resolve = resolve
        #: ``from pkg.mod import fn``: fn -> (pkg.mod, its name there)
        self.imported: dict[str, tuple[str, str]] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
                for alias in stmt.names:
                    self.imported[alias.asname or alias.name] = (stmt.module, alias.name)
        self.compiled_names: dict[str, Graph] = {}
        self.consts = assignments(tree)
        self.models = ModelNames(self.consts, {})
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for f in ast.walk(tree):
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(f.name, f)
        #: module variables bound to a model constructor: name -> (model, where)
        self.model_vars: dict[str, tuple[str | None, Pos | None]] = {}
        for name, value in self.consts.items():
            call = self._model_call(value)
            if call is not None:
                self.model_vars[name] = self._model_of_call(call)

    # -- models -----------------------------------------------------------------------

    @staticmethod
    def _model_call(node: ast.AST) -> ast.Call | None:
        """The model constructor an expression starts from (``ChatOpenAI(...).bind_tools``)."""
        while True:
            if isinstance(node, ast.Call):
                if _name_of(node.func) in MODEL_CTORS:
                    return node
                if isinstance(node.func, ast.Attribute):
                    node = node.func.value
                    continue
            return None

    def _model_of_call(self, call: ast.Call) -> tuple[str | None, Pos | None]:
        kw = _kwargs(call)
        for key in ("model", "model_name"):
            if key in kw:
                lit = kw[key]
                return self.models.of(lit), _pos(lit) if isinstance(lit, ast.Constant) else None
        if call.args:
            lit = call.args[0]
            return self.models.of(lit), _pos(lit) if isinstance(lit, ast.Constant) else None
        return None, None

    def _model_expr(self, node: ast.AST) -> tuple[str | None, Pos | None]:
        """A ``model=`` argument (create_react_agent): a literal, a constructor, a variable."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value, _pos(node)
        call = self._model_call(node)
        if call is not None:
            return self._model_of_call(call)
        if isinstance(node, ast.Name) and node.id in self.model_vars:
            return self.model_vars[node.id]
        return self.models.of(node), None

    # -- node functions -----------------------------------------------------------------

    def function_node(self, node: Node, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        node.function = fn.name
        calls_model = False
        local: dict[str, tuple[str | None, Pos | None]] = {}
        assigns = sorted((a for a in ast.walk(fn) if isinstance(a, ast.Assign)
                          and len(a.targets) == 1 and isinstance(a.targets[0], ast.Name)),
                         key=lambda a: (a.lineno, a.col_offset))
        for a in assigns:
            call = self._model_call(a.value)
            if call is not None and isinstance(a.targets[0], ast.Name):
                local[a.targets[0].id] = self._model_of_call(call)  # the last one wins
        for sub in self._reachable(fn):
            if isinstance(sub, ast.Call):
                name = _name_of(sub.func)
                if name in MODEL_CTORS:
                    calls_model = True
                    if node.model is None and not local:
                        node.model, node.model_at = self._model_of_call(sub)
                elif _openai_call(sub):
                    calls_model = True
                    if any(_mentions_messages(k.value) for k in sub.keywords
                           if k.arg in ("input", "messages")):
                        node.whole_messages = True
                    lit = _kwargs(sub).get("model")
                    if node.model is None and lit is not None:
                        node.model = self.models.of(lit)
                        node.model_at = _pos(lit) if isinstance(lit, ast.Constant) else None
                elif isinstance(sub.func, ast.Attribute) and sub.func.attr in INVOKE:
                    found = self._invoke(node, sub, fn, local)
                    if found is None:
                        return  # a compiled graph of this module: a subgraph
                    calls_model = calls_model or found
                elif name == "Command":
                    goto = _kwargs(sub).get("goto")
                    for target, at in self._targets(goto):
                        node.gotos.append((target, at))
                elif name == "Send" and sub.args:
                    sent = _str(sub.args[0], self.consts)
                    if sent is not None:
                        node.sends.append((sent, _pos(sub)))
        returns = fn.returns
        if isinstance(returns, ast.Subscript) and _name_of(returns.value) == "Command":
            for target in _literal_targets(returns) or []:
                if target not in {t for t, _ in node.gotos}:
                    node.gotos.append((target, node.at))
        if calls_model:
            node.kind = "llm"
        elif any(isinstance(c, ast.Call) and _name_of(c.func) == "interrupt"
                 for c in ast.walk(fn)):
            node.kind = "human"  # ``interrupt(...)``: the run waits for a person
        node.reads, node.writes = state_keys(fn)

    def _invoke(self, node: Node, call: ast.Call, fn: ast.FunctionDef | ast.AsyncFunctionDef,
                local: dict[str, tuple[str | None, Pos | None]]) -> bool | None:
        """``x.invoke(...)``: whether ``x`` is a model (and which); None when it is a compiled
        graph of this module (the node is then that subgraph)."""
        assert isinstance(call.func, ast.Attribute)
        base = call.func.value
        root = base
        while isinstance(root, (ast.Attribute, ast.Call)):
            root = root.func if isinstance(root, ast.Call) else root.value
        name = root.id if isinstance(root, ast.Name) else None
        model = False
        if name is not None and name in local:
            model = True
            node.model, node.model_at = local[name]
        elif name is not None and name in self.model_vars:
            model = True
            if node.model is None:
                node.model, node.model_at = self.model_vars[name]
        elif name is not None and name in self.compiled_names:
            self.as_subgraph(node, self.compiled_names[name])
            return None
        elif _invokes_model(base, fn):
            model = True
        if model and any(_mentions_messages(a) for a in call.args):
            node.whole_messages = True
        return model

    def _reachable(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
        """The syntax of ``fn`` and of the functions and methods of this module it calls
        (``helper(...)``, ``self.execute(...)``), three calls deep."""
        out: list[ast.AST] = []
        seen = {fn.name}
        todo = [(fn, 0)]
        while todo:
            current, depth = todo.pop()
            for sub in ast.walk(current):
                out.append(sub)
                if depth < 3 and isinstance(sub, ast.Call):
                    func = sub.func
                    callee = func.id if isinstance(func, ast.Name) else (
                        func.attr if isinstance(func, ast.Attribute)
                        and isinstance(func.value, ast.Name) and func.value.id == "self"
                        else None)
                    if callee is not None and callee in self.functions and callee not in seen:
                        seen.add(callee)
                        todo.append((self.functions[callee], depth + 1))
        return out

    def _targets(self, node: ast.AST | None) -> list[tuple[str, Pos]]:
        if node is None:
            return []
        if isinstance(node, (ast.List, ast.Tuple)):
            out = []
            for e in node.elts:
                out.extend(self._targets(e))
            return out
        name = self._str(node)
        if name is not None:
            return [(name, _pos(node))]
        return []

    def _str(self, node: ast.AST | None) -> str | None:
        return _str(node, self.consts)

    # -- graphs -------------------------------------------------------------------------

    def read(self) -> Module:
        module = Module()
        builders: dict[str, Graph] = {}
        compiled: dict[str, Graph] = {}
        chained: list[tuple[Graph, list[ast.Call]]] = []
        for stmt in ast.walk(self.tree):
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                target = stmt.targets[0] if len(stmt.targets) == 1 else None
                var = target.id if isinstance(target, ast.Name) else None
                call = stmt.value
                fname = _name_of(call.func)
                chain = _chain(call)
                if var and fname in GRAPH_CTORS:
                    graph = Graph(var, _pos(call))
                    builders[var] = graph
                    module.graphs.append(graph)
                elif var and chain is not None:
                    # ``StateGraph(S).add_node(...).add_edge(...)``, maybe ``.compile()``
                    graph = Graph(var, _pos(chain[0]), compiled=[var])
                    module.graphs.append(graph)
                    chained.append((graph, chain[1:]))
                    compiled[var] = graph
                elif var and fname in REACT_CTORS:
                    graph = self.react(var, call)
                    compiled[var] = graph
                    module.graphs.append(graph)
        # ``x = builder.compile(...)``: the compiled graph's names
        for stmt in ast.walk(self.tree):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], ast.Name):
                root = stmt.value
                while isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute):
                    if root.func.attr == "compile" and isinstance(root.func.value, ast.Name) \
                            and root.func.value.id in {**builders, **compiled}:
                        built = {**compiled, **builders}[root.func.value.id]
                        built.compiled.append(stmt.targets[0].id)
                        compiled[stmt.targets[0].id] = built
                        break
                    root = root.func.value
        self.compiled_names = compiled
        calls = sorted((c for c in ast.walk(self.tree) if isinstance(c, ast.Call)
                        and isinstance(c.func, ast.Attribute)
                        and isinstance(c.func.value, ast.Name) and c.func.value.id in builders),
                       key=lambda c: (c.lineno, c.col_offset))
        work = [(builders[c.func.value.id], c) for c in calls  # type: ignore[attr-defined]
                ] + [(g, c) for g, cs in chained for c in cs]
        for graph, call in sorted(work, key=lambda w: (w[1].lineno, w[1].col_offset)):
            self.builder_call(graph, call, compiled)
        self.recursion(module)
        return module

    def react(self, var: str, call: ast.Call) -> Graph:
        """``create_react_agent(model, tools)``: an ``agent`` node that calls the model and a
        ``tools`` node, ``agent`` -> ``tools`` when the reply calls a tool, back again."""
        graph = Graph(var, _pos(call), react=True, compiled=[var])
        kw = _kwargs(call)
        model_node = kw.get("model") or (call.args[0] if call.args else None)
        agent = Node("agent", _pos(call), kind="llm", whole_messages=True,
                     reads={"messages"}, writes={"messages"})
        if model_node is not None:
            agent.model, agent.model_at = self._model_expr(model_node)
        graph.nodes["agent"] = agent
        graph.nodes["tools"] = Node("tools", _pos(call), kind="tool", reads={"messages"},
                                    writes={"messages"})
        graph.edges.append(([START], "agent", _pos(call)))
        graph.branches.append(Branch("agent", _pos(call), ["tools", END], None))
        graph.edges.append((["tools"], "agent", _pos(call)))
        return graph

    def builder_call(self, graph: Graph, call: ast.Call, compiled: dict[str, Graph]) -> None:
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        args = list(call.args)
        kw = _kwargs(call)
        at = _pos(call)
        if method == "add_node":
            self.add_node(graph, args, kw, at, compiled)
        elif method == "add_edge":
            src = args[0] if args else kw.get("start_key")
            dst = self._str(args[1] if len(args) > 1 else kw.get("end_key"))
            if isinstance(src, (ast.List, ast.Tuple)):
                sources = [s for s in (self._str(e) for e in src.elts) if s is not None]
            else:
                one = self._str(src)
                sources = [one] if one is not None else []
            if sources and dst is not None:
                graph.edges.append((sources, dst, at))
        elif method == "add_conditional_edges":
            self.add_branch(graph, args, kw, at)
        elif method == "add_sequence" and args and isinstance(args[0], (ast.List, ast.Tuple)):
            previous: str | None = None
            for e in args[0].elts:
                name = self._node_name(e)
                if name is None:
                    continue
                self.add_node(graph, [e], {}, _pos(e), compiled)
                if previous is not None:
                    graph.edges.append(([previous], name, _pos(e)))
                previous = name
        elif method in ("set_entry_point", "set_finish_point") and args:
            name = self._str(args[0])
            if name is not None:
                edge = ([START], name) if method == "set_entry_point" else ([name], END)
                graph.edges.append((edge[0], edge[1], at))
        elif method == "set_conditional_entry_point":
            self.add_branch(graph, [ast.Constant(START), *args], kw, at)

    def _node_name(self, node: ast.AST) -> str | None:
        if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
            return self._str(node.elts[0])
        if isinstance(node, ast.Name) and node.id in self.functions:
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        return getattr(node, "id", None)

    def add_node(self, graph: Graph, args: list[ast.expr], kw: dict[str, ast.expr], at: Pos,
                 compiled: dict[str, Graph]) -> None:
        if args and isinstance(args[0], (ast.Tuple, ast.List)) and len(args[0].elts) == 2:
            args = list(args[0].elts)  # add_sequence's (name, fn) pairs
        name = self._str(args[0]) if args else self._str(kw.get("node"))
        action: ast.AST | None = args[1] if len(args) > 1 else kw.get("action")
        if name is None and args:
            # add_node(fn): named after the function (LangGraph takes its __name__)
            action = args[0]
            name = _name_of(action) if isinstance(action, (ast.Name, ast.Attribute)) else None
        if name is None:
            return
        node = Node(name, at)
        graph.nodes[name] = node
        if action is None:
            return
        # a function of this module
        fn_name = _name_of(action) if isinstance(action, (ast.Name, ast.Attribute)) else None
        if isinstance(action, ast.Name) and action.id in compiled:
            # an agent added as a node takes the conversation as its input, by design: no
            # implicit context is claimed for it (its own model nodes are where it is)
            self.as_subgraph(node, compiled[action.id])
            return
        if isinstance(action, ast.Call):
            cname = _name_of(action.func)
            if cname == "ToolNode":
                node.kind = "tool"
                node.reads, node.writes = {"messages"}, {"messages"}
                return
            if cname in REACT_CTORS:
                node.kind = "react"
                sub = self.react(name, action)
                node.model, node.model_at = sub.nodes["agent"].model, sub.nodes["agent"].model_at
                return
            if cname == "compile":
                node.kind = "subgraph"
                return
        if fn_name is not None and fn_name in self.functions:
            self.function_node(node, self.functions[fn_name])
        elif fn_name is not None and fn_name in self.imported:
            self.imported_node(node, *self.imported[fn_name])
        else:
            node.kind = "unknown"

    def as_subgraph(self, node: Node, sub: Graph) -> None:
        sub.used = True
        node.kind = "react" if sub.react else "subgraph"
        node.inner_calls = max(1, sum(n.inner_calls for n in sub.nodes.values()
                                      if n.kind in ("llm", "subgraph", "react")))
        tools = {n.name for n in sub.nodes.values() if n.kind == "tool"}
        if sub.react or any(set(srcs) & tools and dst in sub.nodes
                            and sub.nodes[dst].kind == "llm" for srcs, dst, _ in sub.edges):
            # a model <-> tools loop inside: decide, call a tool, answer (assumed)
            node.inner_calls = max(node.inner_calls, 3)
        inner = next((n for n in sub.nodes.values() if n.model), None)
        if inner is not None:
            node.model, node.model_at = inner.model, inner.model_at

    def imported_node(self, node: Node, module: str, name: str) -> None:
        """A node function imported from a module of the same project: read there (its
        model and whether it calls one); positions stay at the ``add_node`` call."""
        tree = self.resolve(module) if self.resolve is not None else None
        fn = None
        if tree is not None:
            fn = next((f for f in tree.body if isinstance(f, (ast.FunctionDef,
                                                              ast.AsyncFunctionDef))
                       and f.name == name), None)
        if fn is None:
            node.kind = "unknown"
            return
        other = _ModuleReader(tree) if tree is not None else self
        other.function_node(node, fn)
        node.model_at = None  # written in another file: no edit here
        node.imported = module

    def add_branch(self, graph: Graph, args: list[ast.expr], kw: dict[str, ast.expr],
                   at: Pos) -> None:
        source = self._str(args[0]) if args else self._str(kw.get("source"))
        path = args[1] if len(args) > 1 else kw.get("path")
        path_map = args[2] if len(args) > 2 else kw.get("path_map")
        if source is None:
            return
        targets: list[str] | None = None
        if isinstance(path_map, ast.Dict):
            targets = [t for t in (self._str(v) for v in path_map.values) if t is not None]
        elif isinstance(path_map, (ast.List, ast.Tuple)):
            targets = [t for t in (self._str(v) for v in path_map.elts) if t is not None]
        fn_name = _name_of(path) if isinstance(path, (ast.Name, ast.Attribute)) else None
        fn = self.functions.get(fn_name) if fn_name else None
        branch = Branch(source, at, targets, fn_name)
        if fn is not None:
            if targets is None:
                targets = _literal_targets(fn.returns)
                if targets is None:
                    found = [r.value.value for r in ast.walk(fn) if isinstance(r, ast.Return)
                             and isinstance(r.value, ast.Constant)
                             and isinstance(r.value.value, str)]
                    targets = list(dict.fromkeys(found)) or None
                branch.targets = targets
            branch.counter = any(isinstance(c, ast.Compare) and any(
                isinstance(op, (ast.Gt, ast.GtE, ast.Lt, ast.LtE)) for op in c.ops)
                for c in ast.walk(fn))
            for sub in ast.walk(fn):
                if isinstance(sub, ast.Call) and _name_of(sub.func) == "Send" and sub.args:
                    target = self._str(sub.args[0])
                    if target is not None:
                        branch.sends.append((target, _pos(sub)))
        graph.branches.append(branch)

    def recursion(self, module: Module) -> None:
        for node in ast.walk(self.tree):
            value: ast.AST | None = None
            if isinstance(node, ast.keyword) and node.arg == "recursion_limit":
                value = node.value
            elif isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "recursion_limit":
                        value = v
            if isinstance(value, ast.Constant) and isinstance(value.value, int) \
                    and not isinstance(value.value, bool) and module.recursion_limit is None:
                module.recursion_limit, module.recursion_at = value.value, _pos(value)
            elif value is not None and module.recursion_unread is None:
                module.recursion_unread = _pos(value)


def _mentions_messages(node: ast.AST) -> bool:
    """``state["messages"]``, ``state.messages``, ``messages`` (the whole list, not a slice
    of it: ``state["messages"][-3:]`` is not whole)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Slice):
            return False
        if isinstance(sub, ast.Constant) and sub.value == "messages":
            return True
        if isinstance(sub, ast.Attribute) and sub.attr == "messages":
            return True
        if isinstance(sub, ast.Name) and sub.id == "messages":
            return True
    return False


def _invokes_model(base: ast.AST, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``x.invoke(...)`` where ``x`` is a local bound to a model (``bind_tools``,
    ``with_structured_output``, a model constructor or a ``model``-named value)."""
    root = base
    while isinstance(root, (ast.Attribute, ast.Call)):
        if isinstance(root, ast.Attribute) and root.attr in ("bind_tools",
                                                             "with_structured_output"):
            return True
        root = root.func if isinstance(root, ast.Call) else root.value
    if not isinstance(root, ast.Name):
        return False
    if any(w in root.id.lower() for w in ("model", "llm", "chat")):
        return True
    for sub in ast.walk(fn):
        if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and t.id == root.id
                                                for t in sub.targets):
            for part in ast.walk(sub.value):
                if isinstance(part, ast.Call) and (
                        _name_of(part.func) in MODEL_CTORS
                        or _name_of(part.func) in ("bind_tools", "with_structured_output")):
                    return True
    return False


def read_module(tree: ast.Module,
                resolve: Callable[[str], ast.Module | None] | None = None) -> Module:
    return _ModuleReader(tree, resolve).read()


def state_keys(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[set[str] | None,
                                                                    set[str] | None]:
    """The state keys a node function reads (``state["k"]``, ``state.k``,
    ``state.get("k")``) and writes (the keys of the dicts it returns, of
    ``Command(update={...})``); None when the source does not tell (the state handed
    on whole, a return value that is not a literal dict)."""
    args = fn.args.posonlyargs + fn.args.args
    param = args[0].arg if args else None
    reads: set[str] | None = set()
    parents: dict[int, ast.AST] = {}
    for sub in ast.walk(fn):
        for child in ast.iter_child_nodes(sub):
            parents[id(child)] = sub
    for sub in ast.walk(fn):
        if reads is None or param is None:
            break
        if isinstance(sub, ast.Name) and sub.id == param and isinstance(sub.ctx, ast.Load):
            up = parents.get(id(sub))
            if isinstance(up, ast.Subscript) and up.value is sub:
                key = up.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    reads.add(key.value)
                else:
                    reads = None
            elif isinstance(up, ast.Attribute) and up.value is sub:
                if up.attr == "get":
                    call = parents.get(id(up))
                    if isinstance(call, ast.Call) and call.args \
                            and isinstance(call.args[0], ast.Constant) \
                            and isinstance(call.args[0].value, str):
                        reads.add(call.args[0].value)
                    else:
                        reads = None
                else:
                    reads.add(up.attr)
            else:
                reads = None  # handed on whole
    writes: set[str] | None = set()
    for sub in ast.walk(fn):
        if writes is None:
            break
        value: ast.AST | None = None
        if isinstance(sub, ast.Return) and sub.value is not None:
            value = sub.value
            if isinstance(value, ast.Call) and _name_of(value.func) == "Command":
                value = _kwargs(value).get("update")
                if value is None:
                    continue
        elif isinstance(sub, ast.Call) and _name_of(sub.func) == "Command" \
                and parents.get(id(sub)) is not None \
                and not isinstance(parents.get(id(sub)), ast.Return):
            value = _kwargs(sub).get("update")
            if value is None:
                continue
        if value is None:
            continue
        if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant)
                                               and isinstance(k.value, str)
                                               for k in value.keys):
            writes.update(str(k.value) for k in value.keys if isinstance(k, ast.Constant))
        elif isinstance(value, ast.Constant) and value.value is None:
            continue
        else:
            writes = None
    return reads, writes


def _chain(call: ast.Call) -> list[ast.Call] | None:
    """``StateGraph(S).add_node(...)...``: the constructor and the method calls on it, in
    order; None when ``call`` is not such a chain."""
    calls: list[ast.Call] = []
    node: ast.AST = call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        calls.append(node)
        node = node.func.value
    if not calls or not isinstance(node, ast.Call) or _name_of(node.func) not in GRAPH_CTORS:
        return None
    return [node, *reversed(calls)]


def _openai_call(call: ast.Call) -> bool:
    """``client.responses.create(...)``, ``client.chat.completions.create(...)`` (and
    ``stream`` / ``parse``): a model call through the OpenAI client."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in ("create", "stream", "parse"):
        return False
    owner = func.value
    return isinstance(owner, ast.Attribute) and owner.attr in ("responses", "completions")
