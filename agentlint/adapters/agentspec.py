"""Oracle Open Agent Specification (Agent Spec) files: a ``Flow`` of nodes, or a single
``Agent``, in YAML or JSON.

What an Agent Spec runtime (pyagentspec's own reference, WayFlow) does, and how it is read
(docs/formats.md says more):

- A Flow runs from its ``start_node`` along ``control_flow_connections``; a node's
  outputs reach other nodes' inputs through ``data_flow_connections`` (when the flow has
  none, an input is read from the last earlier output of the same name). Each node is
  one step; control edges are its ``needs``, data edges what it reads, and a
  ``{{var}}`` of a ``prompt_template`` becomes a reference to the step that writes it.
- ``LlmNode``: one model call on ``llm_config.model_id`` (``max_tokens`` of its
  ``default_generation_parameters`` caps the answer). ``AgentNode``: an Agent (its
  ``system_prompt``, ``tools``) that calls its model until it answers: a tool loop,
  whose rounds no file states (assumed), reading the flow's conversation, that is every
  message an ``OutputMessageNode`` or ``InputMessageNode`` put there before it.
  ``ToolNode`` / ``ApiNode``: a tool call. ``InputMessageNode``: a person answers.
  ``OutputMessageNode``: a message from a template, no model.
- ``BranchingNode``: the value of its input picks the branch (``mapping``, else
  ``default``): a router without a model; which branch, no file says (equal shares).
- ``FlowNode``: its subflow runs in place. ``ParallelFlowNode``: its ``subflows`` run at
  the same time (WayFlow: up to 20 workers). ``MapNode``: its subflow runs once per item
  of a list, one after another; ``ParallelMapNode`` (and WayFlow's ``ExtendedMapNode``
  with ``parallel_execution: true``) side by side, up to ``max_workers`` at once (WayFlow's
  default: 20). How many items, no file says (assumed).
- A cycle of control edges is a loop; Agent Spec sets no bound on how often a flow goes
  round (a loop without ``max_iterations``).
- Components written once under ``$referenced_components`` are used through
  ``$component_ref``; a reference that names nothing, or a flow that contains itself
  through references, is refused at the reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.agentspec_words import AgentSpecWording
from agentlint.adapters.common import at_of, figure, listed, mapping, val_pos
from agentlint.adapters.ir import (
    DEFAULT_HUMAN_WAIT_S,
    DEFAULT_ITERATION_ITEMS,
    DEFAULT_TOOL_LOOP_CALLS,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.adapters.lower import Draft
from agentlint.errors import SpecError
from agentlint.spec.digraph import depth_first, strongly_connected
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.yamlload import load_text

_SUFFIXES = (".json", ".yaml", ".yml")
#: the components read: a YAML file's top-level line, or a JSON file's key anywhere
_TOP_YAML = re.compile(r"""^component_type:\s*["']?(Flow|Agent|ManagerWorkers|Swarm)["']?\s*$""",
                       re.M)
_TOP_JSON = re.compile(r'"component_type"\s*:\s*"(Flow|Agent|ManagerWorkers|Swarm)"')
#: how deep subflows may nest (a FlowNode in a MapNode in a FlowNode ...)
MAX_DEPTH = 40
#: how many items or subflows WayFlow runs at once when nothing says (its thread pool)
RUNTIME_WORKERS = 20
#: the most nodes read from one file, all flows together
MAX_NODES = 5000

_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

TOOL_NODES = {"ToolNode", "ApiNode", "ExtendedToolNode", "RemoteToolNode"}
SUBFLOW_NODES = {"FlowNode", "CatchExceptionNode"}
MAP_NODES = {"MapNode", "ParallelMapNode", "ExtendedMapNode"}
KNOWN_NODES = {"StartNode", "EndNode", "LlmNode", "AgentNode", "BranchingNode",
               "InputMessageNode", "OutputMessageNode", "ParallelFlowNode",
               *TOOL_NODES, *SUBFLOW_NODES, *MAP_NODES}

Ref = tuple[str, str]  # ("inputs" | "steps", name)


class AgentSpecAdapter:
    name = "agentspec"

    def sniff(self, path: str, text: str) -> bool:
        """A Flow, Agent, ManagerWorkers or Swarm serialised by Agent Spec; a file of
        another component (an ``llm_config``, a tool) is no workflow and is passed over."""
        if not path.lower().endswith(_SUFFIXES) or "component_type" not in text:
            return False
        top = (_TOP_JSON if path.lower().endswith(".json") else _TOP_YAML).search(text)
        if top is None:
            return False
        return "agentspec_version" in text or "$component_ref" in text or \
            "llm_config" in text

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return _Reader(path, text, display, root).read()


