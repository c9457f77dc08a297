"""promptflow ``flow.dag.yaml``: a DAG of llm, prompt and python nodes.

- One step per node. ``llm`` (and ``custom_llm``) nodes are model steps: the
  model is ``inputs.model`` when the catalog knows it, else
  ``inputs.deployment_name`` (an Azure deployment name, resolved through the
  catalog's aliases and reported as assumed); the prompt is the node's Jinja
  template (``source.path``), read from inside the repository, split at its
  ``system:`` / ``user:`` lines, with each template variable pointed at what
  the node feeds it (``${inputs.x}`` or ``${node.output}``).
- ``prompt`` nodes render a template without a model: free steps whose
  output is as large as the rendered text.
- ``python`` and package tool nodes are tool steps, except a python node of the
  flow's own code whose inputs say it calls a model: it takes a model or
  deployment name, or a connection and a ``prompt`` node's output. That node
  is one model call (assumed: its code is not read). A python node that takes
  a connection and neither is a tool, noted as leaving its code's calls out.
- ``${node.output}`` references are data dependencies; execution is ``dag``,
  as promptflow runs independent nodes concurrently.
- ``activate: {when: ${x.output}, is: v}`` makes a node conditional: the
  executor reads ``x`` first, a data dependency like an input reference. Nodes
  gated on the same ``when`` with different ``is`` values are the branches of
  a router at ``x`` (shares equal unless the profile says); a condition with a
  single value is assumed to hold.
- ``aggregation: true`` nodes run once per batch of lines: a line bears their
  time over the batch's size (assumed unless the profile gives ``count``).
- ``use_variants`` nodes are read from their default variant in
  ``node_variants``; the others are noted.
"""

from __future__ import annotations

import os
import re
from typing import Any

from agentlint.adapters.common import at_of, figure, key_pos, mapping, val_pos
from agentlint.adapters.files import read_inside
from agentlint.adapters.ir import DEFAULT_BATCH_LINES, Pos, StepSpec
from agentlint.adapters.lower import Draft, dedup, topo_order
from agentlint.adapters.promptflow_schema import check
from agentlint.adapters.templates import rewrite_jinja, split_roles
from agentlint.errors import SpecError
from agentlint.spec.catalog import resolve
from agentlint.spec.load import DEFAULT_TOOL_TIME_S
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.yamlload import load_text

_REF = re.compile(r"\$\{([^{}]*)\}")
#: an input of a python node that names a model: deployment_name, model, model_or_deployment_name
_MODEL_KEY = re.compile(r"model|deployment|engine", re.IGNORECASE)
LLM_TYPES = ("llm", "custom_llm")


class PromptflowAdapter:
    name = "promptflow"

    def sniff(self, path: str, text: str) -> bool:
        base = os.path.basename(path).lower()
        if base in ("flow.dag.yaml", "flow.dag.yml"):
            return True
        top_nodes = text.startswith("nodes:") or "\nnodes:" in text
        return top_nodes and ("promptflow" in text or "${inputs." in text)

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return _Reader(path, text, display, root).read()


