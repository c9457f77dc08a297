"""LangGraph graphs: a module by syntax tree, ``langgraph.json``, and graph exports.

What LangGraph does at run time (``langgraph.pregel``): a compiled graph runs in
*supersteps*. In each superstep every node whose incoming channels were written
runs, side by side; their writes are applied together and ready the next nodes.
An edge ``a -> b`` readies ``b`` after ``a``; a list of sources
(``add_edge(["a", "b"], "c")``) waits for all of them (a join); a conditional
edge runs its routing function on the state after its source and readies the
node(s) it returns; ``Command(goto=...)`` from a node does the same from inside
it; ``Send(node, arg)`` runs one copy of ``node`` per ``Send`` in the next
superstep (a fan-out of a width only known at run time). A cycle runs until a
route leaves it, or until ``recursion_limit`` supersteps have run (default 25):
then LangGraph raises ``GraphRecursionError``.

So each node is a step (a model step when its function calls a chat model, a
code or tool step otherwise), ``needs`` follow the edges, a conditional edge or
a ``Command`` with several targets is a free router (code decides, equal shares
assumed), and each cycle is a loop of ``recursion_limit // nodes in the cycle``
rounds at most. Read sources, not runs: the module is parsed, never imported.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agentlint.adapters.common import clamp, mapping, val_pos
from agentlint.adapters.files import read_inside
from agentlint.adapters.ir import (
    DEFAULT_HUMAN_WAIT_S,
    DEFAULT_ITERATION_ITEMS,
    DEFAULT_TOOL_LOOP_CALLS,
    FileWording,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.adapters.langgraph_code import (
    END,
    START,
    Branch,
    Graph,
    Module,
    Node,
    imports_langgraph,
    read_module,
)
from agentlint.adapters.lower import Draft
from agentlint.errors import SpecError
from agentlint.paths import (
    MAX_PROMPT_FILE_BYTES,
    folders_up,
    is_inside,
    read_bytes,
    read_named,
    shown_beside,
)
from agentlint.spec.digraph import condensation
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.yamlload import load_text

#: LangGraph's default ``recursion_limit`` (``langgraph._internal._config``)
DEFAULT_RECURSION_LIMIT = 25
MANIFEST = "langgraph.json"
_IMPORTS = re.compile(r"^\s*(from\s+langgraph[.\s]|import\s+langgraph\b|"
                      r"from\s+langchain\.agents\s+import\b)", re.M)
_BUILDS = re.compile(r"\b(StateGraph|MessageGraph|create_react_agent|create_agent)\s*\(")
_MERMAID = re.compile(r"^\s*(%%\{init|(graph|flowchart)\s+(TD|TB|LR|RL|BT)\b)", re.M)
_MMD_EDGE = re.compile(r"^\s*([\w-]+)\s*(-\.\s*(.*?)\s*\.->|-\.->|-->)\s*([\w-]+)\s*;?\s*$")
#: nodes and edges at most (a graph is a few dozen nodes)
MAX_NODES = 500
MAX_EDGES = 5000
#: a module a manifest or walk reads is at most this big
MAX_MODULE_BYTES = MAX_PROMPT_FILE_BYTES


class LangGraphAdapter:
    name = "langgraph"
    #: offered Python modules (see :func:`agentlint.adapters.detect`)
    python = True

    def sniff(self, path: str, text: str) -> bool:
        base = os.path.basename(path).lower()
        if base == MANIFEST:
            # a manifest, not a graph: its graphs are read from their modules, each once
            # (``--input-format langgraph`` reads its first graph through it)
            return False
        if base.endswith(".py"):
            return _IMPORTS.search(text) is not None and _BUILDS.search(text) is not None \
                and _builds_a_graph(text)
        if base.endswith(".json"):
            return '"__start__"' in text and '"edges"' in text and '"nodes"' in text
        if base.endswith((".mmd", ".mermaid")):
            return "__start__" in text and _MERMAID.search(text) is not None
        return False

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        base = os.path.basename(path).lower()
        if base == MANIFEST:
            return _manifest(path, text, display, root)
        if base.endswith(".json"):
            return _Builder(_GraphDraft("langgraph", path, display, text, root)).export(
                _json_graph(text, display), display)
        if _MERMAID.search(text) is not None and "__start__" in text \
                and not base.endswith(".py"):
            return _Builder(_GraphDraft("langgraph", path, display, text, root)).export(
                _mermaid_graph(text, display), display)
        return _module(path, text, display, root, None, None)


# -- which file holds a graph -------------------------------------------------------------


def _builds_a_graph(text: str) -> bool:
    """The module imports langgraph and builds a graph this reader can follow (the text's
    first look can be fooled by a string that holds such code). A module that does not
    parse is taken, so that its syntax error is reported."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return imports_langgraph(tree) and bool(read_module(tree).graphs)


