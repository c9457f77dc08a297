"""What promptflow's executor refuses in a ``flow.dag.yaml``, checked before it is read.

promptflow builds a flow in three passes, and each refuses a flow it cannot run:

1. ``Flow.deserialize`` (``contracts/flow.py``): a node's ``type`` must be a
   ``ToolType`` (llm, python, csharp, prompt, action, custom_llm) and its
   ``activate`` must give both ``when`` and ``is``.
2. ``FlowValidator`` (``executor/flow_validator.py``): node names are unique, a
   ``${inputs.x}`` / ``${flow.x}`` names a declared input, any other ``${...}``
   names a node (``${n}`` is ``${n.output}``), a per-line node never reads an
   aggregation node, an aggregation node is not gated on a per-line one, the
   references form no cycle, and each flow output references something that
   exists.
3. ``ToolResolver`` (``executor/_tool_resolver.py``): a node needs a ``source``
   and a ``type`` to resolve its tool, and an llm node's ``api`` is one the
   built-in llm tools provide (``chat`` or ``completion``).

Only a whole value ``${...}`` is a reference there; text around it makes the
value a literal. A ``skip`` beside ``activate`` is refused as promptflow's
own test suite has it refused (the two conditions conflict). The first
violation is reported at its ``file:line:col`` in promptflow's terms.
"""

from __future__ import annotations

from typing import Any

from agentlint.adapters.common import at_of, key_pos, mapping, val_pos
from agentlint.adapters.ir import Pos
from agentlint.errors import SpecError
from agentlint.spec.positions import YMap

TOOL_TYPES = ("llm", "python", "csharp", "prompt", "action", "custom_llm")
#: tool types the python executor resolves (others need another runtime)
RESOLVED_TYPES = ("llm", "python", "prompt", "custom_llm")
LLM_APIS = ("chat", "completion")
FLOW_INPUT_PREFIXES = ("flow.", "inputs.")


def reference(value: Any) -> tuple[str, str] | None:
    """``("input", name)`` or ``("node", name)`` for a value promptflow reads as a
    reference, else None (a literal)."""
    if not isinstance(value, str) or len(value) <= 2 or not value.startswith("${") \
            or not value.endswith("}"):
        return None
    body = value[2:-1]
    for prefix in FLOW_INPUT_PREFIXES:
        if body.startswith(prefix):
            return "input", body[len(prefix):]
    return "node", body.split(".", 1)[0]