@dataclass(slots=True)
class _Node:
    key: int
    raw: YMap
    kind: str
    name: str
    at: Pos
    #: the steps a control edge into the node waits for ... and those after it wait for
    entry: list[str] = field(default_factory=list)
    exit: list[str] = field(default_factory=list)
    #: output title -> what carries it
    outputs: dict[str, list[Ref]] = field(default_factory=dict)


def _name(raw: Any, fallback: str) -> str:
    value = raw.get("name") if isinstance(raw, YMap) else None
    return value.strip() if isinstance(value, str) and value.strip() else fallback


def _titles(raw: Any) -> list[tuple[str, Pos]]:
    """The titles of a list of properties, each where it is written."""
    out: list[tuple[str, Pos]] = []
    for index, item in enumerate(listed(raw)):
        item = mapping(item)
        key = "title" if "title" in item else "name"
        title = item.get(key)
        if isinstance(title, str) and title:
            out.append((title, val_pos(item, key, val_pos(raw, index))))
    return out


def _ref_text(refs: list[Ref]) -> str:
    return " ".join("{{ " + f"{ns}.{name}" + " }}" for ns, name in refs)


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.draft = Draft("agentspec", path, display, text, root)
        self.file = display
        self.text = text
        self.words = AgentSpecWording(display, text=text,
                                      json=path.lower().endswith(".json"))
        self.refs: dict[str, YMap] = {}
        self.inline: dict[str, YMap] = {}
        self.open: list[int] = []  # the flows being read (python ids), for cycles
        self.count = 0
        #: message steps of the conversation so far (what an AgentNode reads)
        self.conversation: list[str] = []
        #: node -> its first steps, once read; the routers waiting to route to a node;
        #: every step a node became (for the loops)
        self.pending: dict[int, list[str]] = {}
        self.route_to: dict[int, list[tuple[StepSpec, Pos]]] = {}
        self.all_steps: dict[int, list[str]] = {}
        self.by_id: dict[str, StepSpec] = {}

    # -- the file ----------------------------------------------------------------------

    def read(self) -> Workflow:
        doc = load_text(self.text, self.file)
        if not isinstance(doc, YMap):
            raise SpecError(self.file, *at_of(doc), "an Agent Spec file must be a YAML or "
                            "JSON mapping (a component)")
        self.collect(doc, 0)
        kind = doc.get("component_type")
        self.draft.name = _name(doc, "") or None
        if kind == "Flow":
            self.flow(doc, "", [], {}, 0, top=True)
        elif kind == "Agent":
            at = val_pos(doc, "name", doc.at())
            user = self.draft.input("user_message", at, untrusted=True)
            self.agent_step(doc, at, {}, [("inputs", user)])
        elif kind in ("ManagerWorkers", "Swarm"):
            self.team(doc, str(kind))
        elif kind is None:
            raise SpecError(self.file, *doc.at(), "an Agent Spec file needs a top-level "
                            "component_type (Flow, Agent, ManagerWorkers or Swarm)")
        else:
            raise SpecError(self.file, *val_pos(doc, "component_type", doc.at()),
                            f"component_type '{kind}' is not read: agentlint reads an Agent "
                            "Spec Flow, Agent, ManagerWorkers or Swarm (convert others to a "
                            "native spec)")
        wf = self.draft.finish()
        wf.extra["wording"] = self.words
        return wf

    def team(self, doc: YMap, kind: str) -> None:
        """A ManagerWorkers (the manager asks its workers, as tools) or a Swarm (the first
        agent may hand the conversation on): the first agent, then one of the agents it
        may turn to (a free router, equal shares), once."""
        first_key = "group_manager" if kind == "ManagerWorkers" else "first_agent"
        first = self.resolve(doc.get(first_key), val_pos(doc, first_key, doc.at()),
                             first_key)
        others: list[YMap] = []
        if kind == "ManagerWorkers":
            for index, item in enumerate(listed(doc.get("workers"))):
                others.append(self.resolve(item, val_pos(doc["workers"], index), "a worker"))
        else:
            for index, pair in enumerate(listed(doc.get("relationships"))):
                pair = listed(pair)
                where = val_pos(doc["relationships"], index)
                if len(pair) != 2:
                    raise SpecError(self.file, *where, "a relationship is a pair of agents")
                a, b = (self.resolve(x, where, "an agent") for x in pair)
                if a is first and b not in others:
                    others.append(b)
        names = [_name(o, f"agent_{i}") for i, o in enumerate(others)]
        at = val_pos(first, "name", first.at())
        user = self.draft.input("user_message", at, untrusted=True)
        lead = self.agent_step(first, at, {}, [("inputs", user)],
                               delegates=(names, kind == "ManagerWorkers"))
        if not others:
            return
        router = StepSpec(self.draft.new_id(f"{lead.id}_turns_to", "route"), at, kind="router",
                          output_tokens=0.0, names=(f"{_name(doc, kind)} choice",),
                          origin=f"agentspec {kind} '{_name(doc, kind)}': the agent "
                          f"'{_name(first, first_key)}' turns to")
        router.needs = [(lead.id, at)]
        self.draft.steps.append(router)
        for other in others:
            where = val_pos(other, "name", other.at())
            spec = self.agent_step(other, where, {}, None)
            spec.needs = [(router.id, where)]
            router.routes.append((spec.id, where))
            if kind == "ManagerWorkers":  # the manager's message, its answer a tool result
                spec.context = [(lead.id, where)]
                spec.output_leaves = "returned to the manager, as a tool's result"
            else:  # the conversation is handed over whole
                spec.prompt = _ref_text([("inputs", user)])
                spec.context = [(lead.id, where)]
        how = ("calls one worker, once" if kind == "ManagerWorkers" else
               "hands the conversation to one of the agents it may, once")
        self.draft.assume(f"team:{router.id}", f"{kind} '{_name(doc, kind)}': "
                          f"'{_name(first, first_key)}' is assumed to answer after it {how} "
                          "(each as often); at run time it may turn to several, in rounds "
                          "no file bounds", at)

    def collect(self, raw: Any, depth: int) -> None:
        """Every component under ``$referenced_components`` (at any level), and every
        component written in place with an ``id``, by its id."""
        if depth > 200:
            raise SpecError(self.file, *at_of(raw), "components nest too deep")
        if isinstance(raw, YMap):
            table = raw.get("$referenced_components")
            if isinstance(table, YMap):
                for key, value in table.items():
                    if isinstance(value, YMap):
                        self.refs.setdefault(str(key), value)
            ident = raw.get("id")
            if isinstance(ident, str) and "component_type" in raw:
                self.inline.setdefault(ident, raw)
            for value in raw.values():
                self.collect(value, depth + 1)
        elif isinstance(raw, list):
            for value in raw:
                self.collect(value, depth + 1)

    def registered(self, raw: Any, what: str) -> str | None:
        """The name of a component ``raw`` refers to that the file does not hold (None: it
        is in the file, or ``raw`` is no reference): pyagentspec takes such components at
        load time (a ``components_registry``), so it is said, not refused."""
        if not isinstance(raw, YMap) or not isinstance(raw.get("$component_ref"), str):
            return None
        ref = str(raw["$component_ref"])
        if ref in self.refs or ref in self.inline:
            return None
        self.draft.assume(f"registry:{ref}", f"{what} '{ref}' is not in the file: it is "
                          "assumed given when the file is loaded (a components_registry), "
                          "so what it holds is not known", raw.value_at("$component_ref"))
        return ref

    def resolve_config(self, holder: YMap, key: str, at: Pos) -> YMap:
        """An ``llm_config`` or a ``tool`` (empty when given at load time)."""
        raw = holder.get(key)
        outside = self.registered(raw, key)
        if outside is not None:
            out = YMap()
            out["name"] = outside
            return out
        return self.resolve(raw, val_pos(holder, key, at), key)

    def resolve(self, raw: Any, at: Pos, what: str) -> YMap:
        """``raw`` itself, or the component its ``$component_ref`` names."""
        seen: list[str] = []
        while isinstance(raw, YMap) and "$component_ref" in raw:
            ref = raw.get("$component_ref")
            where = raw.value_at("$component_ref")
            target = self.refs.get(ref) if isinstance(ref, str) else None
            if target is None and isinstance(ref, str):
                target = self.inline.get(ref)
            if target is None:
                raise SpecError(self.file, *where, f"$component_ref '{ref}' names no "
                                "component of this file ($referenced_components)")
            if ref in seen:
                raise SpecError(self.file, *where, f"$component_ref '{ref}' refers to "
                                "itself (a cycle of references)")
            seen.append(str(ref))
            raw = target
        if not isinstance(raw, YMap):
            raise SpecError(self.file, *at, f"{what} must be a component (a mapping)")
        return raw

    # -- flows -------------------------------------------------------------------------

    def flow(self, raw: YMap, tag: str, before: list[str], env: dict[str, list[Ref]],
             depth: int, top: bool = False, container: str | None = None,
             ) -> tuple[list[str], list[str], dict[str, list[Ref]]]:
        """Add the steps of flow ``raw``; the first wait for ``before``, a ``{{x}}`` of
        the flow's inputs reads ``env[x]``. Returns the flow's first and last steps and
        what carries each of its outputs."""
        if depth > MAX_DEPTH:
            raise SpecError(self.file, *raw.at(), f"subflows nest more than {MAX_DEPTH} deep")
        if id(raw) in self.open:
            raise SpecError(self.file, *raw.at(), f"flow '{_name(raw, '?')}' contains itself "
                            "through $component_ref (a cycle of references)")
        self.open.append(id(raw))
        nodes, start, succ, data, has_data = self.graph(raw)
        order, back = self.order(start.key, succ)
        preds: dict[int, list[int]] = {k: [] for k in nodes}
        for src_key, edges in succ.items():
            for dst_key, _, _ in edges:
                if (src_key, dst_key) not in back and src_key in order:
                    preds[dst_key].append(src_key)
        flow_inputs = env
        if top:
            flow_inputs = {}
            for title, at in _titles(start.raw.get("outputs")) or _titles(raw.get("inputs")):
                flow_inputs[title] = [("inputs", self.draft.input(title, at))]
        start.outputs = dict(flow_inputs)
        first: list[str] = []
        last: list[str] = []
        outputs: dict[str, list[Ref]] = {}
        step_of: dict[int, list[str]] = {}
        seen_outputs: dict[str, list[Ref]] = dict(flow_inputs)
        for key in order:
            node = nodes[key]
            needs: list[str] = []
            for p in preds[key]:
                needs.extend(nodes[p].exit if nodes[p].exit else
                             (before if nodes[p].kind == "StartNode" else []))
            if not preds[key] and node.kind != "StartNode":
                needs = list(before)
            inputs = self.node_inputs(node, nodes, data[key], has_data, seen_outputs, tag)
            if node.kind == "EndNode":
                for title, refs in inputs.items():
                    outputs.setdefault(title, []).extend(refs)
                    if top:
                        self.leaves(refs)
                last.extend(x for x in dict.fromkeys(needs) if x not in last)
                continue
            if node.kind == "StartNode":
                continue
            self.node_steps(node, tag, needs, inputs, depth, container)
            step_of[key] = node.entry
            if not preds[key] or all(nodes[p].kind == "StartNode" for p in preds[key]):
                first.extend(node.entry)
            for title, refs in node.outputs.items():
                seen_outputs[title] = refs
            self.route(node, succ[key], nodes, back)
        if not last:  # no EndNode reached: the flow ends after its last nodes
            last = [s for k in order if not [d for d, _, _ in succ[k] if (k, d) not in back]
                    for s in nodes[k].exit]
        self.loops(nodes, succ, order, tag)
        self.open.pop()
        return first, last, outputs

    def node_inputs(self, node: _Node, nodes: dict[int, _Node],
                    edges: list[tuple[int, str, str, Pos]], has_data: bool,
                    seen_outputs: dict[str, list[Ref]], tag: str) -> dict[str, list[Ref]]:
        """What carries each input of ``node``: the data edges into it, or (a flow without
        data_flow_connections) the last earlier output of the same name."""
        inputs: dict[str, list[Ref]] = {}
        for src_key, out, dst_in, _ in edges:
            carried = nodes[src_key].outputs.get(out)
            if carried is None:
                carried = nodes[src_key].outputs.get("*", [])
            inputs.setdefault(dst_in, []).extend(carried)
        if not has_data:
            for title, _ in _titles(node.raw.get("inputs")):
                if title in seen_outputs:
                    inputs.setdefault(title, list(seen_outputs[title]))
        elif node.kind != "StartNode":
            fed = {dst_in for _, _, dst_in, _ in edges}
            for title, where in _titles(node.raw.get("inputs")):
                if title not in fed:
                    self.draft.assume(f"unfed:{node.key}:{title}", f"{tag}input '{title}' of "
                                      f"node '{node.name}' has no DataFlowEdge into it, so "
                                      "nothing of the flow is read for it (a default value "
                                      "at most)", where)
        return inputs

    def graph(self, raw: YMap) -> tuple[dict[int, _Node], _Node,
                                        dict[int, list[tuple[int, str, Pos]]],
                                        dict[int, list[tuple[int, str, str, Pos]]], bool]:
        """A flow's nodes, its start node, its control edges (node -> (target, branch,
        where)) and its data edges (node -> (source, output, input, where))."""
        nodes: dict[int, _Node] = {}
        by_ident: dict[str, int] = {}
        items = raw.get("nodes")
        if not isinstance(items, list):
            raise SpecError(self.file, *val_pos(raw, "nodes", raw.at()), "a Flow needs a "
                            "list of nodes")
        for index, item in enumerate(items):
            node_raw = self.resolve(item, val_pos(items, index), "a node")
            node = self.node(node_raw)
            nodes.setdefault(node.key, node)
            ident = node_raw.get("id")
            if isinstance(ident, str):
                by_ident.setdefault(ident, node.key)
        start_raw = self.resolve(raw.get("start_node"), val_pos(raw, "start_node", raw.at()),
                                 "start_node")
        start = self.node(start_raw)
        start = nodes.setdefault(start.key, start)

        def find(item: Any, at: Pos, what: str) -> _Node:
            target = self.resolve(item, at, what)
            key = id(target)
            if key not in nodes and isinstance(target.get("id"), str):
                key = by_ident.get(target["id"], key)
            if key not in nodes:
                raise SpecError(self.file, *at, f"{what} '{_name(target, '?')}' is not "
                                "one of the flow's nodes")
            return nodes[key]

        succ: dict[int, list[tuple[int, str, Pos]]] = {k: [] for k in nodes}
        for index, edge in enumerate(listed(raw.get("control_flow_connections"))):
            e = mapping(edge)
            at = val_pos(raw["control_flow_connections"], index)
            src = find(e.get("from_node"), val_pos(e, "from_node", at), "from_node")
            dst = find(e.get("to_node"), val_pos(e, "to_node", at), "to_node")
            branch = e.get("from_branch")
            succ[src.key].append((dst.key, branch if isinstance(branch, str) else "next", at))
        data: dict[int, list[tuple[int, str, str, Pos]]] = {k: [] for k in nodes}
        has_data = isinstance(raw.get("data_flow_connections"), list)
        for index, edge in enumerate(listed(raw.get("data_flow_connections"))):
            e = mapping(edge)
            at = val_pos(raw["data_flow_connections"], index)
            src = find(e.get("source_node"), val_pos(e, "source_node", at), "source_node")
            dst = find(e.get("destination_node"), val_pos(e, "destination_node", at),
                       "destination_node")
            data[dst.key].append((src.key, str(e.get("source_output") or ""),
                                  str(e.get("destination_input") or ""), at))

        return nodes, start, succ, data, has_data

    def order(self, start: int, succ: dict[int, list[tuple[int, str, Pos]]],
              ) -> tuple[list[int], set[tuple[int, int]]]:
        """The nodes reachable from ``start`` in an order control edges keep, and the
        edges that go back (close a cycle)."""
        targets = _targets(succ)
        post, back = depth_first([start], targets)
        rpo = list(reversed(post))
        # a cycle's nodes one after another (a loop repeats a contiguous run of steps):
        # the components in topological order, each in the order of the walk
        grouped = [k for comp in reversed(strongly_connected(rpo, targets)) for k in comp]
        return grouped, back

    def route(self, node: _Node, edges: list[tuple[int, str, Pos]], nodes: dict[int, _Node],
              back: set[tuple[int, int]]) -> None:
        """A node with several branches: its router routes to the first step of each."""
        branches = {b for _, b, _ in edges}
        if len(branches) < 2 or not node.exit:
            return
        router = self.by_id.get(node.exit[0]) if node.kind == "BranchingNode" else None
        if router is None:
            router = StepSpec(self.draft.new_id(f"{node.name}_branch", "branch"), node.at,
                              kind="router", output_tokens=0.0, names=(f"{node.name} branch",),
                              origin=f"agentspec {node.kind} '{node.name}': the branch it "
                              "takes")
            router.needs = [(s, node.at) for s in node.exit]
            self.draft.steps.append(router)
            node.exit = [router.id]
        for dst, _, at in edges:
            if (node.key, dst) in back:
                continue
            for target in self.pending.get(dst, []):
                router.routes.append((target, at))
            self.route_to.setdefault(dst, []).append((router, at))

    def loops(self, nodes: dict[int, _Node], succ: dict[int, list[tuple[int, str, Pos]]],
              order: list[int], tag: str) -> None:
        """Each cycle of control edges: a loop over the steps of its nodes, unbounded."""
        for comp in _cycles(order, succ):
            steps = [s for k in order if k in comp for s in self.all_steps.get(k, [])]
            if not steps:
                continue
            names = [nodes[k].name for k in order if k in comp]
            at = nodes[next(k for k in order if k in comp)].at
            # the branches that leave the cycle: it ends when one is taken
            exits = [nodes[k].name for k in order if k in comp
                     and any(d not in comp for d, _, _ in succ.get(k, []))]
            until = f"a branch of {', '.join(exits)} leaves the cycle" if exits else None
            loop = LoopSpec(self.draft.new_id(f"{names[0]}_cycle", "cycle"), at, steps, None,
                            until=until, names=tuple(names))
            self.draft.loops.append(loop)
            self.words.loops[loop.id] = (names, at)
            self.draft.assume(f"cycle:{loop.id}", f"{tag}the flow goes round through "
                              f"{', '.join(names)}; Agent Spec sets no bound on how often, "
                              "so it is a loop without max_iterations (give expected "
                              "iterations under loops: in agentlint.profile.yaml)", at)

    # -- nodes -------------------------------------------------------------------------

    def node(self, raw: YMap) -> _Node:
        kind = raw.get("component_type")
        at = raw.at()
        if not isinstance(kind, str) or not kind:
            raise SpecError(self.file, *at, "a node needs a component_type")
        if _base(kind) not in KNOWN_NODES and not isinstance(raw.get("component_plugin_name"),
                                                             str):
            raise SpecError(self.file, *val_pos(raw, "component_type", at), f"node type "
                            f"'{kind}' is not an Agent Spec node agentlint reads")
        return _Node(id(raw), raw, kind, _name(raw, kind), val_pos(raw, "name", at))

    def node_steps(self, node: _Node, tag: str, needs: list[str],
                   inputs: dict[str, list[Ref]], depth: int, container: str | None) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(self.file, *node.at, f"more than {MAX_NODES} nodes")
        raw, kind = node.raw, _base(node.kind)
        before = len(self.draft.steps)
        if kind in SUBFLOW_NODES or kind == "ParallelFlowNode" or kind in MAP_NODES:
            node.kind = kind
            self.nested(node, tag, needs, inputs, depth, container)
        else:
            spec = StepSpec(self.draft.new_id(node.name, "node"), node.at,
                            origin=f"agentspec {kind} '{node.name}'", names=(node.name,))
            spec.pos["id"] = node.at
            spec.needs = [(s, node.at) for s in dict.fromkeys(needs)]
            spec.container = container
            if kind == "LlmNode":
                self.llm(node, spec, inputs, tag)
            elif kind == "AgentNode":
                agent = self.resolve(raw.get("agent"), val_pos(raw, "agent", node.at),
                                     "agent")
                self.agent_step(agent, node.at, inputs, None, spec)
            elif kind == "BranchingNode":
                spec.kind, spec.output_tokens = "router", 0.0
                spec.reads = [(r[1], node.at) for refs in inputs.values() for r in refs
                              if r[0] == "steps"]
            elif kind == "InputMessageNode":
                spec.kind = "human"
                spec.per_call_s, spec.wait_assumed = DEFAULT_HUMAN_WAIT_S, True
                spec.prompt = _ref_text([r for refs in inputs.values() for r in refs]) or None
                self.converse(spec, node.at)
            elif kind == "OutputMessageNode":
                spec.kind, spec.size = "aggregate", "sum"
                text = raw.get("message", raw.get("message_template"))
                spec.prompt = self.template(text, inputs)
                spec.pos["prompt"] = val_pos(raw, "message" if "message" in raw else
                                             "message_template", node.at)
                spec.output_leaves = "a message the flow shows the user"
                self.converse(spec, node.at)
            else:  # a tool: ToolNode, ApiNode, a plugin's node
                tool = self.resolve_config(raw, "tool", node.at) if "tool" in raw else YMap()
                spec.kind = "tool"
                spec.tool = self.draft.tool(_name(tool, node.name), node.at)
                spec.reads = [(r[1], node.at) for refs in inputs.values() for r in refs
                              if r[0] == "steps"]
                spec.prompt = _ref_text([r for refs in inputs.values() for r in refs
                                         if r[0] == "inputs"]) or None
                if node.kind not in KNOWN_NODES:
                    self.draft.assume(f"plugin:{kind}", f"node type '{kind}' (from plugin "
                                      f"{raw.get('component_plugin_name')}) is read as a "
                                      "tool step", node.at)
            self.draft.steps.append(spec)
            self.by_id[spec.id] = spec
            self.words.node[spec.id] = node.name
            self.words.node_at[spec.id] = node.at
            node.entry = [spec.id]
            node.exit = [spec.id]
            titles = _titles(raw.get("outputs"))
            node.outputs = {t: [("steps", spec.id)] for t, _ in titles}
            node.outputs["*"] = [("steps", spec.id)]
        made = [s.id for s in self.draft.steps[before:]]
        self.all_steps[node.key] = made
        for router, at in self.route_to.pop(node.key, []):
            for target in node.entry:
                router.routes.append((target, at))
        self.pending[node.key] = list(node.entry)

    def llm(self, node: _Node, spec: StepSpec, inputs: dict[str, list[Ref]],
            tag: str) -> None:
        raw = node.raw
        config = self.resolve_config(raw, "llm_config", node.at) if "llm_config" in raw \
            else YMap()
        self.model(spec, config, node, f"LlmNode '{node.name}' has no llm_config")
        spec.prompt = self.template(raw.get("prompt_template"), inputs)
        spec.pos["prompt"] = val_pos(raw, "prompt_template", node.at)
        self.unread(spec, raw.get("prompt_template"), inputs, node.at)

    def model(self, spec: StepSpec, config: YMap, node: _Node, reason: str) -> None:
        model_id = config.get("model_id")
        where = val_pos(config, "model_id", node.at)
        spec.model = self.draft.model(model_id if isinstance(model_id, str) else None, where,
                                      default_reason=reason)
        spec.pos["model"] = where
        self.words.model_at[spec.id] = where
        if isinstance(model_id, str) and model_id.strip():
            self.words.written_model.add(spec.id)
        params = mapping(config.get("default_generation_parameters"))
        cap = figure(params, "max_tokens", self.file, "output_tokens", node.at)
        if cap is not None and cap > 0:
            spec.output_cap = cap

    def agent_step(self, agent: YMap, at: Pos, inputs: dict[str, list[Ref]],
                   extra: list[Ref] | None, spec: StepSpec | None = None,
                   delegates: tuple[list[str], bool] = ([], False)) -> StepSpec:
        """An Agent: one step, a tool loop on its model reading its system prompt and, in a
        flow, the conversation so far. ``delegates``: the agents it may call as tools
        (True) or hand the conversation to (False)."""
        name = _name(agent, "agent")
        top = spec is None
        if spec is None:
            spec = StepSpec(self.draft.new_id(name, "agent"), at, origin=f"agentspec Agent "
                            f"'{name}'", names=(name,))
            spec.pos["id"] = at
        node = _Node(id(agent), agent, "Agent", name, at)
        config = self.resolve_config(agent, "llm_config", at) if "llm_config" in agent \
            else YMap()
        self.model(spec, config, node, f"agent '{name}' has no llm_config")
        spec.system = self.template(agent.get("system_prompt"), inputs)
        spec.pos["system"] = val_pos(agent, "system_prompt", at)
        self.unread(spec, agent.get("system_prompt"), inputs, at)
        if extra:
            spec.prompt = _ref_text(extra)
        tools: list[str] = []
        for i, item in enumerate(listed(agent.get("tools"))):
            outside = self.registered(item, "tool")
            tools.append(outside if outside is not None else _name(
                self.resolve(item, val_pos(agent["tools"], i), "a tool"), f"tool_{i}"))
        boxes = listed(agent.get("toolboxes"))
        others, as_tools = delegates
        if tools or boxes or others:
            # a handoff alone is one call: the answer that names the next agent
            spec.calls, spec.calls_assumed = DEFAULT_TOOL_LOOP_CALLS, True
            if not (tools or boxes or as_tools):
                spec.calls, spec.calls_assumed = 1, False
            verb = "ask" if as_tools else "handoff_to"
            names = [self.draft.tool(t, at) for t in tools] + \
                [self.draft.tool(_name(mapping(b), f"toolbox_{i}"), at)
                 for i, b in enumerate(boxes)] + \
                [self.draft.tool(f"{verb}_{o}", at) for o in others]
            self.draft.agents.setdefault(spec.id, {"at": at, "model": spec.model,
                                                   "tools": names})
            spec.agent = spec.id
        if self.conversation and not top:
            spec.context = [(s, at) for s in self.conversation]
            # more than the message it answers: the whole conversation, unasked
            spec.implicit_context = len(self.conversation) > 1
            self.words.agents[spec.id] = (name, at)
        if not top:
            spec.output_leaves = "the messages the agent posts to the conversation"
        if agent.get("human_in_the_loop") is not False:
            self.draft.assume(f"hitl:{name}", f"agent '{name}' may ask the user questions "
                              "(human_in_the_loop); the waits for the answers are not "
                              "counted", at)
        if top:
            self.draft.steps.append(spec)
            self.words.node[spec.id] = name
            self.words.node_at[spec.id] = at
        else:
            self.conversation.append(spec.id)
        return spec

    def nested(self, node: _Node, tag: str, needs: list[str], inputs: dict[str, list[Ref]],
               depth: int, container: str | None) -> None:
        raw, kind = node.raw, node.kind
        inner_tag = f"{tag}{node.name}: "
        if kind == "ParallelFlowNode":
            subs = listed(raw.get("subflows"))
            ends: list[str] = []
            for index, item in enumerate(subs):
                sub = self.resolve(item, val_pos(subs, index), "a subflow")
                first, last, outs = self.flow(sub, inner_tag, needs, inputs, depth + 1,
                                              container=container)
                node.entry.extend(first)
                ends.extend(last)
                for title, refs in outs.items():
                    node.outputs.setdefault(title, []).extend(refs)
            node.exit = ends
            node.outputs["*"] = [("steps", s) for s in ends]
            if not node.entry:
                node.entry = list(ends)
            return
        key = "inner_flow" if kind in MAP_NODES else "subflow"
        if kind == "CatchExceptionNode":
            key = "subflow"
        sub = self.resolve(raw.get(key) if key in raw else raw.get("flow"),
                           val_pos(raw, key, node.at), key)
        if kind in MAP_NODES:
            spec = StepSpec(self.draft.new_id(node.name, "map"), node.at, kind="aggregate",
                            size="item", origin=f"agentspec {kind} '{node.name}': one run "
                            "of its subflow per item", names=(node.name,))
            spec.needs = [(s, node.at) for s in dict.fromkeys(needs)]
            spec.container = container
            spec.prompt = _ref_text([r for refs in inputs.values() for r in refs]) or None
            spec.items, spec.items_assumed = DEFAULT_ITERATION_ITEMS, True
            parallel = kind == "ParallelMapNode" or raw.get("parallel_execution") is True
            spec.items_concurrency = None if parallel else 1
            if parallel:
                workers = figure(raw, "max_workers", self.file, "max_iterations", node.at)
                spec.items_concurrency = int(workers) if workers else RUNTIME_WORKERS
                if not workers:
                    self.draft.assume(f"workers:{spec.id}", f"{kind} '{node.name}' sets no "
                                      f"max_workers: at most {RUNTIME_WORKERS} items at once "
                                      "assumed, WayFlow's default thread pool", node.at)
            self.draft.steps.append(spec)
            self.words.node[spec.id] = node.name
            self.words.node_at[spec.id] = node.at
            inner_env = {k.removeprefix("iterated_"): v for k, v in inputs.items()}
            first, last, outs = self.flow(sub, inner_tag, [spec.id], inner_env, depth + 1,
                                          container=spec.id)
            node.entry = [spec.id]
            node.exit = last or [spec.id]
            for title, refs in outs.items():
                node.outputs[f"collected_{title}"] = refs
                node.outputs[title] = refs
            node.outputs["*"] = [("steps", s) for s in node.exit]
            return
        first, last, outs = self.flow(sub, inner_tag, needs, inputs, depth + 1,
                                      container=container)
        node.entry, node.exit = first or last, last
        node.outputs = dict(outs)
        node.outputs["*"] = [("steps", s) for s in last]

    # -- texts -------------------------------------------------------------------------

    def template(self, raw: Any, inputs: dict[str, list[Ref]]) -> str | None:
        """A ``{{var}}`` template with each input it names made a reference to what
        carries it; other braces made harmless (they are no agentlint reference)."""
        if not isinstance(raw, str) or not raw:
            return None

        def swap(match: re.Match[str]) -> str:
            refs = inputs.get(match.group(1))
            return _ref_text(refs) if refs else "{ {" + match.group(1) + "} }"

        text = _VAR.sub(swap, raw)
        parts = re.split(r"(\{\{ (?:inputs|steps)\.[A-Za-z0-9_.-]+ \}\})", text)
        return "".join(p if i % 2 else p.replace("{{", "{ {").replace("{%", "{ %")
                       for i, p in enumerate(parts))

    def unread(self, spec: StepSpec, raw: Any, inputs: dict[str, list[Ref]],
               at: Pos) -> None:
        """Inputs connected to the node that its template does not name: read all the
        same (the runtime hands them over)."""
        named = set(_VAR.findall(raw)) if isinstance(raw, str) else set()
        for title, refs in inputs.items():
            if title not in named:
                spec.reads.extend((r[1], at) for r in refs if r[0] == "steps")

    def converse(self, spec: StepSpec, at: Pos) -> None:
        """A message node: shown after, or answering, the conversation's last message."""
        if self.conversation:
            spec.reads.append((self.conversation[-1], at))
        self.conversation.append(spec.id)

    def leaves(self, refs: list[Ref]) -> None:
        ids = {r[1] for r in refs if r[0] == "steps"}
        for spec in self.draft.steps:
            if spec.id in ids and spec.output_leaves is None:
                spec.output_leaves = "an output of the flow (its EndNode)"


def _base(kind: str) -> str:
    """A node type without the prefix WayFlow's plugins give their variants of it."""
    for prefix in ("Plugin", "Extended"):
        if kind.startswith(prefix) and kind[len(prefix):] in KNOWN_NODES:
            return kind[len(prefix):]
    return kind


def _targets(succ: dict[int, list[tuple[int, str, Pos]]]) -> dict[int, list[int]]:
    """Node -> the nodes its control edges go to, in order."""
    return {key: [d for d, _, _ in edges] for key, edges in succ.items()}


def _cycles(order: list[int], succ: dict[int, list[tuple[int, str, Pos]]]) -> list[set[int]]:
    """Strongly connected components of more than one node (or with a self-edge)."""
    return [set(comp) for comp in strongly_connected(order, _targets(succ))
            if len(comp) > 1 or any(d in comp for v in comp for d, _, _ in succ.get(v, []))]