@functools.lru_cache(maxsize=256)
def _manifest_graphs(manifest: str, stamp: float) -> tuple[tuple[str, str, str], ...]:
    """The graphs a ``langgraph.json`` names: (graph id, module real path, variable)."""
    try:
        data = json.loads(read_bytes(manifest, os.path.dirname(manifest),
                                     limit=MAX_MODULE_BYTES).decode("utf-8"))
    except (SpecError, ValueError, UnicodeDecodeError):
        return ()
    graphs = data.get("graphs") if isinstance(data, dict) else None
    out = []
    for gid, value in (graphs.items() if isinstance(graphs, dict) else ()):
        spec = value.get("path") if isinstance(value, dict) else value
        if isinstance(spec, str) and ":" in spec:
            rel, var = spec.rsplit(":", 1)
            real = os.path.realpath(os.path.join(os.path.dirname(manifest), rel))
            out.append((str(gid), real, var.strip()))
    return tuple(out)


def _named_by_manifest(path: str, root: str) -> tuple[str, str, list[str]] | None:
    """The ``langgraph.json`` in the module's folder or one above (inside the repository)
    that names it: (manifest, graph id, variables it names in this module, first first)."""
    real = os.path.realpath(path)
    top = os.path.realpath(root)
    for folder in folders_up(os.path.dirname(real), top):
        manifest = os.path.join(folder, MANIFEST)
        try:
            stamp = os.stat(manifest).st_mtime
        except OSError:
            stamp = -1.0
        if stamp >= 0:
            named = [(gid, var) for gid, module, var in _manifest_graphs(manifest, stamp)
                     if module == real]
            if named:
                return manifest, named[0][0], [var for _, var in named]
    return None


def _manifest(path: str, text: str, display: str, root: str) -> Workflow:
    """``langgraph.json``: its first graph (``"id": "./path.py:variable"``)."""
    doc = mapping(load_text(text, display))
    graphs = doc.get("graphs")
    if not isinstance(graphs, YMap) or not graphs:
        raise SpecError(display, *val_pos(doc, "graphs"), "langgraph.json names no graphs "
                        "(`graphs`: {\"id\": \"./path.py:variable\"})")
    names = list(graphs)
    gid = names[0]
    value = graphs[gid]
    at = val_pos(graphs, gid)
    spec = value.get("path") if isinstance(value, YMap) else value
    if not isinstance(spec, str) or ":" not in spec:
        raise SpecError(display, *at, f"graph '{gid}' must be \"path.py:variable\"")
    rel, var = spec.rsplit(":", 1)
    if not rel.endswith(".py"):
        raise SpecError(display, *at, f"graph '{gid}' names '{rel}', not a Python module "
                        "(.py); a graph is read from the module that builds it")
    base_dir = os.path.dirname(os.path.abspath(path))
    real, module_text = read_inside(rel, base_dir, root, display, at, f"graph '{gid}'",
                                    limit=MAX_MODULE_BYTES)
    shown = shown_beside(real, display, os.path.realpath(base_dir))
    others = [f"'{n}'" for n in names[1:]]
    return _module(real, module_text, shown, root, var.strip(), (display, gid, others, at))