class _Node:
    """One node after variant resolution, with its references."""

    def __init__(self, raw: YMap, body: YMap, id_: str, variant: str | None) -> None:
        self.raw = raw  # the entry in nodes: (for its position)
        self.body = body  # its definition (the default variant's node, if any)
        self.id = id_
        self.name = str(raw.text("name"))
        self.type = str(body.get("type") or "python")
        self.variant = variant
        #: template variable -> reference path; input refs (name, pos); step refs
        self.vars: dict[str, str] = {}
        self.step_refs: list[tuple[str, Pos]] = []
        self.when: tuple[str, str, Pos] | None = None  # (node id, text, pos)
        self.when_value: Any = None


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.draft = Draft("promptflow", path, display, text, root)
        self.file = display
        self.doc = load_text(text, display)

    def fail(self, at: Pos, message: str) -> SpecError:
        return SpecError(self.file, *at, message)

    def read(self) -> Workflow:
        doc, draft = self.doc, self.draft
        if not isinstance(doc, YMap):
            raise self.fail(at_of(doc), "a promptflow flow must be a YAML mapping")
        nodes = doc.get("nodes")
        if not isinstance(nodes, list) or not nodes:
            raise self.fail(key_pos(doc, "nodes"), "a promptflow flow needs a list of nodes")
        check(doc, self.file)  # what promptflow's executor refuses, refused first
        folder = os.path.basename(os.path.dirname(os.path.abspath(draft.path)))
        draft.name = folder or None
        inputs = mapping(doc.get("inputs"))
        self.input_ids = {str(k): draft.input(str(k), inputs.key_at(k)) for k in inputs}
        variants = mapping(doc.get("node_variants"))
        ids: dict[str, str] = {}
        parsed: list[_Node] = []
        for index, raw in enumerate(nodes):
            if not isinstance(raw, YMap) or "name" not in raw:
                raise self.fail(val_pos(nodes, index), "a node must be a mapping with a name")
            name = str(raw.text("name"))
            if name in ids:
                raise self.fail(raw.value_at("name"), f"duplicate node name '{name}'")
            ids[name] = draft.new_id(name, "node")
            body, variant = self.definition(raw, variants)
            parsed.append(_Node(raw, body, ids[name], variant))
        self.ids = ids
        self.types = {n.name: n.type for n in parsed}
        for node in parsed:
            self.references(node)
        order = topo_order([n.id for n in parsed], {
            n.id: [d for d, _ in n.step_refs] + ([n.when[0]] if n.when else [])
            for n in parsed})
        by_id = {n.id: n for n in parsed}
        specs = {n.id: self.step(n) for n in parsed}
        for name, out in mapping(doc.get("outputs")).items():  # what the flow returns
            for found in _REF.finditer(str(mapping(out).get("reference") or "")):
                target = ids.get(found.group(1).strip().split(".")[0])
                if target is not None:
                    specs[target].output_leaves = f"it is the flow output '{name}'"
        draft.steps = [specs[i] for i in order]
        self.conditions([by_id[i] for i in order], specs)
        return draft.finish()

    # -- nodes ---------------------------------------------------------------------------

    def definition(self, raw: YMap, variants: YMap) -> tuple[YMap, str | None]:
        if raw.get("use_variants") is not True:
            return raw, None
        name = str(raw.text("name"))
        entry = variants.get(name)
        if not isinstance(entry, YMap) or not isinstance(entry.get("variants"), YMap):
            raise self.fail(raw.value_at("use_variants"), f"node '{name}' uses variants "
                            "but node_variants has no variants for it")
        options = entry["variants"]
        chosen = str(entry.get("default_variant_id") or next(iter(options)))
        if chosen not in options:
            raise self.fail(val_pos(entry, "default_variant_id"), f"default variant "
                            f"'{chosen}' of node '{name}' is not among its variants")
        node = mapping(mapping(options[chosen]).get("node"))
        if len(options) > 1:
            others = ", ".join(str(k) for k in options if str(k) != chosen)
            self.draft.assume(f"variant:{name}", f"node '{name}' is read from its default "
                              f"variant '{chosen}'; variants {others} are not estimated",
                              raw.key_at("name"))
        return node, chosen

    def references(self, node: _Node) -> None:
        inputs = mapping(node.body.get("inputs"))
        for key, value in inputs.items():
            if not isinstance(value, str):
                continue
            at = inputs.value_at(key)
            for match in _REF.finditer(value):
                path = self.ref_path(match.group(1), at)
                if path is None:
                    continue
                node.vars.setdefault(str(key), path[0])
                if path[1] is not None:
                    node.step_refs.append((path[1], at))
        activate = node.body.get("activate")
        if isinstance(activate, YMap) and "when" in activate:
            text = str(activate.get("when"))
            at = activate.value_at("when")
            found = _REF.search(text)
            path = self.ref_path(found.group(1), at) if found else None
            if path is not None and path[1] is not None:
                node.when = (path[1], text, at)
                node.when_value = activate.get("is")

    def ref_path(self, body: str, at: Pos) -> tuple[str, str | None] | None:
        """``(reference path, node id or None)`` of the text inside ``${...}``."""
        parts = body.strip().split(".")
        if parts[0] in ("inputs", "flow") and len(parts) > 1:  # promptflow reads both
            name = parts[1]
            if name not in self.input_ids:
                raise self.fail(at, f"${{{body}}} refers to flow input '{name}', which "
                                "is not declared under inputs:")
            return f"inputs.{self.input_ids[name]}", None
        if parts[0] in self.ids:
            node_id = self.ids[parts[0]]
            rest = ".".join(parts[1:]) or "output"
            return f"steps.{node_id}.{rest}", node_id
        if len(parts) > 1 and parts[1] == "output":
            raise self.fail(at, f"${{{body}}} refers to node '{parts[0]}', which is not in "
                            "nodes:")
        return None

    def step(self, node: _Node) -> StepSpec:
        draft, body, raw = self.draft, node.body, node.raw
        at = raw.key_at("name")
        spec = StepSpec(node.id, at, origin=f"promptflow {node.type} node"
                        + (f" (variant {node.variant})" if node.variant else ""),
                        names=(node.name,) if node.name != node.id else ())
        spec.pos["id"] = raw.value_at("name")
        source = mapping(body.get("source"))
        inputs = mapping(body.get("inputs"))
        template_at = val_pos(source, "path", at_of(source, at))
        if node.type in LLM_TYPES or node.type == "prompt":
            rel = source.get("path")
            template = ""
            used: set[str] = set()
            if isinstance(rel, str) and source.get("type", "code") == "code":
                real, raw_text = read_inside(rel, draft.base_dir, draft.root, self.file,
                                             template_at, "template")
                draft.sources.append(os.path.relpath(real, draft.base_dir))
                template, used = rewrite_jinja(raw_text, node.vars)
            elif node.vars:
                template = "\n".join(f"{k}: {{{{ {v} }}}}" for k, v in node.vars.items())
                used = set(node.vars)
            spec.pos["prompt"] = spec.pos["system"] = template_at
            if node.type == "prompt":
                spec.kind, spec.size, spec.prompt = "aggregate", "sum", template
            else:
                spec.system, spec.prompt = split_roles(template)
                spec.model = self.model(inputs, at)
                via = [str(body.get(k)) for k in ("connection", "provider") if body.get(k)]
                if via:
                    spec.origin += f" via {' '.join(via)}"
                spec.pos["model"] = val_pos(inputs, "model", val_pos(
                    inputs, "deployment_name", at))
                cap = figure(inputs, "max_tokens", draft.file)
                if cap is not None and cap > 0:
                    spec.output_cap = cap
            unused = {k for k in node.vars if k not in used}
            for key in unused:
                path = node.vars[key]
                if path.startswith("steps."):
                    spec.needs.append((path.split(".")[1], val_pos(inputs, key, at)))
        elif self.python_call(node, spec, source, inputs, at):
            pass
        else:
            spec.kind = "tool"
            tool = source.get("path") or source.get("tool") or body.get("tool") or node.type
            spec.tool = draft.tool(str(tool), template_at)
            spec.pos["tool"] = template_at
            spec.prompt = "\n".join(f"{k}: {{{{ {v} }}}}" for k, v in node.vars.items())
            spec.pos["prompt"] = key_pos(body, "inputs", at)
        if body.get("aggregation") is True:
            self.aggregation(node, spec)
        spec.needs = dedup(spec.needs)
        return spec

    def python_call(self, node: _Node, spec: StepSpec, source: YMap, inputs: YMap,
                    at: Pos) -> bool:
        """A python node of the flow's own code that calls a model, as far as its inputs
        say: it takes a model or deployment name (``deployment_name: gpt-4``), or a
        connection and a rendered prompt (a ``prompt`` node's output). It is read as one
        model call (assumed: its code is not read). A node that takes a connection and
        neither is read as a tool, with the note that a call in its code is left out.
        Package tools (embeddings, search) are tools."""
        if node.type != "python" or source.get("type", "code") != "code":
            return False
        names = [k for k in inputs if _MODEL_KEY.search(str(k))
                 and isinstance(inputs.get(k), str) and not _REF.search(inputs[k])
                 and str(inputs.get(k)).strip()
                 and "embed" not in f"{k} {inputs.get(k)}".lower()]  # embeddings: unpriced
        connection = next((str(inputs[k]) for k in inputs if "connection" in str(k).lower()
                           and isinstance(inputs.get(k), str)
                           and not _REF.search(inputs[k])), None)
        prompts = [k for k in inputs if isinstance(inputs.get(k), str) and any(
            self.types.get(m.group(1).strip().split(".")[0]) == "prompt"
            for m in _REF.finditer(inputs[k]))]
        name = node.name
        if not names and not (connection and prompts):
            if connection:
                self.draft.assume(f"python-connection:{node.id}", f"python node '{name}' "
                                  f"takes connection '{connection}' but no model name or "
                                  "rendered prompt: read as a tool; model calls its code "
                                  "makes are left out of the estimate",
                                  key_pos(inputs, "connection", at))
            return False
        if names:
            key = names[0]
            value = str(inputs[key])
            via = "model" if "model" in str(key).lower() and resolve(value) is not None \
                else "deployment"
            spec.model = self.draft.model(value, inputs.value_at(key), via=via)
            spec.pos["model"] = inputs.value_at(key)
            said = f"{key}: {value}"
        else:
            spec.model = self.draft.model(None, at, default_reason=f"python node '{name}' "
                                          "names no model")
            spec.pos["model"] = at
            said = f"connection '{connection}' and the prompt {prompts[0]}"
        self.draft.assume(f"python-call:{node.id}", f"python node '{name}' is read as one "
                          f"model call ({said}); its code is not read (give calls under "
                          "steps: in agentlint.profile.yaml)", at)
        spec.origin += " calling a model"
        skip = {*names, *(k for k in inputs if "connection" in str(k).lower())}
        spec.prompt = "\n".join(f"{k}: {{{{ {v} }}}}" for k, v in node.vars.items()
                                 if k not in skip)
        spec.pos["prompt"] = key_pos(node.body, "inputs", at)
        cap = figure(inputs, "max_tokens", self.draft.file)
        if cap is not None and cap > 0:
            spec.output_cap = cap
        return True

    def aggregation(self, node: _Node, spec: StepSpec) -> None:
        """``aggregation: true``: the node runs once per batch of lines, over the lists
        of their outputs, so one line bears a share of its time.

        A model-less node's time per line is its call's time over the lines of the
        batch (the profile's ``count`` for the node, else assumed). A model node is
        priced at one call per line reading one line's outputs: its prompt's fixed
        part is really shared by the batch, so that is an upper bound.
        """
        draft = self.draft
        entry = draft.profile.step_entry(spec)
        lines = entry.values.get("count") if entry is not None else None
        at = val_pos(node.body, "aggregation", spec.at)
        if lines is None:
            lines = DEFAULT_BATCH_LINES
            draft.assume("batch", f"aggregation node '{node.name}' runs once per batch; "
                         f"a batch assumed {DEFAULT_BATCH_LINES} lines (give count under "
                         "steps: in agentlint.profile.yaml)", at)
        spec.origin += f" (aggregation: once per batch of {int(lines)} lines)"
        if spec.model is None:
            spec.per_call_s = DEFAULT_TOOL_TIME_S / lines
        else:
            draft.assume(f"aggregation:{node.id}", f"aggregation node '{node.name}' calls "
                         "its model once per batch; priced as one call per line reading "
                         "one line's outputs, an upper bound", at)

    def model(self, inputs: YMap, at: Pos) -> str:
        model = inputs.get("model")
        deployment = inputs.get("deployment_name")
        if isinstance(model, str) and model.strip() and (
                resolve(model) is not None or not deployment):
            return self.draft.model(model, inputs.value_at("model"))
        if isinstance(deployment, str) and deployment.strip():
            return self.draft.model(deployment, inputs.value_at("deployment_name"),
                                    via="deployment")
        return self.draft.model(None, at, default_reason="llm node names no model or "
                                "deployment_name")

    # -- activate ------------------------------------------------------------------------

    def conditions(self, nodes: list[_Node], specs: dict[str, StepSpec]) -> None:
        groups: dict[str, list[_Node]] = {}
        for node in nodes:
            if node.when is not None:
                groups.setdefault(node.when[1].replace(" ", ""), []).append(node)
        routed: set[str] = set()
        single: list[_Node] = []
        # `when` reads the gate's output, like an input reference: a data dependency.
        # Branches of a router depend on it through the route instead.
        gated: list[_Node] = []
        for members in groups.values():
            values: dict[str, _Node] = {}
            for node in members:
                values.setdefault(repr(node.when_value), node)
            if len(values) < 2:
                single.extend(members)
                gated.extend(members)
                continue
            assert members[0].when is not None
            router_id = members[0].when[0]
            router = specs[router_id]
            if router_id in routed:
                self.draft.assume(f"branches:{members[0].id}", f"'{members[0].name}' and "
                                  "the nodes gated like it are a second switch on "
                                  f"'{router_id}'; only the first is read as branches",
                                  members[0].when[2])
                gated.extend(members)
                continue
            routed.add(router_id)
            if router.kind == "tool":
                router.tool = None  # a python switch: a router without a model
            router.kind = "router"
            router.routes = [(n.id, val_pos(mapping(n.body.get("activate")), "is",
                                            n.when[2] if n.when else n.raw.at()))
                             for n in values.values()]
            targets = {id(n) for n in values.values()}
            gated.extend(n for n in members if id(n) not in targets)
        for node in gated:
            if node.when is not None:
                specs[node.id].reads.append((node.when[0], node.when[2]))
        if single:
            first = single[0]
            many = len(single)
            self.draft.assume("activate", f"{many} node{'s' if many > 1 else ''} run only "
                              "when an activate condition holds; assumed always to hold (the "
                              "flow gives no odds)", first.when[2] if first.when else (1, 1))
