"""Dify DSL app exports (``kind: app``): a graph of nodes and edges.

- Nodes that call a model are model steps: ``llm`` (``prompt_template``
  messages split into system and prompt), ``question-classifier`` (a router
  over its classes), ``parameter-extractor`` and ``agent``. The model is
  ``model.name`` (with ``provider``) looked up in the catalog.
- ``if-else`` is a router decided by code (no model, no cost). ``code``,
  ``template-transform``, aggregators and the like are free steps;
  ``tool``, ``http-request`` and ``knowledge-retrieval`` are tool steps.
  ``start`` variables and ``sys.*`` / ``conversation.*`` values are run inputs.
  The end user's message and files (``sys.query``, ``sys.files``) are untrusted
  input; a system message that quotes them is located at the quote.
- Data dependencies come from ``{{#node.var#}}`` in every text and from every
  selector (``variable_selector``, ``query_variable_selector``, ...). Edges
  are control dependencies (``needs``), so execution is ``dag``: Dify runs the
  branches of a node with several outgoing edges concurrently. A step linked
  by an edge to one whose output it never reads is serial but independent.
- ``iteration`` runs its child nodes once per item: they get a fan-out of the
  list's length (unknown, assumed) with ``parallel_nums`` at a time when
  ``is_parallel``, else one at a time. ``loop`` nodes become loops: the loop
  node sets up its ``loop_variables``, and ``[loop_id, var]`` is the loop's
  state (what the loop node or an assigner wrote), never a read of the loop's
  own output; a node after a loop or an iteration waits for its last round.
- ``assigner`` nodes write conversation and loop variables: a reader of the
  variable depends on the write that finished before it starts (by the
  edges); a conversation variable nothing wrote yet is a run input.
- ``human-input`` is a ``human`` step that waits for a person (an assumed
  wait, at most its deadline), followed by a router over its actions.
- Apps without a workflow graph (chat, completion, agent apps) are one step
  built from ``model_config``.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

from agentlint.adapters.common import at_of, figure, key_pos, listed, mapping, val_pos
from agentlint.adapters.ir import (
    DEFAULT_HUMAN_WAIT_S,
    DEFAULT_ITERATION_ITEMS,
    DEFAULT_TOOL_LOOP_CALLS,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.adapters.lower import Draft, dedup, topo_order
from agentlint.adapters.templates import rewrite_jinja
from agentlint.errors import SpecError
from agentlint.spec.limits import is_number
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap, YSeq
from agentlint.spec.yamlload import load_text

_VAR = re.compile(r"\{\{#([^#{}]+)#\}\}")
_SIMPLE_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
TOOL_TYPES = {"tool", "http-request", "knowledge-retrieval"}
#: ``sys.*`` values the end user writes: the message and its files (the others are
#: the platform's ids and counters)
USER_SYS = ("query", "files")
_USER_MARKS = tuple(f"{{{{#sys.{var}#}}}}" for var in USER_SYS)
NOT_STEPS = {"start", "end", "answer", "iteration-start", "loop-start", "loop-end", ""}
CONTAINERS = {"iteration", "loop"}
#: tokens of one retrieved chunk, and chunks retrieved when top_k is not given
RETRIEVAL_CHUNK_TOKENS = 300
RETRIEVAL_TOP_K = 4
#: a classifier answers with a class label
CLASSIFIER_OUTPUT_CAP = 64
#: seconds of a human-input node's ``timeout_unit``
TIMEOUT_UNITS = {"hour": 3600.0, "day": 86400.0}
#: assigner operations that read the variable they write (the others replace it)
READING_OPERATIONS = {"append", "extend", "+=", "-=", "*=", "/=", "remove-first",
                      "remove-last"}


def _top(text: str, line: str) -> bool:
    return text.startswith(line) or ("\n" + line) in text


class DifyAdapter:
    name = "dify"

    def sniff(self, path: str, text: str) -> bool:
        kind = _top(text, "kind: app") or _top(text, "kind: 'app'") \
            or _top(text, 'kind: "app"')
        return kind and _top(text, "app:") and (_top(text, "workflow:")
                                                or _top(text, "model_config:"))

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return _Reader(path, text, display, root).read()


class _Node:
    def __init__(self, raw: YMap, data: YMap, id_: str) -> None:
        self.raw = raw
        self.data = data
        self.id = id_
        self.type = str(data.get("type") or "")
        self.title = str(data.get("title") or id_)
        parent = data.get("iteration_id") or data.get("loop_id") or raw.get("parentId")
        self.parent = str(parent) if parent else None
        self.step: str | None = None  # step id, when the node is a step

    @property
    def at(self) -> Pos:
        return self.data.key_at("title") if "title" in self.data else self.raw.key_at("id")


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.draft = Draft("dify", path, display, text, root)
        self.file = display
        self.doc = load_text(text, display)
        self.nodes: dict[str, _Node] = {}
        self.start_vars: dict[str, str] = {}
        self.dangling: list[tuple[str, Pos]] = []
        #: node id -> the nodes an edge leads from into it
        self.edge_preds: dict[str, list[str]] = {}
        #: (conversation or loop node id, variable) -> assigner nodes that write it
        self.writers: dict[tuple[str, str], list[str]] = {}
        self._before: dict[str, frozenset[str]] = {}
        #: human-input node id -> the step of the person's choice among its actions
        self.choices: dict[str, str] = {}

    def fail(self, at: Pos, message: str) -> SpecError:
        return SpecError(self.file, *at, message)

    def read(self) -> Workflow:
        doc, draft = self.doc, self.draft
        if not isinstance(doc, YMap):
            raise self.fail(at_of(doc), "a Dify app export must be a YAML mapping")
        app = mapping(doc.get("app"))
        self.mode = str(app.get("mode") or "workflow")
        draft.name = str(app.get("name") or "") or os.path.splitext(
            os.path.basename(draft.path))[0]
        graph = mapping(mapping(doc.get("workflow")).get("graph"))
        if "nodes" not in graph:
            if isinstance(doc.get("model_config"), YMap):
                return self.simple_app(doc["model_config"])
            raise self.fail(key_pos(doc, "workflow", at_of(doc)), "a Dify workflow needs "
                            "workflow.graph.nodes")
        nodes = graph["nodes"]
        if not isinstance(nodes, YSeq):
            raise self.fail(graph.value_at("nodes"), "workflow.graph.nodes must be a list")
        for index, raw in enumerate(nodes):
            if not isinstance(raw, YMap) or "id" not in raw:
                raise self.fail(val_pos(nodes, index), "a node must be a mapping with an id")
            if raw.get("type") == "custom-note" or not isinstance(raw.get("data"), YMap):
                continue
            node = _Node(raw, raw["data"], str(raw.text("id")))
            if node.id in self.nodes:
                raise self.fail(raw.value_at("id"), f"duplicate node id '{node.id}'")
            self.nodes[node.id] = node
        for node in self.nodes.values():
            if node.type == "start":
                self.start(node)
        for node in self.nodes.values():
            if node.type not in NOT_STEPS:
                node.step = draft.new_id(node.id, "node")
        edges = graph.get("edges")
        edges = edges if isinstance(edges, YSeq) else YSeq()
        for edge in edges:
            if isinstance(edge, YMap) and str(edge.get("source")) in self.nodes \
                    and str(edge.get("target")) in self.nodes:
                self.edge_preds.setdefault(str(edge.get("target")), []).append(
                    str(edge.get("source")))
        for node in self.nodes.values():
            if node.type == "assigner" and node.step:
                for head, var, _, _ in self.assignments(node):
                    self.writers.setdefault((head, var), []).append(node.id)
        specs = {n.step: self.step(n) for n in self.nodes.values() if n.step}
        for node in list(self.nodes.values()):
            if node.type == "human-input" and node.step and node.data.get("user_actions"):
                choice = self.choice_step(node)
                specs[choice.id] = choice
        self.branch_ends(edges, specs)
        self.outputs(specs)
        self.control(edges, specs)
        draft.steps = self.order(specs)
        if self.dangling:
            name, at = self.dangling[0]
            draft.assume("dangling", f"reference to node '{name}', which is not in the graph, "
                         "ignored", at)
        return draft.finish()

    def outputs(self, specs: dict[str, StepSpec]) -> None:
        """Nodes an ``end`` node's outputs or an ``answer`` node's text name: what the app
        returns, so their output leaves the workflow."""
        for node in self.nodes.values():
            named: list[str] = []
            if node.type == "end" and isinstance(node.data.get("outputs"), list):
                for out in node.data["outputs"]:
                    selector = out.get("value_selector") if isinstance(out, dict) else None
                    if isinstance(selector, list) and selector:
                        named.append(str(selector[0]))
            elif node.type == "answer":
                named = [m.group(1).split(".")[0]
                         for m in _VAR.finditer(str(node.data.get("answer") or ""))]
            for name in named:
                target = self.nodes.get(name)
                if target is not None and target.step in specs:
                    specs[target.step].output_leaves = f"the {node.type} node " \
                        f"'{node.title}' returns it"

    # -- references ----------------------------------------------------------------------

    def start(self, node: _Node) -> None:
        for item in listed(node.data.get("variables")):
            if not isinstance(item, YMap) or "variable" not in item:
                continue
            name = str(item.text("variable"))
            length = figure(item, "max_length", self.draft.file)
            cap = math.ceil(length / 4) if length and item.get("type") in (
                "text-input", "select", "number", None) else None
            self.start_vars[name] = self.draft.input(name, item.value_at("variable"), cap=cap)

    def ref(self, selector: list[Any], at: Pos, reader: _Node | None = None) -> str | None:
        """The reference path of a Dify value selector ``[node, var, ...]``."""
        if len(selector) < 2:
            return None
        head, var = str(selector[0]), str(selector[1])
        if head == "sys":
            return "inputs." + self.draft.input(f"sys_{var}", at,
                                                untrusted=var in USER_SYS)
        if head == "conversation":
            writer = self.last_writer((head, var), reader)
            if writer is not None:
                return f"steps.{writer}.output"
            # not written earlier in this run: the value the last turn left
            return "inputs." + self.draft.input(f"{head}_{var}", at)
        if head == "userinput":
            return "inputs." + self.draft.input(f"{head}_{var}", at)
        if head == "env":
            return None
        node = self.nodes.get(head)
        if node is None:
            self.dangling.append((head, at))
            return None
        if node.type == "loop" and var not in ("index",):
            # a loop variable: the loop's own state, not a read of the loop's output
            if reader is not None and reader.id == node.id:
                return None
            writer = self.last_writer((node.id, var), reader)
            if writer is not None:
                return f"steps.{writer}.output"
        if node.type == "start":
            name = self.start_vars.get(var) or self.draft.input(var, at)
            self.start_vars.setdefault(var, name)
            return "inputs." + name
        if node.type in CONTAINERS and var not in ("item", "index") and (
                reader is None or reader.parent != node.id):
            out = node.data.get("output_selector")
            if isinstance(out, list) and out and str(out[0]) in self.nodes \
                    and self.nodes[str(out[0])].step:
                return f"steps.{self.nodes[str(out[0])].step}.output"
        if node.step is None:
            return None
        return f"steps.{node.step}.output" + (f".{var}" if var.isidentifier() else "")

    def assignments(self, node: _Node) -> list[tuple[str, str, Any, Pos]]:
        """What an assigner writes: ``(conversation or loop id, variable, item, pos)``."""
        data = node.data
        out: list[tuple[str, str, Any, Pos]] = []
        items = data.get("items")
        if isinstance(items, YSeq):  # version 2: one entry per variable
            for index, item in enumerate(items):
                item = mapping(item)
                target = item.get("variable_selector")
                if isinstance(target, list) and len(target) >= 2:
                    out.append((str(target[0]), str(target[1]), item,
                                val_pos(items, index, node.at)))
        target = data.get("assigned_variable_selector")  # version 1
        if isinstance(target, list) and len(target) >= 2:
            out.append((str(target[0]), str(target[1]), data,
                        val_pos(data, "assigned_variable_selector", node.at)))
        return out

    def before(self, node_id: str) -> frozenset[str]:
        """Nodes that have finished when ``node_id`` starts, by the edges.

        A container reached by an edge has finished with everything inside it; a
        node inside a container starts after what its container waited for.
        """
        if node_id in self._before:
            return self._before[node_id]
        self._before[node_id] = frozenset()  # a cycle of edges adds nothing
        out: set[str] = set()
        node = self.nodes[node_id]
        if node.type in ("iteration-start", "loop-start") and node.parent in self.nodes:
            out.add(node.parent)
            out |= self.before(node.parent)
        for src in self.edge_preds.get(node_id, []):
            out.add(src)
            out |= self.before(src)
            if self.nodes[src].type in CONTAINERS:
                out |= self.inside(src)
        self._before[node_id] = frozenset(out)
        return self._before[node_id]

    def inside(self, container: str) -> set[str]:
        out: set[str] = set()
        for node in self.nodes.values():
            outer = node.parent
            seen = 0
            while outer is not None and outer in self.nodes and seen <= len(self.nodes):
                if outer == container:
                    out.add(node.id)
                    break
                outer, seen = self.nodes[outer].parent, seen + 1
        return out

    def last_in(self, container: str) -> list[str]:
        """Steps inside a container that no other step inside it waits for: a node
        after the container starts when they have finished (its last round)."""
        inner = [n for n in self.inside(container) if self.nodes[n].step]
        return [self.nodes[n].step or "" for n in inner
                if not any(n in self.before(m) for m in inner if m != n)]

    def last_writer(self, key: tuple[str, str], reader: _Node | None) -> str | None:
        """The step of the assigner whose write of ``key`` the reader sees, if any.

        Writes that have finished before the reader starts count; of those, the
        one the others all precede. A write later in a loop's round reaches the
        next round, which the loop's repetition already counts.
        """
        if reader is None:
            return None
        done = self.before(reader.id)
        found = [w for w in self.writers.get(key, []) if w in done and w != reader.id]
        last = [w for w in found if not any(w in self.before(o) for o in found if o != w)]
        return self.nodes[last[-1]].step if last else None

    def text_refs(self, text: str, at: Pos, reader: _Node,
                  context: str | None = None) -> str:
        """Dify text with ``{{#node.var#}}`` turned into agentlint references."""
        def swap(m: re.Match[str]) -> str:
            body = m.group(1).strip()
            if body == "context":
                return "{{ " + context + " }}" if context else ""
            if body.startswith("$output."):  # a field of a human-input form
                return "[" + body[len("$output."):] + "]"
            path = self.ref(body.split("."), at, reader)
            return "{{ " + path + " }}" if path else m.group(0).replace("{{", "{ {")
        clean = text.replace("{{", "\x00").replace("\x00#", "{{#").replace("\x00", "{ {")
        return _VAR.sub(swap, clean)

    def selector_lines(self, data: Any, reader: _Node, skip: tuple[str, ...] = ()) -> str:
        """``name: {{ ref }}`` for every selector found anywhere in ``data``."""
        lines: list[str] = []
        self._walk(data, reader, lines, skip, "")
        return "\n".join(dict.fromkeys(lines))

    def _walk(self, value: Any, reader: _Node, lines: list[str], skip: tuple[str, ...],
              name: str, at: Pos = (1, 1)) -> None:
        if isinstance(value, YMap):
            label = str(value.get("variable") or name)
            for key, item in value.items():
                if key in skip:
                    continue
                self._walk(item, reader, lines, skip, label if key in (
                    "value_selector", "variable_selector") else str(key),
                    value.value_at(key))
        elif isinstance(value, list):
            if len(value) >= 2 and all(isinstance(v, str) for v in value) and (
                    value[0] in self.nodes or value[0] in ("sys", "conversation",
                                                           "userinput")):
                path = self.ref(list(value), at, reader)
                if path:
                    lines.append(f"{name}: {{{{ {path} }}}}")
                return
            for i, item in enumerate(value):
                self._walk(item, reader, lines, skip, name, val_pos(value, i, at))
        elif isinstance(value, str) and "{{#" in value:
            text = self.text_refs(value, at, reader)
            if "{{ " in text:
                lines.append(f"{name}: {text}")

    def selector(self, data: YMap, key: str, reader: _Node) -> str | None:
        value = data.get(key)
        if isinstance(value, list) and len(value) >= 2:
            return self.ref(list(value), data.value_at(key), reader)
        return None

    def instructed(self, node: _Node, spec: StepSpec, instruction: str, listing: str,
                   query_key: str) -> None:
        """A node that asks its model about the one variable ``query_key`` selects, with
        its instruction (and ``listing``: its classes or parameters) as the system prompt."""
        data = node.data
        spec.system = self.text_refs(instruction, val_pos(data, "instruction", node.at),
                                     node) + listing
        query = self.selector(data, query_key, node)
        spec.prompt = "{{ " + query + " }}" if query else ""

    # -- nodes ---------------------------------------------------------------------------

    def step(self, node: _Node) -> StepSpec:
        data, draft = node.data, self.draft
        assert node.step is not None
        spec = StepSpec(node.step, node.at, origin=f"dify {node.type} node '{node.title}'",
                        names=tuple(dict.fromkeys(n for n in (node.title, node.id)
                                                  if n != node.step)))
        spec.pos["id"] = node.raw.value_at("id")
        if node.parent and node.parent in self.nodes \
                and self.nodes[node.parent].type == "iteration":
            spec.container = self.nodes[node.parent].step
        kind = node.type
        if kind == "llm":
            self.llm(node, spec)
        elif kind == "question-classifier":
            spec.kind = "router"
            self.model(node, spec, data.get("model"), "model")
            names = [str(mapping(c).get("name") or "") for c in data.get("classes") or []]
            instruction = str(data.get("instruction") or data.get("instructions") or "")
            self.instructed(node, spec, instruction,
                            "\nClasses: " + ", ".join(names) if names else "",
                            "query_variable_selector")
            spec.output_cap = CLASSIFIER_OUTPUT_CAP
        elif kind == "parameter-extractor":
            self.model(node, spec, data.get("model"), "model")
            params = [f"{mapping(p).get('name')}: {mapping(p).get('description') or ''}"
                      for p in data.get("parameters") or []]
            self.instructed(node, spec, str(data.get("instruction") or ""),
                            "\nParameters:\n" + "\n".join(params) if params else "", "query")
        elif kind == "agent":
            self.agent(node, spec)
        elif kind in TOOL_TYPES:
            spec.kind = "tool"
            if kind == "tool":
                name = "/".join(str(data.get(k)) for k in ("provider_id", "tool_name")
                                if data.get(k)) or "tool"
            else:
                name = kind
            spec.tool = draft.tool(name, node.at)
            spec.prompt = self.selector_lines(data, node, skip=("title", "desc"))
            if kind == "knowledge-retrieval":
                config = mapping(data.get("multiple_retrieval_config"))
                top_k = figure(config, "top_k", draft.file) or RETRIEVAL_TOP_K
                spec.output_tokens = float(top_k * RETRIEVAL_CHUNK_TOKENS)
                draft.assume("retrieval", f"knowledge retrieval assumed to return top_k "
                             f"chunks of {RETRIEVAL_CHUNK_TOKENS} tokens ({RETRIEVAL_TOP_K} "
                             "chunks where top_k is not set); give output_tokens per step "
                             "in agentlint.profile.yaml", node.at)
        elif kind == "if-else":
            spec.kind = "router"  # decided by code: a router without a model
            spec.prompt = self.selector_lines(
                {k: data[k] for k in ("cases", "conditions") if k in data}, node)
        elif kind == "template-transform":
            spec.kind, spec.size = "aggregate", "sum"
            refs = {}
            for item in listed(data.get("variables")):
                item = mapping(item)
                selector = item.get("value_selector")
                if isinstance(selector, list) and "variable" in item:
                    path = self.ref(list(selector), item.value_at("value_selector"), node)
                    if path:
                        refs[str(item["variable"])] = path
            spec.prompt, _ = rewrite_jinja(str(data.get("template") or ""), refs)
            spec.pos["prompt"] = val_pos(data, "template", node.at)
        elif kind in ("variable-aggregator", "variable-assigner", "list-operator"):
            spec.kind, spec.size = "aggregate", "max"
            spec.prompt = self.selector_lines(data, node, skip=("title", "desc"))
        elif kind == "iteration":
            spec.kind, spec.size = "aggregate", "item"
            items = self.selector(data, "iterator_selector", node)
            spec.prompt = "items: {{ " + items + " }}" if items else ""
            spec.items, spec.items_assumed = DEFAULT_ITERATION_ITEMS, True
            if data.get("is_parallel") is True:
                spec.items_concurrency = int(figure(data, "parallel_nums", draft.file) or 10)
            else:
                spec.items_concurrency = 1
        elif kind == "loop":
            # The loop node sets up its variables; its break conditions are checked
            # after each round (the loop's `until`), on the loop's own state.
            spec.kind, spec.size = "aggregate", "sum"
            spec.prompt = self.loop_variables(node)
        elif kind == "assigner":
            self.assigner(node, spec)
        elif kind == "human-input":
            self.human(node, spec)
        else:  # code, document-extractor and whatever comes next
            spec.kind = "aggregate"
            spec.prompt = self.selector_lines(data, node, skip=("title", "desc", "code"))
            if kind not in ("code", "document-extractor"):
                spec.origin += " (a node type agentlint does not know; read as code)"
        return spec

    def assigner(self, node: _Node, spec: StepSpec) -> None:
        """An assigner: what it writes is what it reads (its value, or its variable
        too when the operation appends or adds to it)."""
        spec.kind, spec.size = "aggregate", "max"
        lines: list[str] = []
        for _, var, item, at in self.assignments(node):
            source = item.get("value") if "items" in node.data else item.get(
                "input_variable_selector")
            if isinstance(source, list) and item.get("input_type", "variable") \
                    == "variable" and len(source) >= 2:
                path = self.ref(list(source), at, node)
                if path:
                    lines.append(f"{var}: {{{{ {path} }}}}")
            elif source is not None and not isinstance(source, (list, dict)):
                lines.append(f"{var}: {source}")
            operation = str(item.get("operation") or item.get("write_mode") or "")
            target = item.get("variable_selector") or item.get("assigned_variable_selector")
            if operation in READING_OPERATIONS and isinstance(target, list):
                path = self.ref(list(target), at, node)
                if path:
                    lines.append(f"{var} (before): {{{{ {path} }}}}")
        spec.prompt = "\n".join(dict.fromkeys(lines))

    def loop_variables(self, node: _Node) -> str:
        """``label: value`` for each variable a loop starts with (a selector as a reference)."""
        lines: list[str] = []
        variables = node.data.get("loop_variables")
        for index, item in enumerate(variables if isinstance(variables, YSeq) else []):
            item = mapping(item)
            label = str(item.get("label") or index)
            value = item.get("value")
            if item.get("value_type") == "variable" and isinstance(value, list):
                path = self.ref(list(value), val_pos(variables, index, node.at), node)
                lines.append(f"{label}: {{{{ {path} }}}}" if path else f"{label}:")
            else:
                lines.append(f"{label}: {'' if value is None else value}")
        return "\n".join(lines)

    def human(self, node: _Node, spec: StepSpec) -> None:
        """A human-input node: the run pauses until a person fills in its form."""
        data = node.data
        spec.kind = "human"
        text = data.get("form_content")
        spec.prompt = self.text_refs(str(text), val_pos(data, "form_content", node.at),
                                     node) if isinstance(text, str) else ""
        extra = self.selector_lines(data, node, skip=("title", "desc", "form_content"))
        if extra:
            spec.prompt = "\n".join(t for t in (spec.prompt, extra) if t)
        spec.pos["prompt"] = val_pos(data, "form_content", node.at)
        # Dify's deadline (36 hours unless set) only bounds the wait: a wait under it
        # is assumed; any value that is not a positive number leaves Dify's default.
        timeout = data.get("timeout")
        if not is_number(timeout) or not 0 < timeout < 1e9:
            timeout = 36
        unit = TIMEOUT_UNITS.get(str(data.get("timeout_unit") or "hour"), 3600.0)
        spec.per_call_s = min(DEFAULT_HUMAN_WAIT_S, float(timeout) * unit)
        spec.wait_assumed = True
        spec.origin += " (waits for a person)"

    def choice_step(self, node: _Node) -> StepSpec:
        """The choice a person makes on a human-input form: a router over its actions
        (each action is an edge handle), decided without a model."""
        assert node.step is not None
        spec = StepSpec(self.draft.new_id(f"{node.step}_choice", "choice"), node.at,
                        kind="router", output_tokens=0.0,
                        origin=f"dify human-input node '{node.title}': the action chosen",
                        names=(f"{node.title} choice",))
        spec.prompt = "{{ steps." + node.step + ".output }}"
        self.choices[node.id] = spec.id
        return spec

    def model(self, node: _Node, spec: StepSpec, model: Any, key: str) -> None:
        model = mapping(model)
        name = model.get("name") or model.get("model")
        at = node.data.value_at(key) if key in node.data else node.at
        spec.model = self.draft.model(str(name) if name else None, at,
                                      default_reason=f"{node.type} node '{node.title}' names "
                                      "no model")
        spec.pos["model"] = at
        cap = figure(mapping(model.get("completion_params")), "max_tokens", self.draft.file)
        if cap is not None and cap > 0:
            spec.output_cap = cap

    def llm(self, node: _Node, spec: StepSpec) -> None:
        data = node.data
        self.model(node, spec, data.get("model"), "model")
        context = None
        ctx = mapping(data.get("context"))
        if ctx.get("enabled") is True:
            selector = ctx.get("variable_selector")
            if isinstance(selector, list) and len(selector) >= 2:
                context = self.ref(list(selector), ctx.value_at("variable_selector"), node)
        template = data.get("prompt_template")
        at = val_pos(data, "prompt_template", node.at)
        messages = template if isinstance(template, list) else [template]
        jinja_vars = {}
        for item in listed(mapping(data.get("prompt_config")).get("jinja2_variables")):
            item = mapping(item)
            selector = item.get("value_selector")
            if isinstance(selector, list) and "variable" in item:
                path = self.ref(list(selector), at, node)
                if path:
                    jinja_vars[str(item["variable"])] = path
        system: list[str] = []
        prompt: list[str] = []
        memory = data.get("memory")
        if isinstance(memory, YMap) and self.mode != "workflow":
            prompt.append("{{ inputs." + self.draft.input("conversation_history", at) + " }}")
        for message in messages:
            message = mapping(message)
            if message.get("edition_type") == "jinja2" and "jinja2_text" in message:
                text, _ = rewrite_jinja(str(message.get("jinja2_text") or ""), jinja_vars)
            else:
                text = self.text_refs(str(message.get("text") or ""), at, node, context)
            if not text.strip():
                continue
            role = str(message.get("role") or "user")
            (system if role == "system" else prompt).append(text)
            if role == "system" and "system" not in spec.pos:
                user_at = self.user_text_at(message)
                if user_at is not None:
                    spec.pos["system"] = user_at
        if isinstance(memory, YMap) and self.mode != "workflow":
            # the user's message follows the history: query_prompt_template, else sys.query
            query = memory.get("query_prompt_template")
            if isinstance(query, str) and query.strip():
                prompt.append(self.text_refs(query, at, node, context))
            else:
                prompt.append("{{ inputs." + self.draft.input("sys_query", at, untrusted=True)
                              + " }}")
        spec.system = "\n\n".join(system)
        spec.prompt = "\n\n".join(prompt)
        spec.pos.setdefault("system", at)
        spec.pos["prompt"] = at

    def user_text_at(self, message: YMap) -> Pos | None:
        """Where the end user's message (``{{#sys.query#}}``) enters a system message:
        findings about untrusted text in the system prompt point there."""
        text = message.get("text")
        if not isinstance(text, str) or not any(m in text for m in _USER_MARKS):
            return None
        lines = self.draft.text.splitlines()
        first = message.value_at("text")[0]
        for number in range(first, min(first + text.count("\n") * 2 + 2, len(lines) + 1)):
            cols = [lines[number - 1].find(m) for m in _USER_MARKS]
            found = [c for c in cols if c >= 0]
            if found:
                return number, min(found) + 1
        return None

    def agent(self, node: _Node, spec: StepSpec) -> None:
        params = mapping(node.data.get("agent_parameters"))

        def value(key: str) -> Any:
            return mapping(params.get(key)).get("value")

        model = mapping(value("model"))
        self.model(node, spec, {"name": model.get("model") or model.get("name"),
                                "completion_params": model.get("completion_params")},
                   "agent_parameters")
        at = val_pos(node.data, "agent_parameters", node.at)
        instruction = value("instruction")
        query = value("query")
        spec.system = self.text_refs(str(instruction), at, node) if isinstance(
            instruction, str) else ""
        spec.prompt = self.text_refs(str(query), at, node) if isinstance(query, str) else ""
        tools = value("tools")
        if (isinstance(tools, list) and any(mapping(t).get("enabled", True) for t in tools)) \
                or value("mcp_server"):
            spec.calls, spec.calls_assumed = DEFAULT_TOOL_LOOP_CALLS, True
            spec.origin += " (an agent loop)"
        else:
            # no tool to call: the strategy has nothing to loop on, one call answers
            spec.origin += f" ({node.data.get('agent_strategy_name') or 'agent'} " \
                "strategy without tools: one call)"

    # -- edges and order -----------------------------------------------------------------

    def control(self, edges: YSeq, specs: dict[str, StepSpec]) -> None:
        preds: dict[str, list[tuple[str, Pos, str]]] = {}
        for index, edge in enumerate(edges):
            if not isinstance(edge, YMap):
                continue
            src, tgt = str(edge.get("source")), str(edge.get("target"))
            if src not in self.nodes or tgt not in self.nodes:
                continue  # edges to notes or removed nodes
            handle = str(edge.get("sourceHandle") or "source")
            preds.setdefault(tgt, []).append((src, val_pos(edges, index), handle))
        memo: dict[str, list[str]] = {}

        def step_preds(node_id: str, seen: frozenset[str] = frozenset()) -> list[str]:
            node = self.nodes[node_id]
            if node.type in CONTAINERS and node.step is not None:
                return [node.step, *self.last_in(node_id)]
            if node.step is not None:
                return [node.step]
            if node_id in memo:
                return memo[node_id]
            if node_id in seen:
                return []
            out: list[str] = []
            if node.type in ("iteration-start", "loop-start") and node.parent in self.nodes:
                parent = self.nodes[node.parent]
                out = [parent.step] if parent.step else []
            elif node.type != "start":
                for src, _, _ in preds.get(node_id, []):
                    out.extend(step_preds(src, seen | {node_id}))
            memo[node_id] = list(dict.fromkeys(out))
            return memo[node_id]

        routes: dict[str, dict[str, tuple[str, Pos]]] = {}
        for tgt, items in preds.items():
            target = self.nodes[tgt]
            for src, at, handle in items:
                source = self.nodes[src]
                if source.type in ("question-classifier", "if-else", "human-input") \
                        and handle != "source" and target.step is not None \
                        and (source.type != "human-input" or src in self.choices):
                    routes.setdefault(src, {}).setdefault(handle, (target.step, at))
                    if src in self.choices:
                        specs[target.step].needs.append((self.choices[src], at))
                if target.step is None:
                    continue
                spec = specs[target.step]
                for p in step_preds(src):
                    if p != spec.id:
                        spec.needs.append((p, at))
        for src, by_handle in routes.items():
            router = specs[self.choices.get(src) or self.nodes[src].step or ""]
            order = [str(mapping(c).get("id")) for c in
                     self.nodes[src].data.get("classes") or []]
            order += [str(mapping(c).get("id")) for c in
                      self.nodes[src].data.get("user_actions") or []]
            order += [str(mapping(c).get("case_id") or mapping(c).get("id"))
                      for c in self.nodes[src].data.get("cases") or []]
            order += ["true", "false"]
            ranked = sorted(by_handle.items(), key=lambda kv: order.index(kv[0])
                            if kv[0] in order else len(order))
            seen: set[str] = set()
            for _, (dest, at) in ranked:
                if dest not in seen:
                    seen.add(dest)
                    router.routes.append((dest, at))
            if self.nodes[src].type == "human-input":  # its actions, and a deadline passed
                handles = len(order) - 2 + ("timeout" in by_handle)
            else:
                handles = len(order) - 2 if self.nodes[src].type == "question-classifier" \
                    else len(self.nodes[src].data.get("cases") or []) + 1
            if handles > len(router.routes):
                self.draft.assume(f"empty-branch:{router.id}", f"'{self.nodes[src].title}' "
                                  f"has {handles - len(router.routes)} branch(es) that run no "
                                  "step; the others share all runs", router.at)
        for spec in specs.values():
            data = {n for t in (spec.system or "", spec.prompt or "")
                    for n in re.findall(r"steps\.([A-Za-z0-9_-]+)", t)}
            spec.needs = [(n, at) for n, at in dedup(spec.needs) if n not in data]

    def branch_ends(self, edges: YSeq, specs: dict[str, StepSpec]) -> None:
        """A branch of an if-else or a classifier that goes straight to an answer or an
        end node (and nothing else leads there) runs no model: a free step, so the
        branch keeps its share of the runs and the steps of the others run only on
        theirs."""
        for edge in edges:
            if not isinstance(edge, YMap):
                continue
            src = self.nodes.get(str(edge.get("source")))
            tgt = self.nodes.get(str(edge.get("target")))
            handle = str(edge.get("sourceHandle") or "source")
            if src is None or tgt is None or handle == "source" or tgt.step is not None \
                    or src.type not in ("if-else", "question-classifier") \
                    or tgt.type not in ("answer", "end") \
                    or self.edge_preds.get(tgt.id) != [src.id]:
                continue
            tgt.step = self.draft.new_id(tgt.id, "node")
            specs[tgt.step] = StepSpec(
                tgt.step, tgt.at, kind="aggregate", output_tokens=0.0,
                origin=f"dify {tgt.type} node '{tgt.title}' (branch '{handle}' of "
                f"'{src.title}': no model)", names=(tgt.title, tgt.id))

    def order(self, specs: dict[str, StepSpec]) -> list[StepSpec]:
        """Steps in dependency order, each container followed by its children."""
        parent_of: dict[str, str] = {}
        for n in self.nodes.values():
            outer = self.nodes[n.parent].step if n.parent in self.nodes else None
            if n.step and outer:
                parent_of[n.step] = outer
                if n.id in self.choices:
                    parent_of[self.choices[n.id]] = outer
        chains: dict[str, list[str]] = {}

        def chain(step: str) -> list[str]:
            """The step and the containers around it, innermost first."""
            if step not in chains:
                out = [step]
                while out[-1] in parent_of and len(out) <= len(specs):
                    out.append(parent_of[out[-1]])
                chains[step] = out
            return chains[step]

        children: dict[str | None, list[str]] = {}
        for step in specs:
            children.setdefault(parent_of.get(step), []).append(step)
        preds: dict[str | None, dict[str, list[str]]] = {}
        for spec in specs.values():
            mine = chain(spec.id)
            scopes = [parent_of.get(x) for x in mine]
            deps = [n for n, _ in spec.needs]
            for text in (spec.system or "", spec.prompt or ""):
                deps.extend(re.findall(r"steps\.([A-Za-z0-9_-]+)", text))
            for dep in deps:
                if dep not in specs:
                    continue
                theirs = chain(dep)
                their_scopes = [parent_of.get(x) for x in theirs]
                for i, scope in enumerate(scopes):
                    if scope in their_scopes:
                        a, b = mine[i], theirs[their_scopes.index(scope)]
                        if a != b:
                            preds.setdefault(scope, {}).setdefault(a, []).append(b)
                        break

        def arrange(scope: str | None) -> list[str]:
            out: list[str] = []
            for member in topo_order(children.get(scope, []), preds.get(scope, {})):
                out.append(member)
                if member in children:
                    out.extend(arrange(member))
            return out

        def scope_of(step: str, scope: str) -> str | None:
            return scope if scope in chain(step)[1:] else None

        ordered = arrange(None)
        for node in self.nodes.values():
            if node.type == "loop" and node.step:
                body = [s for s in ordered if scope_of(s, node.step) is not None
                        and s != node.step]
                if body:
                    count = figure(node.data, "loop_count", self.draft.file)
                    self.draft.loops.append(LoopSpec(
                        node.step, node.at, body, int(count) if count else None,
                        until="a break condition holds" if node.data.get(
                            "break_conditions") else None, names=(node.title, node.id)))
        return [specs[s] for s in ordered]

    # -- apps without a graph --------------------------------------------------------------

    def simple_app(self, config: YMap) -> Workflow:
        draft = self.draft
        at = key_pos(self.doc, "model_config", (1, 1))
        for form in listed(config.get("user_input_form")):
            for _, field in mapping(form).items():
                field = mapping(field)
                if "variable" in field:
                    length = figure(field, "max_length", draft.file)
                    draft.input(str(field["variable"]), field.value_at("variable"),
                                cap=math.ceil(length / 4) if length else None)
        node = _Node(YMap(), YMap(), "app")
        spec = StepSpec(draft.new_id(draft.name or "app"), at,
                        origin=f"dify {self.mode} app")
        self.model(node, spec, config.get("model"), "model")
        pre = str(config.get("pre_prompt") or "")

        def swap(m: re.Match[str]) -> str:
            return "{{ inputs." + draft.input(m.group(1), at) + " }}"

        spec.system = _SIMPLE_VAR.sub(swap, pre.replace("{{#", "{ {#"))
        if self.mode != "completion":
            spec.prompt = "{{ inputs." + draft.input("sys_query", at, untrusted=True) + " }}"
        agent_mode = mapping(config.get("agent_mode"))
        if agent_mode.get("enabled") is True or self.mode == "agent-chat":
            spec.calls, spec.calls_assumed = DEFAULT_TOOL_LOOP_CALLS, True
        draft.steps.append(spec)
        return draft.finish()