def _module(path: str, text: str, display: str, root: str, var: str | None,
            manifest: tuple[str, str, list[str], Pos] | None) -> Workflow:
    try:
        tree = ast.parse(text, filename=display)
    except SyntaxError as exc:
        raise SpecError(display, exc.lineno or 1, (exc.offset or 1),
                        f"Python syntax error: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise SpecError(display, 1, 1, "not a Python module agentlint can parse") from None
    if not imports_langgraph(tree):
        raise SpecError(display, 1, 1, "this module does not import langgraph")
    module = read_module(tree, _Imports(path, root).resolve)
    draft = _GraphDraft("langgraph", path, display, text, root)
    if manifest is None and var is None:
        # a module a langgraph.json names: the graph it names there
        found = _named_by_manifest(path, root)
        if found is not None:
            shown = shown_beside(found[0], display, os.path.dirname(os.path.realpath(path)))
            named = [g for g in module.graphs if set(found[2]) & {g.var, *g.compiled}]
            # of several graphs it names here, the one no other runs (a subgraph is
            # read inside the graph that runs it)
            top = [g for g in named if not g.used] or named
            var = top[-1].var if top else found[2][0]
            draft.sources.append(shown)
            draft.notes.append(f"{shown} names this module; graph '{var}' read")
    if manifest is not None:
        draft.sources.insert(0, manifest[0])
        if manifest[2]:
            draft.notes.append(f"{manifest[0]}: graph '{manifest[1]}' read; "
                               f"{', '.join(manifest[2])} not (lint their modules one by one)")
    graph = _pick(module, var, display)
    return _Builder(draft).build(graph, module)


class _Imports:
    """Modules of the project a graph module imports node functions from, found as Python
    would find them from the module's folder or one above it (inside the repository),
    parsed (never run); a module that is missing, outside the repository or unreadable
    is left unread (its nodes are then assumed, stated)."""

    def __init__(self, path: str, root: str) -> None:
        self.path = os.path.realpath(path)
        self.root = os.path.realpath(root)
        self.seen: dict[str, ast.Module | None] = {}

    def resolve(self, name: str) -> ast.Module | None:
        if name in self.seen:
            return self.seen[name]
        self.seen[name] = None
        if len(self.seen) > 64 or name.split(".")[0] in ("langgraph", "langchain",
                                                          "langchain_core", "typing"):
            return None
        rel = name.replace(".", "/")
        for folder in folders_up(os.path.dirname(self.path), self.root):
            for candidate in (f"{rel}.py", f"{rel}/__init__.py"):
                full = os.path.join(folder, candidate)
                if os.path.isfile(full) and is_inside(os.path.realpath(full), self.root):
                    try:
                        _, text = read_named(candidate, folder, self.root,
                                             limit=MAX_MODULE_BYTES, what="module",
                                             folder=folder)
                        tree = ast.parse(text)
                    except (SpecError, SyntaxError, ValueError, RecursionError,
                            MemoryError):
                        return None
                    self.seen[name] = tree
                    return tree
        return None


def _pick(module: Module, var: str | None, display: str) -> Graph:
    if not module.graphs:
        raise SpecError(display, 1, 1, "no graph found: no StateGraph(...) or "
                        "create_react_agent(...) this reader can follow")
    if var is not None:
        for graph in module.graphs:
            if var == graph.var or var in graph.compiled:
                return graph
    # the graph no other graph runs: the last one built
    top = [g for g in module.graphs if not g.used and g.nodes]
    return (top or module.graphs)[-1]


# -- exports: topology only ---------------------------------------------------------------


def _json_graph(text: str, display: str) -> Graph:
    doc = mapping(load_text(text, display))
    graph = Graph("graph", (1, 1))
    nodes = doc.get("nodes")
    if not isinstance(nodes, list):
        raise SpecError(display, 1, 1, "a graph export needs `nodes` and `edges` lists")
    for i, raw in enumerate(nodes):
        item = mapping(raw)
        name = item.get("id")
        if not isinstance(name, str):
            raise SpecError(display, *val_pos(nodes, i), "a node needs an `id`")
        if name in (START, END):
            continue
        data = item.get("data")
        ident = " ".join(str(x) for x in data.get("id", [])) if isinstance(data, dict) else ""
        kind = "tool" if "ToolNode" in ident or name == "tools" else "llm"
        graph.nodes[name] = Node(name, val_pos(nodes, i), kind=kind)
    branches: dict[str, Branch] = {}
    edges = doc.get("edges")
    for i, raw in enumerate(edges if isinstance(edges, list) else []):
        item = mapping(raw)
        src, dst = item.get("source"), item.get("target")
        if not isinstance(src, str) or not isinstance(dst, str):
            raise SpecError(display, *val_pos(edges, i), "an edge needs `source` and `target`")
        _edge(graph, branches, src, dst, val_pos(edges, i), item.get("conditional") is True)
    graph.branches.extend(branches.values())
    return graph


def _edge(graph: Graph, branches: dict[str, Branch], src: str, dst: str, at: Pos,
          conditional: bool) -> None:
    """An edge of a drawn graph: a conditional one is a target of ``src``'s branch."""
    if conditional:
        branch = branches.setdefault(src, Branch(src, at, [], None))
        assert branch.targets is not None
        branch.targets.append(dst)
    else:
        graph.edges.append(([src], dst, at))


def _mermaid_graph(text: str, display: str) -> Graph:
    graph = Graph("graph", (1, 1))
    branches: dict[str, Branch] = {}
    decl = re.compile(r"^\s*([\w-]+)\s*[\(\[]")
    for n, line in enumerate(text.splitlines(), 1):
        edge = _MMD_EDGE.match(line)
        if edge is not None:
            src, arrow, dst = edge.group(1), edge.group(2), edge.group(4)
            at = (n, line.index(src) + 1)
            for name in (src, dst):
                if name not in (START, END) and name not in graph.nodes:
                    graph.nodes[name] = Node(name, at, kind="tool" if name == "tools"
                                             else "llm")
            _edge(graph, branches, src, dst, at, arrow.startswith("-."))
            continue
        found = decl.match(line)
        if found and found.group(1) not in (START, END, "classDef", "graph", "flowchart") \
                and found.group(1) not in graph.nodes:
            name = found.group(1)
            graph.nodes[name] = Node(name, (n, line.index(name) + 1),
                                     kind="tool" if name == "tools" else "llm")
    if not graph.nodes:
        raise SpecError(display, 1, 1, "no nodes found in this Mermaid graph")
    graph.branches.extend(branches.values())
    return graph


# -- the graph as agentlint steps ---------------------------------------------------------


@dataclass(slots=True)
class _Out:
    """The graph's edges, resolved: successors of each node, and where each is written."""

    succ: dict[str, list[tuple[str, Pos, str]]] = field(default_factory=dict)
    joins: dict[str, list[tuple[list[str], Pos]]] = field(default_factory=dict)
    entry: list[tuple[str, Pos]] = field(default_factory=list)


class _GraphDraft(Draft):
    """A draft that prices the growing ``messages`` list of a cycle: round *r* of *E*
    reads the replies and tool results of the *r* − 1 rounds before it, so a node that
    hands its model the whole list reads, on average, (*E* − 1) / 2 rounds of output
    besides the input."""

    def __init__(self, fmt: str, path: str, display: str, text: str, root: str) -> None:
        super().__init__(fmt, path, display, text, root)
        #: cycles and the steps in them that read the whole list
        self.growth: list[tuple[LoopSpec, list[str]]] = []

    def _fill_sizes(self) -> None:
        super()._fill_sizes()
        by_id = {s.id: s for s in self.steps}
        for loop, readers in self.growth:
            bound = loop.max_iterations or 1
            expected = self.profile.loop_iterations(loop)
            if expected is None:
                expected = -(-bound // 2) if loop.until else bound
            per_round = sum((by_id[i].output_tokens or 0.0) * (by_id[i].fan_out or 1)
                            for i in loop.steps if i in by_id)
            extra = max(0.0, (float(expected) - 1) / 2 * per_round)
            for rid in readers:
                spec = by_id[rid]
                if spec.input_tokens is None and extra > 0:
                    spec.input_tokens = clamp("input_tokens", round(extra))
                    self.assume(f"growth:{rid}", f"'{spec.names[0] if spec.names else rid}' "
                                "reads the whole `messages` list in a cycle: each call is "
                                f"priced at its mean size over {float(expected):g} rounds: "
                                f"{round(extra)} tokens more than the first, "
                                f"({float(expected):g} - 1) / 2 x the {per_round:g} tokens "
                                "each round adds (replies and tool results)",
                                spec.at)


class _Builder:
    def __init__(self, draft: _GraphDraft) -> None:
        self.draft = draft
        self.wording = LangGraphWording(draft.file)

    def export(self, graph: Graph, display: str) -> Workflow:
        self.draft.assume("export", "a graph export carries the topology only: every node "
                          "but `tools` is read as one model call on the default model, tools "
                          "as code; lint the module that builds the graph for models and "
                          "prompts", (1, 1))
        return self.build(graph, Module())

    def build(self, graph: Graph, module: Module) -> Workflow:
        draft = self.draft
        if len(graph.nodes) > MAX_NODES:
            raise SpecError(draft.file, *graph.at, f"graph has {len(graph.nodes)} nodes; "
                            f"agentlint reads at most {MAX_NODES}")
        draft.name = graph.var
        limit = module.recursion_limit or DEFAULT_RECURSION_LIMIT
        if module.recursion_limit is None and module.recursion_unread is not None:
            draft.assume("recursion-unread", "recursion_limit is set by an expression, not a "
                         f"literal: read as LangGraph's default ({DEFAULT_RECURSION_LIMIT}); "
                         "write it as a number, or give max_iterations under loops: in "
                         "agentlint.profile.yaml", module.recursion_unread)
        if module.recursion_limit is not None and not 1 <= module.recursion_limit <= 10000:
            assert module.recursion_at is not None
            raise SpecError(draft.file, *module.recursion_at, "recursion_limit must be a whole "
                            "number from 1 to 10000")
        out = self.resolve(graph)
        order, comps = _order(list(graph.nodes), out)
        position = {n: i for i, n in enumerate(order)}
        uses_messages = any(n.whole_messages for n in graph.nodes.values())
        run_input = draft.input("messages" if uses_messages else "input", graph.at,
                                untrusted=True)
        ids: dict[str, str] = {}
        specs: dict[str, StepSpec] = {}
        for name in order:
            node = graph.nodes[name]
            spec = self.step(node, run_input)
            ids[name] = spec.id
            specs[name] = spec
        #: the nodes that hand on to each node (forward edges)
        ancestors: dict[str, list[str]] = {}
        routers: dict[str, StepSpec] = {}
        listing: list[StepSpec] = []
        loop_of = {n: c for c in comps for n in c}
        for name in order:
            spec = specs[name]
            node = graph.nodes[name]
            before: list[str] = []
            for src, at, how in _preds(out, name):
                if position[src] >= position[name] and loop_of.get(src) is loop_of.get(name) \
                        and name in loop_of:
                    continue  # the edge that closes a cycle: the loop repeats it
                if position[src] >= position[name]:
                    continue
                via = routers.get(src) if how == "route" else None
                if via is not None or not _flows(graph.nodes[src], node):
                    spec.needs.append(((via or specs[src]).id, at))
                    if via is None:  # an edge that only orders: where it is written
                        entry = [START] if any(t == src for t, _ in out.entry) else []
                        self.wording.orders[(spec.id, specs[src].id)] = (
                            at, entry + [p for p, _, _ in _preds(out, src)], name, src)
                before.append(src)
                if _flows(graph.nodes[src], node):  # the state it reads, written before it
                    spec.reads.append((specs[src].id, at))
            # only the nodes that hand on to it: reading a node on another branch would
            # make it run on that branch too (the graph's own routes say when it runs)
            ancestors[name] = list(dict.fromkeys(before))
            if not any(t != END for t, _, _ in out.succ.get(name, ())) \
                    or any(t == END for t, _, _ in out.succ.get(name, ())) \
                    or any(name in e[0] and e[1] == END for e in graph.edges):
                spec.output_leaves = "the graph's final state"
            elif node.writes is not None and not node.writes:
                spec.output_leaves = "a side effect (it writes no state)"
            if node.whole_messages and spec.kind == "llm" and ancestors[name]:
                spec.implicit_context = True
                spec.context = [(specs[a].id, node.at) for a in ancestors[name]]
            listing.append(spec)
            router = self.router(node, out, position, specs)
            if router is not None:
                routers[name] = router
                listing.append(router)
        for name, node in graph.nodes.items():
            for target, at in node.sends:
                if target in specs:
                    self.fan_out(specs[target], f"Send('{target}', ...) from node '{name}'", at)
        for branch in graph.branches:
            for target, at in branch.sends:
                if target in specs:
                    self.fan_out(specs[target], f"Send('{target}', ...) from the routing "
                                 f"function '{branch.function}'", at)
        draft.steps.extend(listing)
        self.loops(graph, comps, specs, routers, out, limit, module)
        wf = draft.finish()
        wf.extra["wording"] = self.wording
        wf.extra["source_path"] = draft.path  # the module optimize --write edits
        return wf

    def step(self, node: Node, run_input: str) -> StepSpec:
        draft = self.draft
        spec = StepSpec(draft.new_id(node.name, "node"), node.at, names=(node.name,),
                        origin=f"langgraph node '{node.name}'")
        self.wording.nodes[spec.id] = (node.name, node.at)
        if node.kind == "unknown":
            draft.assume(f"unread:{node.name}", f"node '{node.name}': its function is not "
                         "in this module nor in a module of the project it imports, so it is "
                         "read as one model call (assumed)", node.at)
        if node.kind == "human":
            spec.kind = "human"
            spec.per_call_s, spec.wait_assumed = DEFAULT_HUMAN_WAIT_S, True
            return spec
        if node.kind == "tool":
            spec.kind = "tool"
            spec.tool = draft.tool(node.name, node.at)
            return spec
        spec.model = draft.model(_bare(node.model), node.model_at or node.at,
                                 default_reason=f"node '{node.name}' names no model literal "
                                 "(ChatOpenAI(model=...), init_chat_model(\"...\"))")
        if node.model_at is not None:
            spec.pos["model"] = node.model_at
            self.wording.model_at[spec.id] = node.model_at
            if node.imported is not None:
                self.wording.elsewhere.add(spec.id)
            if node.function is not None:
                self.wording.functions[spec.id] = node.function
        spec.prompt = f"{{{{ inputs.{run_input} }}}}"
        if node.kind == "react":
            spec.calls, spec.calls_assumed = DEFAULT_TOOL_LOOP_CALLS, True
            draft.assume(f"react:{node.name}", f"node '{node.name}' is a prebuilt agent "
                         f"(create_react_agent): {DEFAULT_TOOL_LOOP_CALLS} model calls per run "
                         "assumed (decide, call a tool, answer); give calls under steps: in "
                         "agentlint.profile.yaml", node.at)
        elif node.kind == "subgraph":
            spec.calls = node.inner_calls
            draft.assume(f"subgraph:{node.name}", f"node '{node.name}' is a compiled subgraph: "
                         f"read as {node.inner_calls} model call(s), one per model node it "
                         "has, each once", node.at)
        return spec

    def fan_out(self, spec: StepSpec, what: str, at: Pos) -> None:
        spec.fan_out = DEFAULT_ITERATION_ITEMS
        self.draft.assume(f"send:{spec.id}", f"{what} runs one copy per Send, a number known "
                          f"only at run time: assumed {DEFAULT_ITERATION_ITEMS} (give fan_out "
                          "under steps: in agentlint.profile.yaml)", at)

    def resolve(self, graph: Graph) -> _Out:
        """Every edge, checked against the nodes (LangGraph's compile refuses an edge
        to or from a node that does not exist; so does agentlint)."""
        out = _Out()
        known = set(graph.nodes)
        edges = len(graph.edges) + sum(len(b.targets or ()) for b in graph.branches)
        if edges > MAX_EDGES:
            raise SpecError(self.draft.file, *graph.at, f"graph has {edges} edges; agentlint "
                            f"reads at most {MAX_EDGES}")

        def check(name: str, at: Pos, end_ok: bool) -> bool:
            if name == END and end_ok:
                return False
            if name == START and not end_ok:
                return False
            if name not in known:
                raise SpecError(self.draft.file, *at, f"edge to or from unknown node '{name}'"
                                f" (the graph has {', '.join(sorted(known)) or 'no nodes'})")
            return True

        for sources, target, at in graph.edges:
            real = [s for s in sources if check(s, at, False)]
            if START in sources and check(target, at, True):
                out.entry.append((target, at))
            if not check(target, at, True):
                continue
            if len(real) > 1:
                out.joins.setdefault(target, []).append((real, at))
            for s in real:
                out.succ.setdefault(s, []).append((target, at, "edge"))
        unknown_targets: list[Branch] = []
        for branch in graph.branches:
            targets = branch.targets
            if targets is None:
                unknown_targets.append(branch)
                continue
            src = branch.source
            for t in targets:
                if src == START:
                    if check(t, branch.at, True):
                        out.entry.append((t, branch.at))
                elif check(src, branch.at, False) and check(t, branch.at, True):
                    out.succ.setdefault(src, []).append((t, branch.at, "route"))
        for node in graph.nodes.values():
            for t, at in [*node.gotos, *node.sends]:
                if check(t, at, True):
                    out.succ.setdefault(node.name, []).append((t, at, "route"))
        if unknown_targets:
            reached = {t for v in out.succ.values() for t, _, _ in v} | \
                {t for t, _ in out.entry}
            orphans = [n for n in graph.nodes if n not in reached]
            for branch in unknown_targets:
                self.draft.assume(f"targets:{branch.source}", f"the conditional edges of "
                                  f"'{branch.source}' give no path map and their function "
                                  f"'{branch.function}' no Literal[...] return type, so where "
                                  "they lead is unknown: assumed "
                                  f"{', '.join(repr(o) for o in orphans) or 'the end'} (the "
                                  "nodes no other edge reaches); give add_conditional_edges a "
                                  "path_map", branch.at)
                for t in orphans:
                    if t != branch.source:
                        out.succ.setdefault(branch.source, []).append((t, branch.at, "route"))
        if not out.entry:
            raise SpecError(self.draft.file, *graph.at, f"graph '{graph.var}' has no entry "
                            "point: add_edge(START, node) or set_entry_point(node) (LangGraph "
                            "refuses it too)")
        return out

    def router(self, node: Node, out: _Out, position: dict[str, int],
               specs: dict[str, StepSpec]) -> StepSpec | None:
        """A free router after ``node`` when its routes go on to several later nodes."""
        routes = [(t, at) for t, at, how in out.succ.get(node.name, ())
                  if how == "route" and t in position
                  and position[t] > position[node.name]]
        routes = list({t: (t, at) for t, at in routes}.values())
        if len(routes) < 2:
            for t, _at in routes:  # one way on: an edge
                self._retag(out, node.name, t)
            return None
        spec = StepSpec(self.draft.new_id(f"{node.name}_route", "route"), routes[0][1],
                        kind="router", output_tokens=0.0, names=(f"{node.name} edges",),
                        origin=f"langgraph conditional edges of '{node.name}'")
        spec.reads = [(specs[node.name].id, routes[0][1])]  # its function reads the state
        spec.routes = [(specs[t].id, at) for t, at in routes]
        return spec

    @staticmethod
    def _retag(out: _Out, src: str, target: str) -> None:
        out.succ[src] = [(t, at, "edge" if t == target else how)
                         for t, at, how in out.succ.get(src, [])]

    def loops(self, graph: Graph, comps: list[list[str]], specs: dict[str, StepSpec],
              routers: dict[str, StepSpec], out: _Out, limit: int, module: Module) -> None:
        draft = self.draft
        for comp in comps:
            members = set(comp)
            steps: list[str] = []
            for name in comp:
                steps.append(specs[name].id)
                if name in routers:
                    steps.append(routers[name].id)
            closing = [(at, s) for s in comp for t, at, _ in out.succ.get(s, ())
                       if t in members and comp.index(t) <= comp.index(s)]
            at = closing[0][0] if closing else graph.nodes[comp[0]].at
            leaves = any(t not in members for s in comp for t, _, _ in out.succ.get(s, ()))
            leaves = leaves or any(b.source in members and END in (b.targets or [])
                                   for b in graph.branches)
            rounds = max(1, limit // _shortest_cycle(comp, out))
            loop = LoopSpec(draft.new_id(f"{comp[0]}_cycle", "cycle"), at, steps, rounds,
                            until=(f"a route out of the cycle {' -> '.join(comp)}"
                                   if leaves else None), names=(" -> ".join(comp),))
            draft.loops.append(loop)
            self.wording.loops[loop.id] = (comp, at)
            cycle = " -> ".join([*comp, comp[0]])
            expected = -(-rounds // 2) if leaves else rounds
            grows = [n for n in comp if graph.nodes[n].whole_messages
                     and specs[n].kind == "llm"]
            growth = ""
            if grows:
                draft.growth.append((loop, [specs[n].id for n in grows]))
                growth = (f"; {', '.join(repr(g) for g in grows)} re-read(s) the whole "
                          "`messages` list, which grows by every reply and tool result each "
                          "round")
            counters = [b for b in graph.branches if b.counter and b.source in members]
            if counters:
                c = counters[0]
                draft.assume(f"recursion:{loop.id}", f"cycle {cycle} ends when the routing "
                             f"function '{c.function}' of '{c.source}' says so; it compares "
                             "a count, which may bound the rounds before recursion_limit "
                             f"({limit} supersteps: up to {rounds} rounds) does; {expected} "
                             f"rounds expected (assumed){growth}; give expected_iterations "
                             "under loops: in agentlint.profile.yaml", c.at)
            elif module.recursion_limit is None:
                draft.assume(f"recursion:{loop.id}", f"cycle {cycle} is bounded only by "
                             f"LangGraph's default recursion_limit ({DEFAULT_RECURSION_LIMIT} "
                             f"supersteps): up to {rounds} rounds per run, {expected} expected "
                             f"(assumed){growth}; set recursion_limit in "
                             "graph.with_config(recursion_limit=...) or count rounds in the "
                             "state and route to END", at)
            else:
                assert module.recursion_at is not None
                draft.assume(f"recursion:{loop.id}", f"cycle {cycle}: recursion_limit "
                             f"{limit} ({module.recursion_at[0]}:{module.recursion_at[1]}) "
                             f"allows {rounds} rounds, {expected} expected (assumed){growth}",
                             at)


def _bare(model: str | None) -> str | None:
    """``init_chat_model("openai:gpt-4o")``: the model, without langchain's provider prefix."""
    if model is None:
        return None
    head, sep, tail = model.partition(":")
    return tail if sep and head.replace("_", "").replace("-", "").isalpha() \
        and "/" not in head and tail else model


def _flows(src: Node, dst: Node) -> bool:
    """State ``src`` writes that ``dst`` reads (or either is unknown)."""
    if src.writes is None or dst.reads is None:
        return True
    return bool(src.writes & dst.reads)


def _preds(out: _Out, name: str) -> list[tuple[str, Pos, str]]:
    return [(s, at, how) for s, edges in out.succ.items() for t, at, how in edges
            if t == name]


def _order(names: list[str], out: _Out) -> tuple[list[str], list[list[str]]]:
    """Nodes in run order (the cycles' nodes kept together, each from where it is entered)
    and the cycles (strongly connected components with more than one node or a self-edge)."""
    succ = {n: [t for t, _, _ in out.succ.get(n, ()) if t in out.succ or t in names]
            for n in names}
    order: list[str] = []
    cycles: list[list[str]] = []
    entries = {t for t, _ in out.entry}
    # the condensation in topological order, ties by definition order
    for comp in condensation(names, succ):
        if len(comp) > 1 or any(n in succ[n] for n in comp):
            inside = _inner_order(comp, succ, entries, names)
            cycles.append(inside)
            order.extend(inside)
        else:
            order.extend(comp)
    return order, cycles


def _shortest_cycle(comp: list[str], out: _Out) -> int:
    """Supersteps of the shortest way round the cycle from where it is entered: the most
    rounds ``recursion_limit`` lets it run."""
    members = set(comp)
    start = comp[0]
    dist = {start: 0}
    queue = [start]
    while queue:
        n = queue.pop(0)
        for t, _, _ in out.succ.get(n, ()):
            if t == start:
                return dist[n] + 1
            if t in members and t not in dist:
                dist[t] = dist[n] + 1
                queue.append(t)
    return len(comp)


def _inner_order(comp: list[str], succ: dict[str, list[str]], entries: set[str],
                 names: list[str]) -> list[str]:
    members = set(comp)
    preds_outside = {n for n in comp if n in entries} | {
        t for n in names if n not in members for t in succ[n] if t in members}
    start = min(preds_outside or members, key=names.index)
    seen = [start]
    queue = [start]
    while queue:
        n = queue.pop(0)
        for t in succ[n]:
            if t in members and t not in seen:
                seen.append(t)
                queue.append(t)
    return seen + [n for n in sorted(comp, key=names.index) if n not in seen]


# -- fixes in LangGraph's words -----------------------------------------------------------


@dataclass(slots=True)
class LangGraphWording(FileWording):
    format: str = "langgraph"
    #: step id -> (node name, where add_node is)
    nodes: dict[str, tuple[str, Pos]] = field(default_factory=dict)
    model_at: dict[str, Pos] = field(default_factory=dict)
    #: steps whose model_at is in a module the graph's module imports the node from
    elsewhere: set[str] = field(default_factory=set)
    #: step id -> the name of its node's function in the module
    functions: dict[str, str] = field(default_factory=dict)
    loops: dict[str, tuple[list[str], Pos]] = field(default_factory=dict)
    #: (step, before) -> the add_edge that orders them, before's sources, the two names
    orders: dict[tuple[str, str], tuple[Pos, list[str], str, str]] = field(
        default_factory=dict)

    def _node(self, step: str) -> str | None:
        hit = self.nodes.get(step)
        return f"node `{hit[0]}` ({self._at(hit[1])})" if hit else None

    def parallel(self, steps: Sequence[str]) -> str | None:
        shown = [self.nodes[s][0] for s in steps if s in self.nodes]
        if len(shown) < 2:
            return None
        names = ", ".join(f"`{s}`" for s in shown)
        return (f"let {names} run in one superstep: add_edge from their common source to "
                f"each of them instead of chaining them, and join after them with "
                f"add_edge([{', '.join(repr(s) for s in shown)}], next_node)")

    def unorder(self, step: str, before: str) -> str | None:
        hit = self.orders.get((step, before))
        if hit is None:
            return None
        at, sources, name, src = hit
        source = (", ".join(f'add_edge("{p}", "{name}")' if p != START else
                            f'add_edge(START, "{name}")' for p in sources)
                  or f'an edge into "{name}" from where "{src}" is entered')
        return (f'`{name}` reads no state key `{src}` writes: replace add_edge("{src}", '
                f'"{name}") ({self._at(at)}) with {source}, so that both run in one '
                "superstep (and join after them if a later node needs both)")

    def context(self, step: str, reads: Sequence[str]) -> str | None:
        node = self._node(step)
        if node is None:
            return None
        return (f"{node} hands its model the whole `messages` list: pass only what it needs "
                "(trim_messages, or the last messages), or keep a summary in the state")

    def trim(self, step: str, reads: Sequence[str]) -> str | None:
        return self.context(step, reads)

    def model(self, step: str, model: str) -> str | None:
        node = self._node(step)
        if node is None:
            return None
        if step in self.model_at:
            return f"set `model=\"{model}\"` at {self._at(self.model_at[step])} ({node})"
        return f"{node} builds its model at run time: give it `{model}` where it does"

    def bound(self, loop: str) -> str | None:
        hit = self.loops.get(loop)
        if hit is None:
            return None
        return (f"set recursion_limit for cycle {' -> '.join(hit[0])} ({self._at(hit[1])}): "
                "graph.with_config(recursion_limit=...)")
