"""Google ADK agent config: ``root_agent.yaml`` and the files its ``config_path``s name.

- ``sub_agents: [{config_path: x.yaml}]`` (and ``AgentTool`` tools) are read
  recursively, relative to the file that names them, never from outside the
  repository. Each file is first checked against ADK's own config classes
  (:mod:`agentlint.adapters.adk_schema`): what ADK would refuse is an error.
  A ``code:`` reference or a class of the user's own is an opaque step and a
  warning that the estimate leaves its work out; ``RouterAgent`` runs its
  classifier, then one of its routes.
- Each ``LlmAgent`` is a step: its ``model`` (inherited from the nearest
  ancestor that has one), ``instruction`` as system prompt, ``tools``.
  ``output_key`` writes session state, and ``{key}`` in a later instruction
  reads it: a data dependency on the agent that wrote it last. A ``{key}``
  nobody writes is a run input.
- Containers become structure: ``SequentialAgent`` a chain, ``ParallelAgent``
  branches that start together, ``LoopAgent`` a loop of ``max_iterations``
  rounds (exiting early when an agent has the ``exit_loop`` tool). Execution
  is ``dag``.
- An ``LlmAgent`` with ``sub_agents`` hands the conversation to one of them at
  run time: a router over them, shares equal unless the profile says.
- With ``include_contents`` left at its default, an agent sees the whole
  conversation: the user's message and every earlier agent's reply. Those
  are added as dependencies and the step is marked ``implicit_context``.
- ``AgentTool`` agents run as tool calls of their parent: steps before it,
  one more model call of the parent each.
- An agent whose only tools are built into the model's call (``google_search``,
  ``url_context``, ...) or end its turn (``exit_loop``: no call follows its
  response) makes one call; other tools are a tool loop (assumed calls).

Only ``root_agent.yaml`` is recognised on its own (ADK's entry point), so the
files it includes are not read a second time as workflows of their own; pass
``--input-format adk`` to read another file as the root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.adk_schema import CLASS_KEYS, agent_class, check
from agentlint.adapters.common import at_of, clamp, figure, mapping, val_pos
from agentlint.adapters.files import read_inside
from agentlint.adapters.ir import (
    DEFAULT_INPUT_TOKENS,
    DEFAULT_MODEL,
    DEFAULT_TOOL_LOOP_CALLS,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.adapters.lower import Draft
from agentlint.adapters.names import ROOT_NAMES
from agentlint.adapters.templates import brace_runs
from agentlint.errors import SpecError
from agentlint.paths import MAX_SPEC_BYTES, shown_beside
from agentlint.spec import catalog
from agentlint.spec.load import DEFAULT_OUTPUT_TOKENS
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap, YSeq
from agentlint.spec.tokens import find_refs
from agentlint.spec.yamlload import load_text

LLM_CLASSES = ("LlmAgent", "Agent", "")
CONTAINER_CLASSES = ("SequentialAgent", "ParallelAgent", "LoopAgent", "RouterAgent")
MAX_DEPTH = 32
MAX_FILES = 1000
EXIT_TOOLS = ("exit_loop",)
#: what an agent that hands the conversation over writes: a transfer_to_agent call
TRANSFER_TOKENS = 20.0
#: tools that end the agent's turn: they escalate with ``skip_summarization``, so no
#: model call follows their response (``tools/exit_loop_tool.py``)
END_TURN_TOOLS = ("exit_loop", "exit_current_loop")
#: ADK's built-in tools that the model runs itself, inside the one call (they add a
#: ``types.Tool`` to the request: Gemini's search, URL and Maps grounding)
BUILTIN_TOOLS = ("google_search", "url_context", "enterprise_web_search",
                 "google_maps_grounding")


class AdkAdapter:
    name = "adk"

    def sniff(self, path: str, text: str) -> bool:
        return os.path.basename(path).lower() in ROOT_NAMES and "name:" in text

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return _Reader(path, text, display, root).read()


@dataclass(slots=True)
class _Agent:
    raw: YMap
    file: str  # shown name of the file that defines it
    path: str
    rel: str  # that file, relative to the root file's folder
    anchor: Pos  # where it is named in the root file
    in_root: bool
    cls: str = "LlmAgent"
    name: str = ""
    children: list[_Agent] = field(default_factory=list)
    agent_tools: list[_Agent] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    code: str | None = None

    def at(self, key: str) -> Pos:
        return val_pos(self.raw, key, self.anchor) if self.in_root else self.anchor


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.draft = Draft("adk", path, display, text, root)
        self.file = display
        self.root_dir = os.path.dirname(os.path.abspath(path))
        self.text = text
        self.files = 0
        self.writers: dict[str, str] = {}  # state key -> step id that wrote it last
        #: transfer steps: what follows them reads the conversation handed over
        self.handoffs: set[str] = set()
        #: agents that hand the conversation over: their reply is the transfer call
        self.transfers: set[str] = set()
        self.loop_depth = 0
        #: inside an AgentTool's agent (it sees session state, not the conversation)
        self.tool_depth = 0

    # -- reading the tree ----------------------------------------------------------------

    def read(self) -> Workflow:
        doc = load_text(self.text, self.file)
        if not isinstance(doc, YMap):
            raise SpecError(self.file, *at_of(doc), "an ADK agent config must be a YAML "
                            "mapping")
        path = os.path.realpath(self.draft.path)
        root = self.agent(doc, self.file, path, key_anchor(doc), True, [path], 0)
        self.draft.name = root.name or None
        self.build(root, [], [], None)
        return self.draft.finish()

    def agent(self, raw: YMap, file: str, path: str, anchor: Pos, in_root: bool,
              stack: list[str], depth: int) -> _Agent:
        if depth > MAX_DEPTH:
            raise SpecError(file, *at_of(raw), f"agents nested deeper than {MAX_DEPTH} "
                            "levels")
        cls = agent_class(raw, file)
        check(raw, file, cls)
        rel = os.path.relpath(path, self.root_dir).replace(os.sep, "/")
        node = _Agent(raw, file, path, rel, anchor, in_root, cls,
                      str(raw.text("name")) if "name" in raw else "")
        if not node.name:
            raise SpecError(file, *at_of(raw), "an ADK agent needs a name")
        subs = raw.get("sub_agents")
        if subs is not None and not isinstance(subs, YSeq):
            raise SpecError(file, *raw.value_at("sub_agents"), "sub_agents must be a list")
        if subs is None:
            subs = YSeq()
        for index, item in enumerate(subs):
            at = subs.item_at(index)
            node.children.append(self.reference(item, file, path, at, anchor if not in_root
                                                else at, in_root, stack, depth))
        tools = raw.get("tools")
        if not isinstance(tools, YSeq):
            tools = YSeq()
        for index, entry in enumerate(tools):
            tool = mapping(entry) if not isinstance(entry, str) else YMap()
            name = str(entry) if isinstance(entry, str) else str(tool.get("name") or "tool")
            if name.rsplit(".", 1)[-1] == "AgentTool":
                target = mapping(mapping(tool.get("args")).get("agent"))
                at = tools.item_at(index)
                if "config_path" in target or "code" in target:
                    node.agent_tools.append(self.reference(
                        target, file, path, at, anchor if not in_root else at, in_root,
                        stack, depth))
                    continue
            node.tools.append(name)
        return node

    def reference(self, item: Any, file: str, path: str, at: Pos, anchor: Pos,
                  in_root: bool, stack: list[str], depth: int) -> _Agent:
        ref = mapping(item)
        if "code" in ref and "config_path" not in ref:
            rel = os.path.relpath(path, self.root_dir).replace(os.sep, "/")
            code = _Agent(ref, file, path, rel, anchor, in_root, "code",
                          str(ref.get("code")))
            code.code = str(ref.get("code"))
            return code
        if "config_path" not in ref:
            raise SpecError(file, *at, "a sub-agent is {config_path: file.yaml} or "
                            "{code: module.name}")
        target = ref.get("config_path")
        where = ref.value_at("config_path")
        self.files += 1
        if self.files > MAX_FILES:
            raise SpecError(file, *where, f"more than {MAX_FILES} agent config files")
        real, text = read_inside(str(target), os.path.dirname(path), self.draft.root, file,
                                 where, "config_path", limit=MAX_SPEC_BYTES)
        real = os.path.realpath(real)
        if real in stack:
            raise SpecError(file, *where, f"config_path '{target}' includes a file that "
                            "includes it (a cycle of agent configs)")
        shown = shown_beside(real, self.file, self.root_dir)
        self.draft.sources.append(shown)
        doc = load_text(text, shown)
        if not isinstance(doc, YMap):
            raise SpecError(shown, *at_of(doc), "an ADK agent config must be a YAML mapping")
        return self.agent(doc, shown, real, anchor if not in_root else where, False,
                          [*stack, real], depth + 1)

    # -- the graph -----------------------------------------------------------------------

    def build(self, agent: _Agent, preds: list[str], ancestors: list[str],
              model: str | None) -> tuple[list[str], list[str], list[str]]:
        """Add the steps of ``agent``; returns (entries, exits, model steps added)."""
        if agent.cls in LLM_CLASSES:
            return self.llm(agent, preds, ancestors, model)
        if agent.cls not in CLASS_KEYS and not agent.code and "instruction" in agent.raw:
            # a class of the user's own configured like an LlmAgent: read as one, said so
            self.unmodelled(agent, model, read_as="an LlmAgent")
            return self.llm(agent, preds, ancestors, model)
        own = agent.raw.get("model")
        model = str(own) if isinstance(own, str) and own.strip() else model
        if agent.cls == "RouterAgent":
            return self.router_agent(agent, preds, ancestors, model)
        entries: list[str] = []
        added: list[str] = []
        if agent.cls == "ParallelAgent":
            exits: list[str] = []
            for child in agent.children:
                e, x, a = self.build(child, preds, ancestors, model)
                entries += e
                exits += x
                added += a
            return entries, exits or preds, added
        if agent.cls in ("SequentialAgent", "LoopAgent"):
            first_step = len(self.draft.steps)
            if agent.cls == "LoopAgent":
                self.loop_depth += 1
            current = preds
            for child in agent.children:
                e, x, a = self.build(child, current, ancestors + added, model)
                entries = entries or e
                current = x or current
                added += a
            if agent.cls == "LoopAgent":
                self.loop_depth -= 1
                self.loop(agent, first_step)
            return entries, current, added
        return self.opaque(agent, preds, ancestors, model)

    def llm(self, agent: _Agent, preds: list[str], ancestors: list[str],
            inherited: str | None) -> tuple[list[str], list[str], list[str]]:
        draft, raw = self.draft, agent.raw
        own = raw.get("model")
        name = str(own) if isinstance(own, str) and own.strip() else inherited
        spec = StepSpec(draft.new_id(agent.name, "agent"), agent.anchor,
                        origin=f"adk {agent.cls} '{agent.name}'" + (
                            "" if agent.in_root else f" ({agent.rel})"),
                        names=(agent.name,))
        if agent.in_root:
            spec.at = raw.key_at("name")
        spec.pos["id"] = agent.at("name")
        spec.model = draft.model(name, agent.at("model"), default_reason=f"ADK agent "
                                 f"'{agent.name}' and its ancestors name no model")
        spec.pos["model"] = agent.at("model")
        # AgentTools run inside this agent's turn, before its final answer. The model
        # writes each request after reading the answers before it: one tool per model
        # call (the calls counted below), so each reads the one listed before it.
        tool_exits: list[str] = []
        added: list[str] = []
        # An AgentTool runs its agent on a copy of the session state (so it reads what
        # earlier agents wrote) but not on the conversation: only the request it is sent.
        self.tool_depth += 1
        before: list[str] = []
        for tool_agent in agent.agent_tools:
            e, x, a = self.build(tool_agent, preds, ancestors, name)
            by_id = {s.id: s for s in draft.steps}
            for entry in e:
                if entry in by_id:
                    by_id[entry].reads += [(b, agent.at("tools")) for b in before]
            before = x or before
            tool_exits += a
            added += a
        self.tool_depth -= 1
        if len(agent.agent_tools) > 1:
            draft.assume(f"agent-tools:{agent.name}", f"the {len(agent.agent_tools)} "
                         f"AgentTools of '{agent.name}' are assumed called one after "
                         "another, in the order listed, one per model call",
                         agent.at("tools"))
        current = preds
        instruction = raw.get("instruction")
        instruction = instruction if isinstance(instruction, str) else ""
        spec.system = self.state_refs(instruction, agent.at("instruction"), ancestors)
        spec.pos["system"] = agent.at("instruction")
        static = raw.get("static_instruction")
        if isinstance(static, str) and static.strip():
            # sent first and literally (no {key} filling); the instruction follows it
            spec.system = static.replace("{{", "{ {") + "\n\n" + spec.system
        # what it reads from session state: the agents whose output_key wrote it
        spec.reads = [(name, agent.at("instruction")) for ns, name, _ in
                      find_refs(spec.system) if ns == "steps"]
        history = str(raw.get("include_contents") or "default") != "none"
        if history:
            user = draft.input("user_message", agent.anchor)
            spec.prompt = "{{ inputs." + user + " }}"
            # the conversation holds earlier replies; a transfer call carries no text
            earlier = [s for s in ancestors if s != spec.id and s not in self.transfers] \
                if not self.tool_depth else []
            if earlier:
                spec.context = [(s, agent.anchor) for s in earlier]
                spec.implicit_context = True
        spec.context += [(s, agent.anchor) for s in tool_exits]
        spec.context += [(p, agent.anchor) for p in current if p in self.handoffs]
        spec.needs = [(p, agent.anchor) for p in current
                      if p not in {c for c, _ in spec.context}]
        calls = 1 + len(agent.agent_tools)
        looping = [t for t in agent.tools
                   if t.rsplit(".", 1)[-1] not in (*END_TURN_TOOLS, *BUILTIN_TOOLS)]
        if looping:
            spec.calls, spec.calls_assumed = int(clamp(
                "calls", DEFAULT_TOOL_LOOP_CALLS + len(agent.agent_tools))), True
        elif calls > 1:
            spec.calls = int(clamp("calls", calls))
            spec.origin += f" (calls {len(agent.agent_tools)} agent tool(s))"
        cap = figure(mapping(raw.get("generate_content_config")), "max_output_tokens",
                     agent.file)
        if cap is not None and cap > 0:
            spec.output_cap = cap
        draft.steps.append(spec)
        added.append(spec.id)
        # A tool list names tools; the step's agent bundle keeps them for the rules.
        if agent.tools:
            draft.agents[spec.id] = {"at": spec.at, "model": spec.model,
                                     "tools": [draft.tool(t, spec.at) for t in agent.tools]}
            spec.agent = spec.id
        key = raw.get("output_key")
        if isinstance(key, str) and key:
            self.writers[key] = spec.id
        if not agent.children:
            return [spec.id] if not tool_exits else tool_exits[:1], [spec.id], added
        # An LlmAgent with sub_agents transfers the conversation to one of them: what it
        # writes is a transfer_to_agent call, a few tokens, unless a cap says less.
        spec.kind = "router"
        self.transfers.add(spec.id)
        if spec.output_cap is None or spec.output_cap > TRANSFER_TOKENS:
            spec.output_tokens = TRANSFER_TOKENS
            draft.assume(f"transfer:{spec.id}", f"'{agent.name}' answers with a transfer "
                         f"to one of its sub-agents: its output assumed {TRANSFER_TOKENS:g} "
                         "tokens (a transfer_to_agent call); give output_tokens in "
                         "agentlint.profile.yaml", spec.at)
        exits = [spec.id]
        for child in agent.children:
            start = [spec.id]
            if child.cls in CONTAINER_CLASSES:
                # The transfer itself, so that every agent of the container is on its branch.
                hand = StepSpec(draft.new_id(child.name, "agent"), child.anchor,
                                kind="aggregate", output_tokens=0.0,
                                origin=f"adk transfer to {child.cls} '{child.name}'",
                                names=(child.name,))
                draft.steps.append(hand)
                self.handoffs.add(hand.id)
                spec.routes.append((hand.id, child.anchor))
                start = [hand.id]
            e, x, a = self.build(child, start, [*ancestors, spec.id], name)
            if e and start == [spec.id]:
                spec.routes.append((e[0], child.anchor))
            exits += x
            added += a
        return [spec.id], exits, added

    def loop(self, agent: _Agent, first_step: int) -> None:
        body = [s.id for s in self.draft.steps[first_step:]]
        if not body:
            return
        if self.loop_depth > 0:  # loops cannot overlap in the native format
            self.draft.assume(f"nested-loop:{agent.name}", f"LoopAgent '{agent.name}' runs "
                              "inside another loop; only the outer loop's rounds are "
                              "counted", agent.anchor)
            return
        bound = agent.raw.get("max_iterations")
        if isinstance(bound, float) and not bound.is_integer():
            bound = None  # not a count; the loop is read as unbounded
        else:
            bound = figure(agent.raw, "max_iterations", agent.file) \
                if isinstance(bound, (int, float)) else None
        bound = int(bound) if bound else None
        exits = any(t in EXIT_TOOLS for t in self._tools_below(agent))
        self.draft.loops.append(LoopSpec(
            self.draft.new_id(agent.name, "loop"), agent.at("max_iterations"), body, bound,
            until="an agent calls exit_loop" if exits else None, names=(agent.name,)))

    def _tools_below(self, agent: _Agent) -> list[str]:
        out = list(agent.tools)
        for child in agent.children:
            out += self._tools_below(child)
        return out

    def opaque(self, agent: _Agent, preds: list[str], ancestors: list[str],
               model: str | None) -> tuple[list[str], list[str], list[str]]:
        """An agent whose behaviour is code agentlint does not read: one tool step (its
        code's own time, free unless the profile says), then its sub-agents, each once
        and one after another, and a warning that the estimate leaves its work out."""
        what = agent.code or agent.cls
        spec = StepSpec(self.draft.new_id(agent.name, "agent"), agent.anchor, kind="tool",
                        origin=f"adk {'code reference' if agent.code else 'custom agent'} "
                        f"'{what}' (not read)", names=(agent.name,))
        spec.tool = self.draft.tool(what, agent.anchor)
        # its code gets the whole session (events and state): what came before is data
        spec.reads = [(p, agent.anchor) for p in preds]
        self.draft.steps.append(spec)
        self.unmodelled(agent, model)
        current: list[str] = [spec.id]
        added: list[str] = []
        for child in agent.children:
            _, x, a = self.build(child, current, ancestors + added, model)
            current = x or current
            added += a
        return [spec.id], current, added

    def unmodelled(self, agent: _Agent, model: str | None, read_as: str | None = None
                   ) -> None:
        """Warn, at the agent, that the estimate leaves out what its code does."""
        what = f"code reference '{agent.code}'" if agent.code else \
            f"agent class '{agent.cls}' of '{agent.name}'"
        name = model or self.draft.profile.default_model or DEFAULT_MODEL
        found = catalog.model(catalog.resolve(name) or DEFAULT_MODEL)
        per_call = "a model call"
        if found is not None:
            cost, time = call_price(found.input_per_mtok, found.output_per_mtok,
                                    found.ttft_s, found.tokens_per_s)
            per_call = f"${cost:.2g} and {time:.2g} s per {found.name} call of " \
                f"{DEFAULT_INPUT_TOKENS:g} tokens in and {DEFAULT_OUTPUT_TOKENS:g} out"
        if read_as is not None:
            message = f"{what} is no class ADK configures: read as " \
                f"{read_as} from its keys, but its own code decides its model calls, so " \
                f"the estimate is off by {per_call} for each call more or fewer"
        else:
            children = f" (its {len(agent.children)} sub-agent(s) counted once each, one " \
                "after another)" if agent.children else ""
            message = f"{what} is not modelled: the estimate counts it " \
                f"as a free tool step{children}, so cost and time are low by whatever " \
                f"its code runs, {per_call} for each model call it makes"
        self.draft.assume(f"unmodelled:{agent.name}", f"{message}; give its figures in "
                          "agentlint.profile.yaml or convert it to a native spec",
                          agent.anchor)

    def router_agent(self, agent: _Agent, preds: list[str], ancestors: list[str],
                     model: str | None) -> tuple[list[str], list[str], list[str]]:
        """ADK's RouterAgent: its classifier sub-agent runs, then the one sub-agent its
        routes (or default_route) name for the classifier's answer."""
        raw = agent.raw
        by_name = {child.name: child for child in agent.children}
        classifier = by_name.get(str(raw.get("classifier_agent_name")))
        if classifier is None:
            raise SpecError(agent.file, *agent.at("classifier_agent_name"),
                            f"classifier_agent_name: Classifier agent "
                            f"'{raw.get('classifier_agent_name')}' not found in sub_agents.")
        entries, exits, added = self.build(classifier, preds, ancestors, model)
        choose = StepSpec(self.draft.new_id(agent.name, "agent"), agent.anchor,
                          kind="router", output_tokens=0.0, names=(agent.name,),
                          origin=f"adk RouterAgent '{agent.name}': the route the "
                          "classifier's answer picks")
        choose.prompt = "\n".join("{{ steps." + x + ".output }}" for x in exits)
        self.draft.steps.append(choose)
        routes = mapping(raw.get("routes"))
        targets = [str(v) for v in routes.values()]
        if isinstance(raw.get("default_route"), str) and raw["default_route"]:
            targets.append(str(raw["default_route"]))
        out: list[str] = []
        for target in dict.fromkeys(targets):
            child = by_name.get(target)
            if child is None:
                raise SpecError(agent.file, *agent.at("routes"), f"routes: Target route "
                                f"agent '{target}' was not found in sub_agents.")
            start = [choose.id]
            if child.cls in CONTAINER_CLASSES:
                hand = StepSpec(self.draft.new_id(child.name, "agent"), child.anchor,
                                kind="aggregate", output_tokens=0.0, names=(child.name,),
                                origin=f"adk route to {child.cls} '{child.name}'")
                hand.needs = [(choose.id, child.anchor)]
                self.draft.steps.append(hand)
                self.handoffs.add(hand.id)
                choose.routes.append((hand.id, child.anchor))
                start = [hand.id]
            e, x, a = self.build(child, start, ancestors + added, model)
            if e and start == [choose.id]:
                choose.routes.append((e[0], child.anchor))
            out += x
            added += a
        return entries, out or [choose.id], added

    def state_refs(self, text: str, at: Pos, ancestors: list[str]) -> str:
        """``{key}`` (ADK state interpolation) as agentlint references."""
        earlier = set(ancestors)

        def swap(whole: str, body: str) -> str:
            key = body.strip().rstrip("?")  # {key?} is optional: same reference
            bare = key.split(":", 1)[1] if key.split(":", 1)[0] in ("app", "user", "temp") \
                else key
            if bare.startswith("artifact."):
                bare = bare[len("artifact."):]
            if not bare.replace(".", "_").isidentifier():
                return whole.replace("{{", "{ {")
            writer = self.writers.get(key)
            if writer is not None and writer in earlier:
                return "{{ steps." + writer + ".output }}"
            if writer is not None:
                return whole.replace("{{", "{ {")  # written later: a loop carries it
            name = self.draft.input(key.replace(":", "_").replace(".", "_"), at)
            return "{{ inputs." + name + " }}"

        # ADK's own pattern, {+[^{}]*}+, scanned in linear time
        out: list[str] = []
        last = 0
        for start, end, body_start, body_end in brace_runs(text):
            out += (text[last:start], swap(text[start:end], text[body_start:body_end]))
            last = end
        out.append(text[last:])
        return "".join(out)


def call_price(input_per_mtok: float | None, output_per_mtok: float | None,
               ttft_s: float | None, tokens_per_s: float | None) -> tuple[float, float]:
    """Cost and seconds of one call of the assumed size on a model's prices."""
    cost = (DEFAULT_INPUT_TOKENS * (input_per_mtok or 0.0)
            + DEFAULT_OUTPUT_TOKENS * (output_per_mtok or 0.0)) / 1e6
    time = (ttft_s or 0.0) + (DEFAULT_OUTPUT_TOKENS / tokens_per_s if tokens_per_s else 0.0)
    return cost, time


def key_anchor(doc: YMap) -> Pos:
    return doc.key_at("name") if "name" in doc else doc.at()