class _Check:
    def __init__(self, doc: YMap, file: str) -> None:
        self.doc, self.file = doc, file
        self.inputs = {str(k) for k in mapping(doc.get("inputs"))}

    def fail(self, at: Pos, message: str) -> SpecError:
        return SpecError(self.file, *at, message)

    def body(self, raw: YMap) -> YMap:
        """The node as the executor runs it: a ``use_variants`` node is its default
        variant's node (the reader refuses a missing variant)."""
        if raw.get("use_variants") is not True:
            return raw
        entry = mapping(mapping(self.doc.get("node_variants")).get(str(raw.get("name"))))
        options = mapping(entry.get("variants"))
        chosen = entry.get("default_variant_id") or next(iter(options), None)
        node = mapping(mapping(options.get(chosen)).get("node"))
        return node if node else raw

    def run(self) -> None:
        # a node that is no mapping with a name is the reader's to refuse
        nodes = [n for n in self.doc.get("nodes") or [] if isinstance(n, YMap) and "name" in n]
        bodies = [(raw, self.body(raw)) for raw in nodes]
        for raw, body in bodies:
            self.deserialize(raw, body)
        self.topology(bodies)
        self.outputs(bodies)
        for raw, body in bodies:
            self.tool(raw, body)

    # -- Flow.deserialize --------------------------------------------------------------

    def deserialize(self, raw: YMap, body: YMap) -> None:
        name = raw.get("name")
        kind = body.get("type")
        if "type" in body and kind not in TOOL_TYPES:
            raise self.fail(val_pos(body, "type", at_of(raw)), f"node '{name}': type "
                            f"'{kind}' is not a valid ToolType (promptflow knows "
                            f"{', '.join(TOOL_TYPES)})")
        if "activate" in body:
            activate = body.get("activate")
            if not isinstance(activate, YMap) or "when" not in activate \
                    or "is" not in activate:
                raise self.fail(key_pos(body, "activate", at_of(raw)), "The definition of "
                                f"activate config for node {name} is incorrect: promptflow "
                                "needs both 'when' and 'is'")
            if "skip" in body:
                raise self.fail(key_pos(body, "skip", at_of(raw)), f"node '{name}' has both "
                                "skip and activate config: promptflow refuses the pair")

    # -- FlowValidator -----------------------------------------------------------------

    def topology(self, bodies: list[tuple[YMap, YMap]]) -> None:
        names: set[str] = set()
        for raw, _ in bodies:
            name = str(raw.get("name"))
            if name in names:
                raise self.fail(raw.value_at("name"), f"Node with name '{name}' appears more "
                                "than once in the node definitions of the flow")
            names.add(name)
        for raw, body in bodies:
            inputs = mapping(body.get("inputs"))
            for key in inputs:
                found = reference(inputs.get(key))
                if found is not None and found[0] == "input" and found[1] not in self.inputs:
                    raise self.fail(inputs.value_at(key), f"{inputs.get(key)} refers to flow "
                                    f"input '{found[1]}', which is not declared under "
                                    f"inputs: (node '{raw.get('name')}' reads it)")
        aggregation = {str(raw.get("name")) for raw, body in bodies if _aggregation(body)}
        deps: dict[str, set[str]] = {}
        for raw, body in bodies:
            name = str(raw.get("name"))
            refs: list[tuple[str, Pos, str]] = []
            inputs = mapping(body.get("inputs"))
            for key in inputs:
                found = reference(inputs.get(key))
                if found is not None and found[0] == "node":
                    refs.append((found[1], inputs.value_at(key), str(inputs.get(key))))
            activate = body.get("activate")
            if isinstance(activate, YMap):
                found = reference(activate.get("when"))
                at = activate.value_at("when")
                if found is not None and found[0] == "node":
                    if name in aggregation and found[1] not in aggregation:
                        raise self.fail(at, f"Non-aggregation node '{found[1]}' cannot be "
                                        "referenced in the activate config of the "
                                        f"aggregation node '{name}'")
                    refs.append((found[1], at, str(activate.get("when"))))
            deps[name] = set()
            for target, at, text in refs:
                if target not in names:
                    raise self.fail(at, f"{text} refers to node '{target}', which is not in "
                                    f"nodes: (node '{name}' reads it)")
                if name not in aggregation and target in aggregation:
                    raise self.fail(at, f"Non-aggregate node '{name}' cannot reference "
                                    f"aggregate node '{target}': it runs once per batch, "
                                    "after every line")
                deps[name].add(target)
        picked: set[str] = set()
        while len(picked) < len(deps):
            ready = [n for n in deps if n not in picked and deps[n] <= picked]
            if not ready:
                left = sorted(set(deps) - picked)
                first = next(raw for raw, _ in bodies if str(raw.get("name")) in left)
                raise self.fail(first.value_at("name"), "Node circular dependency among "
                                f"the nodes {left}: each waits for another")
            picked.update(ready)

    def outputs(self, bodies: list[tuple[YMap, YMap]]) -> None:
        outputs = mapping(self.doc.get("outputs"))
        names = {str(raw.get("name")) for raw, _ in bodies}
        for key in outputs:
            out = mapping(outputs.get(key))
            value = out.get("reference", "")
            at = val_pos(out, "reference", outputs.key_at(key))
            if value == "" or value is None:
                raise self.fail(at, f"The output '{key}' for flow is incorrect: its "
                                "reference is not specified")
            found = reference(value)
            if found is None:
                continue
            if found[0] == "input" and found[1] not in self.inputs:
                raise self.fail(at, f"The output '{key}' references non-existent flow input "
                                f"'{found[1]}'")
            if found[0] == "node" and found[1] not in names:
                raise self.fail(at, f"The output '{key}' references non-existent node "
                                f"'{found[1]}'")

    # -- ToolResolver ------------------------------------------------------------------

    def tool(self, raw: YMap, body: YMap) -> None:
        name = raw.get("name")
        at = at_of(raw)
        if body.get("source") is None:
            raise self.fail(at, f"Node {name} does not have source defined: promptflow "
                            "cannot resolve its tool")
        kind = body.get("type")
        if kind is None:
            raise self.fail(at, f"Node {name} has no type: promptflow cannot resolve its "
                            "tool (Tool type None is not supported); give it "
                            f"a type: {', '.join(RESOLVED_TYPES)}")
        if kind == "llm" and "api" in body and body.get("api") not in LLM_APIS:
            raise self.fail(val_pos(body, "api", at), f"node '{name}': The API "
                            f"'{body.get('api')}' is not found (an llm node's api is "
                            f"{' or '.join(LLM_APIS)})")


def _aggregation(body: YMap) -> bool:
    return bool(body.get("aggregation") or body.get("reduce"))


def check(doc: YMap, file: str) -> None:
    """Refuse the first thing promptflow's executor would refuse in ``doc``."""
    _Check(doc, file).run()
